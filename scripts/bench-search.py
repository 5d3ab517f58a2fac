#!/usr/bin/env python3
"""SOR's in-browser search beside Pagefind, on the same calls, in one run. Prints figures; asserts nothing.

Usage: bench-search.py SOR_SITE HUGO_PUBLIC WORK

SOR_SITE is a site built by sor (search.html, static/, search/); HUGO_PUBLIC is the public/ folder that
scripts/bench-hugo.py builds from that site's per-call search files (one plain HTML page per call with its
transcript lines). Pagefind (PyPI `pagefind[extended]`, in .venv) indexes the Hugo call pages into WORK/pagefind;
both are served over HTTP on loopback (Python's ThreadingHTTPServer, one port each, no compression) and queried in
Debian's headless Chromium driven by Playwright (.venv). Queries are picked from the corpus: its rarest word, its
most common word, a two-word phrase in quotes, and "platnosc" (without the Polish letters of "płatność"). Each query runs
in a fresh browser context (empty HTTP cache); then a second query of the same kind runs in the same page (warm:
what the page has already loaded stays loaded).
"""
import functools
import gzip
import http.server
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import threading
import time
import unicodedata
import urllib.parse
from collections import Counter

REPO = pathlib.Path(__file__).resolve().parents[1]
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
try:
    from playwright.sync_api import sync_playwright
except ImportError:  # run with the system python: use the project's virtual environment, which has Playwright
    if pathlib.Path(sys.prefix).resolve() != (REPO / ".venv").resolve() and VENV_PYTHON.exists():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
    raise

CHROMIUM = "/usr/bin/chromium"
# As Tests/Browser/conftest.py launches it.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
]
REPEAT = int(os.environ.get("BENCH_SEARCH_REPEAT", "3"))  # cold and warm latencies are the median of this many runs
PAGEFIND_SHOWN = 10  # results whose data() (the page's URL, title and excerpt) a results page loads

if len(sys.argv) != 4:
    sys.exit(__doc__)
sor_site, hugo_public, work = (pathlib.Path(a).resolve() for a in sys.argv[1:])
for folder in (sor_site / "search", hugo_public):
    if not folder.is_dir():
        sys.exit(f"bench-search: {folder} is missing")
work.mkdir(parents=True, exist_ok=True)


# ---------------------------------------------------------------------------------------------------- the corpus

def fold(word: str) -> str:
    """As search.js folds a query word: lower case, Polish letters to ASCII (ł→l too), letters, digits and '-'."""
    word = unicodedata.normalize("NFD", word.lower().replace("ł", "l"))
    return re.sub(r"[^\w-]|_", "", "".join(c for c in word if not unicodedata.combining(c)))


def answers(term: str, word: str) -> bool:
    """search.js's `answers`: equal, or for words of 5+ letters the same first max(5, len-3) letters."""
    if term == word:
        return True
    if len(word) < 5:
        return False
    need = max(5, len(word) - 3)
    return need <= len(term) <= len(word) + 4 and term[:need] == word[:need]


WORD = re.compile(r"[^\W\d_]+")  # words of letters only (no digits) for picking queries
calls = []  # per call: its lines' texts
labels = set()  # words that are on every Hugo page outside the transcript (speaker labels, agent names)
for path in sorted((sor_site / "search" / "calls").glob("*.json")):
    data = json.loads(path.read_text())
    calls.append([text for _, _, text in data["lines"]])  # [start, speaker (an index into speakers), text]
    labels.update(w.lower() for w in WORD.findall(data.get("agent", "")))
    labels.update(w.lower() for speaker in data.get("speakers", []) for w in WORD.findall(speaker))
if not calls:
    sys.exit(f"bench-search: no per-call files in {sor_site / 'search' / 'calls'}")

