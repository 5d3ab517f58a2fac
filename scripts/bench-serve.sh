#!/usr/bin/env bash
# The site served by nginx with sor's generated configuration and sign-in on, under a bounded load on loopback:
# requests per second and latency percentiles (wrk, Debian's) for the dashboard, a call page and the search index,
# as an admin and as an agent (whose reads go through the per-login rules to their own view); then the same pages
# without sign-in, the anchor that shows what a bcrypt check per request costs. Each run lasts DURATION seconds.
# Usage: scripts/bench-serve.sh WORKSPACE_WITH_PROCESSED_CALLS [CALLS]
set -euo pipefail
cd "$(dirname "$0")/.."
SOR=${SOR:-$PWD/.build/release/sor}
BENCH=${BENCH:-$PWD/.build/release/sor-bench}
source_ws=$1
calls=${2:-2000}
duration=${DURATION:-10}
ws=var/bench/serve
rm -rf "$ws"; mkdir -p "$ws"
cp -a "$source_ws/." "$ws/"
rm -rf "$ws/site" "$ws/var" "$ws/access"
chmod 755 "$ws"
cd "$ws"
"$BENCH" generate --calls "$calls" --seed 5 > manifest.jsonl
agent=$(python3 -c 'import json,sys; print(json.loads(open("manifest.jsonl").readline())["agent"])')
echo "admin-password-1" | "$SOR" users add admin --role admin >/dev/null
echo "agent-password-1" | "$SOR" users add agent --role agent --agent "$agent" >/dev/null
"$SOR" site build >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$SOR" serve --listen "127.0.0.1:$port" >/dev/null
trap '"$SOR" serve --stop >/dev/null 2>&1 || true' EXIT
call=$(python3 -c 'import json; print(json.loads(open("manifest.jsonl").readline())["id"])')
base="https://127.0.0.1:$port"
auth() { printf 'Authorization: Basic %s' "$(printf '%s' "$1" | base64 -w0)"; }
run() {  # label, header or "", path
  local out
  if [ -n "$2" ]; then out=$(wrk -t2 -c16 -d"${duration}s" --latency -H "$2" "$base$3"); else out=$(wrk -t2 -c16 -d"${duration}s" --latency "$base$3"); fi
  python3 - "$1" "$3" "$out" <<'PY'
import re, sys
label, path, text = sys.argv[1:]
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
p = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", text, re.M))
codes = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
bad = f", {codes.group(1)} non-2xx" if codes else ""
print(f"{label:<22} {path:<44} {float(rps):>8.0f} req/s   p50 {p.get('50','?'):>8}  p90 {p.get('90','?'):>8}  p99 {p.get('99','?'):>8}{bad}")
PY
}
echo "site: $calls calls; wrk 2 threads, 16 connections, ${duration} s per line, HTTPS (TLS 1.3, HTTP/1.1), $(nproc) cores"
admin=$(auth admin:admin-password-1)
for path in /index.html "/calls/$call/index.html" /search/index.json /data/calls.json; do run "admin (bcrypt cost 5)" "$admin" "$path"; done
agent_header=$(auth agent:agent-password-1)
for path in /v/agent/index.html "/v/agent/calls/$call/index.html" /v/agent/search/index.json; do run "agent (own view)" "$agent_header" "$path"; done
run "agent, refused" "$agent_header" /index.html
# The anchor: the same site without sign-in (users removed, the configuration regenerated).
"$SOR" users remove agent >/dev/null
"$SOR" users remove admin >/dev/null
sleep 1  # the reload's old workers finish their connections
for path in /index.html "/calls/$call/index.html" /search/index.json; do run "no sign-in (anchor)" "" "$path"; done
