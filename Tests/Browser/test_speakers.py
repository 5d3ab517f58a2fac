"""Corrections of speakers, roles and utterances made on the call page of a call with an analysis travel as edit
documents through nginx (WebDAV PUT) to sor watch, which applies them, rescores the call and rebuilds the page."""
import os
import pwd
import re

from playwright.sync_api import expect

ROLE_LABEL = {"KLIENT": "Klient", "KONSULTANT": "Konsultant"}


def test_the_sentiment_chart_renders_with_axes_and_legend_and_plays_from_a_point(analysed, page):
    """Runs first: the call is still as processing left it."""
    workspace, call_id, base = analysed
    page.goto(f"{base}/calls/{call_id}/index.html")
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=10_000)
    analysis = workspace.show(call_id)["analysis"]
    scored = [u for u in analysis["utterances"] if u.get("sentiment")]
    assert scored and analysis.get("sentiment"), "processing computed sentiment"

    chart = page.locator("#sentiment-chart svg.sentiment-chart")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 400 and box["height"] > 100, box
    # Axes: the score ends and zero, minutes along the bottom; the legend names both roles in words.
    ticks = chart.locator("text.tick").all_text_contents()
    assert {"+1", "0", "−1"} <= set(ticks) and "0:00" in ticks and "1:00" in ticks, ticks
    legend = " ".join(chart.locator(".legend text").all_text_contents())
    assert "Klient" in legend and "Konsultant" in legend, legend
    # A point per utterance, drawn (not zero-sized), with a tooltip naming the role.
    points = chart.locator(".point[data-start]")
    assert points.count() == len(scored)
    assert chart.locator(".klient circle.point[data-start]").count() > 0 and chart.locator(".konsultant rect.point[data-start]").count() > 0
    assert "Klient" in chart.locator(".klient .point[data-start] title").first.text_content()
    # The summary table under it.
    summary = page.locator("table.sentiment-summary").inner_text()
    assert "Klient" in summary and "Konsultant" in summary

    # Clicking a late point plays the recording from that utterance.
    target = points.nth(points.count() - 1)
    start = float(target.get_attribute("data-start"))
    assert start > 5
    target.click()
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {start}) < 0.6", timeout=5_000)

    # What a QA manager sees: a screenshot of the chart, kept beside the workspace's site for a person to open.
    shot = workspace.root / "sentiment-chart.png"
    page.locator("#sentiment-chart").screenshot(path=str(shot))
    assert shot.stat().st_size > 5_000
    assert page.errors == []


