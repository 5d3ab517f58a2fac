// Calls list: filters and sorting over data/calls.json, in the browser, with the state in the URL so a link can
// be shared. The page's own table (rendered by sor) stays as it is until the data has loaded, and for browsers
// without JavaScript.

import { dateTime, clock, percent } from './format.js';

const form = document.getElementById('filters');
const table = document.getElementById('calls');
const body = table?.querySelector('tbody');
const count = document.getElementById('call-count');
const totalDuration = document.getElementById('call-duration');
const none = document.getElementById('no-match');

/** Filter fields as they appear in the URL. */
const FIELDS = ['from', 'to', 'agent', 'team', 'card', 'min', 'max', 'result', 'sentiment', 'dmin', 'dmax', 'direction', 'critical', 'review', 'failed'];

/** The filter state from a query string: only known, non-empty fields. */
export function parseState(search) {
  const params = new URLSearchParams(search);
  const state = {};
  for (const field of FIELDS) {
    const value = params.get(field);
    if (value !== null && value !== '') state[field] = value;
  }
  const sort = params.get('sort');
  if (sort) state.sort = sort;
  return state;
}

/** The cards of a call that the score conditions look at: the chosen card's, or all of them. */
function cardsOf(call, state) {
  return state.card ? call.cards.filter((c) => c.card === state.card) : call.cards;
}

/**
 * Whether a call meets every condition. Score conditions (range, result, critical error, a failed criterion) hold
 * when one card of the call (the chosen one, if a card is chosen) meets them all; a call without such a card does
 * not match them.
 */
export function matches(call, state) {
  const day = call.time.slice(0, 10);
  if (state.from && day < state.from) return false;
  if (state.to && day > state.to) return false;
  if (state.agent && call.agent !== state.agent) return false;
  if (state.team && call.team !== state.team) return false;
  if (state.sentiment && call.sentiment !== state.sentiment) return false;
  if (state.direction && call.direction !== state.direction) return false;
  if (state.review && !call.review) return false;
  if (state.dmin && call.duration < Number(state.dmin) * 60) return false;
  if (state.dmax && call.duration > Number(state.dmax) * 60) return false;
  const scored = state.card || state.min || state.max || state.result || state.critical || state.failed;
  if (!scored) return true;
  return cardsOf(call, state).some((card) =>
    (!state.min || card.total >= Number(state.min))
    && (!state.max || card.total <= Number(state.max))
    && (!state.result || (state.result === 'pass') === card.passed)
    && (!state.critical || card.critical)
    && (!state.failed || card.failed.includes(state.failed)));
}

/** Sorting keys; `-key` sorts descending. Ties keep the newest first. */
function sortKey(call, key, state) {
  switch (key) {
    case 'agent': return call.agent.toLocaleLowerCase('pl');
    case 'team': return call.team.toLocaleLowerCase('pl');
    case 'duration': return call.duration;
    case 'score': {
      const totals = cardsOf(call, state).map((c) => c.total);
      return totals.length ? Math.max(...totals) : -1;
    }
    default: return call.time;
  }
}

export function sorted(calls, state) {
  const spec = state.sort || '-time';
  const descending = spec.startsWith('-');
  const key = descending ? spec.slice(1) : spec;
  return calls
    .map((call, index) => ({ call, index, value: sortKey(call, key, state) }))
    .sort((a, b) => {
      if (a.value < b.value) return descending ? 1 : -1;
      if (a.value > b.value) return descending ? -1 : 1;
      return a.index - b.index;
    })
    .map((item) => item.call);
}

function cell(text, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  if (text !== undefined) td.textContent = text;
  return td;
}

