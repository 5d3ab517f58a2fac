"""Full-text search in the browser over the prebuilt, sharded index: Polish letters folded, inflection tolerated,
phrases in order, and each hit plays its moment."""
import re
import unicodedata


def fold(word):
    """As the page folds words (and sor indexes them)."""
    word = word.lower().replace("ł", "l")
    word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
    return re.sub(r"[^\w-]", "", word)


def utterances(workspace, call_id):
    return workspace.show(call_id)["analysis"]["utterances"]


def search(page, base, query):
    page.goto(f"{base}/search.html")
    assert page.locator("input[type=search]#q").count() == 1
    page.fill("#q", query)
    page.wait_for_function("document.getElementById('search-status').dataset.count !== undefined")
    # The first page shows ten calls, "więcej wyników" the next ten: show them all, as a reader would.
    count = int(page.eval_on_selector("#search-status", "s => s.dataset.count"))
    calls = lambda: page.eval_on_selector_all("li.hit", "items => new Set(items.map(i => i.dataset.call)).size")
    assert calls() == min(count, 10)
    while page.locator("#search-more").count():
        shown = calls()
        page.click("#search-more")
        page.wait_for_function(f"new Set([...document.querySelectorAll('li.hit')].map(i => i.dataset.call)).size > {shown}")
    assert calls() == count, "every call found is shown once"
    return page.eval_on_selector_all("li.hit", "items => items.map(i => [i.dataset.call, Number(i.dataset.start)])")


def test_a_word_typed_without_polish_letters_finds_the_call_and_the_moment(many, page):
    workspace, base, calls = many
    service = calls[1]  # the real service-fail call (the fixture processed it second)
    lines = utterances(workspace, service["id"])
    # A word of the transcript with Polish letters, typed without them.
    words = [(w, u["start"]) for u in lines for w in re.findall(r"\w+", u["text"]) if len(w) >= 6 and fold(w) != w.lower()]
    assert words, "the service call's transcript has a word with Polish letters"
    word, start = words[0]
    hits = search(page, base, fold(word))
    assert any(c == service["id"] and abs(s - start) < 0.01 for c, s in hits), (word, hits)
    assert page.locator("li.hit mark").count() > 0
    assert page.errors == []


def test_another_inflection_finds_the_word(many, page):
    workspace, base, calls = many
    service = calls[1]
    said = [u for u in utterances(workspace, service["id"]) if "reklamacj" in fold(u["text"])]
    assert said, "the service call's client says they will file a complaint (reklamację)"
    hits = search(page, base, "reklamacji")
    assert any(c == service["id"] and abs(s - said[0]["start"]) < 0.01 for c, s in hits), hits
    assert page.errors == []


def test_a_phrase_must_be_said_in_order_and_a_hit_plays_its_moment(many, page):
    workspace, base, calls = many
    sales = calls[0]
    lines = [u for u in utterances(workspace, sales["id"]) if len(re.findall(r"\w+", u["text"])) >= 4]
    line = lines[1]
    a, b = re.findall(r"\w+", line["text"])[1:3]
    hits = search(page, base, f'"{a} {b}"')
    mine = [s for c, s in hits if c == sales["id"]]
    assert any(abs(s - line["start"]) < 0.01 for s in mine), (a, b, hits)
    reversed_hits = search(page, base, f'"{b} {a}"')
    texts = [fold(" ".join(re.findall(r"\w+", u["text"]))) for u in utterances(workspace, sales["id"])]
    if not any(f"{fold(b)} {fold(a)}" in t for t in texts):
        assert not any(c == sales["id"] and abs(s - line["start"]) < 0.01 for c, s in reversed_hits)

    # Play from the hit: the call page opens at that moment.
    search(page, base, f'"{a} {b}"')
    hit = page.locator(f"li.hit[data-call='{sales['id']}']").first
    start = float(hit.get_attribute("data-start"))
    hit.locator("a").click()
    page.wait_for_url(f"**/calls/{sales['id']}/index.html#t=*")
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {start}) < 1.0", timeout=15_000)
    assert page.errors == []
