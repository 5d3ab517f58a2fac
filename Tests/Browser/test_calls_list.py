"""The calls list: filters and sorting in the browser over data/calls.json, with the state in the URL."""
from urllib.parse import quote


def ready(page, url):
    page.goto(url)
    page.wait_for_selector("#calls[data-ready=true]")


def shown_ids(page):
    return page.eval_on_selector_all("#calls tbody tr", "rows => rows.map(r => r.dataset.call)")


def test_two_filters_give_the_right_count_and_the_link_keeps_them(many, page, browser):
    _, base, calls = many
    ready(page, f"{base}/calls.html")
    assert page.locator("#call-count").inner_text() == str(len(calls))

    # The team with the most calls, and failed on some card: counted here from the test's own records.
    teams = sorted({c["team"] for c in calls if c["team"] != "—"})
    team = max(teams, key=lambda t: sum(1 for c in calls if c["team"] == t))
    expected = [c["id"] for c in calls if c["team"] == team and any(not card["passed"] for card in c["cards"])]
    assert 0 < len(expected) < len(calls)

    page.select_option("select[name=team]", team)
    page.select_option("select[name=result]", "fail")
    assert page.locator("#call-count").inner_text() == str(len(expected))
    assert sorted(shown_ids(page)) == sorted(expected)
    assert f"team={quote(team)}" in page.url.replace("+", "%20") and "result=fail" in page.url

    # The link opens the same list.
    other = browser.new_page(bypass_csp=True)
    ready(other, page.url)
    assert other.locator("#call-count").inner_text() == str(len(expected))
    assert other.locator("select[name=team]").input_value() == team
    other.close()
    assert page.errors == []


def test_score_range_card_and_duration(many, page):
    _, base, calls = many
    ready(page, f"{base}/calls.html?card=SALES&min=50")
    expected = [c["id"] for c in calls if any(card["card"] == "SALES" and card["total"] >= 50 for card in c["cards"])]
    assert sorted(shown_ids(page)) == sorted(expected)
    longest = max(c["duration"] for c in calls)
    page.fill("input[name=dmax]", str(round(longest / 60 - 0.05, 2)))
    narrower = [i for i in expected if next(c for c in calls if c["id"] == i)["duration"] <= round(longest / 60 - 0.05, 2) * 60]
    assert sorted(shown_ids(page)) == sorted(narrower)
    assert page.errors == []


def test_sorting_by_score_and_back(many, page):
    _, base, calls = many
    ready(page, f"{base}/calls.html")
    page.click("button.sort[data-sort=score]")
    best = {c["id"]: max((card["total"] for card in c["cards"]), default=-1) for c in calls}
    ids = shown_ids(page)
    assert [best[i] for i in ids] == sorted((best[i] for i in ids), reverse=True)
    assert "sort=-score" in page.url
    page.click("button.sort[data-sort=score]")
    ids = shown_ids(page)
    assert [best[i] for i in ids] == sorted(best[i] for i in ids)
    assert page.locator("th[aria-sort=ascending] button[data-sort=score]").count() == 1
    # Newest first by default (the generated calls' times are all UTC, so their order is the strings').
    ready(page, f"{base}/calls.html")
    times = {c["id"]: c["time"] for c in calls}
    generated = [times[i] for i in shown_ids(page) if times[i].endswith("Z")]
    assert len(generated) == 150 and generated == sorted(generated, reverse=True)
    assert page.errors == []
