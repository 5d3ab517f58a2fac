"""Corrections made on a call page travel as edit documents through nginx (WebDAV PUT) to sor watch and back."""
import getpass
import re


def wait_for_revision(page, revision: int, timeout: int = 60_000):
    page.wait_for_function(f"document.getElementById('revision')?.textContent === '{revision}'", timeout=timeout)


def test_correcting_a_segment_updates_the_page_history_and_audit(watched, browser):
    workspace, call_id, base = watched
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{base}/calls/{call_id}/index.html")
    assert page.locator("#revision").inner_text() == "1"
    assert page.locator("#history").count() == 0

    segment = page.locator(".segment").first
    segment.hover()
    segment.locator(".edit").click()
    area = segment.locator("textarea")
    assert "fellow Americans" in area.input_value()
    area.fill("Tak więc, drodzy Amerykanie, nie pytajcie.")
    segment.locator("button[type=submit]").click()
    assert "czeka na zastosowanie" in page.locator("#edit-messages").inner_text()

    # The watcher applies it and rebuilds the site; the page reloads itself.
    wait_for_revision(page, 2)
    assert "Tak więc, drodzy Amerykanie, nie pytajcie." in page.locator(".segment").first.inner_text()
    history = page.locator("#history").inner_text()
    user = getpass.getuser()
    assert user in history and "tekst transkrypcji" in history and "zastosowana" in history
    assert "fellow Americans" in history, "the history shows the text before"
    assert errors == []

    shown = workspace.show(call_id)
    assert shown["call"]["revision"] == 2
    assert shown["transcript"]["segments"][0]["text"].strip() == "Tak więc, drodzy Amerykanie, nie pytajcie."
    audit = workspace.sor("audit", "show", "--call", call_id).stdout
    assert re.search(rf"user:{re.escape(user)}\s+edit\s+applied\s+{call_id}", audit), audit
    page.close()


def test_a_stale_correction_is_rejected_and_the_page_says_why(watched, browser):
    workspace, call_id, base = watched
    first, second = browser.new_page(), browser.new_page()
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
