"""Users and roles through real nginx with sor's generated configuration: who may read what (nginx, per view), who
may change what (the watcher), and the audit of who saw what. Statuses are read with curl over HTTPS against the
workspace's own CA; the agent's search runs in Chromium."""
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import BENCH, REPO, Workspace, free_port

PASSWORDS = {"anna": "anna-admin-pass", "marta": "marta-manager-pass", "jan": "jan-agent-pass", "ewa": "ewa-evaluator-pass",
             "tomek": "tomek-team-lead-pass"}


def curl(base: str, ca: str, path: str, user: str | None = None, password: str | None = None, method: str = "GET",
         data: bytes | None = None) -> tuple[int, bytes, dict]:
    """(status, body, headers) of one request, made by curl."""
    with tempfile.NamedTemporaryFile() as body, tempfile.NamedTemporaryFile() as head:
        command = ["curl", "-s", "--cacert", ca, "-o", body.name, "-D", head.name, "-w", "%{http_code}", "-X", method,
                   base.replace("127.0.0.1", "localhost") + path]
        if user:
            command += ["-u", f"{user}:{password if password is not None else PASSWORDS[user]}"]
        if data is not None:
            command += ["--data-binary", "@-", "-H", "Content-Type: application/json"]
        result = subprocess.run(command, input=data, capture_output=True, check=True)
        headers = {}
        for line in Path(head.name).read_text(errors="replace").splitlines()[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        return int(result.stdout), Path(body.name).read_bytes(), headers


@pytest.fixture(scope="module")
def roles():
    """The demo sales call (agent Jan Kowalski, team Zespół A) processed for real, 40 generated calls of twelve
    other agents in four teams, five users (an admin, a manager, Jan as an agent, Ewa evaluating Sprzedaż, Tomek leading
    Zespół A), served
    by nginx with `sor watch` applying edits."""
    root = Path(tempfile.mkdtemp(prefix="sor-browser-roles-"))
    workspace = Workspace(root)
    for ext in ("wav", "yaml"):
        shutil.copy(REPO / "demo" / "calls" / f"sales-pass.{ext}", root / f"sales-pass.{ext}")
    own = workspace.sor("process", "--no-site", str(root / "sales-pass.wav")).stdout.strip()
    made = subprocess.run([str(BENCH), "generate", "--calls", "40", "--seed", "11"], cwd=root, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    others = [json.loads(line) for line in made.stdout.splitlines()]
    assert not any(call["agent"] == "Jan Kowalski" for call in others)
    for login, role in (("anna", ["--role", "admin"]), ("marta", ["--role", "manager"]),
                        ("jan", ["--role", "agent", "--agent", "Jan Kowalski"]), ("ewa", ["--role", "evaluator", "--team", "Sprzedaż"]),
                        ("tomek", ["--role", "team_lead", "--team", "Zespół A"])):
        added = subprocess.run([str(REPO / ".build" / "debug" / "sor"), "users", "add", login, *role], cwd=root,
                               input=PASSWORDS[login] + "\n", capture_output=True, text=True)
        assert added.returncode == 0, added.stderr
    workspace.sor("site", "build")
    address = f"127.0.0.1:{free_port()}"
    workspace.sor("serve", "--listen", address)
    workspace.watch()
    try:
        yield workspace, f"https://{address}", str(root / "var" / "tls" / "ca.crt"), own, others
    finally:
        workspace.close()


def recording(workspace, call_id: str) -> str:
    return workspace.show(call_id)["call"]["audio_file"]


def test_nothing_is_served_without_signing_in(roles):
    _, base, ca, own, _ = roles
    for path in ("/", "/index.html", "/static/sor.css", f"/calls/{own}/index.html", "/v/jan/", "/data/calls.json"):
        assert curl(base, ca, path)[0] == 401, path
    assert curl(base, ca, "/v/jan/", "jan", "not-his-password")[0] == 401


def test_an_agent_reads_their_own_call_its_recording_and_pdf_and_nothing_else(roles):
    workspace, base, ca, own, others = roles
    status, _, headers = curl(base, ca, "/", "jan")
    assert status == 302 and headers["location"].endswith("/v/jan/")
    page = curl(base, ca, f"/v/jan/calls/{own}/", "jan")
    assert page[0] == 200 and page[2]["content-type"].startswith("text/html") and b"Jan Kowalski" in page[1]
    audio = curl(base, ca, f"/v/jan/calls/{own}/{recording(workspace, own)}", "jan")
    assert audio[0] == 200 and audio[2]["content-type"].startswith("audio/")
    pdf = curl(base, ca, f"/v/jan/calls/{own}/ocena-{own}.pdf", "jan")
    assert pdf[0] == 200 and pdf[1].startswith(b"%PDF")
    assert curl(base, ca, "/v/jan/index.html", "jan")[0] == 200
    other_agent = next(call for call in others if call["team"] == "Sprzedaż")
    other_team = next(call for call in others if call["team"] != "Sprzedaż")
    for call in (other_agent, other_team):
        for path in (f"/calls/{call['id']}/", f"/calls/{call['id']}/index.html", f"/calls/{call['id']}/ocena-{call['id']}.pdf"):
            assert curl(base, ca, path, "jan")[0] == 403, path
        assert curl(base, ca, f"/v/jan/calls/{call['id']}/", "jan")[0] == 404, "another call is not in the agent's view"
    # The whole site's pages and data, and other people's views, are refused too.
    for path in ("/index.html", "/calls.html", "/data/calls.json", "/search/index.json", "/downloads/index.xlsx", f"/calls/{own}/",
                 "/v/ewa/index.html", "/v/ewa/data/calls.json", "/v/jann/"):
        assert curl(base, ca, path, "jan")[0] == 403, path
    # The evaluator reads Sprzedaż's calls in her view and not Jan's; the manager and the admin read everything.
    assert curl(base, ca, f"/v/ewa/calls/{other_agent['id']}/", "ewa")[0] == 200
    assert curl(base, ca, f"/v/ewa/calls/{own}/", "ewa")[0] == 404
    assert curl(base, ca, f"/calls/{own}/", "ewa")[0] == 403
    for user in ("marta", "anna"):
        for path in ("/", f"/calls/{other_team['id']}/", f"/calls/{own}/ocena-{own}.pdf", "/v/jan/", "/data/calls.json"):
            assert curl(base, ca, path, user)[0] == 200, (user, path)


def view_files(root: Path):
    for folder, _, names in os.walk(root, followlinks=True):
        for name in names:
            yield Path(folder) / name


def test_a_view_holds_none_of_another_agents_calls_names_or_words(roles):
    workspace, base, ca, own, others = roles
    listed = json.loads(curl(base, ca, "/v/jan/data/calls.json", "jan")[1])
    assert [call["id"] for call in listed["calls"]] == [own]
    ewa = json.loads(curl(base, ca, "/v/ewa/data/calls.json", "ewa")[1])
    assert sorted(call["id"] for call in ewa["calls"]) == sorted(call["id"] for call in others if call["team"] == "Sprzedaż")
    # Nothing in Jan's view (pages, downloads, search index, the linked call folder) names another agent or call.
    # (Teams by their pages: "Sprzedaż" is also the SALES card's name.)
    view = workspace.root / "site" / "v" / "jan"
    assert sorted(path.name for path in (view / "teams").iterdir()) == ["zespol-a.html"]
    assert sorted(path.name for path in (view / "agents").iterdir()) == ["jan-kowalski.html"]
    names = {call["agent"] for call in others}
    ids = {call["id"] for call in others}
    checked = 0
    for path in view_files(view):
        if path.suffix in (".html", ".json", ".csv"):
            text = path.read_text(errors="replace")
            checked += 1
            assert not any(name in text for name in names | ids), path
    assert checked > 10


def test_the_agents_search_finds_only_their_own_call(roles, browser):
    workspace, base, ca, own, others = roles
    word = "oferta"

    def hits(user: str, root: str) -> list[str]:
        page = browser.new_page(http_credentials={"username": user, "password": PASSWORDS[user]}, ignore_https_errors=True)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{base}{root}search.html?q={word}")
        page.locator("li.hit").first.wait_for(timeout=15_000)
        page.wait_for_load_state("networkidle")
        found = page.locator("[data-call]").evaluate_all("elements => elements.map(e => e.dataset.call)")
        page.close()
        assert errors == [], errors
        return found

    everyone = hits("anna", "/")
    assert len(set(everyone)) > 1, "the word is in many calls: the admin's search finds them"
    assert set(hits("jan", "/v/jan/")) == {own}


def put_edit(base, ca, user, prefix, name, document) -> int:
    return curl(base, ca, f"{prefix}api/edits/{name}", user, method="PUT", data=json.dumps(document).encode())[0]


def edit_status(base, ca, user, prefix, name, timeout=90) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, body, _ = curl(base, ca, f"{prefix}api/edit-status/{name}", user)
        if status == 200 and body:
            return json.loads(body)
        time.sleep(0.5)
    raise AssertionError(f"{name}: no status after {timeout} s")


def test_an_evaluators_edit_is_applied_and_an_agents_is_refused_with_the_reason(roles):
    workspace, base, ca, own, others = roles
    target = next(call for call in others if call["team"] == "Sprzedaż")
    revision = workspace.show(target["id"])["call"]["revision"]
    document = {"schema": 1, "type": "call.metadata", "call": target["id"], "base_revision": revision,
                "metadata": {"campaign": "Zima 2026"}, "comment": "kampania z CRM"}
    assert put_edit(base, ca, "ewa", "/v/ewa/", "ewa-campaign.json", document) in (201, 204)
    assert edit_status(base, ca, "ewa", "/v/ewa/", "ewa-campaign.json")["state"] == "applied"
    assert workspace.show(target["id"])["call"]["metadata"]["campaign"] == "Zima 2026"

    # Ewa may not move the call to a team she does not evaluate.
    move = dict(document, base_revision=revision + 1, metadata={"team": "Windykacja"})
    assert put_edit(base, ca, "ewa", "/v/ewa/", "ewa-move.json", move) in (201, 204)
    refused = edit_status(base, ca, "ewa", "/v/ewa/", "ewa-move.json")
    assert refused["state"] == "rejected" and "Windykacja" in refused["reason"], refused

    # Jan may read his call but not score it: the watcher refuses, says why, and the audit names him.
    own_revision = workspace.show(own)["call"]["revision"]
    score = {"schema": 1, "type": "evaluation.manual", "call": own, "base_revision": own_revision, "card": "SALES",
             "answers": {"powitanie": "yes"}}
    assert put_edit(base, ca, "jan", "/v/jan/", "jan-score.json", score) in (201, 204)
    refused = edit_status(base, ca, "jan", "/v/jan/", "jan-score.json")
    assert refused["state"] == "rejected" and refused["reason"].startswith("not permitted: jan is agent"), refused
    assert workspace.show(own)["call"]["revision"] == own_revision
    audit = workspace.sor("audit", "show", "--user", "jan").stdout
    assert "edit  rejected  " + own in audit, audit
    # One user cannot read another's edit statuses: each reads their own folder.
    assert curl(base, ca, "/api/edit-status/ewa-campaign.json", "jan")[0] == 204


def test_the_audit_report_lists_views_downloads_and_failed_sign_ins(roles):
    workspace, base, ca, own, others = roles
    assert curl(base, ca, f"/v/jan/calls/{own}/index.html", "jan")[0] == 200
    assert curl(base, ca, f"/v/jan/calls/{own}/ocena-{own}.pdf", "jan")[0] == 200
    assert curl(base, ca, f"/calls/{others[0]['id']}/", "jan")[0] == 403
    assert curl(base, ca, "/downloads/index.xlsx", "marta")[0] == 200
    assert curl(base, ca, "/index.html", "marta", "a-wrong-password")[0] == 401
    assert curl(base, ca, "/index.html", "nobody", "whatever-it-is")[0] == 401
    report = json.loads(workspace.sor("audit", "report", "--json").stdout)["lines"]

    def has(**fields):
        return any(all(line.get(key) == value for key, value in fields.items()) for line in report)

    assert has(user="jan", action="view", call=own, outcome="ok")
    assert has(user="jan", action="download", call=own, file=f"ocena-{own}.pdf")
    assert has(user="jan", action="view", call=others[0]["id"], outcome="refused")
    assert has(user="marta", action="download", file="downloads/index.xlsx")
    assert has(user="marta", action="login-failed") and has(user="nobody", action="login-failed")
    assert not has(user="anna", action="login-failed")
    text = workspace.sor("audit", "report", "--user", "jan").stdout
    assert text.startswith("jan: ") and f"download  {own} ocena-{own}.pdf" in text, text
    assert workspace.sor("audit", "verify").returncode == 0


def signed_in_page(browser, user: str):
    """A page signed in as `user`, with the site's Content-Security-Policy enforced, recording console errors."""
    page = browser.new_page(http_credentials={"username": user, "password": PASSWORDS[user]}, ignore_https_errors=True)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    return page


def test_an_evaluator_uploads_a_recording_from_the_page_and_sees_it_become_a_call(roles, browser):
    workspace, base, ca, own, others = roles
    page = signed_in_page(browser, "ewa")
    page.goto(f"{base}/v/ewa/upload.html")
    assert page.locator("#upload-team option").all_inner_texts() == ["Sprzedaż"], "an evaluator uploads for her own teams"
    page.fill("#upload-agent", "Krzysztof Woźniak")
    page.select_option("#upload-card", "RETENTION")
    page.select_option("#upload-direction", "inbound")
    page.set_input_files("#upload-files", str(REPO / "demo" / "calls" / "retention-pass.wav"))
    item = page.locator('#uploads li[data-file="retention-pass.wav"]')
    item.locator(".state").wait_for()
    page.wait_for_selector('#uploads li[data-file="retention-pass.wav"][data-state="processed"]', timeout=240_000)
    call_id = item.get_attribute("data-call")
    assert page.errors == [], page.errors
    page.close()
    shown = workspace.show(call_id)["call"]
    assert shown["source"]["uploaded_by"] == "ewa"
    assert shown["metadata"]["team"] == "Sprzedaż" and shown["metadata"]["agent"] == "Krzysztof Woźniak"
    assert shown["metadata"]["scorecard"] == "RETENTION"
    audit = workspace.sor("audit", "show", "--call", call_id).stdout
    assert "user:ewa" in audit, audit
    # Once published, the call is in her view and its page opens from the link the upload page gave.
    deadline = time.time() + 120
    while curl(base, ca, f"/v/ewa/calls/{call_id}/", "ewa")[0] != 200:
        assert time.time() < deadline, "the uploaded call never reached the evaluator's view"
        time.sleep(1)


def test_an_agents_upload_is_refused_with_the_reason(roles, browser):
    workspace, base, ca, own, others = roles
    page = signed_in_page(browser, "jan")
    page.goto(f"{base}/v/jan/upload.html")
    assert page.locator("#upload-not-allowed").is_visible() and page.locator("#upload-files").count() == 0
    page.close()
    # Sent anyway (nginx takes any signed-in user's upload): the watcher refuses it, keeps it and says why.
    audio = (REPO / "demo" / "calls" / "collections-critical.wav").read_bytes()
    status = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca, "-u", f"jan:{PASSWORDS['jan']}", "-T", "-",
         base.replace("127.0.0.1", "localhost") + "/v/jan/api/uploads/moje-nagranie.wav"], input=audio, capture_output=True, check=True)
    assert int(status.stdout) in (201, 204)
    deadline = time.time() + 90
    while True:
        code, body, _ = curl(base, ca, "/v/jan/api/upload-status/moje-nagranie.wav.json", "jan")
        if code == 200 and json.loads(body)["state"] == "refused":
            break
        assert time.time() < deadline, "the agent's upload was not refused"
        time.sleep(0.5)
    assert json.loads(body)["reason"].startswith("not permitted: jan is agent")
    kept = list((workspace.root / "inbox" / "failed").glob("moje-nagranie*.wav"))
    assert kept and (kept[0].parent / (kept[0].name + ".error.txt")).exists()
    assert "not-permitted" in workspace.sor("audit", "show", "--user", "jan").stdout


