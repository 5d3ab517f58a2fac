"""The generated site in a real browser: served by nginx, driven through Chromium."""
import ssl
import urllib.request


def test_index_lists_the_call_and_links_to_its_page(served, page):
    workspace, call_id, base = served
    page.goto(f"{base}/calls.html")
    assert page.locator("html").get_attribute("lang") == "pl"
    assert page.locator("#call-count").inner_text() == "1"
    row = page.locator(f"tr[data-call='{call_id}']")
    assert "jfk.wav" in row.inner_text()
    row.locator("a").click()
    page.wait_for_url(f"**/calls/{call_id}/index.html")
    assert "And so my fellow Americans" in page.locator("#transcript").inner_text()
    assert page.errors == []


def test_clicking_a_word_seeks_the_audio_and_highlights_its_segment(served, page):
    workspace, call_id, base = served
    page.goto(f"{base}/calls/{call_id}/index.html")
    # The recording is served (nginx with byte ranges) and the browser can read its duration.
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=10_000)
    duration = page.evaluate("document.getElementById('player').duration")
    assert abs(duration - 11.0) < 0.2

    transcript = workspace.show(call_id)["transcript"]
    words = [w for s in transcript["segments"] for w in s["words"]]
    target = next(w for w in words if w["text"].lower().startswith("country"))
    span = page.locator(".w", has_text=target["text"]).first
    assert abs(float(span.get_attribute("data-start")) - target["start"]) < 0.01
    span.click()
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {target['start']}) < 0.6", timeout=5_000)
    assert page.locator(".segment.playing").count() == 1
    assert page.locator(".segment.playing .w", has_text=target["text"]).count() >= 1
    assert page.errors == []


def test_clicking_a_segment_time_seeks_there(served, page):
    workspace, call_id, base = served
    page.goto(f"{base}/calls/{call_id}/index.html")
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=10_000)
    button = page.locator(".segment .time").first
    start = float(button.get_attribute("data-start"))
    button.click()
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {start}) < 0.6", timeout=5_000)
    assert "playing" in page.locator(".segment").first.get_attribute("class").split()
    assert page.locator(".segment.playing").count() == 1


def test_nginx_serves_byte_ranges_for_seeking(served):
    workspace, call_id, base = served
    # Over HTTPS, trusting the workspace's own CA (its certificate names localhost).
    context = ssl.create_default_context(cafile=str(workspace.root / "var" / "tls" / "ca.crt"))
    url = f"{base}/calls/{call_id}/audio.wav".replace("127.0.0.1", "localhost")
    request = urllib.request.Request(url, headers={"Range": "bytes=100-199"})
    with urllib.request.urlopen(request, context=context) as response:
        assert response.status == 206
        assert len(response.read()) == 100
        assert response.headers["Content-Type"] == "audio/wav"
