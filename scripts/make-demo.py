#!/usr/bin/env python3
"""Synthesise demo contact-centre calls (Polish) for SOR - System Oceny Rozmów.

Usage:  python3 scripts/make-demo.py [OUTDIR]        (default OUTDIR: demo)

Needs espeak-ng and sox (apt-get install espeak-ng sox); standard library only.

For every scenario the script writes:
  OUTDIR/stereo/NAME.wav    16 kHz 16-bit stereo, left = KONSULTANT, right = KLIENT
  OUTDIR/mono/NAME.wav      16 kHz 16-bit mono mix
  OUTDIR/mono-8k/NAME.wav   8 kHz telephone-band mono mix (sinc 300-3400)
  OUTDIR/ref/NAME.json      ground truth (turns with times, expected verdict)
  OUTDIR/ref/NAME.rttm      reference diarisation
  OUTDIR/ref/NAME.txt       reference transcript
  OUTDIR/calls/NAME.wav     + NAME.yaml: demo calls ready to drop into an inbox

The output is deterministic (fixed seeds, sox -R) and the script is idempotent:
OUTDIR/.stamp holds a hash of this script; when it matches and every output
exists nothing is done, otherwise everything is regenerated.
"""

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import wave
from array import array
from pathlib import Path

K = "KONSULTANT"
C = "KLIENT"
OVERLAP = "overlap"  # third tuple element: the turn starts 0.3-0.6 s before the previous one ends

# ---------------------------------------------------------------------------
# Dialogues: (role, text[, OVERLAP]).  Numbers are written so that espeak-ng
# reads them naturally (dates as words, amounts as digits + "złotych").
# ---------------------------------------------------------------------------

SALES_PASS = [
    (K, "Dzień dobry, nazywam się Jan Kowalski, dzwonię z firmy Telkom Plus. "
        "Czy rozmawiam z panem Adamem Nowakiem?"),
    (C, "Tak, słucham."),
    (K, "Informuję, że rozmowa jest nagrywana, a administratorem Pana danych osobowych "
        "jest Telkom Plus. Dzwonię w imieniu Telkom Plus z ofertą handlową internetu "
        "światłowodowego. Ile osób korzysta u Pana z internetu?"),
    (C, "Trzy osoby. Dzieci dużo grają, a obecny internet często się zacina."),
    (K, "W takim razie proponuję światłowód 600 megabitów z routerem w cenie, za 69 złotych "
        "miesięcznie przez 24 miesiące, czyli łącznie 1656 złotych."),
    (C, "Aha.", OVERLAP),
    (C, "To jest za drogie."),
    (K, "Rozumiem. Dostaje Pan jednak kilka razy szybszy internet, a przez pierwsze trzy miesiące "
        "zapłaci Pan tylko 39 złotych. Łącznie wyjdzie 1566 złotych."),
    (C, "To brzmi lepiej. Zgoda."),
    (K, "Świetnie. Ma Pan prawo odstąpienia od umowy w ciągu 14 dni bez podania przyczyny."),
    (C, "Rozumiem.", OVERLAP),
    (K, "Podsumowując: światłowód 600 megabitów, umowa na 24 miesiące, łącznie 1566 złotych. "
        "Zgadza się?"),
    (C, "Tak, zgadza się."),
    (K, "Dziękuję za rozmowę, miłego dnia. Do widzenia."),
    (C, "Do widzenia.", OVERLAP),
]

