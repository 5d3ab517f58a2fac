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

/** The edit documents that correct speakers, roles and utterances (calls with an analysis). */
export function utteranceTextEdit(call, revision, utterance, text) {
  return { schema: 1, type: 'utterance.text', call, base_revision: revision, utterance, text };
}

export function swapRolesEdit(call, revision) {
  return { schema: 1, type: 'roles.swap', call, base_revision: revision };
}

export function speakerRoleEdit(call, revision, speaker, role) {
  return { schema: 1, type: 'speaker.role', call, base_revision: revision, speaker, role };
}

export function renameEdit(call, revision, speaker, name) {
  return { schema: 1, type: 'speaker.rename', call, base_revision: revision, speaker, name };
}

export function utteranceSpeakerEdit(call, revision, utterance, speaker) {
  return { schema: 1, type: 'utterance.speaker', call, base_revision: revision, utterance, speaker };
}

/** Splits `utterance` before its word `atWord`; the second part keeps the speaker unless `speaker` is given. */
/** Erases the call (an admin's; the reason goes into the audit). */
export function deleteEdit(call, revision, reason) {
  return { schema: 1, type: 'call.delete', call, base_revision: revision, reason };
}

export function splitEdit(call, revision, utterance, atWord, speaker) {
  const document_ = { schema: 1, type: 'utterance.split', call, base_revision: revision, utterance, at_word: atWord };
  if (speaker) document_.speaker = speaker;
  return document_;
}

/**
 * The edit document of an evaluator's answers on one scorecard form: every criterion given an answer, "auto" for
 * one whose manual answer is taken back, comments per criterion, and the overall comment.
 */
export function evaluationEdit(form, call, revision) {
  const answers = {};
  const comments = {};
  for (const select of form.querySelectorAll('td.manual select')) {
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

/** An agent's dispute of one criterion's answer, with the answer they ask for and why. */
export function disputeEdit(call, revision, card, criterion, answer, comment) {
  return { schema: 1, type: 'evaluation.dispute', call, base_revision: revision, card, criterion, answer, comment };
}

/** A team lead's or evaluator's decision on a dispute: accepted (its answer counts) or rejected, with the reason. */
export function resolveEdit(call, revision, dispute, decision, comment) {
  return { schema: 1, type: 'evaluation.dispute.resolve', call, base_revision: revision, dispute, decision, comment };
}

/** A coaching note (Markdown) on the call, or through it on its agent. */
export function coachingEdit(call, revision, note, about) {
  return { schema: 1, type: 'coaching.note', call, base_revision: revision, note, about };
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
        if (status.state === 'applied' && deletions.has(name)) {
          // The call is gone: its page too, once the site is published again.
          message(name, t.tDeleted, 'applied');
          setTimeout(() => { location.href = `${t.root}calls.html`; }, 800);
        } else if (status.state === 'applied') {
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

/** The names of sent deletions: once applied, the page leaves for the calls list. */
const deletions = new Set();

async function send(document_) {
  const t = root.dataset;
  const name = editName(t.call);
  if (document_.type === 'call.delete') deletions.add(name);
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
  stopSplitting();
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
    if (segment.dataset.utterance !== undefined) {
      send(utteranceTextEdit(t.call, Number(t.revision), Number(segment.dataset.utterance), text));
    } else {
      send(textEdit(t.call, Number(t.revision), Number(segment.dataset.segment), text));
    }
  });
}

/** Split mode: the utterance waits for a click on the word its second part starts with. */
let splitting = null;

function stopSplitting() {
  if (!splitting) return;
  splitting.classList.remove('splitting');
  splitting.querySelector('.split-hint')?.remove();
  splitting = null;
}

function startSplitting(utterance) {
  const wasThis = splitting === utterance;
  stopSplitting();
  if (wasThis) return; // a second click on ✂ cancels
  splitting = utterance;
  utterance.classList.add('splitting');
  const hint = document.createElement('p');
  hint.className = 'split-hint';
  hint.textContent = root.dataset.tSplitHint;
  utterance.querySelector('.text').after(hint);
}

/** An inline form for a speaker's display name, beside its "rename" button. */
function openRename(button) {
  const row = button.closest('.speaker-row');
  if (!row || row.querySelector('form')) return;
  const t = root.dataset;
  const form = document.createElement('form');
  form.className = 'rename-form';
  const input = document.createElement('input');
  input.type = 'text';
  input.name = 'name';
  input.maxLength = 80;
  input.value = button.dataset.name || '';
  input.placeholder = t.tName;
  input.setAttribute('aria-label', t.tName);
  const save = document.createElement('button');
  save.type = 'submit';
  save.textContent = t.tSave;
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.textContent = t.tCancel;
  form.append(input, save, cancel);
  button.after(form);
  button.hidden = true;
  input.focus();
  const close = () => {
    form.remove();
    button.hidden = false;
  };
  cancel.addEventListener('click', close);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = input.value.trim();
    close();
    if (!name || name === (button.dataset.name || '')) return;
    row.classList.add('pending');
    send(renameEdit(t.call, Number(t.revision), button.dataset.speaker, name));
  });
}

