// Full-text search over every call's transcript, in the browser, from the prebuilt index in search/ (see
// SearchIndex.swift): a query word fetches one shard of terms (and its recent one), which says every hit, and
// the calls a page of results shows fetch their lines, ten at a time.

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

/**
 * The shard of a term among `count`: FNV-1a (32 bits, then MurmurHash3's finaliser) of its first five UTF-16 code
 * units, as SearchIndex.swift
 * computes it. Every term that answers a word shares those five (or all its) letters, so one shard holds them.
 */
export function shardOf(term, count) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < Math.min(5, term.length); i++) hash = Math.imul(hash ^ term.charCodeAt(i), 0x01000193) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35) >>> 0;
  return ((hash ^ (hash >>> 16)) >>> 0) % count;
}

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_';
const VALUE = new Int8Array(128).fill(0);
for (let i = 0; i < DIGITS.length; i++) VALUE[DIGITS.charCodeAt(i)] = i;

/**
 * Adds a term's postings to `found` (Map call → Map line → Set of positions). They are text (SearchIndex.Postings):
 * per call, its distance from the previous call less one and its occurrences less one, then per occurrence the
 * line's distance from the previous one's and the word position; each number base-32 digits, low first, a digit
 * of 32 or more meaning more follow.
 */
export function decode(text, found) {
  let i = 0;
  const next = () => {
    let value = 0;
    let shift = 0;
    let digit;
    while ((digit = VALUE[text.charCodeAt(i++)]) >= 32) {
      value |= (digit - 32) << shift;
      shift += 5;
    }
    return value | (digit << shift);
  };
  let call = -1;
  while (i < text.length) {
    call += next() + 1;
    let count = next() + 1;
    let lines = found.get(call);
    if (!lines) found.set(call, (lines = new Map()));
    let line = 0;
    while (count-- > 0) {
      line += next();
      const position = next();
      let positions = lines.get(line);
      if (!positions) lines.set(line, (positions = new Set()));
      positions.add(position);
    }
  }
  return found;
}

/** Whether bit `n` of a hex bitmap (four shards a digit) is set. */
function has(bitmap, n) {
  return ((parseInt(bitmap[n >> 2] ?? '0', 16) >> (n & 3)) & 1) === 1;
}

const files = new Map();
function fetchJSON(path) {
  if (!files.has(path)) files.set(path, fetch(path).then((r) => (r.ok ? r.json() : {})));
  return files.get(path);
}

/** Postings of one word: Map call → Map line → Set of positions, from its shard and the recent one beside it. */
async function postings(word, index) {
  const n = shardOf(word, index.shards);
  const parts = await Promise.all([
    has(index.base_shards, n) ? fetchJSON(`search/terms/${n}.json`) : {},
    has(index.recent_shards, n) ? fetchJSON(`search/terms/${n}.recent.json`) : {},
  ]);
  const found = new Map();
  for (const terms of parts) {
    for (const [term, text] of Object.entries(terms)) if (answers(term, word)) decode(text, found);
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

/** How many calls a page of results shows; "więcej wyników" shows the next. */
const PAGE = 10;
let index = null;
let generation = 0;

/** Sort key of a call by time: base calls are numbered oldest first, each recent one sorts where `order` says. */
function timeKey(call) {
  if (call < index.base) return call * 1024 + 512;
  const [before, rank] = index.order[call - index.base] ?? [call, 0];
  return before * 1024 + rank;
}

/** The list items of one hit: up to three of its lines, each linking to that moment of the call. */
function items(hit, file, words) {
  return hit.lines.slice(0, 3).filter((line) => file.lines?.[line]).map((line) => {
    const [start, speakerIndex, text] = file.lines[line];
    const speaker = file.speakers[speakerIndex] ?? '';
    const item = document.createElement('li');
    item.className = 'hit';
    item.dataset.call = file.id;
    item.dataset.start = String(start);
    const link = document.createElement('a');
    link.href = `calls/${file.id}/index.html#t=${start.toFixed(2)}`;
    link.textContent = `${file.time.slice(0, 10)} ${file.time.slice(11, 16)} · ${file.agent} · ${clock(start)}${speaker ? ` · ${speaker}` : ''}`;
    const quote = document.createElement('p');
    quote.append(marked(text, words));
    item.append(link, quote);
    return item;
  });
}

/** Shows the next page of `hits`: fetches those calls' files (one request each), then appends their lines. */
async function more(hits, words, mine) {
  const from = hits.shown;
  const shown = hits.slice(from, from + PAGE);
  const waiting = document.getElementById('search-more');
  if (waiting) waiting.disabled = true; // one page at a time, however often it is clicked
  const fetched = await Promise.all(shown.map((hit) => fetchJSON(`search/calls/${hit.call}.json`)));
  if (mine !== generation) return;
  hits.shown = from + shown.length;
  list.append(...shown.flatMap((hit, k) => items(hit, fetched[k], words)));
  let button = document.getElementById('search-more');
  if (hits.shown < hits.length) {
    if (!button) {
      button = document.createElement('button');
      button.type = 'button';
      button.id = 'search-more';
      button.textContent = status.dataset.more ?? 'więcej wyników';
      list.after(button);
    }
    button.disabled = false;
    button.onclick = () => more(hits, words, mine);
  } else {
    button?.remove();
  }
}

async function run() {
  const query = input.value.trim();
  const mine = ++generation;
  const params = new URLSearchParams(query ? { q: query } : {});
  history.replaceState(null, '', query ? `?${params}` : location.pathname);
  if (!query) {
    list.replaceChildren();
    document.getElementById('search-more')?.remove();
    status.textContent = '';
    return;
  }
  index ??= await fetchJSON('search/index.json');
  const parts = parse(query);
  if (!parts.length) return;
  const perPart = await Promise.all(parts.map((part) => Promise.all(part.map((word) => postings(word, index)))));
  if (mine !== generation) return;
  // Calls with every part, newest first; in each, the lines with the most parts, earliest first. The postings say
  // all of it, so the count is known before any call's lines are fetched.
  const hits = [];
  const candidates = [...perPart[0][0].keys()].sort((a, b) => timeKey(b) - timeKey(a));
  for (const call of candidates) {
    const lineSets = parts.map((part, p) => linesOf(part, perPart[p], call));
    if (lineSets.some((lines) => lines.size === 0)) continue;
    const counts = new Map();
    for (const lines of lineSets) for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
    const best = Math.max(...counts.values());
    const lines = [...counts].filter(([, n]) => n === best).map(([line]) => line).sort((a, b) => a - b);
    hits.push({ call, lines });
  }
  list.replaceChildren();
  document.getElementById('search-more')?.remove();
  hits.shown = 0;
  await more(hits, parts.flat(), mine);
  if (mine !== generation) return;
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