word_df: Counter = Counter()  # word (lower case, as written) → calls it occurs in
phrase_df: Counter = Counter()  # two consecutive words (within a clause) → calls
for lines in calls:
    words, phrases = set(), set()
    for text in lines:
        for clause in re.split(r"[^\w\s'-]|_", text):
            tokens = [t.lower() for t in clause.split()]
            words.update(t for t in tokens if WORD.fullmatch(t))
            phrases.update((a, b) for a, b in zip(tokens, tokens[1:])
                           if WORD.fullmatch(a) and WORD.fullmatch(b) and len(a) >= 4 and len(b) >= 4)
    word_df.update(words)
    phrase_df.update(phrases)
folded_df: Counter = Counter()  # folded word → calls (what a diacritics-free query finds when equal)
for lines in calls:
    folded_df.update({fold(w) for text in lines for w in WORD.findall(text.lower())})

vocabulary = [w for w in word_df if w not in labels]


def family(word: str) -> int:
    """How many distinct corpus words SOR's prefix rule lets `word` match (1: only itself)."""
    folded = fold(word)
    return sum(1 for w in folded_df if answers(w, folded))


def pick_rare(count: int) -> list:
    candidates = sorted((w for w in vocabulary if len(w) >= 5), key=lambda w: (word_df[w], len(w) > 12, w))
    smallest = word_df[candidates[0]]
    pool = [w for w in candidates if word_df[w] <= max(smallest, 3)][:400]
    return sorted(pool, key=lambda w: (word_df[w], family(w), -len(w), w))[:count]


def pick_diacritics_free(count: int) -> list:
    """`platnosc` first, then the folded form of the most common word of 5+ letters with Polish letters."""
    chosen = ["platnosc"]
    for w, _ in sorted(((w, word_df[w]) for w in vocabulary if len(w) >= 5 and fold(w) != w), key=lambda x: (-x[1], x[0])):
        if fold(w)[:5] != "platn":
            chosen.append(fold(w))
            break
    return chosen[:count]


common = sorted((w for w in vocabulary if len(w) >= 4), key=lambda w: (-word_df[w], w))[:2]
phrases = [p for p, _ in sorted(((p, n) for p, n in phrase_df.items() if not set(p) & labels), key=lambda x: (-x[1], x[0]))][:2]
QUERIES = [  # kind, [cold query, warm query]
    ("rarest word", pick_rare(2)),
    ("common word", common),
    ("phrase", [f'"{a} {b}"' for a, b in phrases]),
    ("no diacritics", pick_diacritics_free(2)),
]


def corpus_calls(query: str) -> int:
    """Calls where the query occurs as written, case ignored (a phrase: its words in a row within a clause; a word
    without Polish letters: any word that is the same once its Polish letters are replaced, as "płatność")."""
    if query.startswith('"'):
        return phrase_df[tuple(query.strip('"').split())]
    return folded_df[query] if fold(query) == query else word_df[query]


# ------------------------------------------------------------------------------------------------------ Pagefind

def du(folder: pathlib.Path, keep=lambda p: True) -> tuple:
    files = [p for p in folder.rglob("*") if p.is_file() and keep(p)]
    return sum(p.stat().st_size for p in files), len(files)


pagefind_out = work / "pagefind"
subprocess.run(["rm", "-rf", str(pagefind_out)], check=True)
started = time.monotonic()
indexed = subprocess.run(
    [str(VENV_PYTHON), "-m", "pagefind", "--site", str(hugo_public), "--glob", "calls/*/index.html",
     "--output-path", str(pagefind_out)], capture_output=True, text=True)
pagefind_seconds = time.monotonic() - started
if indexed.returncode != 0:
    sys.exit(f"bench-search: pagefind failed:\n{indexed.stdout}\n{indexed.stderr}")
