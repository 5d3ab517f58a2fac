// Corrections on the call page. The page is static: a correction is a small JSON edit document sent by HTTP PUT
// to api/edits/<name>.json, which nginx stores in inbox/edits/<user>/ under the signed-in user's name. sor watch
// applies it (or rejects it with a reason) and writes api/edit-status/<name>.json, which this module polls.
// Edits sent and not yet settled are remembered in localStorage, so a reload keeps showing them.
// Plain ES module, no dependencies.

const root = document.getElementById('call');
const transcript = document.getElementById('transcript');
const messages = document.getElementById('edit-messages');

/** The edit document that changes the text of one segment (schema 1, see README "Edit documents"). */
export function textEdit(call, revision, segment, text) {
  return { schema: 1, type: 'transcript.text', call, base_revision: revision, segment, text };
}

/**
 * The edit document of an evaluator's answers on one scorecard form: every criterion given an answer, "auto" for
 * one whose manual answer is taken back, comments per criterion, and the overall comment.
 */
export function evaluationEdit(form, call, revision) {
  const answers = {};
  const comments = {};
  for (const select of form.querySelectorAll('select')) {
    if (select.value) answers[select.name] = select.value;
    else if (select.dataset.manual) answers[select.name] = 'auto';
  }
  for (const input of form.querySelectorAll('input[name^="comment-"]')) {
    const text = input.value.trim();
    if (text) comments[input.name.slice('comment-'.length)] = text;
  }
  const document_ = { schema: 1, type: 'evaluation.manual', call, base_revision: revision, card: form.dataset.card, answers };
  if (Object.keys(comments).length) document_.comments = comments;
  const overall = form.querySelector('textarea[name="comment"]')?.value.trim();
  if (overall) document_.comment = overall;
  return document_;
}

/** A file name no other edit will have: call id, time, randomness. */
export function editName(call, now = Date.now(), random = Math.random) {
  return `${call}-${now}-${Math.floor(random() * 1e9).toString(36)}.json`;
}

const storageKey = (call) => `sor-pending-edits-${call}`;

function pending(call) {
  try {
    return JSON.parse(localStorage.getItem(storageKey(call)) || '[]');
  } catch {
    return [];
  }
}

function setPending(call, names) {
  try {
    if (names.length) localStorage.setItem(storageKey(call), JSON.stringify(names));
    else localStorage.removeItem(storageKey(call));
  } catch {
    // Private browsing without storage: the message on screen is enough.
  }
}

function message(name, text, kind) {
  let element = messages.querySelector(`[data-edit="${CSS.escape(name)}"]`);
  if (!element) {
    element = document.createElement('p');
    element.dataset.edit = name;
    messages.append(element);
  }
  element.className = `message ${kind}`;
  element.textContent = text;
  return element;
}

/** Polls the status of a sent edit until it is applied or rejected. */
async function follow(name) {
  const t = root.dataset;
  message(name, t.tPending, 'pending');
  for (let attempt = 0; attempt < 600; attempt += 1) {
    try {
      const response = await fetch(`${t.api}edit-status/${name}`, { cache: 'no-store' });
      if (response.status === 200) {
        const status = await response.json();
        setPending(t.call, pending(t.call).filter((other) => other !== name));
        if (status.state === 'applied') {
          message(name, t.tApplied, 'applied');
          setTimeout(() => location.reload(), 800);
        } else {
          message(name, `${t.tRejected}: ${status.reason}`, 'rejected');
        }
        return;
      }
    } catch {
      // The server may be restarting; try again.
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function send(document_) {
  const t = root.dataset;
  const name = editName(t.call);
  const response = await fetch(`${t.api}edits/${name}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(document_),
  });
  if (!response.ok) {
    message(name, `${t.tFailed} (HTTP ${response.status})`, 'failed');
    return;
  }
  setPending(t.call, [...pending(t.call), name]);
  follow(name);
}

function openEditor(segment) {
  if (segment.querySelector('form')) return;
  const t = root.dataset;
  const paragraph = segment.querySelector('.text');
  const form = document.createElement('form');
  const area = document.createElement('textarea');
  area.name = 'text';
  area.value = paragraph.textContent.replace(/\s+/g, ' ').trim();
  const save = document.createElement('button');
  save.type = 'submit';
  save.textContent = t.tSave;
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.textContent = t.tCancel;
  const buttons = document.createElement('div');
  buttons.append(save, cancel);
  form.append(area, buttons);
  paragraph.hidden = true;
  paragraph.after(form);
  area.focus();
  cancel.addEventListener('click', () => {
    form.remove();
    paragraph.hidden = false;
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = area.value.trim();
    form.remove();
    paragraph.hidden = false;
    if (!text) return;
    paragraph.classList.add('pending');
    send(textEdit(t.call, Number(t.revision), Number(segment.dataset.segment), text));
  });
}

const evaluationSection = document.getElementById('evaluation');
if (root && evaluationSection) {
  evaluationSection.addEventListener('submit', (event) => {
    const form = event.target.closest('form.card');
    if (!form) return;
    event.preventDefault();
    const document_ = evaluationEdit(form, root.dataset.call, Number(root.dataset.revision));
    if (!Object.keys(document_.answers).length) {
      message(`eval-${form.dataset.card}`, root.dataset.tChoose, 'failed');
      return;
    }
    send(document_);
  });
}

if (root && transcript) {
  transcript.addEventListener('click', (event) => {
    const button = event.target.closest('.edit');
    if (button) openEditor(button.closest('.segment'));
  });
  for (const name of pending(root.dataset.call)) follow(name);
}