def refused_upload(workspace, base, ca, name: str) -> None:
    """Jan (an agent) uploads a real recording; waits until the watcher has refused and kept it."""
    audio = (REPO / "demo" / "calls" / "service-fail.wav").read_bytes()
    subprocess.run(["curl", "-s", "-o", "/dev/null", "--cacert", ca, "-u", f"jan:{PASSWORDS['jan']}", "-T", "-",
                    base.replace("127.0.0.1", "localhost") + f"/v/jan/api/uploads/{name}"], input=audio, check=True)
    deadline = time.time() + 90
    while not (workspace.root / "inbox" / "failed" / f"{name}.error.txt").exists():
        assert time.time() < deadline, f"{name} was not refused"
        time.sleep(0.5)


def test_a_manager_requeues_a_refused_recording_from_the_quarantine_page(roles, browser):
    workspace, base, ca, own, others = roles
    refused_upload(workspace, base, ca, "do-ponowienia.wav")
    # Jan may not put it back himself.
    request = {"schema": 1, "type": "quarantine.requeue", "file": "do-ponowienia.wav"}
    assert put_edit(base, ca, "jan", "/v/jan/", "jan-requeue.json", request) in (201, 204)
    refused = edit_status(base, ca, "jan", "/v/jan/", "jan-requeue.json")
    assert refused["state"] == "rejected" and "manager's or an admin's" in refused["reason"], refused

    page = signed_in_page(browser, "marta")
    deadline = time.time() + 60
    while True:
        page.goto(f"{base}/quarantine.html")
        item = page.locator('#quarantine li[data-file="do-ponowienia.wav"]')
        if item.count():
            break
        assert time.time() < deadline, "the refused file never reached the quarantine page"
        time.sleep(1)
    assert "not-permitted" in item.inner_text()
    item.locator("button.requeue").click()
    page.wait_for_selector('#quarantine li[data-file="do-ponowienia.wav"][data-requeue="done"]', timeout=60_000)
    assert page.errors == [], page.errors
    page.close()
    assert not (workspace.root / "inbox" / "failed" / "do-ponowienia.wav").exists()
    assert not (workspace.root / "inbox" / "failed" / "do-ponowienia.wav.error.txt").exists()
    assert "user:marta  requeue  done" in workspace.sor("audit", "show", "--user", "marta").stdout
    # Back in the inbox it is processed like any recording.
    deadline = time.time() + 240
    while "processed do-ponowienia.wav" not in (workspace.root / "watch.log").read_text():
        assert time.time() < deadline, "the re-queued recording was not processed"
        time.sleep(1)