pagefind_version = subprocess.run([str(VENV_PYTHON), "-m", "pagefind", "--version"], capture_output=True, text=True).stdout.strip()
pagefind_log = " ".join(indexed.stdout.split())
languages = sorted(p.name.split(".")[1] for p in pagefind_out.glob("wasm.*.pagefind") if p.name != "wasm.unknown.pagefind")
pages_indexed = re.search(r"Indexed (\d+) pages?", pagefind_log)
words_indexed = re.search(r"Indexed (\d+) words?", pagefind_log)
(work / "pagefind.html").write_text('<!DOCTYPE html><html lang="pl"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
                                    "<title>pagefind</title></head><body></body></html>\n")


# ----------------------------------------------------------------------------------------------------- serving

class Quiet(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server
    disable_nagle_algorithm = True  # else headers and body, written apart, wait on delayed ACKs (~40 ms a response)
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".json": "application/json", ".wasm": "application/wasm"}

    def log_message(self, *args):
        pass


def serve(root: pathlib.Path) -> tuple:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


sor_server, sor_url = serve(sor_site)
pf_server, pf_url = serve(work)

# ------------------------------------------------------------------------------------------------------ browser

# Bytes are counted from Chromium's network events (Playwright's request.sizes(): the response body as it came over
# the wire), which, unlike the page's Resource Timing, include what Pagefind's Web Worker fetches. Each request is
# counted in the phase (page load, Pagefind's init, cold query, warm query) during which it was issued.

# SOR: submit the search form (what Enter does; typing runs the same search 150 ms after the last key), and wait
# until search.js has put the hits in the list and their count on the status line (data-count), which it does in
# the same task as the [data-call] elements.
SOR_QUERY = """async (q) => {
  const form = document.getElementById('search'), input = document.getElementById('q');
  const status = document.getElementById('search-status');
  delete status.dataset.count;
  const done = new Promise((resolve) => {
    const watch = new MutationObserver(() => {
      if (status.dataset.count !== undefined) { watch.disconnect(); resolve(performance.now()); }
    });
    watch.observe(status, {attributes: true, attributeFilter: ['data-count']});
  });
  const t0 = performance.now();
  input.value = q;
  form.requestSubmit();
  const t1 = await done;
  return {t0, ms: t1 - t0, hits: Number(status.dataset.count), shown: document.querySelectorAll('#hits [data-call]').length};
}"""
PF_INIT = """async () => {
  const t0 = performance.now();
  window.pf = await import('/pagefind/pagefind.js');
  await window.pf.init();
  return performance.now() - t0;
}"""
PF_QUERY = """async ([q, shown]) => {
  const t0 = performance.now();
  const r = await window.pf.search(q);
  const t1 = performance.now();
  const data = await Promise.all(r.results.slice(0, shown).map((x) => x.data()));
  return {t0, ms: performance.now() - t0, search_ms: t1 - t0, hits: r.results.length, shown: data.length};
}"""


class Network:
    """The requests of one browser context, by phase."""

    def __init__(self, context):
        self.phase = "load"
        self.issued = {}  # request → phase
        self.finished = []
        context.on("request", lambda r: self.issued.setdefault(r, self.phase))
        context.on("requestfinished", lambda r: self.finished.append(r))
        context.on("requestfailed", lambda r: self.finished.append(r))

    def take(self, page, phase: str) -> dict:
        page.wait_for_timeout(200)  # let the last events (and any background fetch) arrive
        mine = [r for r in self.finished if self.issued.get(r) == phase]
        sizes = [(urllib.parse.unquote(urllib.parse.urlsplit(r.url).path), body_size(r)) for r in mine]
        return {"bytes": sum(n for _, n in sizes), "requests": len(mine), "urls": sizes}


def body_size(request) -> int:
    try:
        return max(0, request.sizes()["responseBodySize"])
    except Exception:  # a failed request has no sizes
        return 0


