"""Corrections made on a call page travel as edit documents through nginx (WebDAV PUT) to sor watch and back."""
import os
import pwd
import re

from playwright.sync_api import expect


def test_correcting_a_segment_updates_the_page_history_and_audit(watched, page, wait_for_revision):
    workspace, call_id, base = watched
    page.goto(f"{base}/calls/{call_id}/index.html")
    assert page.locator("#revision").inner_text() == "1"
    assert page.locator("#history").count() == 0

    segment = page.locator(".segment").first
    original = workspace.show(call_id)["transcript"]["segments"][0]["text"].strip()
    segment.hover()
    segment.locator(".edit").click()
    area = segment.locator("textarea")
    assert area.input_value() == original
    area.fill("Tak więc, drodzy Amerykanie, nie pytajcie.")
    segment.locator("button[type=submit]").click()
    # Shown once nginx has stored the document (the PUT is asynchronous), until the watcher applies it.
    expect(page.locator("#edit-messages .message.pending")).to_contain_text("czeka na zastosowanie")

    # The watcher applies it and rebuilds the site; the page reloads itself.
    wait_for_revision(page, 2)
    assert "Tak więc, drodzy Amerykanie, nie pytajcie." in page.locator(".segment").first.inner_text()
    history = page.locator("#history").inner_text()
    user = pwd.getpwuid(os.getuid()).pw_name
    assert user in history and "tekst transkrypcji" in history and "zastosowana" in history
    assert original in history, "the history shows the text before"
    assert page.errors == []

    shown = workspace.show(call_id)
    assert shown["call"]["revision"] == 2
    assert shown["transcript"]["segments"][0]["text"].strip() == "Tak więc, drodzy Amerykanie, nie pytajcie."
    audit = workspace.sor("audit", "show", "--call", call_id).stdout
    assert re.search(rf"user:{re.escape(user)}\s+edit\s+applied\s+{call_id}", audit), audit


def test_a_stale_correction_is_rejected_and_the_page_says_why(watched, browser, wait_for_revision):
    workspace, call_id, base = watched
    first, second = browser.new_page(bypass_csp=True), browser.new_page(bypass_csp=True)
    for page in (first, second):
        page.goto(f"{base}/calls/{call_id}/index.html")
    revision = int(first.locator("#revision").inner_text())

    def correct(page, text):
        segment = page.locator(".segment").last
        segment.hover()
        segment.locator(".edit").click()
        segment.locator("textarea").fill(text)
        segment.locator("button[type=submit]").click()

    correct(first, "Pierwsza poprawka.")
    wait_for_revision(first, revision + 1)
    # The second tab still shows the old revision: its correction is stale.
    correct(second, "Druga poprawka.")
    second.wait_for_selector("#edit-messages .message.rejected", timeout=60_000)
    message = second.locator("#edit-messages .message.rejected").inner_text()
    assert "Poprawka odrzucona" in message and "stale" in message and f"revision {revision}" in message
    assert workspace.show(call_id)["transcript"]["segments"][-1]["text"].strip() == "Pierwsza poprawka."
    # The rejection is on record: in the call's history (shown on the page) and in the audit log.
    second.reload()
    assert "odrzucona" in second.locator("#history").inner_text()
    assert "rejected" in workspace.sor("audit", "show", "--call", call_id).stdout
    first.close()
    second.close()


def test_a_manual_evaluation_updates_the_score_evaluator_history_and_audit(watched, page, wait_for_revision):
    workspace, call_id, base = watched
    page.goto(f"{base}/calls/{call_id}/index.html")
    revision = int(page.locator("#revision").inner_text())
    form = page.locator("form.card[data-card='SALES']")
    before = form.locator(".total").get_attribute("data-total")
    # The tone criterion has no automatic answer: it waits for an evaluator.
    row = form.locator("tr[data-criterion='ton_i_kultura']")
    assert row.locator("td.final").get_attribute("data-final") == ""
    row.locator("td.manual select").select_option("5")
    row.locator("input[name='comment-ton_i_kultura']").fill("Spokojny, uprzejmy ton.")
    # Override an automatic answer too.
    farewell = form.locator("tr[data-criterion='pozegnanie']")
    automatic = farewell.locator("td.final").get_attribute("data-final")
    flipped = "no" if automatic != "no" else "yes"
    farewell.locator("td.manual select").select_option(flipped)
    form.locator("textarea[name='comment']").fill("Ocena kalibracyjna")
    form.locator("button[type=submit]").click()

    wait_for_revision(page, revision + 1)
    form = page.locator("form.card[data-card='SALES']")
    assert form.locator(".evaluator").inner_text() == pwd.getpwuid(os.getuid()).pw_name
    assert form.locator("tr[data-criterion='ton_i_kultura'] td.final").get_attribute("data-final") == "5"
    assert form.locator("tr[data-criterion='pozegnanie'] td.final").get_attribute("data-final") == flipped
    assert form.locator(".total").get_attribute("data-total") != before, "the score moved"
    assert "Ocena kalibracyjna" in form.inner_text()
    history = page.locator("#history").inner_text()
    assert "ocena ręczna" in history and "ton_i_kultura" in history

    shown = workspace.show(call_id)
    card = next(c for c in shown["evaluation"]["cards"] if c["card"] == "SALES")
    criteria = {c["id"]: c for s in card["sections"] for c in s["criteria"]}
    assert criteria["ton_i_kultura"]["manual"]["evaluator"] == pwd.getpwuid(os.getuid()).pw_name
    assert criteria["ton_i_kultura"]["manual"]["comment"] == "Spokojny, uprzejmy ton."
    assert criteria["pozegnanie"]["auto"] is not None, "the automatic answer is kept beside the manual one"
    audit = workspace.sor("audit", "show", "--call", call_id).stdout
    assert "edit  applied" in audit and "evaluation.manual" in audit


def test_clicking_evidence_plays_the_moment_it_quotes(watched, page, wait_for_revision):
    workspace, call_id, base = watched
    page.goto(f"{base}/calls/{call_id}/index.html")
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=10_000)
    evidence = page.locator("button.evidence[data-start]").first
    start = float(evidence.get_attribute("data-start"))
    evidence.click()
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {start}) < 0.6", timeout=5_000)
