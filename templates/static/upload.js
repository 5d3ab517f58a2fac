// The upload page: recordings dragged in (or chosen) go to the signed-in user's own upload folder through nginx
// (WebDAV PUT to api/uploads/NAME; the metadata first, as NAME.json), and the page follows what sor watch made of
// each one (api/upload-status/NAME.json: queued, waiting, processed, duplicate or refused with the reason).

const form = document.getElementById('upload');
const list = document.getElementById('uploads');
const t = form.dataset;
const finished = new Set(['processed', 'duplicate', 'refused']);

/** A name nginx and the inbox accept: letters without diacritics, digits, dots, hyphens and underscores. */
export function safeName(name) {
  const folded = name.replace(/ł/g, 'l').replace(/Ł/g, 'L').normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  const dot = folded.lastIndexOf('.');
  const base = (dot > 0 ? folded.slice(0, dot) : folded).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'nagranie';
  const extension = dot > 0 ? folded.slice(dot + 1).toLowerCase() : '';
  return extension ? `${base}.${extension}` : base;
}

/** The metadata the form gives: only the fields chosen. */
function metadata() {
  const fields = {};
  for (const name of ['team', 'agent', 'scorecard', 'direction']) {
    const value = form.elements[name]?.value.trim();
    if (value) fields[name] = value;
  }
  return fields;
}

function row(name) {
  const item = document.createElement('li');
  item.dataset.file = name;
  const title = document.createElement('strong');
  title.textContent = name;
  const progress = document.createElement('progress');
  progress.max = 1;
  progress.value = 0;
  const state = document.createElement('span');
  state.className = 'state';
  const detail = document.createElement('span');
  detail.className = 'detail';
  item.append(title, ' ', progress, ' ', state, ' ', detail);
  list.prepend(item);
  return item;
}

function show(item, state, detail = '', call = null) {
  item.dataset.state = state;
  item.querySelector('.state').textContent = t[`t${state[0].toUpperCase()}${state.slice(1)}`] ?? state;
  const place = item.querySelector('.detail');
  place.textContent = detail;
  if (call) {
    item.dataset.call = call;
    const link = document.createElement('a');
    link.href = `${t.root}calls/${call}/`;
    link.textContent = t.tOpen;
    place.append(link);
  }
  if (state !== 'sending') item.querySelector('progress').hidden = true;
}

function put(path, body, onProgress) {
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open('PUT', t.api + path);
    request.upload.addEventListener('progress', (event) => event.lengthComputable && onProgress?.(event.loaded / event.total));
    request.addEventListener('load', () => resolve(request.status));
    request.addEventListener('error', () => resolve(0));
    request.send(body);
  });
}

async function follow(item, name) {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    let response;
    try {
      response = await fetch(`${t.api}upload-status/${name}.json`, { cache: 'no-store' });
    } catch {
      continue; // the server may be restarting
    }
    if (response.status !== 200) continue;
    const status = await response.json();
    show(item, status.state, status.reason ?? '', status.call ?? null);
    if (finished.has(status.state)) return;
  }
}

async function upload(file) {
  const name = safeName(file.name);
  const item = row(name);
  show(item, 'sending');
  const fields = metadata();
  if (Object.keys(fields).length) {
    const stem = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : name;
    const status = await put(`uploads/${stem}.json`, JSON.stringify(fields));
    if (status < 200 || status >= 300) return show(item, 'failed', `HTTP ${status}`);
  }
  const status = await put(`uploads/${name}`, file, (share) => { item.querySelector('progress').value = share; });
  if (status < 200 || status >= 300) return show(item, 'failed', `HTTP ${status}`);
  show(item, 'queued');
  follow(item, name);
}

const drop = document.getElementById('drop');
const input = document.getElementById('upload-files');
input.addEventListener('change', () => {
  [...input.files].forEach(upload);
  input.value = '';
});
for (const kind of ['dragenter', 'dragover']) {
  drop.addEventListener(kind, (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
}
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  [...event.dataTransfer.files].forEach(upload);
});
