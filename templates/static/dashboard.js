// Dashboard: a custom range of days, computed in the browser from data/calls.json with the same figures sor
// computes for the fixed periods (Dashboard.swift; a browser test compares the two). The charts stay those of
// the fixed periods: a custom range shows the figures and tables.

import { clock, percent } from './format.js';

const form = document.getElementById('range');

/** The figures of the calls whose day is within [from, to], as DashboardFigures.compute makes them. */
export function figures(calls, from, to) {
  const result = { calls: 0, seconds: 0, review: 0, critical: 0, scored: 0, passed: 0, sentiment: {}, cards: new Map(), failed: new Map(), agents: new Map(), teams: new Map() };
  for (const call of calls) {
    const day = call.time.slice(0, 10);
    if (day < from || day > to) continue;
    result.calls += 1;
    result.seconds += call.duration;
    if (call.review) result.review += 1;
    if (call.cards.some((c) => c.critical)) result.critical += 1;
    if (call.sentiment) result.sentiment[call.sentiment] = (result.sentiment[call.sentiment] ?? 0) + 1;
    const person = result.agents.get(call.agent) ?? { team: call.team, sum: 0, count: 0, passed: 0, calls: 0 };
    const group = result.teams.get(call.team) ?? { team: call.team, sum: 0, count: 0, passed: 0, calls: 0 };
    person.calls += 1;
    group.calls += 1;
    for (const card of call.cards) {
      result.scored += 1;
      if (card.passed) result.passed += 1;
      const c = result.cards.get(card.card) ?? { sum: 0, count: 0, passed: 0, critical: 0 };
      c.sum += card.total;
      c.count += 1;
      if (card.passed) c.passed += 1;
      if (card.critical) c.critical += 1;
      result.cards.set(card.card, c);
      for (const criterion of card.failed) {
        const key = `${card.card}/${criterion}`;
        result.failed.set(key, (result.failed.get(key) ?? 0) + 1);
      }
      for (const who of [person, group]) {
        who.sum += card.total;
        who.count += 1;
        if (card.passed) who.passed += 1;
      }
    }
    result.agents.set(call.agent, person);
    result.teams.set(call.team, group);
  }
  return result;
}

function ranked(map) {
  return [...map].filter(([name, v]) => v.count > 0 && name !== '—')
    .map(([name, v]) => ({ name, team: v.team, calls: v.calls, average: v.sum / v.count, passRate: v.passed / v.count }))
    // As Swift orders them: by average, then by name in code-point order.
    .sort((a, b) => b.average - a.average || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function cells(values, numeric) {
  const tr = document.createElement('tr');
  values.forEach((value, index) => {
    const cell = document.createElement(index === 0 ? 'th' : 'td');
    if (index === 0) cell.scope = 'row';
    if (numeric.includes(index)) cell.className = 'num';
    if (value instanceof Node) cell.append(value);
    else cell.textContent = String(value);
    tr.append(cell);
  });
  return tr;
}

function link(href, text, className) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  if (className) a.className = className;
  return a;
}

function fill(id, rows) {
  const body = document.querySelector(`#${id} tbody`);
  if (body) body.replaceChildren(...rows);
}

async function show(from, to) {
  const { calls, criteria } = await fetch('data/calls.json', { cache: 'no-cache' }).then((r) => r.json());
  const f = figures(calls, from, to);
  const range = `from=${from}&to=${to}`;
  const q = encodeURIComponent;
  const set = (id, value) => { const v = document.querySelector(`#${id} .value`); if (v) v.textContent = value; };
  set('kpi-calls', String(f.calls));
  set('kpi-hours', clock(f.seconds));
  const cards = [...f.cards].sort(([a], [b]) => (a < b ? -1 : 1));
  const weighted = cards.reduce((sum, [, c]) => sum + c.sum, 0);
  set('kpi-average', f.scored ? percent(weighted / f.scored) : '—');
  set('kpi-pass', f.scored ? percent((f.passed * 100) / f.scored) : '—');
  set('kpi-critical', String(f.critical));
  set('kpi-review', String(f.review));
  set('kpi-sentiment', ['pozytywny', 'neutralny', 'negatywny'].map((l) => f.sentiment[l] ?? 0).join(' / '));
  for (const [id, query] of [['kpi-calls', ''], ['kpi-pass', '&result=pass'], ['kpi-critical', '&critical=1'], ['kpi-review', '&review=1']]) {
    const a = document.querySelector(`#${id} a.value`);
    if (a) a.href = `calls.html?${range}${query}`;
  }
  fill('cards', cards.map(([card, c]) => cells([link(`calls.html?${range}&card=${q(card)}`, card), c.count, percent(c.sum / c.count), percent((c.passed / c.count) * 100), c.critical], [1, 2, 3, 4])));
  const failed = [...f.failed].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
  fill('most-failed', failed.map(([key, count]) => {
    const [card, criterion] = key.split('/');
    const of = f.cards.get(card)?.count ?? count;
    const ofWord = document.getElementById('most-failed')?.dataset.of ?? '/';
    const row = cells([criteria?.[key] ?? criterion, card, `${count} ${ofWord} ${of}`, percent((count / of) * 100), link(`calls.html?${range}&card=${q(card)}&failed=${q(criterion)}`, document.querySelector('#most-failed a.show-calls')?.textContent ?? '→', 'show-calls')], [2, 3]);
    row.dataset.card = card;
    row.dataset.criterion = criterion;
    return row;
  }));
  const agents = ranked(f.agents);
  const agentRow = (a) => cells([link(`calls.html?${range}&agent=${q(a.name)}`, a.name), a.team, a.calls, percent(a.average), percent(a.passRate * 100)], [2, 3, 4]);
  fill('best-agents', agents.slice(0, 5).map(agentRow));
  fill('worst-agents', agents.length > 5 ? agents.slice(-5).reverse().map(agentRow) : []);
  fill('teams', ranked(f.teams).map((t) => cells([link(`calls.html?${range}&team=${q(t.name)}`, t.name), t.calls, percent(t.average), percent(t.passRate * 100)], [1, 2, 3])));
  document.getElementById('period').textContent = from === to ? from : `${from} – ${to}`;
  for (const a of document.querySelectorAll('.periods a.current')) {
    a.classList.remove('current');
    a.removeAttribute('aria-current');
  }
  for (const chart of document.querySelectorAll('figure.chart')) chart.closest('section').hidden = true;
  document.body.dataset.range = `${from}/${to}`;
}

if (form) {
  const params = new URLSearchParams(location.search);
  if (params.get('from') && params.get('to')) {
    form.elements.from.value = params.get('from');
    form.elements.to.value = params.get('to');
    show(params.get('from'), params.get('to'));
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const from = form.elements.from.value, to = form.elements.to.value;
    if (!from || !to) return;
    history.replaceState(null, '', `?from=${from}&to=${to}`);
    show(from <= to ? from : to, from <= to ? to : from);
  });
}