const deleteForm = document.getElementById('delete-form');
if (root && deleteForm) {
  deleteForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const reason = deleteForm.elements.reason.value.trim();
    if (!reason) return;
    send(deleteEdit(root.dataset.call, Number(root.dataset.revision), reason));
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
    const t = root.dataset;
    const button = event.target.closest('.edit');
    if (button) {
      openEditor(button.closest('.segment'));
      return;
    }
    const utterance = event.target.closest('.utterance');
    if (!utterance) return;
    const id = Number(utterance.dataset.utterance);
    const move = event.target.closest('button.move');
    if (move) {
      utterance.classList.add('pending');
      send(utteranceSpeakerEdit(t.call, Number(t.revision), id, move.dataset.to));
      return;
    }
    if (event.target.closest('button.split')) {
      startSplitting(utterance);
      return;
    }
    const word = event.target.closest('.w');
    if (word && splitting === utterance) {
      const atWord = Number(word.dataset.index);
      if (atWord < 1) return; // the first word cannot start the second part
      stopSplitting();
      utterance.classList.add('pending');
      send(splitEdit(t.call, Number(t.revision), id, atWord));
    }
  });
  transcript.addEventListener('change', (event) => {
    const select = event.target.closest('select.move-to');
    if (!select || !select.value) return;
    const utterance = select.closest('.utterance');
    utterance.classList.add('pending');
    send(utteranceSpeakerEdit(root.dataset.call, Number(root.dataset.revision), Number(utterance.dataset.utterance), select.value));
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') stopSplitting();
  });
  for (const name of pending(root.dataset.call)) follow(name);
}

const speakers = document.getElementById('speakers');
if (root && speakers) {
  speakers.addEventListener('click', (event) => {
    if (event.target.closest('#swap-roles')) {
      event.target.closest('#swap-roles').disabled = true;
      send(swapRolesEdit(root.dataset.call, Number(root.dataset.revision)));
      return;
    }
    const rename = event.target.closest('button.rename');
    if (rename) openRename(rename);
  });
  speakers.addEventListener('change', (event) => {
    const select = event.target.closest('select.role');
    if (!select || !select.value || select.value === select.dataset.role) return;
    select.closest('.speaker-row')?.classList.add('pending');
    send(speakerRoleEdit(root.dataset.call, Number(root.dataset.revision), select.dataset.speaker, select.value));
  });
}

const evaluation = document.getElementById('evaluation');
if (root && evaluation) {
  evaluation.addEventListener('click', (event) => {
    const t = root.dataset;
    const revision = Number(t.revision);
    const sendDispute = event.target.closest('button.send-dispute');
    if (sendDispute) {
      const row = sendDispute.closest('tr.criterion');
      const form = sendDispute.closest('details');
      const comment = form.querySelector('.dispute-reason').value.trim();
      if (!comment) {
        form.querySelector('.dispute-reason').focus();
        return;
      }
      sendDispute.disabled = true;
      const card = sendDispute.closest('form.card').dataset.card;
      send(disputeEdit(t.call, revision, card, row.dataset.criterion, form.querySelector('.dispute-answer').value, comment));
      return;
    }
    const decide = event.target.closest('button.accept-dispute, button.reject-dispute');
    if (decide) {
      const box = decide.closest('.dispute');
      const reason = box.querySelector('.decision-reason');
      if (!reason.value.trim()) {
        reason.focus();
        return;
      }
      decide.disabled = true;
      const decision = decide.classList.contains('accept-dispute') ? 'accepted' : 'rejected';
      send(resolveEdit(t.call, revision, box.dataset.dispute, decision, reason.value.trim()));
    }
  });
  // Enter in a dispute's text field sends the dispute; in a decision's, nothing (accepting or rejecting is a
  // button's choice). Neither submits the evaluation form around them.
  evaluation.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    const field = event.target.closest('input.dispute-reason, input.decision-reason');
    if (!field) return;
    event.preventDefault();
    if (field.classList.contains('dispute-reason')) field.closest('details').querySelector('button.send-dispute')?.click();
  });
}

const coaching = document.getElementById('coaching');
if (root && coaching) {
  coaching.querySelector('#save-coaching')?.addEventListener('click', (event) => {
    const note = coaching.querySelector('textarea[name="coaching-note"]');
    if (!note.value.trim()) {
      note.focus();
      return;
    }
    event.target.disabled = true;
    const about = coaching.querySelector('select[name="coaching-about"]').value;
    send(coachingEdit(root.dataset.call, Number(root.dataset.revision), note.value.trim(), about));
  });
}