SERVICE_FAIL = [
    (K, "Telkom Plus, nazywam się Piotr Wiśniewski, słucham."),
    (C, "Dzień dobry. Przyszła mi faktura na 340 złotych, a zwykle płacę 60. "
        "Faktura jest za wysoka, chcę złożyć reklamację."),
    (K, "Niestety, faktura jest wystawiona poprawnie."),
    (C, "Jak to? Niczego nie zmieniałem w umowie. Skąd taka kwota?"),
    (K, "Nie wiem, system tak naliczył."),
    (C, "To proszę sprawdzić, za co jest ta opłata."),
    (K, "Nie da się tego sprawdzić przez telefon."),
    (C, "Ale przecież ma Pan dostęp do mojego konta!", OVERLAP),
    (K, "Musi Pan złożyć reklamację na piśmie."),
    (C, "A nie można tego zrobić teraz, w tej rozmowie?"),
    (K, "Niestety nie. Takie są procedury."),
    (C, "To gdzie mam wysłać to pismo?"),
    (K, "Nie wiem dokładnie. Musi Pan poszukać na stronie internetowej."),
    (C, "Czyli mam zapłacić 340 złotych za coś, czego nie zamawiałem?"),
    (K, "Niestety tak, bo inaczej naliczą się odsetki."),
    (C, "To skandal. Jestem waszym klientem od ośmiu lat."),
    (K, "No cóż, nie da się nic zrobić. Coś jeszcze?", OVERLAP),
    (C, "Nie, to wszystko."),
    (K, "Do widzenia."),
]

RETENTION_PASS = [
    (K, "Dzień dobry, Telkom Plus, nazywam się Tomasz Lewandowski. W czym mogę pomóc?"),
    (C, "Dzień dobry. Chcę wypowiedzieć umowę. Rezygnuję z umowy."),
    (K, "Rozumiem. Najpierw zweryfikuję Pana tożsamość. Proszę podać imię, nazwisko "
        "i datę urodzenia."),
    (C, "Krzysztof Wójcik, dwunasty marca osiemdziesiątego roku."),
    (K, "Dziękuję, dane się zgadzają. Rozmowa jest nagrywana. Dlaczego chce Pan zrezygnować?"),
    (C, "Płacę 99 złotych miesięcznie, a konkurencja jest dużo tańsza."),
    (K, "Rozumiem. Mogę zaproponować rabat 30 złotych, czyli 69 złotych miesięcznie, "
        "oraz lepszy pakiet, internet 1000 megabitów, bez dopłaty."),
    (C, "Aha.", OVERLAP),
    (K, "Umowa na 12 miesięcy, łącznie 828 złotych."),
    (C, "To lepiej niż u konkurencji. Dobrze, zostaję."),
    (K, "Cieszę się. Ma Pan prawo odstąpienia od nowej umowy w ciągu 14 dni "
        "bez podania przyczyny."),
    (C, "Rozumiem.", OVERLAP),
    (K, "Podsumowując: zostaje Pan z nami, płaci Pan 69 złotych miesięcznie przez 12 miesięcy "
        "i ma szybszy internet. Potwierdzenie wyślemy SMS-em. Zgadza się?"),
    (C, "Tak, dziękuję."),
    (K, "Dziękuję za rozmowę, miłego dnia. Do widzenia."),
    (C, "Do widzenia."),
]

# Collections: identity verified, amount and due date stated, but the creditor
# and the legal basis are never named and the consultant threatens the client.
COLLECTIONS_CRITICAL = [
    (K, "Dzień dobry, nazywam się Marek Zieliński. Czy rozmawiam z panem Pawłem Kamińskim?"),
    (C, "Tak, to ja. O co chodzi?"),
    (K, "Proszę najpierw potwierdzić datę urodzenia."),
    (C, "Piąty czerwca siedemdziesiątego piątego roku."),
    (K, "Dziękuję. Dzwonię w sprawie zaległej płatności. Ma Pan do zapłaty 1248 złotych "
        "i 60 groszy, termin płatności minął piętnastego października."),
    (C, "Wiem, że się spóźniłem. Straciłem pracę."),
    (K, "To mnie nie interesuje. Jeśli nie zapłaci Pan do piątku, koszty się pomnożą.", OVERLAP),
    (C, "Ale ja chcę zapłacić. Czy mogę rozłożyć to na raty?"),
    (K, "Nie ma mowy o ratach. Jak nie będzie wpłaty, komornik przyjdzie jutro "
        "i zajmie Panu wszystko."),
    (C, "Jak to jutro? Nie dostałem żadnego pisma!", OVERLAP),
    (K, "Ja tylko informuję. 1248 złotych i 60 groszy, termin minął piętnastego października."),
    (C, "Dobrze, spróbuję wpłacić jak najszybciej."),
    (K, "Niech się Pan pospieszy, bo koszty się pomnożą. Do widzenia."),
    (C, "Do widzenia."),
]

