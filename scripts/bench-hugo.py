#!/usr/bin/env python3
"""The anchor for the report site's build: Hugo (Debian's package) building the same number of plain call pages,
each with the call's transcript lines as text, in one run beside SOR's build. Usage: bench-hugo.py SOR_SITE WORK.
Prints Hugo's wall time for the build (content written beforehand, not timed)."""
import json
import pathlib
import shutil
import subprocess
import sys
import time

site, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
shutil.rmtree(work, ignore_errors=True)
(work / "content" / "calls").mkdir(parents=True)
(work / "layouts" / "_default").mkdir(parents=True)
(work / "hugo.toml").write_text('baseURL = "http://localhost/"\ntitle = "calls"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n')
(work / "layouts" / "_default" / "single.html").write_text(
    "<!DOCTYPE html><html lang=\"pl\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head>"
    "<body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>\n")
(work / "layouts" / "_default" / "list.html").write_text(
    "<!DOCTYPE html><html><body><ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul></body></html>\n")
count = 0
for path in sorted((site / "search" / "calls").glob("*.json")):
    call = json.loads(path.read_text())
    # search/calls/N.json: lines as [start, speaker (an index into speakers), text]
    lines = "\n\n".join(f"{start:.0f} s, {call['speakers'][speaker]}: {text}" for start, speaker, text in call["lines"])
    (work / "content" / "calls" / f"{call['id']}.md").write_text(f"---\ntitle: \"{call['time']} {call['agent']}\"\n---\n\n{lines}\n")
    count += 1
started = time.monotonic()
subprocess.run(["hugo", "--quiet", "--source", str(work)], check=True)
print(f"hugo {subprocess.run(['hugo', 'version'], capture_output=True, text=True).stdout.split()[1]}, {count} plain call pages: {time.monotonic() - started:.1f} s")
