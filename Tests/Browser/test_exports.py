"""Downloads from the pages as a QA manager takes them: the call's evaluation PDF and the dashboard's period PDF,
XLSX and CSV, read back with pdftotext, openpyxl and Python's csv and compared with the test's own records (`sor
show`, the generator's manifest), not with the site."""
import csv
import datetime
import re
import subprocess

import openpyxl


def pdf_text(path) -> str:
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(result.stdout.split())


def download(page, selector, target):
    with page.expect_download() as info:
        page.locator(selector).click()
    info.value.save_as(target)
    return info.value.suggested_filename


def in_period(call, start, end):
    return start <= call["time"][:10] <= end


def test_the_call_pdf_from_its_page_holds_the_transcript_and_the_scorecard(many, page, tmp_path):
    workspace, base, calls = many
    call_id = calls[0]["id"]  # the demo sales call, processed by the real engine
    shown = workspace.show(call_id)
    page.goto(f"{base}/calls/{call_id}/index.html")
    name = download(page, "#call-pdf", tmp_path / "call.pdf")
    assert name == f"ocena-{call_id}.pdf"
    text = pdf_text(tmp_path / "call.pdf")
    # Every utterance's words and every criterion's name, exactly (Polish letters included).
    for utterance in (shown.get("analysis") or {}).get("utterances", []) or shown["transcript"]["segments"]:
        assert " ".join(utterance["text"].split()) in text, utterance["text"]
    for card in shown["evaluation"]["cards"]:
        assert card["name"] in text
        for section in card["sections"]:
            for criterion in section["criteria"]:
                assert " ".join(criterion["name"].split()) in text, criterion["name"]
    assert call_id in text and "KONSULTANT" in text and "KLIENT" in text
    pages = subprocess.run(["pdfinfo", str(tmp_path / "call.pdf")], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", pages).group(1))
    rendered = subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "call.pdf"), str(tmp_path / "page")], capture_output=True)
    assert rendered.returncode == 0 and len(list(tmp_path.glob("page-*.png"))) == count
    assert page.errors == []


def test_the_dashboard_offers_its_period_as_pdf_xlsx_and_csv_with_the_calls_it_shows(many, page, tmp_path):
    workspace, base, calls = many
    page.goto(f"{base}/index.html")
    start, _, end = page.locator("#period").inner_text().partition(" – ")
    end = end or start
    shown = [c for c in calls if in_period(c, start, end)]
    assert shown, "the month holds calls"

    name = download(page, "#downloads a[data-format=xlsx]", tmp_path / "month.xlsx")
    assert name == f"raport-{start}_{end}.xlsx"
    workbook = openpyxl.load_workbook(tmp_path / "month.xlsx")
    assert workbook.sheetnames == ["Rozmowy", "Agenci", "Kryteria"]
    sheet = workbook["Rozmowy"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    expected = sorted((c["id"], k["card"], round(k["total"], 2)) for c in shown for k in c["cards"])
    expected += sorted((c["id"], None, None) for c in shown if not c["cards"])
    got = sorted((r["ID rozmowy"], r["Karta"], r["Wynik (%)"]) for r in rows if r["Karta"])
    got += sorted((r["ID rozmowy"], None, None) for r in rows if not r["Karta"])
    assert got == expected
    assert all(isinstance(r["Data i godzina"], datetime.datetime) for r in rows)
    assert all(isinstance(r["Czas trwania (s)"], (int, float)) for r in rows)
    agents = {row[0]: row for row in workbook["Agenci"].iter_rows(min_row=2, values_only=True)}
    for agent in {c["agent"] for c in shown if c["cards"] and c["agent"] != "—"}:
        theirs = [c for c in shown if c["agent"] == agent]
        assert agents[agent][2] == len(theirs)

    download(page, "#downloads a[data-format=csv]", tmp_path / "month.csv")
    with open(tmp_path / "month.csv", encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle, delimiter=";"))
    assert table[0] == header
    assert sorted(r[0] for r in table[1:]) == sorted(r["ID rozmowy"] for r in rows)

    download(page, "#downloads a[data-format=pdf]", tmp_path / "month.pdf")
    text = pdf_text(tmp_path / "month.pdf")
    assert "Raport okresowy" in text and f"{start} – {end}" in text
    # The KPI tiles: labels on one line, values under them (pdftotext -layout keeps the columns).
    layout = subprocess.run(["pdftotext", "-layout", str(tmp_path / "month.pdf"), "-"], capture_output=True, text=True).stdout.splitlines()
    labels = next(i for i, line in enumerate(layout) if "Rozmowy" in line and "Czas rozmów" in line)
    values = next(line for line in layout[labels + 1:] if line.strip())
    assert values.split()[0] == str(len(shown))
    for agent in {c["agent"] for c in shown if c["cards"] and c["agent"] != "—"}:
        assert agent in text
    assert page.errors == []

    # `sor report` makes the same calls sheet from the command line, and the audit names it as an export.
    made = workspace.sor("report", "--period", f"{start}..{end}", "--format", "csv", "--output", str(tmp_path / "cli.csv"))
    assert f"{len(shown)} calls" in made.stdout
    with open(tmp_path / "cli.csv", encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle, delimiter=";")) == table
    assert "export" in workspace.sor("audit", "show").stdout