# Voices: (espeak-ng voice, rate in words/min, pitch 0-99).  Only the male
# variants pl+m1..m4 transcribe well with Whisper.
SCENARIOS = [
    {
        "name": "sales-pass", "card": "SALES", "expected": "pass", "critical": False,
        "dialogue": SALES_PASS, "seed": 101,
        "voices": {K: ("pl+m4", 134, 35), C: ("pl+m2", 130, 60)},
        "call_file": "stereo",
        "meta": {"agent": "Jan Kowalski", "team": "Zespół A", "direction": "outbound",
                 "campaign": "Jesień 2026", "call_time": "2026-11-02T10:15:00+01:00",
                 "client_number": "+48 501 234 567"},
    },
    {
        "name": "service-fail", "card": "SERVICE", "expected": "fail", "critical": False,
        "dialogue": SERVICE_FAIL, "seed": 202,
        "voices": {K: ("pl+m3", 134, 38), C: ("pl+m1", 130, 62)},
        "call_file": "mono",
        "meta": {"agent": "Piotr Wiśniewski", "team": "Zespół B", "direction": "inbound",
                 "campaign": "Obsługa klienta", "call_time": "2026-11-03T14:40:00+01:00",
                 "client_number": "+48 602 345 678"},
    },
    {
        "name": "retention-pass", "card": "RETENTION", "expected": "pass", "critical": False,
        "dialogue": RETENTION_PASS, "seed": 303,
        "voices": {K: ("pl+m2", 134, 35), C: ("pl+m4", 130, 62)},
        "call_file": "stereo",
        "meta": {"agent": "Tomasz Lewandowski", "team": "Zespół A", "direction": "inbound",
                 "campaign": "Utrzymanie klienta", "call_time": "2026-11-04T09:05:00+01:00",
                 "client_number": "+48 703 456 789"},
    },
    {
        "name": "collections-critical", "card": "COLLECTIONS", "expected": "fail", "critical": True,
        "dialogue": COLLECTIONS_CRITICAL, "seed": 404,
        "voices": {K: ("pl+m1", 134, 35), C: ("pl+m3", 130, 60)},
        "call_file": "mono",
        "meta": {"agent": "Marek Zieliński", "team": "Zespół C", "direction": "outbound",
                 "campaign": "Windykacja IV kwartał", "call_time": "2026-11-05T16:20:00+01:00",
                 "client_number": "+48 804 567 890"},
    },
]

RATE = 16000                  # working sample rate
LEAD_IN = 0.6                 # silence before the first turn, seconds
TAIL = 0.8                    # silence after the last turn, seconds
PAUSE = (0.3, 1.2)            # gap between turns, seconds
OVERLAP_RANGE = (0.3, 0.6)    # how early an overlapping turn starts, seconds
PEAK_DB = -7                  # peak level of every turn (two overlapping turns stay < 0 dBFS)
NOISE_DB = -33                # sox synth level; gives background noise RMS around -45 dBFS
SUBDIRS = ("stereo", "mono", "mono-8k", "ref", "calls")
SPEAKER_ID = {K: "A", C: "B"}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def die(msg):
    print(f"make-demo: {msg}", file=sys.stderr)
    sys.exit(2)


def check_tools():
    missing = [t for t in ("espeak-ng", "sox") if shutil.which(t) is None]
    if missing:
        die(f"missing {', '.join(missing)}; install with: sudo apt-get install espeak-ng sox")


def run(cmd):
    try:
        subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except subprocess.CalledProcessError as e:
        die(f"command failed ({e.returncode}): {' '.join(map(str, cmd))}\n"
            f"{e.stderr.decode('utf-8', 'replace').strip()}")


def sox(*args):
    # -R: repeatable mode (fixed seeds for synth noise and dither); -V1: errors only
    run(["sox", "-R", "-V1", *map(str, args)])