def test_swapping_roles_and_correcting_an_utterance(analysed, page, wait_for_revision):
    workspace, call_id, base = analysed
    page.goto(f"{base}/calls/{call_id}/index.html")
    start = int(page.locator("#revision").inner_text())

    analysis = workspace.show(call_id)["analysis"]
    roles = {speaker["id"]: speaker.get("role") for speaker in analysis["speakers"]}
    assert sorted(r for r in roles.values() if r) == ["KLIENT", "KONSULTANT"], roles
    utterances = analysis["utterances"]
    assert len(utterances) >= 2
    # The page shows utterances (not segments), each with its speaker's role.
    assert page.locator(".utterance").count() == len(utterances)
    assert page.locator("[data-segment]").count() == 0
    first = page.locator(".utterance").first
    speaker = first.get_attribute("data-speaker")
    assert first.locator(".badge-speaker").inner_text().startswith(ROLE_LABEL[roles[speaker]])
    assert page.locator("#talk-stats").is_visible()
    review_before = page.locator("#review").count()

    # ⇄ Zamień role
    page.click("#swap-roles")
    # Shown once nginx has stored the document (the PUT is asynchronous), until the watcher applies it.
    expect(page.locator("#edit-messages .message.pending")).to_contain_text("czeka na zastosowanie")
    wait_for_revision(page, start + 1)
    first = page.locator(".utterance").first
    swapped = {"KLIENT": "KONSULTANT", "KONSULTANT": "KLIENT"}[roles[speaker]]
    assert first.locator(".badge-speaker").inner_text().startswith(ROLE_LABEL[swapped])
    assert first.get_attribute("class").split()[-1] == f"role-{swapped.lower()}"
    if review_before:
        assert page.locator("#review").count() == 0, "a person decided: nothing left to review"

    # ✎ on the second utterance
    target = page.locator(".utterance").nth(1)
    number = int(target.get_attribute("data-utterance"))
    original = " ".join(w["text"].strip() for w in utterances[1]["words"] if w["text"].strip()) or utterances[1]["text"].strip()
    target.hover()
    target.locator(".edit").click()
    area = target.locator("textarea")
    assert area.input_value() == original
    corrected = "Rozumiem, w takim razie poproszę o ofertę."
    area.fill(corrected)
    target.locator("button[type=submit]").click()
    wait_for_revision(page, start + 2)
    assert corrected in page.locator(".utterance").nth(1).inner_text()

    user = pwd.getpwuid(os.getuid()).pw_name
    history = page.locator("#history").inner_text()
    assert user in history and "zamiana ról" in history and "tekst wypowiedzi" in history
    assert utterances[1]["text"].strip() in history, "the history shows the text before"
    assert page.errors == []

    # On record: the analysis, the history with its author, and the audit log.
    shown = workspace.show(call_id)
    assert shown["call"]["revision"] == start + 2
    after = shown["analysis"]
    assert {s["id"]: s.get("role") for s in after["speakers"]}[speaker] == swapped
    assert after["roles"]["method"] == "manual" and after["roles"]["needs_review"] is False
    assert any(user in cue for cue in after["roles"]["cues"])
    changed = next(u for u in after["utterances"] if u["id"] == number)
    assert changed["text"] == corrected
    assert all(w["probability"] == 1 for w in changed["words"])
    edits = {entry["type"]: entry for entry in shown["history"] if entry["state"] == "applied"}
    assert edits["roles.swap"]["user"] == user and edits["utterance.text"]["user"] == user
    assert edits["utterance.text"]["before"]["text"] == utterances[1]["text"].strip() and edits["utterance.text"]["after"]["text"] == corrected
    audit = workspace.sor("audit", "show", "--call", call_id).stdout
    assert len(re.findall(rf"user:{re.escape(user)}\s+edit\s+applied\s+{call_id}", audit)) == 2, audit


def test_splitting_moving_and_renaming(analysed, page, wait_for_revision):
    workspace, call_id, base = analysed
    page.goto(f"{base}/calls/{call_id}/index.html")
    revision = int(page.locator("#revision").inner_text())
    count = page.locator(".utterance").count()

    # ✂ podziel, then a click on the word the second part starts with (not a seek).
    first = page.locator(".utterance").first
    words = first.locator(".w")
    assert words.count() >= 2
    second_word = words.nth(1).inner_text().strip()
    first.hover()
    first.locator("button.split").click()
    assert first.locator(".split-hint").is_visible()
    first.locator('.w[data-index="1"]').click()
    wait_for_revision(page, revision + 1)
    assert page.locator(".utterance").count() == count + 1
    assert page.locator(".utterance").nth(1).locator(".w").first.inner_text().strip() == second_word

    # ↔ inny mówca on the new second part.
    part = page.locator(".utterance").nth(1)
    speaker = part.get_attribute("data-speaker")
    part.hover()
    part.locator("button.move").click()
    wait_for_revision(page, revision + 2)
    assert page.locator(".utterance").nth(1).get_attribute("data-speaker") != speaker

    # zmień nazwę
    row = page.locator(".speaker-row").first
    row.locator("button.rename").click()
    row.locator("input[name=name]").fill("Pani Ewa")
    row.locator("button[type=submit]").click()
    wait_for_revision(page, revision + 3)
    assert "Pani Ewa" in page.locator(".speaker-row").first.inner_text()
    assert page.locator(f'.utterance[data-speaker="{row.get_attribute("data-speaker")}"] .badge-speaker').first.inner_text().endswith("Pani Ewa")
    assert page.errors == []

    history = {entry["type"] for entry in workspace.show(call_id)["history"] if entry["state"] == "applied"}
    assert {"utterance.split", "utterance.speaker", "speaker.rename"} <= history
