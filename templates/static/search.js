// Full-text search over every call's transcript, in the browser, from the prebuilt index in search/ (see
// SearchIndex.swift): a query word fetches one shard of terms, a hit fetches its call's lines.

import { clock } from './format.js';

const form = document.getElementById('search');
const input = document.getElementById('q');
const status = document.getElementById('search-status');
const list = document.getElementById('hits');

/** As sor folds words for the index: lower case, Polish letters to ASCII (ł→l as well), letters and digits only. */
export function fold(word) {
  return word.toLowerCase().replace(/ł/g, 'l').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^\p{L}\p{N}-]/gu, '');
}

/** Query words and phrases: `"złożę reklamację" kurier` → [['zloze', 'reklamacje'], ['kurier']]. */
export function parse(query) {
  const parts = [];
  const pattern = /"([^"]*)"|(\S+)/g;
  let match;
  while ((match = pattern.exec(query)) !== null) {
    const words = (match[1] ?? match[2]).split(/[^\p{L}\p{N}-]+/u).map(fold).filter((w) => w && !/^-+$/.test(w));
    if (match[1] !== undefined && words.length) parts.push(words);
    else parts.push(...words.map((w) => [w]));
  }
  return parts;
}

/** The shard of a term: its first two characters. */
export function shardOf(term) {
  return term.length >= 2 ? term.slice(0, 2) : `${term}_`;
}

/**
 * Whether index term `term` answers query word `word`: equal, or for words of five letters or more sharing all but
 * their last three letters (at least five) and not much longer: inflection ("reklamacji" → "reklamacja").
 */
export function answers(term, word) {
  if (term === word) return true;
  if (word.length < 5) return false;
  const need = Math.max(5, word.length - 3);
  if (term.length < need || term.length > word.length + 4) return false;
  return term.slice(0, need) === word.slice(0, need);
}

const shards = new Map();
function fetchShard(file) {
  if (!shards.has(file)) {
    shards.set(file, fetch(`search/terms/${encodeURIComponent(file)}.json`).then((r) => (r.ok ? r.json() : {})));
  }
  return shards.get(file);
}

/** A shard's terms: the base file's, and the recent file's (the newest calls) after them. */
async function shard(name, known) {
  const [base, recent] = await Promise.all([
    known.base.has(name) ? fetchShard(name) : {},
    known.recent.has(name) ? fetchShard(`${name}.recent`) : {},
  ]);
  const terms = { ...base };
  for (const [term, flat] of Object.entries(recent)) terms[term] = (terms[term] ?? []).concat(flat);
  return terms;
}

/** Postings of one word: Map call → Map line → Set of positions. */
async function postings(word, known) {
  const terms = await shard(shardOf(word), known);
  const found = new Map();
  for (const [term, flat] of Object.entries(terms)) {
    if (!answers(term, word)) continue;
    for (let i = 0; i + 2 < flat.length; i += 3) {
      const [call, line, position] = [flat[i], flat[i + 1], flat[i + 2]];
      if (!found.has(call)) found.set(call, new Map());
      const lines = found.get(call);
      if (!lines.has(line)) lines.set(line, new Set());
      lines.get(line).add(position);
    }
  }
  return found;
}

/** Lines of a call where the part (a word, or a phrase's words in order) occurs. */
function linesOf(part, perWord, call) {
  const first = perWord[0].get(call);
  if (!first) return new Set();
  const lines = new Set();
  for (const [line, positions] of first) {
    for (const position of positions) {
      if (perWord.every((word, k) => word.get(call)?.get(line)?.has(position + k))) {
        lines.add(line);
        break;
      }
    }
  }
  return lines;
}

const calls = new Map();
function callFile(id) {
  if (!calls.has(id)) calls.set(id, fetch(`search/calls/${id}.json`).then((r) => r.json()));
  return calls.get(id);
}

/** Text with the words that answer the query marked. */
function marked(text, words) {
  const fragment = document.createDocumentFragment();
  for (const piece of text.split(/([\p{L}\p{N}-]+)/u)) {
    const folded = fold(piece);
    if (folded && words.some((word) => answers(folded, word) || folded === word)) {
      const mark = document.createElement('mark');
      mark.textContent = piece;
      fragment.append(mark);
    } else {
      fragment.append(piece);
    }
  }
  return fragment;
}

let index = null;
let generation = 0;

async function run() {
  const query = input.value.trim();
  const mine = ++generation;
  const params = new URLSearchParams(query ? { q: query } : {});
  history.replaceState(null, '', query ? `?${params}` : location.pathname);
  if (!query) {
    list.replaceChildren();
    status.textContent = '';
    return;
  }
  index ??= await fetch('search/index.json').then((r) => r.json());
  const known = { base: new Set(index.shards), recent: new Set(index.recent ?? []) };
  const parts = parse(query);
  if (!parts.length) return;
  const perPart = await Promise.all(parts.map((part) => Promise.all(part.map((word) => postings(word, known)))));
  if (mine !== generation) return;
  // Calls with every part, newest first (calls are numbered in the order they were indexed, not by time); in
  // each, the lines with the most parts, earliest first.
  const hits = [];
  const newer = (a, b) => (index.calls[b][1] < index.calls[a][1] ? -1 : index.calls[b][1] > index.calls[a][1] ? 1 : b - a);
  const candidates = [...perPart[0][0].keys()].sort(newer);
  for (const call of candidates) {
    const lineSets = parts.map((part, p) => linesOf(part, perPart[p], call));
    if (lineSets.some((lines) => lines.size === 0)) continue;
    const counts = new Map();
    for (const lines of lineSets) for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
    const best = Math.max(...counts.values());
    const lines = [...counts].filter(([, n]) => n === best).map(([line]) => line).sort((a, b) => a - b);
    hits.push({ call, lines });
  }
  const words = parts.flat();
  const shown = hits.slice(0, 50);
  const items = await Promise.all(shown.map(async (hit) => {
    const [id, time, agent] = index.calls[hit.call];
    const file = await callFile(id);
    return hit.lines.slice(0, 3).map((line) => {
      const { start, speaker, text } = file.lines[line];
      const item = document.createElement('li');
      item.className = 'hit';
      item.dataset.call = id;
      item.dataset.start = String(start);
      const link = document.createElement('a');
      link.href = `calls/${id}/index.html#t=${start.toFixed(2)}`;
      link.textContent = `${time.slice(0, 10)} ${time.slice(11, 16)} · ${agent} · ${clock(start)}${speaker ? ` · ${speaker}` : ''}`;
      const quote = document.createElement('p');
      quote.append(marked(text, words));
      item.append(link, quote);
      return item;
    });
  }));
  if (mine !== generation) return;
  list.replaceChildren(...items.flat());
  status.textContent = hits.length
    ? `${status.dataset.results ?? ''}${hits.length}`
    : (status.dataset.none ?? '0');
  status.dataset.count = String(hits.length);
}

if (form && input) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });
  let timer;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  });
  const initial = new URLSearchParams(location.search).get('q');
  if (initial) {
    input.value = initial;
    run();
  }
}
