// The quarantine page: "put back in the queue" sends a quarantine.requeue edit document (WebDAV PUT to
// api/edits/NAME.json, filed under the signed-in user), and follows its status until sor watch has moved the file
// back into inbox/ or refused with the reason (a manager's or an admin's; see README "Edit documents").

const list = document.getElementById('quarantine');
const t = list.dataset;

/** The document that asks for one kept file to be processed again. */
export function requeueEdit(file) {
  return { schema: 1, type: 'quarantine.requeue', file };
}

function show(item, text, kind) {
  const state = item.querySelector('.requeue-state');
  state.textContent = text;
  state.className = `requeue-state ${kind}`;
  item.dataset.requeue = kind;
}

async function follow(item, name) {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    let response;
    try {
      response = await fetch(`${t.api}edit-status/${name}`, { cache: 'no-store' });
    } catch {
      continue;
    }
    if (response.status !== 200) continue;
    const status = await response.json();
    if (status.state === 'applied') {
      show(item, t.tDone, 'done');
      item.querySelector('button.requeue').disabled = true;
    } else {
      show(item, `${t.tRefused}: ${status.reason}`, 'refused');
    }
    return;
  }
}

list.addEventListener('click', async (event) => {
  const button = event.target.closest('button.requeue');
  if (!button) return;
  const item = button.closest('li');
  const name = `requeue-${Date.now()}-${Math.floor(Math.random() * 1e9).toString(36)}.json`;
  const response = await fetch(`${t.api}edits/${name}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(requeueEdit(button.dataset.file)),
  });
  if (!response.ok) {
    show(item, `${t.tFailed} (HTTP ${response.status})`, 'refused');
    return;
  }
  show(item, t.tPending, 'pending');
  follow(item, name);
});
