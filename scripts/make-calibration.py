#!/usr/bin/env python3
"""Synthesise the labelled calibration calls (Polish) for SOR - System Oceny Rozmów.

Usage:  python3 scripts/make-calibration.py [--calls DIR] [OUTDIR]
        (default DIR: calibration/calls, OUTDIR: demo/calibration)

Reads every DIR/NAME.txt (the dialogue of one call; for calibration/calls the evaluator's
answers for it are in calibration/expected.yaml; calibration/roles holds calls whose roles
are hard to tell) and writes into OUTDIR:
  NAME.wav    the call's recording, in the rendering its `file:` names:
              stereo   16 kHz 16-bit, left = KONSULTANT, right = KLIENT
              mono     16 kHz 16-bit mono mix
              mono-8k  8 kHz telephone-band mono mix (sinc 300-3400)
  NAME.yaml   sidecar (agent, team, direction, campaign, scorecard, language,
              call_time, client_number; channels for stereo)
  NAME.rttm   reference diarisation
  NAME.txt    reference transcript
  NAME.turns.json  what was said: {"turns": [{"role", "start", "end", "text"}]}, for
              `sor eval scoring --said` (the rules scored without the recogniser)

A calls file:
  # comment lines (what the call is about and why it was written)
  card: SALES                 # SALES | SERVICE | RETENTION | COLLECTIONS
  file: stereo                # stereo | mono | mono-8k | both (NAME-mono and NAME-stereo)
  direction: outbound         # inbound | outbound
  agent: Jan Kowalski
  team: Zespół A
  voices: KONSULTANT=pl+m4/134/35 KLIENT=pl+m2/130/60   # espeak voice/rate/pitch
  call_time: 2026-11-02T10:15:00+01:00                 # optional; default: derived from NAME

  K: Dzień dobry, ...        # K: KONSULTANT, C: KLIENT
  C~: Aha.                   # "~": starts 0.3-0.6 s before the previous turn ends
  K~: Ale proszę ...          #      (a consultant's: 1.0-1.6 s, cutting in)
  pause: 18                  # N seconds of silence before the next turn
Blank lines and "#" comments (whole lines, or after whitespace) are ignored.  Only
the male voices pl+m1..pl+m4 are accepted (the female ones transcribe badly); the
two parties must use different ones.

Reuses make-demo.py's synthesis (espeak-ng, sox) and noise.  Deterministic (seeds
from the call's name, sox -R) and idempotent: OUTDIR/.stamp holds a hash of this
script, make-demo.py and the calls files; when it matches and every output exists
nothing is done, otherwise all calls are rendered again.  A malformed calls file
stops the script with its file and line (exit status 2).
"""

import datetime
import hashlib
import importlib.util
import json
import os
import random
import re
import shutil
import sys
import tempfile
import wave
from array import array
from pathlib import Path

HERE = Path(__file__).resolve().parent
CALLS_DIR = HERE.parent / "calibration" / "calls"
DEFAULT_OUT = "demo/calibration"
CAMPAIGN = "Kalibracja"

CARDS = ("SALES", "SERVICE", "RETENTION", "COLLECTIONS")
CUT_IN_RANGE = (1.0, 1.6)     # how early a consultant's "K~" turn starts, seconds
RENDERINGS = ("stereo", "mono", "mono-8k", "both")
DIRECTIONS = ("inbound", "outbound")
HEADER_KEYS = ("card", "file", "direction", "agent", "team", "voices")
OPTIONAL_KEYS = ("call_time",)
OUTPUT_SUFFIXES = (".wav", ".yaml", ".rttm", ".txt", ".turns.json")
SPEECH_RANGE = (25, 75)       # seconds of speech (pauses not counted) outside which a call is reported;
                              # the plan is 30-60 s, the calls with every disclosure run to about 70 s
MAX_PAUSE = 120               # seconds

NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TURN_RE = re.compile(r"^([KC])(~?):\s*(.*)$")
PAUSE_RE = re.compile(r"^pause:\s*(.*)$")
KEY_RE = re.compile(r"^([a-z_]+):\s*(.*)$")
VOICE_RE = re.compile(r"^(KONSULTANT|KLIENT)=(pl\+m[1-4])/([0-9]+)/([0-9]+)$")
COMMENT_RE = re.compile(r"\s+#.*$")
CALL_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def die(msg):
    print(f"make-calibration: {msg}", file=sys.stderr)
    sys.exit(2)


def load_make_demo():
    """make-demo.py as a module (its name has a hyphen, so no plain import)."""
    spec = importlib.util.spec_from_file_location("make_demo", HERE / "make-demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.die = die          # its run()/sox() report failures through die()
    return module


demo = load_make_demo()
K, C = demo.K, demo.C
ROLES = {"K": K, "C": C}
RATE = demo.RATE


# ---------------------------------------------------------------------------
# Calls files
# ---------------------------------------------------------------------------

def parse_call(path):
    """Parse one calls file into a dict; a mistake stops with file:line."""
    name = path.stem
    shown = os.path.relpath(path)

    def where(n):
        return f"{shown}:{n}" if n else shown

    if not NAME_RE.match(name):
        die(f"{where(0)}: bad call name {name!r} (lowercase letters, digits and hyphens)")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        die(f"{where(0)}: not UTF-8 ({e})")

    header, header_line = {}, {}
    turns = []                 # {"role", "text", "overlap", "pause", "line"}
    pending_pause = None       # (seconds, line)
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = COMMENT_RE.sub("", line)
        m = TURN_RE.match(line)
        if m:
            letter, tilde, text = m.groups()
            role, overlap = ROLES[letter], tilde == "~"
            missing = [k for k in HEADER_KEYS if k not in header]
            if missing:
                die(f"{where(n)}: the dialogue starts before the header is complete "
                    f"(missing: {', '.join(missing)})")
            if not text:
                die(f"{where(n)}: empty turn")
            if overlap:
                if not turns:
                    die(f"{where(n)}: the first turn cannot overlap")
                if pending_pause:
                    die(f"{where(n)}: an overlapping turn cannot follow a pause "
                        f"(line {pending_pause[1]})")
                if turns[-1]["role"] == role:
                    die(f"{where(n)}: an overlap needs a change of speaker "
                        f"(line {turns[-1]['line']} is {letter} too)")
            turns.append({"role": role, "text": text, "overlap": overlap,
                          "pause": pending_pause[0] if pending_pause else None, "line": n})
            pending_pause = None
            continue
        m = PAUSE_RE.match(line)
        if m:
            if not turns:
                die(f"{where(n)}: a pause before the first turn")
            if pending_pause:
                die(f"{where(n)}: two pauses in a row (line {pending_pause[1]})")
            try:
                seconds = float(m.group(1))
            except ValueError:
                seconds = -1
            if not 0 < seconds <= MAX_PAUSE:
                die(f"{where(n)}: pause wants seconds, 0 < N <= {MAX_PAUSE}; got {m.group(1)!r}")
            pending_pause = (seconds, n)
            continue
        m = KEY_RE.match(line)
        if m and (m.group(1) in HEADER_KEYS or m.group(1) in OPTIONAL_KEYS):
            key, value = m.groups()
            if turns:
                die(f"{where(n)}: header key {key!r} after the dialogue started")
            if key in header:
                die(f"{where(n)}: {key!r} given twice (line {header_line[key]})")
            if not value:
                die(f"{where(n)}: {key!r} has no value")
            header[key], header_line[key] = value, n
            continue
        if m:
            die(f"{where(n)}: unknown key {m.group(1)!r} (header keys: "
                f"{', '.join(HEADER_KEYS + OPTIONAL_KEYS)}; dialogue: K:, C:, K~:, C~:, pause:)")
        die(f"{where(n)}: cannot read this line (want 'K: text', 'C: text', 'K~:', 'C~:', "
            f"'pause: N' or a header key)")

    if pending_pause:
        die(f"{where(pending_pause[1])}: a pause at the end of the call")
    missing = [k for k in HEADER_KEYS if k not in header]
    if missing:
        die(f"{where(0)}: missing header keys: {', '.join(missing)}")
    if len(turns) < 2 or {t["role"] for t in turns} != {K, C}:
        die(f"{where(0)}: a call needs turns of both K and C")

    def check(key, allowed):
        if header[key] not in allowed:
            die(f"{where(header_line[key])}: {key} must be one of {' | '.join(allowed)}; "
                f"got {header[key]!r}")
    check("card", CARDS)
    check("file", RENDERINGS)
    check("direction", DIRECTIONS)

    voices = {}
    n = header_line["voices"]
    for item in header["voices"].split():
        m = VOICE_RE.match(item)
        if not m:
            die(f"{where(n)}: bad voice {item!r} (want ROLE=pl+mN/RATE/PITCH, ROLE KONSULTANT "
                f"or KLIENT, N 1-4)")
        role, voice, speed, pitch = m.group(1), m.group(2), int(m.group(3)), int(m.group(4))
        if role in voices:
            die(f"{where(n)}: voice for {role} given twice")
        if not 80 <= speed <= 260 or not 0 <= pitch <= 99:
            die(f"{where(n)}: {item}: rate must be 80-260 and pitch 0-99")
        voices[role] = (voice, speed, pitch)
    if set(voices) != {K, C}:
        die(f"{where(n)}: voices wants KONSULTANT=... and KLIENT=...")
    if voices[K][0] == voices[C][0]:
        die(f"{where(n)}: the two parties must have different voices (both {voices[K][0]})")

    if "call_time" in header:
        value = header["call_time"]
        try:
            ok = bool(CALL_TIME_RE.match(value)) and datetime.datetime.fromisoformat(value)
        except ValueError:
            ok = False
        if not ok:
            die(f"{where(header_line['call_time'])}: call_time wants YYYY-MM-DDTHH:MM:SS+HH:MM; "
                f"got {value!r}")

    return {"name": name, "path": path, "card": header["card"], "file": header["file"],
            "direction": header["direction"], "agent": header["agent"], "team": header["team"],
            "call_time": header.get("call_time"), "voices": voices, "turns": turns}


def seed(name):
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


def assign_metadata(calls):
    """A distinct, deterministic call time (November 2026, working days 8:00-17:55, CET)
    and client number for every call: a slot from the name's hash, taken slots skipped."""
    days = [datetime.date(2026, 11, d) for d in range(1, 31)]
    days = [d for d in days if d.weekday() < 5 and d.day != 11]   # 11.11: public holiday
    slots = [(d, h, m) for d in days for h in range(8, 18) for m in range(0, 60, 5)]
    taken = {c["call_time"] for c in calls if c["call_time"]}
    for call in sorted(calls, key=lambda c: c["name"]):
        h = seed(call["name"])
        if not call["call_time"]:
            i = h % len(slots)
            while True:
                d, hour, minute = slots[i]
                stamp = f"{d.isoformat()}T{hour:02d}:{minute:02d}:00+01:00"
                if stamp not in taken:
                    break
                i = (i + 1) % len(slots)
            taken.add(stamp)
            call["call_time"] = stamp
        digits = f"{h % 10**8:08d}"
        call["client_number"] = f"+48 {5 + h % 4}{digits[:2]} {digits[2:5]} {digits[5:8]}"


# ---------------------------------------------------------------------------
# Rendering (make-demo's synthesis, noise and mixing; only the chosen rendering)
# ---------------------------------------------------------------------------

def layout(call, tmp):
    """Synthesise the turns and place them on a timeline, as make-demo's layout does,
    plus `pause: N` (exactly N s of silence after the speech so far)."""
    rng = random.Random(seed(call["name"]))
    turns, clips = [], []
    prev_start = prev_end = None
    max_end = 0
    for i, turn in enumerate(call["turns"]):
        role = turn["role"]
        path = tmp / f"{call['name']}-{i:02d}.wav"
        demo.synth_turn(turn["text"], call["voices"][role], path, tmp)
        samples = demo.read_wav(path)
        if i == 0:
            start = int(demo.LEAD_IN * RATE)
        elif turn["overlap"]:
            # The consultant cutting in talks over the last 1.0-1.6 s of the client's turn (an interruption an
            # evaluator hears); the client's overlaps are the demo's short ones (a backchannel, a goodbye).
            spread = CUT_IN_RANGE if role == demo.K else demo.OVERLAP_RANGE
            start = prev_end - int(rng.uniform(*spread) * RATE)
            start = max(start, prev_start + RATE // 4)
        elif turn["pause"] is not None:
            start = max_end + int(turn["pause"] * RATE)
        else:
            start = max_end + int(rng.uniform(*demo.PAUSE) * RATE)
        # one party per channel: a speaker never overlaps with themself
        same = [c for c in clips if c[0] == role]
        if same and start < same[-1][1] + len(same[-1][2]):
            start = same[-1][1] + len(same[-1][2]) + int(0.2 * RATE)
        end = start + len(samples)
        clips.append((role, start, samples))
        turns.append({"role": role, "start": round(start / RATE, 3), "end": round(end / RATE, 3),
                      "text": turn["text"]})
        prev_start, prev_end = start, end
        max_end = max(max_end, end)
    total = max_end + int(demo.TAIL * RATE)
    turns.sort(key=lambda t: (t["start"], t["end"]))
    return turns, clips, total


def render(call, out, tmp):
    name, sox = call["name"], demo.sox
    turns, clips, total = layout(call, tmp)

    tracks = {K: array("h", bytes(2 * total)), C: array("h", bytes(2 * total))}
    for role, start, samples in clips:
        tracks[role][start:start + len(samples)] = samples
    left, right = tmp / f"{name}-L.wav", tmp / f"{name}-R.wav"
    demo.write_wav(left, tracks[K])
    demo.write_wav(right, tracks[C])

    # Background noise as in make-demo: one pink-noise run cut into independent pieces
    noise = tmp / f"{name}-noise.wav"
    sox("-r", RATE, "-c", 1, "-n", "-b", 16, noise, "synth", f"{3 * total}s",
        "pinknoise", "vol", f"{demo.NOISE_DB}dB")
    wav = out / f"{name}.wav"
    if call["file"] == "stereo":
        noise_l, noise_r, noise_st = (tmp / f"{name}-{s}.wav" for s in ("nl", "nr", "nst"))
        sox(noise, noise_l, "trim", "0s", f"{total}s")
        sox(noise, noise_r, "trim", f"{total}s", f"{total}s")
        sox("-M", noise_l, noise_r, noise_st)
        speech_st = tmp / f"{name}-st.wav"
        sox("-M", left, right, speech_st)
        sox("-m", "-v", 1, speech_st, "-v", 1, noise_st, "-b", 16, wav)
    else:
        noise_mono, mono = tmp / f"{name}-nmono.wav", tmp / f"{name}-mono.wav"
        sox(noise, noise_mono, "trim", f"{2 * total}s", f"{total}s")
        sox("-m", "-v", 1, left, "-v", 1, right, "-v", 1, noise_mono, "-b", 16, mono)
        if call["file"] == "mono":
            shutil.copyfile(mono, wav)
        else:
            sox(mono, "-r", 8000, "-b", 16, wav, "sinc", "300-3400", "rate", "8k")

    with wave.open(str(wav), "rb") as w:
        duration = round(w.getnframes() / w.getframerate(), 3)

    (out / f"{name}.txt").write_text(" ".join(t["text"] for t in turns) + "\n", encoding="utf-8")
    (out / f"{name}.turns.json").write_text(json.dumps(
        {"call": name, "card": call["card"], "duration": duration, "turns": turns}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8")
    (out / f"{name}.rttm").write_text("".join(
        f"SPEAKER {name} 1 {t['start']:.3f} {t['end'] - t['start']:.3f} <NA> <NA> {t['role']} <NA> <NA>\n"
        for t in turns), encoding="utf-8")

    meta = [("agent", call["agent"]), ("team", call["team"]), ("direction", call["direction"]),
            ("campaign", CAMPAIGN), ("scorecard", call["card"]), ("language", "pl"),
            ("call_time", call["call_time"])]
    lines = [f"{k}: {v}" for k, v in meta]
    lines.append(f'client_number: "{call["client_number"]}"')
    if call["file"] == "stereo":
        lines.append(f"channels: {{left: {K}, right: {C}}}")
    (out / f"{name}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    pauses = sum(t["pause"] or 0 for t in call["turns"])
    speech = duration - pauses
    talk = {r: sum(t["end"] - t["start"] for t in turns if t["role"] == r) for r in (K, C)}
    share = talk[K] / (talk[K] + talk[C])
    print(f"  {name:44s} {call['card']:11s} {call['file']:7s} {duration:6.1f} s"
          f"{f' (pause {pauses:g} s)' if pauses else '':15s} {len(turns):2d} turns "
          f"{demo.count_overlaps(turns)} overlaps  konsultant {share:4.0%}", flush=True)
    if not SPEECH_RANGE[0] <= speech <= SPEECH_RANGE[1]:
        print(f"  warning: {name} has {speech:.1f} s of speech (outside {SPEECH_RANGE[0]}-"
              f"{SPEECH_RANGE[1]} s)", file=sys.stderr, flush=True)
    return duration


# ---------------------------------------------------------------------------

def main():
    args = sys.argv[1:]
    calls_dir = CALLS_DIR
    if len(args) >= 2 and args[0] == "--calls":
        calls_dir = Path(args[1])
        args = args[2:]
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print(__doc__.strip())
        sys.exit(0 if args and args[0] in ("-h", "--help") else 2)
    out = Path(args[0] if args else DEFAULT_OUT)

    files = sorted(calls_dir.glob("*.txt"))
    if not files:
        die(f"no calls in {calls_dir}")
    calls = []
    for call in (parse_call(f) for f in files):
        if call["file"] != "both":
            calls.append(call)
            continue
        # The same dialogue as a mono mix and as one party per channel.
        for kind in ("mono", "stereo"):
            calls.append(dict(call, name=f"{call['name']}-{kind}", file=kind))
    assign_metadata(calls)
    demo.check_tools()

    h = hashlib.sha256()
    for part in (Path(__file__), HERE / "make-demo.py", *files):
        data = part.read_bytes()
        h.update(f"{part.name}\0{len(data)}\0".encode("utf-8"))
        h.update(data)
    digest = h.hexdigest()
    stamp = out / ".stamp"
    outputs = [out / f"{c['name']}{s}" for c in calls for s in OUTPUT_SUFFIXES]
    if (stamp.exists() and stamp.read_text().strip() == digest
            and all(f.exists() for f in outputs)):
        print(f"make-calibration: {out} is up to date")
        return

    print(f"make-calibration: rendering {len(calls)} calibration calls in {out}")
    out.mkdir(parents=True, exist_ok=True)
    if stamp.exists():
        # the folder is ours: drop the outputs of calls that are gone
        for f in out.iterdir():
            if f.is_file() and f.name.endswith(OUTPUT_SUFFIXES):
                f.unlink()
    stamp.write_text("incomplete\n")     # kept as the mark that this folder is ours
    total = 0.0
    with tempfile.TemporaryDirectory(prefix="make-calibration-") as tmp:
        for call in calls:
            total += render(call, out, Path(tmp))
    stamp.write_text(digest + "\n")
    print(f"make-calibration: done, {len(calls)} call{'s' if len(calls) != 1 else ''}, "
          f"{total / 60:.1f} min of audio")


if __name__ == "__main__":
    main()