def read_wav(path):
    """Return the samples of a 16 kHz 16-bit mono WAV as array('h')."""
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2), path
        data = array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        data.byteswap()
    return data


def write_wav(path, samples):
    data = array("h", samples)
    if sys.byteorder == "big":
        data.byteswap()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(data.tobytes())


def synth_turn(text, voice, path, tmp):
    """espeak-ng -> trim leading/trailing silence -> 16 kHz mono 16-bit, fixed peak level."""
    name, speed, pitch = voice
    raw = tmp / (path.stem + "-raw.wav")
    run(["espeak-ng", "-v", name, "-s", str(speed), "-p", str(pitch), "-w", str(raw), text])
    sox(raw, "-r", RATE, "-c", 1, "-b", 16, path,
        "silence", 1, 0.01, "0.1%", "reverse", "silence", 1, 0.01, "0.1%", "reverse",
        "norm", PEAK_DB)


def layout(scenario, tmp):
    """Synthesise all turns and place them on a timeline.  Returns (turns, clips, total_samples)."""
    rng = random.Random(scenario["seed"])
    turns, clips = [], []
    prev_start = prev_end = None   # the previous turn, in samples
    max_end = 0
    for i, item in enumerate(scenario["dialogue"]):
        role, text = item[0], item[1]
        overlap = len(item) > 2 and item[2] == OVERLAP
        path = tmp / f"{scenario['name']}-{i:02d}.wav"
        synth_turn(text, scenario["voices"][role], path, tmp)
        samples = read_wav(path)
        if i == 0:
            start = int(LEAD_IN * RATE)
        elif overlap:
            if turns[-1]["role"] == role:
                die(f"{scenario['name']} turn {i}: an overlap needs a change of speaker")
            start = prev_end - int(rng.uniform(*OVERLAP_RANGE) * RATE)
            start = max(start, prev_start + RATE // 4)
        else:
            start = max_end + int(rng.uniform(*PAUSE) * RATE)
        # one party per channel: a speaker never overlaps with themself
        same = [t for t in clips if t[0] == role]
        if same and start < same[-1][1] + len(same[-1][2]):
            start = same[-1][1] + len(same[-1][2]) + int(0.2 * RATE)
        end = start + len(samples)
        clips.append((role, start, samples))
        turns.append({"speaker": SPEAKER_ID[role], "role": role,
                      "start": round(start / RATE, 3), "end": round(end / RATE, 3),
                      "text": text})
        prev_start, prev_end = start, end
        max_end = max(max_end, end)
    total = max_end + int(TAIL * RATE)
    turns.sort(key=lambda t: (t["start"], t["end"]))
    return turns, clips, total


def count_overlaps(turns):
    return sum(1 for a, b in zip(turns, turns[1:]) if b["start"] < a["end"])


def render(scenario, out, tmp):
    name = scenario["name"]
    turns, clips, total = layout(scenario, tmp)

    # Clean per-party tracks (one party per channel)
    tracks = {K: array("h", bytes(2 * total)), C: array("h", bytes(2 * total))}
    for role, start, samples in clips:
        tracks[role][start:start + len(samples)] = samples
    left, right = tmp / f"{name}-L.wav", tmp / f"{name}-R.wav"
    write_wav(left, tracks[K])
    write_wav(right, tracks[C])

    # Background noise: one long pink-noise run cut into three independent pieces
    # (left, right, mono mix).  sox synth gives identical noise on every channel
    # and, with -R, on every run, hence the cutting.
    noise = tmp / f"{name}-noise.wav"
    # (-r/-c before -n make the null input, and so the effects, run at 16 kHz mono)
    sox("-r", RATE, "-c", 1, "-n", "-b", 16, noise, "synth", f"{3 * total}s",
        "pinknoise", "vol", f"{NOISE_DB}dB")
    noise_l, noise_r = tmp / f"{name}-nl.wav", tmp / f"{name}-nr.wav"
    noise_st, noise_mono = tmp / f"{name}-nst.wav", tmp / f"{name}-nmono.wav"
    sox(noise, noise_l, "trim", "0s", f"{total}s")
    sox(noise, noise_r, "trim", f"{total}s", f"{total}s")
    sox(noise, noise_mono, "trim", f"{2 * total}s", f"{total}s")
    sox("-M", noise_l, noise_r, noise_st)

    stereo = out / "stereo" / f"{name}.wav"
    mono = out / "mono" / f"{name}.wav"
    mono8k = out / "mono-8k" / f"{name}.wav"
    speech_st = tmp / f"{name}-st.wav"
    sox("-M", left, right, speech_st)
    sox("-m", "-v", 1, speech_st, "-v", 1, noise_st, "-b", 16, stereo)
    sox("-m", "-v", 1, left, "-v", 1, right, "-v", 1, noise_mono, "-b", 16, mono)
    sox(mono, "-r", 8000, "-b", 16, mono8k, "sinc", "300-3400", "rate", "8k")

    # Ground truth
    with wave.open(str(stereo), "rb") as w:
        duration = round(w.getnframes() / w.getframerate(), 3)
    text = " ".join(t["text"] for t in turns)
    ref = {
        "scenario": name,
        "card": scenario["card"],
        "expected": scenario["expected"],
        "expected_critical_failure": scenario["critical"],
        "language": "pl",
        "duration": duration,
        "channels": {"0": K, "1": C},
        "turns": turns,
        "text": text,
    }
    (out / "ref" / f"{name}.json").write_text(
        json.dumps(ref, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "ref" / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    rttm = "".join(
        f"SPEAKER {name} 1 {t['start']:.3f} {t['end'] - t['start']:.3f} <NA> <NA> {t['role']} <NA> <NA>\n"
        for t in turns)
    (out / "ref" / f"{name}.rttm").write_text(rttm, encoding="utf-8")

    # Demo call for the inbox + sidecar metadata
    src = stereo if scenario["call_file"] == "stereo" else mono
    shutil.copyfile(src, out / "calls" / f"{name}.wav")
    meta = dict(scenario["meta"], scorecard=scenario["card"], language="pl")
    lines = []
    for key in ("agent", "team", "direction", "campaign", "scorecard", "language", "call_time"):
        lines.append(f"{key}: {meta[key]}")
    lines.append(f'client_number: "{meta["client_number"]}"')
    if scenario["call_file"] == "stereo":
        lines.append(f"channels: {{left: {K}, right: {C}}}")
    (out / "calls" / f"{name}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    n_over = count_overlaps(turns)
    print(f"  {name:22s} {duration:7.3f} s  {len(turns):2d} turns  {n_over} overlaps")
    if not 60 <= duration <= 120:
        print(f"  warning: {name} lasts {duration} s (wanted 60-120 s)", file=sys.stderr)
    if n_over < 2:
        print(f"  warning: {name} has only {n_over} overlaps", file=sys.stderr)


def expected_outputs(out):
    files = []
    for s in SCENARIOS:
        n = s["name"]
        files += [out / "stereo" / f"{n}.wav", out / "mono" / f"{n}.wav",
                  out / "mono-8k" / f"{n}.wav", out / "calls" / f"{n}.wav",
                  out / "calls" / f"{n}.yaml"]
        files += [out / "ref" / f"{n}.{ext}" for ext in ("json", "rttm", "txt")]
    return files


def main():
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) == 2 else 2)
    out = Path(sys.argv[1] if len(sys.argv) == 2 else "demo")
    check_tools()

    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    stamp = out / ".stamp"
    if (stamp.exists() and stamp.read_text().strip() == digest
            and all(f.exists() for f in expected_outputs(out))):
        print(f"make-demo: {out} is up to date")
        return

    print(f"make-demo: generating demo calls in {out}")
    if stamp.exists():
        stamp.unlink()
    for sub in SUBDIRS:
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="make-demo-") as tmp:
        for scenario in SCENARIOS:
            render(scenario, out, Path(tmp))
    stamp.write_text(digest + "\n")
    print("make-demo: done")


if __name__ == "__main__":
    main()