def run_engine(browser, engine: str, queries: list) -> dict:
    """Cold query in a fresh context (empty HTTP cache), then the warm one in the same page."""
    context = browser.new_context()
    network = Network(context)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    result = {"errors": errors}
    if engine == "sor":
        page.goto(f"{sor_url}/search.html", wait_until="load")
        result["load"] = network.take(page, "load")
        run = lambda q: page.evaluate(SOR_QUERY, q)
    else:
        page.goto(f"{pf_url}/pagefind.html", wait_until="load")
        result["load"] = network.take(page, "load")
        network.phase = "init"
        result["init_ms"] = page.evaluate(PF_INIT)
        result["init"] = network.take(page, "init")
        run = lambda q: page.evaluate(PF_QUERY, [q, PAGEFIND_SHOWN])
    for phase, query in zip(("cold", "warm"), queries):
        network.phase = phase
        answer = run(query)
        answer["fetched"] = network.take(page, phase)
        result[phase] = answer
    context.close()
    return result


def gzipped(url_path: str, root: pathlib.Path) -> int:
    """The size of a fetched file after gzip -6 (for SOR's JSON, which its nginx serves uncompressed); Pagefind's
    index files are gzip already and count as they are."""
    path = root / url_path.lstrip("/")
    body = path.read_bytes() if path.is_file() else b""
    return len(body) if body[:2] == b"\x1f\x8b" else len(gzip.compress(body, 6))


measured = {}  # (kind, engine) → list of runs
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    chromium_version = browser.version
    try:
        for kind, queries in QUERIES:
            for engine in ("sor", "pagefind"):
                measured[(kind, engine)] = [run_engine(browser, engine, queries) for _ in range(REPEAT)]
    finally:
        browser.close()
sor_server.shutdown()
pf_server.shutdown()

# ------------------------------------------------------------------------------------------------------- report

def kb(n: float) -> str:
    return f"{n / 1024:,.1f} KiB" if n < 1024 * 1024 else f"{n / 1048576:,.2f} MiB"


search = sor_site / "search"
sor_total, sor_files = du(search)
sor_calls_bytes, sor_call_files = du(search / "calls")
sor_terms_bytes, sor_shards = du(search / "terms")
sor_index_json = (search / "index.json").stat().st_size
terms_in_call_files = sum(len(json.dumps(json.loads(p.read_text()).get("terms", {}), separators=(",", ":")))
                          for p in (search / "calls").glob("*.json"))
pf_total, pf_files = du(pagefind_out)
pf_fragments, pf_fragment_files = du(pagefind_out, lambda p: p.suffix == ".pf_fragment")
pf_ui = {"pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
         "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js"}
pf_ui_bytes, _ = du(pagefind_out, lambda p: p.name in pf_ui or "playground" in p.parts)
pf_wasm, _ = du(pagefind_out, lambda p: p.name.startswith("wasm."))

print(f"search: SOR beside Pagefind on the same {len(calls)} calls ({pagefind_version}; Chromium {chromium_version} headless;")
print(f"   both served by Python's http.server on loopback, uncompressed; latencies are the median of {REPEAT} runs)")
pf_init_ms = statistics.median(r["init_ms"] for r in measured[(QUERIES[0][0], "pagefind")])
sor_load = measured[(QUERIES[0][0], "sor")][0]["load"]
pf_init = measured[(QUERIES[0][0], "pagefind")][0]["init"]
print(f"pagefind indexing: {pages_indexed.group(1) if pages_indexed else '?'} Hugo call pages, "
      f"{words_indexed.group(1) if words_indexed else '?'} words, stemmer for {', '.join(languages) or 'no language'}: "
      f"{pagefind_seconds:.1f} s wall ({os.cpu_count()} cores)")
print(f"pagefind index on disk: {kb(pf_total)} in {pf_files} files; {kb(pf_total - pf_ui_bytes)} without its UI bundles;")
print(f"   of it fragments (each page's text, for results) {kb(pf_fragments)} in {pf_fragment_files} files, wasm "
      f"{kb(pf_wasm)} (one per language, the browser fetches one)")
print(f"sor search index on disk: {kb(sor_total)} in {sor_files} files; {kb(sor_total - sor_calls_bytes)} without the "
      f"per-call files (index.json {kb(sor_index_json)}, {sor_shards} term shards {kb(sor_terms_bytes)});")