def test_an_admin_deletes_a_call_from_its_page_and_the_audit_names_her(roles, browser):
    workspace, base, ca, own, others = roles
    target = next(call for call in reversed(others) if call["team"] == "Windykacja")
    revision = workspace.show(target["id"])["call"]["revision"]
    # An evaluator may not delete (and this one does not see the team): refused with the reason.
    attempt = {"schema": 1, "type": "call.delete", "call": target["id"], "base_revision": revision, "reason": "test"}
    assert put_edit(base, ca, "ewa", "/v/ewa/", "ewa-delete.json", attempt) in (201, 204)
    assert edit_status(base, ca, "ewa", "/v/ewa/", "ewa-delete.json")["state"] == "rejected"

    page = signed_in_page(browser, "anna")
    page.goto(f"{base}/calls/{target['id']}/index.html")
    page.locator("#delete-call summary").click()
    page.fill("#delete-reason", "nagranie prywatnej rozmowy, wgrane omyłkowo")
    page.locator("#delete-form button[type=submit]").click()
    page.wait_for_url("**/calls.html", timeout=90_000)
    assert page.errors == [], page.errors
    page.close()
    assert workspace.sor("show", target["id"], check=False).returncode != 0
    audit = workspace.sor("audit", "show", "--call", target["id"]).stdout
    assert "user:anna  delete  erased" in audit and "wgrane omyłkowo" in audit, audit
    deadline = time.time() + 60
    while curl(base, ca, f"/calls/{target['id']}/", "anna")[0] != 404:
        assert time.time() < deadline, "the deleted call's page is still served"
        time.sleep(1)


