// Calibration pages. On the sessions' list (the site's own), the set-up form sends a calibration.session document
// and opens the session's page once sor watch has made it; on a session's page, each call's form sends that
// evaluator's calibration.answers document. Both are WebDAV PUTs to api/edits/NAME.json, filed under the signed-in
// user, followed through api/edit-status/NAME.json until sor watch has applied or refused them (README "Edit documents").

/** A new session's id: the day and a random suffix, so the page can be opened as soon as it exists. */
export function sessionID(now = new Date()) {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `kal-${day}-${Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0')}`;
}

/** The document that sets up a session. */
export function sessionDocument(id, title, calls, evaluators) {
  return { schema: 1, type: 'calibration.session', id, title, calls, evaluators };
}

/** The document of one evaluator's answers to one call's card; null when a criterion is left unanswered. */
export function answersDocument(session, call, card, answers, comment) {
  if (Object.values(answers).some((value) => value === '')) return null;
  const document = { schema: 1, type: 'calibration.answers', session, call, card, answers };
  if (comment) document.comment = comment;
  return document;
}

function documentName(kind) {
  return `${kind}-${Date.now()}-${Math.floor(Math.random() * 1e9).toString(36)}.json`;
}

async function send(api, kind, body) {
  const name = documentName(kind);
  const response = await fetch(`${api}edits/${name}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { name, ok: response.ok, status: response.status };
}

/** The watcher's verdict on a sent document: {state: 'applied'|'rejected', reason}, or null after ten minutes. */
async function verdict(api, name) {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    let response;
    try {
      response = await fetch(`${api}edit-status/${name}`, { cache: 'no-store' });
    } catch {
      continue;
    }
    if (response.status === 200) return response.json();
  }
  return null;
}

function show(element, text, kind) {
  element.textContent = text;
  element.className = `calibration-state ${kind}`;
  element.closest('form').dataset.state = kind;
}

/** Waits until the sessions' list names the session (its page is written before the list), for two minutes. */
async function listed(id) {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const response = await fetch('index.html', { cache: 'no-store' });
    if (response.ok && (await response.text()).includes(`data-session="${id}"`)) return true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return false;
}

const create = document.getElementById('calibration-new');
if (create) {
  const t = create.dataset;
  create.addEventListener('submit', async (event) => {
    event.preventDefault();
    const state = create.querySelector('.calibration-state');
    const picked = [...create.querySelectorAll('input[name=evaluator]:checked')].map((box) => box.value);
    const typed = (create.querySelector('#calibration-evaluators')?.value ?? '').split(',').map((login) => login.trim()).filter(Boolean);
    const calls = [...create.querySelectorAll('input[name=call]:checked')].map((box) => box.value)
      .concat(create.querySelector('#calibration-ids').value.split(/\s+/).filter(Boolean));
    const id = sessionID();
    const sent = await send(t.api, 'calibration', sessionDocument(id, create.querySelector('#calibration-title').value, calls, picked.concat(typed)));
    if (!sent.ok) {
      show(state, `${t.tFailed} (HTTP ${sent.status})`, 'refused');
      return;
    }
    show(state, t.tPending, 'pending');
    const status = await verdict(t.api, sent.name);
    if (status?.state === 'applied') {
      if (await listed(id)) window.location.href = `${id}.html`;
    } else if (status) {
      show(state, `${t.tRefused}: ${status.reason}`, 'refused');
    }
  });
}

const session = document.getElementById('calibration');
if (session) {
  const t = session.dataset;
  session.addEventListener('submit', async (event) => {
    const form = event.target.closest('form.calibration-answers');
    if (!form) return;
    event.preventDefault();
    const state = form.querySelector('.calibration-state');
    const answers = {};
    for (const select of form.querySelectorAll('select.calibration-answer')) answers[select.name] = select.value;
    const body = answersDocument(t.session, form.dataset.call, form.dataset.card, answers, form.querySelector('.calibration-comment').value.trim());
    if (!body) {
      show(state, t.tMissing, 'refused');
      return;
    }
    const sent = await send(t.api, "calibration-answers", body);
    if (!sent.ok) {
      show(state, `${t.tFailed} (HTTP ${sent.status})`, 'refused');
      return;
    }
    show(state, t.tPending, 'pending');
    const status = await verdict(t.api, sent.name);
    if (status?.state === 'applied') show(state, t.tSent, 'sent');
    else if (status) show(state, `${t.tRefused}: ${status.reason}`, 'refused');
  });
}
