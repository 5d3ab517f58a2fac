"""Fixtures for the browser tests: a real SOR workspace, served by real nginx, opened in Debian's Chromium."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
SOR = REPO / ".build" / "debug" / "sor"
CHROMIUM_ARGS = [
    # sor serve's certificate comes from the workspace's own CA (a new one per test workspace).
    "--ignore-certificate-errors",
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Workspace:
    """A throw-away SOR installation sharing the repository's templates and speech engine."""

    def __init__(self, root: Path, diarization: bool = True):
        self.root = root
        # nginx's workers run as www-data when the tests run as root: they must be able to enter the workspace.
        root.chmod(0o755)
        self.watcher = None
        (root / "inbox").mkdir(parents=True)
        (root / "sor.yaml").write_text(
            "version: 1\n"
            f"paths:\n  templates: {REPO}/templates\n  scorecards: {REPO}/scorecards.yaml\n"
            "speech:\n  embedded:\n"
            f"    python: {REPO}/.venv/bin/python\n"
            f"    script: {REPO}/engine/sor_engine.py\n"
            f"    model_dir: {REPO}/models/whisper-base\n"
            "watch:\n  rescan_interval: 1\n  settle_seconds: 0.5\n"
            f"diarization:\n  models_dir: {REPO}/models/diarization\n  enabled: {'true' if diarization else 'false'}\n"
        )
        self.sor("key", "init")

    def watch(self):
        """Starts `sor watch` in the background (stopped by `close`)."""
        self.log = open(self.root / "watch.log", "w")
        self.watcher = subprocess.Popen([str(SOR), "watch"], cwd=self.root, stdout=self.log, stderr=subprocess.STDOUT)

    def close(self):
        self.sor("serve", "--stop", check=False)
        if self.watcher:
            self.watcher.terminate()
            try:
                self.watcher.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.watcher.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def sor(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(SOR), *args], cwd=self.root, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"sor {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    def show(self, call_id: str) -> dict:
        return json.loads(self.sor("show", call_id, "--json").stdout)


@pytest.fixture(scope="session")
def served():
    """One workspace with the JFK recording processed, served by nginx on a free loopback port."""
    root = Path(tempfile.mkdtemp(prefix="sor-browser-"))
    workspace = Workspace(root)
    call_id = workspace.sor("process", "--language", "en", str(SHARED / "jfk-en" / "jfk.wav")).stdout.strip()
    address = f"127.0.0.1:{free_port()}"
    workspace.sor("serve", "--listen", address)
    try:
        yield workspace, call_id, f"https://{address}"
    finally:
        workspace.close()


def serve_demo_call(prefix: str, diarization: bool):
    """The demo sales call (scored on SALES) processed in a new workspace, served by nginx on a free loopback port,
    with `sor watch` running so that corrections and evaluations sent from the page are applied."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    workspace = Workspace(root, diarization=diarization)
    for ext in ("wav", "yaml"):
        shutil.copy(REPO / "demo" / "calls" / f"sales-pass.{ext}", root / f"sales-pass.{ext}")
    call_id = workspace.sor("process", str(root / "sales-pass.wav")).stdout.strip()
    address = f"127.0.0.1:{free_port()}"
    workspace.sor("serve", "--listen", address)
    workspace.watch()
    try:
        yield workspace, call_id, f"https://{address}"
    finally:
        workspace.close()


@pytest.fixture(scope="module")
def watched():
    """The demo call with diarization off: the page shows the engine's segments and corrects them with
    `transcript.text` (the utterance corrections are tested on the `analysed` call)."""
    yield from serve_demo_call("sor-browser-edit-", diarization=False)


@pytest.fixture(scope="module")
def analysed():
    """The demo call as processing analysed it (two channels, two speakers with roles)."""
    for served_call in serve_demo_call("sor-browser-speakers-", diarization=True):
        workspace, call_id, _ = served_call
        assert workspace.show(call_id).get("analysis"), "processing a stereo call must store its analysis"
        yield served_call


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    # Playwright's wait_for_function evaluates its predicate as a string, which the site's Content-Security-Policy
    # (script-src 'self') forbids; these pages bypass it, and test_security.py opens every kind of page under it.
    page = browser.new_page(bypass_csp=True)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.errors = errors
    yield page
    page.close()


@pytest.fixture
def wait_for_revision():
    """Waits until the page shows the call at `revision` (the watcher applied an edit and the page reloaded)."""
    def wait(page, revision: int, timeout: int = 90_000):
        page.wait_for_function(f"document.getElementById('revision')?.textContent === '{revision}'", timeout=timeout)
    return wait


BENCH = REPO / ".build" / "debug" / "sor-bench"


@pytest.fixture(scope="session")
def many():
    """Two demo calls processed for real (SALES, which passes, and SERVICE, which fails), and 150 synthetic calls
    copied from them by `sor-bench generate` with other agents, teams, directions and dates; served by nginx.
    Yields the workspace, the base URL and every call as the test's own record of it (from `sor show` and the
    generator's manifest, not from the site). Shared by the list, dashboard and search tests, which only read it."""
    root = Path(tempfile.mkdtemp(prefix="sor-browser-list-"))
    workspace = Workspace(root)
    calls = []
    for name in ("sales-pass", "service-fail"):
        for ext in ("wav", "yaml"):
            shutil.copy(REPO / "demo" / "calls" / f"{name}.{ext}", root / f"{name}.{ext}")
        call_id = workspace.sor("process", "--no-site", str(root / f"{name}.wav")).stdout.strip()
        shown = workspace.show(call_id)
        call, evaluation = shown["call"], shown.get("evaluation") or {"cards": []}
        calls.append({
            "id": call_id, "time": call["metadata"].get("call_time", call["source"]["received_at"]),
            "agent": call["metadata"].get("agent", "—"), "team": call["metadata"].get("team", "—"),
            "direction": call["metadata"].get("direction"), "duration": call["audio"]["duration"],
            "cards": [{"card": c["card"], "total": c["total"], "passed": c["passed"], "critical": bool(c["critical_failures"]),
                       "failed": [k["id"] for section in c["sections"] for k in section["criteria"]
                                  if (k.get("final") or {}).get("value") == "no"]}
                      for c in evaluation["cards"]],
        })
    made = subprocess.run([str(BENCH), "generate", "--calls", "150", "--seed", "7"], cwd=root, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    calls += [json.loads(line) for line in made.stdout.splitlines()]
    workspace.sor("site", "build")
    address = f"127.0.0.1:{free_port()}"
    workspace.sor("serve", "--listen", address)
    try:
        yield workspace, f"https://{address}", calls
    finally:
        workspace.close()