def reload_until(page, selector: str, timeout: float = 120) -> None:
    """Reloads until `selector` is on the page: the watcher applies an edit, then publishes the page again."""
    deadline = time.time() + timeout
    while page.locator(selector).count() == 0:
        assert time.time() < deadline, f"{selector} never appeared on {page.url}"
        time.sleep(1)
        page.reload()


def test_an_agent_disputes_an_answer_and_the_team_lead_accepts_it_and_the_score_changes(roles, browser):
    workspace, base, ca, own, _ = roles
    card = next(card for card in workspace.show(own)["evaluation"]["cards"] if card["card"] == "SALES")
    criteria = [criterion for section in card["sections"] for criterion in section["criteria"]]
    # A criterion the call lost points on, which is not critical (a critical failure would hold the total at 0).
    target = next(c for c in criteria if (c.get("final") or {}).get("value") == "no" and not c["critical"])
    before = card["total"]

    page = signed_in_page(browser, "jan")
    page.goto(f"{base}/v/jan/calls/{own}/")
    row = page.locator(f'form.card[data-card="SALES"] tr.criterion[data-criterion="{target["id"]}"]')
    row.locator("details.dispute-form summary").click()
    row.locator("select.dispute-answer").select_option("yes")
    row.locator("input.dispute-reason").fill("Powiedziałem to wyraźnie w drugiej minucie.")
    row.locator("button.send-dispute").click()
    reload_until(page, f'tr.criterion[data-criterion="{target["id"]}"] .dispute.open')
    shown = row.locator(".dispute.open")
    assert "Powiedziałem to wyraźnie" in shown.inner_text() and "jan" in shown.inner_text()
    assert page.errors == [], page.errors
    page.close()
    unchanged = next(card for card in workspace.show(own)["evaluation"]["cards"] if card["card"] == "SALES")
    assert unchanged["total"] == before, "a dispute alone changes no score"

    # Ewa evaluates Sprzedaż, not Zespół A: her decision is refused. Tomek leads Zespół A and accepts it on the page.
    dispute = next(entry for entry in workspace.show(own)["history"] if entry["type"] == "evaluation.dispute")
    revision = workspace.show(own)["call"]["revision"]
    decision = {"schema": 1, "type": "evaluation.dispute.resolve", "call": own, "base_revision": revision,
                "dispute": dispute["edit"], "decision": "rejected", "comment": "nie"}
    assert put_edit(base, ca, "ewa", "/v/ewa/", "ewa-decision.json", decision) in (201, 204)
    assert edit_status(base, ca, "ewa", "/v/ewa/", "ewa-decision.json")["state"] == "rejected"

    page = signed_in_page(browser, "tomek")
    page.goto(f"{base}/v/tomek/calls/{own}/")
    box = page.locator(f'tr.criterion[data-criterion="{target["id"]}"] .dispute.open')
    box.locator("input.decision-reason").fill("Zgadza się, słychać to w nagraniu.")
    box.locator("button.accept-dispute").click()
    reload_until(page, f'tr.criterion[data-criterion="{target["id"]}"] .dispute.accepted')
    assert "Zgadza się, słychać to w nagraniu." in page.locator(".dispute.accepted").inner_text()
    total = page.locator('form.card[data-card="SALES"] .total').get_attribute("data-total")
    assert page.errors == [], page.errors
    page.close()
    after = next(card for card in workspace.show(own)["evaluation"]["cards"] if card["card"] == "SALES")
    answered = next(c for section in after["sections"] for c in section["criteria"] if c["id"] == target["id"])
    assert answered["final"]["value"] == "yes" and answered["manual"]["evaluator"] == "tomek"
    assert after["total"] > before and float(total.rstrip("%").replace(",", ".")) == round(after["total"], 1), (before, after["total"], total)
    history = [entry["type"] for entry in workspace.show(own)["history"] if entry["state"] == "applied"]
    assert history[-2:] == ["evaluation.dispute", "evaluation.dispute.resolve"], history
    assert "evaluation.dispute.resolve" in workspace.sor("audit", "show", "--user", "tomek").stdout