print(f"   per-call files (each call's lines, for results) {kb(sor_calls_bytes)} in {sor_call_files} files, "
      f"{100 * terms_in_call_files / max(sor_calls_bytes, 1):.0f}% of it their terms (the browser uses only the lines)")
print(f"page load: sor's search.html with its CSS and scripts {kb(sor_load['bytes'])} in {sor_load['requests']} requests "
      f"(its index.json, {kb(sor_index_json)}, comes with the first query);")
print(f"   pagefind's import of pagefind.js and init() {pf_init_ms:.0f} ms, {kb(pf_init['bytes'])} in "
      f"{pf_init['requests']} requests (before the query, not counted in it)")
print("sor: a query is the search form submitted (Enter; typing runs it 150 ms after the last key), until its hits are")
print("   in the page and counted: the first 10 calls (3 lines each; 'więcej wyników' shows more), so each of those")
print("   calls' per-call file is fetched")
print(f"pagefind: search() plus data() of the first {PAGEFIND_SHOWN} results (URL, title, excerpt: what a results page shows)")
print("cold: the first query in a fresh browser context (empty cache); warm: a second query of the same kind in that page")
print("hits: calls found (cold/warm); 'in corpus': calls where the word or phrase occurs, case ignored (for a word")
print("   without Polish letters: a word that is the same once they are replaced; other inflections not counted)")
print("bytes: response bodies as they came over the network for the query (Pagefind's worker included), requests in ()")
root_of = {"sor": sor_site, "pagefind": work}
for kind, queries in QUERIES:
    print()
    print(f"{kind}: {' then '.join(queries)} (in corpus: {' and '.join(str(corpus_calls(q)) for q in queries)} calls)")
    print(f"   {'engine':<9} {'hits':>11} {'ms cold':>8} {'ms warm':>8} {'bytes cold':>23} {'bytes warm':>23} {'cold gzipped':>13}")
    for engine in ("sor", "pagefind"):
        runs = measured[(kind, engine)]
        cold, warm = runs[0]["cold"], runs[0].get("warm")
        ms_cold = statistics.median(r["cold"]["ms"] for r in runs)
        ms_warm = statistics.median(r["warm"]["ms"] for r in runs) if warm else float("nan")
        hits = f"{cold['hits']}/{warm['hits']}" if warm else str(cold["hits"])
        cold_bytes = f"{kb(cold['fetched']['bytes'])} ({cold['fetched']['requests']})"
        warm_bytes = f"{kb(warm['fetched']['bytes'])} ({warm['fetched']['requests']})" if warm else "-"
        gz = kb(sum(gzipped(u, root_of[engine]) for u, _ in cold["fetched"]["urls"]))
        print(f"   {engine:<9} {hits:>11} {ms_cold:>8.1f} {ms_warm:>8.1f} {cold_bytes:>23} {warm_bytes:>23} {gz:>13}")
        if engine == "pagefind":
            search_cold = statistics.median(r["cold"]["search_ms"] for r in runs)
            search_warm = statistics.median(r["warm"]["search_ms"] for r in runs) if warm else float("nan")
            print(f"   {'':<9} {'':>11} {search_cold:>8.1f} {search_warm:>8.1f}   (pagefind's search() alone, without data())")
        errors = sorted({e for r in runs for e in r["errors"]})
        if errors:
            print(f"   {engine} page errors: {'; '.join(errors)[:300]}")
print()
print("cold gzipped: the cold query's files after gzip -6, what a server compressing them would send (SOR's nginx")
print("   does not compress JSON); Pagefind's index files are gzip already. Matching differs: Pagefind folds accents")
print("   (ó→o, ć→c) but not ł, stems Polish (Snowball) and takes a query word as a prefix; SOR folds ł too, matches")
print("   hunspell-pl lemmas and, for words of 5+ letters, terms sharing all but the last 3 letters.")