/** A row like the ones sor renders. */
function row(call, labels) {
  const tr = document.createElement('tr');
  tr.dataset.call = call.id;
  const when = cell();
  const link = document.createElement('a');
  link.href = `calls/${call.id}/index.html`;
  link.textContent = dateTime(call.time);
  const file = document.createElement('div');
  file.className = 'file';
  file.textContent = call.file;
  when.append(link, file);
  const status = cell(call.status);
  if (call.review) {
    const review = document.createElement('span');
    review.className = 'review';
    review.textContent = labels.review;
    status.append(' ', review);
  }
  const scores = cell(undefined, 'scores');
  for (const card of call.cards) {
    const span = document.createElement('span');
    span.className = `score ${card.passed ? 'pass' : 'fail'}`;
    span.dataset.card = card.card;
    span.textContent = `${card.card} ${percent(card.total)}`;
    scores.append(span, ' ');
  }
  tr.append(when, cell(call.agent), cell(call.team), cell(clock(call.duration), 'num'), cell(call.language), status, scores, cell(call.excerpt, 'excerpt'));
  return tr;
}

function fillOptions(select, values) {
  for (const value of values) {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = value;
    select.append(option);
  }
}

function readForm() {
  const state = {};
  for (const field of FIELDS) {
    const input = form.elements[field];
    const value = input.type === 'checkbox' ? (input.checked ? '1' : '') : input.value;
    if (value) state[field] = value;
  }
  return state;
}

function writeForm(state) {
  for (const field of FIELDS) {
    const input = form.elements[field];
    if (input.type === 'checkbox') input.checked = state[field] === '1';
    else input.value = state[field] ?? '';
  }
}

async function start() {
  if (!form || !body) return;
  const response = await fetch('data/calls.json', { cache: 'no-cache' });
  if (!response.ok) return;
  const { calls, criteria } = await response.json();
  const unique = (values) => [...new Set(values.filter((v) => v && v !== '—'))].sort((a, b) => a.localeCompare(b, 'pl'));
  fillOptions(form.elements.agent, unique(calls.map((c) => c.agent)));
  fillOptions(form.elements.team, unique(calls.map((c) => c.team)));
  fillOptions(form.elements.card, unique(calls.flatMap((c) => c.cards.map((card) => card.card))));
  const labels = { review: document.querySelector('#calls .review')?.textContent ?? 'do weryfikacji' };
  let state = parseState(location.search);
  writeForm(state);

  const note = document.getElementById('failed-note');
  const render = () => {
    if (note) {
      note.hidden = !state.failed;
      const key = `${state.card ?? ''}/${state.failed ?? ''}`;
      note.querySelector('strong').textContent = state.failed ? (criteria?.[key] ?? state.failed) : '';
    }
    const shown = sorted(calls.filter((call) => matches(call, state)), state);
    body.replaceChildren(...shown.map((call) => row(call, labels)));
    count.textContent = String(shown.length);
    if (totalDuration) totalDuration.textContent = clock(shown.reduce((sum, call) => sum + call.duration, 0));
    none.hidden = shown.length > 0;
    for (const button of table.querySelectorAll('button.sort')) {
      const key = button.dataset.sort;
      const spec = state.sort || '-time';
      const current = spec === key ? 'ascending' : spec === `-${key}` ? 'descending' : 'none';
      button.closest('th').setAttribute('aria-sort', current);
    }
    // The page lists only the newest calls without the script; now every call is here.
    document.getElementById('older-calls')?.remove();
    table.dataset.ready = 'true';
  };
  const remember = () => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(state)) params.set(key, value);
    const query = params.toString();
    history.replaceState(null, '', query ? `?${query}` : location.pathname);
  };

  form.addEventListener('input', () => {
    state = { ...readForm(), ...(state.sort ? { sort: state.sort } : {}) };
    remember();
    render();
  });
  form.addEventListener('submit', (event) => event.preventDefault());
  table.querySelector('thead').addEventListener('click', (event) => {
    const button = event.target.closest('button.sort');
    if (!button) return;
    const key = button.dataset.sort;
    const spec = state.sort || '-time';
    // A first click sorts dates and numbers from the highest, names from A; a second click reverses.
    const first = key === 'agent' || key === 'team' ? key : `-${key}`;
    state = { ...state, sort: spec === first ? (first.startsWith('-') ? key : `-${key}`) : first };
    remember();
    render();
  });
  form.hidden = false;
  render();
}

start();