def test_a_calibration_session_with_two_evaluators_shows_their_agreement_per_criterion(roles, browser):
    workspace, base, ca, own, others = roles
    # Two scored calls of Sprzedaż, the team Ewa evaluates; Anna (an admin) is the second evaluator.
    picked = [call["id"] for call in others if call["team"] == "Sprzedaż"][:2]
    assert len(picked) == 2
    page = signed_in_page(browser, "marta")
    page.goto(f"{base}/calibration/index.html")
    page.fill("#calibration-title", "Sprzedaż, kalibracja grudniowa")
    for login in ("ewa", "anna"):
        page.check(f'#calibration-new input[name=evaluator][value="{login}"]')
    for call in picked:
        page.check(f'#calibration-new input[name=call][value="{call}"]')
    page.locator("#calibration-new button[type=submit]").click()
    page.wait_for_url("**/calibration/kal-*.html", timeout=150_000)
    session = page.url.rsplit("/", 1)[1].removesuffix(".html")
    assert page.locator("#calibration-results").count() == 0, "no results before anyone has answered"
    assert page.errors == [], page.errors
    page.close()

    def answer(login: str, prefix: str, differ: bool) -> int:
        """Answers every criterion with its first answer (Anna the second one on the first criterion); returns how
        many criteria there were."""
        page = signed_in_page(browser, login)
        page.goto(f"{base}{prefix}calibration/{session}.html")
        forms = page.locator("form.calibration-answers")
        assert forms.count() == 2, f"{login} sees {forms.count()} forms"
        assert page.locator("td[data-value]").count() == 0, "no one's answers are shown before all have answered"
        count = 0
        # What an evaluator sees (kept beside the workspace, or in $SOR_SCREENSHOTS, for a person to open).
        page.screenshot(path=str(Path(os.environ.get("SOR_SCREENSHOTS", workspace.root)) / f"calibration-{login}.png"), full_page=False)
        for index in range(forms.count()):
            form = forms.nth(index)
            selects = form.locator("select.calibration-answer")
            for number in range(selects.count()):
                select = selects.nth(number)
                option = 2 if differ and index == 0 and number == 0 else 1
                select.select_option(select.locator("option").nth(option).get_attribute("value"))
                count += 1
            form.locator("button[type=submit]").click()
            page.wait_for_selector(f"form.calibration-answers >> nth={index} >> .calibration-state.sent", timeout=90_000)
        assert page.errors == [], page.errors
        page.close()
        return count

    total = answer("ewa", "/v/ewa/", differ=False)
    # Blind: Anna sees that Ewa has answered, not what.
    status, body, _ = curl(base, ca, f"/calibration/{session}.html", "anna")
    deadline = time.time() + 60
    while b'class="evaluator finished">ewa' not in body:
        assert time.time() < deadline, "Ewa's answers never showed in the progress"
        time.sleep(1)
        status, body, _ = curl(base, ca, f"/calibration/{session}.html", "anna")
    assert status == 200 and b"calibration-results" not in body
    assert answer("anna", "/", differ=True) == total

    page = signed_in_page(browser, "marta")
    page.goto(f"{base}/calibration/{session}.html")
    reload_until(page, "#calibration-results")
    shown = float(page.locator("#agreement-evaluators").inner_text().rstrip("%").replace(",", "."))
    assert shown == round(100 * (total - 1) / total, 1), (shown, total)
    first = page.locator("table.calibration-item").first.locator("tbody tr").first
    assert "split" in first.get_attribute("class")
    values = [first.locator(f'td[data-login="{login}"]').get_attribute("data-value") for login in ("ewa", "anna")]
    assert values[0] != values[1] and all(values), values
    assert page.locator("table.calibration-item").count() == 2
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=str(Path(os.environ.get("SOR_SCREENSHOTS", workspace.root)) / "calibration-results.png"), full_page=True)
    assert page.locator("#calibration-criteria tbody tr").count() >= total // 2
    assert page.errors == [], page.errors
    page.close()
    # Ewa's view shows the same results; the CSV has a row per criterion of each call.
    assert b'id="calibration-results"' in curl(base, ca, f"/v/ewa/calibration/{session}.html", "ewa")[1]
    status, csv, _ = curl(base, ca, f"/calibration/{session}.csv", "marta")
    assert status == 200 and len(csv.decode("utf-8-sig").strip().splitlines()) == total + 1
    assert curl(base, ca, f"/v/jan/calibration/{session}.html", "jan")[0] == 404, "not Jan's session"
    assert "user:marta  calibration  created" in workspace.sor("audit", "show", "--user", "marta").stdout
    assert "user:anna  calibration  complete" in workspace.sor("audit", "show", "--user", "anna").stdout
    # The same results from the command line, as the server's engineer reads them.
    shown = workspace.sor("calibration", "show", session).stdout
    assert f"evaluators agree: {100 * (total - 1) / total:5.1f}% ({total - 1}/{total})" in shown, shown
    assert workspace.sor("calibration", "show", session, "--csv").stdout == csv.decode("utf-8").replace("\r\n", "\n")
    assert session in workspace.sor("calibration", "list").stdout
