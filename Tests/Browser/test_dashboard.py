"""The dashboard: its figures against the test's own records, and its links into the calls list."""
import math
import re


def test_dashboard_figures_and_a_failed_criterion_to_its_calls(many, page):
    _, base, calls = many
    page.goto(f"{base}/all.html")
    assert page.locator("#kpi-calls .value").inner_text() == str(len(calls))
    results = [card for c in calls for card in c["cards"]]
    passed = sum(1 for card in results if card["passed"])
    assert page.locator("#kpi-pass .value").inner_text() == format_percent(passed * 100 / len(results))
    assert page.locator("#kpi-critical .value").inner_text() == str(sum(1 for c in calls if any(k["critical"] for k in c["cards"])))
    assert page.locator("svg.trend-chart").count() == 1 and page.locator("svg.trend-chart .legend").count() >= 1
    assert page.locator("svg.distribution-chart rect.bar").count() == 10

    # The most failed criterion: its count, and its link to exactly those calls.
    first = page.locator("#most-failed tbody tr").first
    card, criterion = first.get_attribute("data-card"), first.get_attribute("data-criterion")
    expected = sorted(c["id"] for c in calls if any(k["card"] == card and criterion in k["failed"] for k in c["cards"]))
    count = int(re.match(r"(\d+)", first.locator("td.num").first.inner_text()).group(1))
    assert count == len(expected) and count > 0
    first.locator("a.show-calls").click()
    page.wait_for_url("**/calls.html?*")
    page.wait_for_selector("#calls[data-ready=true]")
    assert page.locator("#call-count").inner_text() == str(len(expected))
    shown = sorted(page.eval_on_selector_all("#calls tbody tr", "rows => rows.map(r => r.dataset.call)"))
    assert shown == expected
    assert not page.locator("#failed-note").is_hidden()
    assert page.errors == []


def test_an_agent_page_from_the_dashboard_and_the_periods(many, page):
    _, base, calls = many
    page.goto(f"{base}/all.html")
    link = page.locator("#best-agents tbody tr a").first
    agent = link.inner_text()
    theirs = [c for c in calls if c["agent"] == agent]
    link.click()
    page.wait_for_url("**/agents/*.html")
    assert page.locator("h1").inner_text().endswith(agent)
    assert page.locator("#kpi-calls .value").inner_text() == str(len(theirs))
    assert sorted(page.eval_on_selector_all("#person-calls tbody tr", "rows => rows.map(r => r.dataset.call)")) == sorted(c["id"] for c in theirs)
    assert page.locator("svg.trend-chart").count() == 1
    # Their weakest criterion leads to their calls that failed it.
    weakest = page.locator("#most-failed tbody tr").first
    card, criterion = weakest.get_attribute("data-card"), weakest.get_attribute("data-criterion")
    weakest.locator("a.show-calls").click()
    page.wait_for_selector("#calls[data-ready=true]")
    expected = [c["id"] for c in theirs if any(k["card"] == card and criterion in k["failed"] for k in c["cards"])]
    assert page.locator("select[name=agent]").input_value() == agent
    assert page.locator("#call-count").inner_text() == str(len(expected))
    # The periods end on the newest call's day; the week holds at most the calls of those seven days.
    page.goto(f"{base}/week.html")
    assert page.locator(".periods a.current").inner_text() == "7 dni"
    week = int(page.locator("#kpi-calls .value").inner_text())
    assert 0 < week <= len(calls)
    assert page.errors == []


def format_percent(value):
    """As the page writes it (Swift rounds halves away from zero; Python's round() would not)."""
    rounded = math.floor(value * 10 + 0.5) / 10
    return f"{int(rounded)}%" if rounded == int(rounded) else f"{rounded:.1f}%"


def test_a_custom_range_gives_the_figures_sor_gives_for_the_same_days(many, page):
    _, base, calls = many
    # Over the whole span, the browser's figures must be the ones sor wrote on all.html.
    page.goto(f"{base}/all.html")
    span = page.locator("#period").inner_text().split(" – ")
    def read():
        kpis = {i: page.locator(f"#{i} .value").inner_text() for i in ["kpi-calls", "kpi-hours", "kpi-average", "kpi-pass", "kpi-critical", "kpi-review", "kpi-sentiment"]}
        tables = {t: page.eval_on_selector_all(f"#{t} tbody tr", "rows => rows.map(r => r.innerText)") for t in ["cards", "most-failed", "best-agents", "worst-agents", "teams"]}
        return kpis, tables
    written = read()
    page.goto(f"{base}/index.html?from={span[0]}&to={span[1]}")
    page.wait_for_function(f"document.body.dataset.range === '{span[0]}/{span[1]}'")
    assert read() == written
    assert page.locator("figure.chart").first.is_hidden()

    # A narrower range: the calls of those days, as the test's records count them.
    days = sorted(c["time"][:10] for c in calls)
    start, end = days[len(days) // 3], days[2 * len(days) // 3]
    page.fill("#range input[name=from]", start)
    page.fill("#range input[name=to]", end)
    page.click("#range button[type=submit]")
    page.wait_for_function(f"document.body.dataset.range === '{start}/{end}'")
    assert page.locator("#kpi-calls .value").inner_text() == str(sum(1 for d in days if start <= d <= end))
    assert f"from={start}&to={end}" in page.url
    assert page.errors == []
