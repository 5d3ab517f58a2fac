"""The site as nginx serves it with sor's generated configuration: HTTPS, headers, MIME types, the CSP honoured by
every kind of page in Chromium, and what may be written."""
import ssl
import urllib.error
import urllib.request

import pytest


def fetch(url: str, ca: str, method: str = "GET", data: bytes | None = None):
    context = ssl.create_default_context(cafile=ca)
    request = urllib.request.Request(url.replace("127.0.0.1", "localhost"), method=method, data=data)
    try:
        with urllib.request.urlopen(request, context=context) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_pages_scripts_and_audio_have_their_types_and_the_security_headers(many):
    workspace, base, calls = many
    ca = str(workspace.root / "var" / "tls" / "ca.crt")
    call = calls[0]["id"]
    expected = {
        "/index.html": "text/html", "/static/calls.js": "application/javascript", "/static/sor.css": "text/css",
        "/data/calls.json": "application/json", f"/calls/{call}/index.html": "text/html",
    }
    for path, kind in expected.items():
        status, headers, _ = fetch(base + path, ca)
        assert status == 200, path
        assert headers["Content-Type"].startswith(kind), (path, headers["Content-Type"])
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        assert headers["X-Content-Type-Options"] == "nosniff"
    page = fetch(base + f"/calls/{call}/index.html", ca)[2].decode()
    audio = page.split('id="player" src="')[1].split('"')[0] if 'id="player" src="' in page else None
    if audio:
        status, headers, _ = fetch(base + f"/calls/{call}/{audio}", ca)
        assert status == 200 and headers["Content-Type"].startswith("audio/")


def test_nothing_but_the_edit_and_upload_folders_can_be_written(many):
    workspace, base, _ = many
    ca = str(workspace.root / "var" / "tls" / "ca.crt")
    assert fetch(base + "/index.html", ca, "PUT", b"x")[0] == 403
    assert fetch(base + "/api/edits/../../sor.yaml", ca, "PUT", b"x")[0] in (400, 403, 404)
    assert fetch(base + "/api/uploads/run.sh", ca, "PUT", b"x")[0] == 403
    assert fetch(base + "/index.html", ca, "DELETE")[0] == 403
    assert fetch(base + "/api/edits/big.json", ca, "PUT", b"x" * (2 << 20))[0] == 413
    assert fetch(base + "/api/edits/ok.json", ca, "PUT", b"{}")[0] in (201, 204)
    assert any((workspace.root / "inbox" / "edits").glob("*/ok.json"))


@pytest.mark.parametrize("path", ["index.html", "calls.html", "search.html?q=reklamacja", "quarantine.html", "reports/index.html", "CALL"])
def test_every_kind_of_page_runs_under_the_content_security_policy(many, browser, path):
    _, base, calls = many
    page = browser.new_page()  # the CSP enforced, as a user's browser does
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    url = f"{base}/calls/{calls[0]['id']}/index.html" if path == "CALL" else f"{base}/{path}"
    response = page.goto(url)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    if path.startswith("calls.html"):
        assert page.locator("#calls tbody tr, table tbody tr").count() > 0
    if path.startswith("search.html"):
        page.locator("li.hit").first.wait_for(timeout=15_000)
    page.close()
    assert errors == [], errors
