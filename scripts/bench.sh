#!/usr/bin/env bash
# `make bench`: speed and memory measured on fixed inputs with the release build. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
SOR=.build/release/sor
BENCH=.build/release/sor-bench
SHARED=../shared/data
WORK=var/bench
mkdir -p "$WORK"

# Fixed long inputs, made once: a 2-hour telephone-style recording (8 kHz mono, as FreePBX writes) and a 30-minute
# 44.1 kHz stereo one, both built from the demo calls so the content is speech.
long8k="$WORK/two-hours-8k-mono.wav"
long44="$WORK/thirty-minutes-44k-stereo.wav"
if [ ! -f "$long8k" ]; then
  inputs=(); for i in $(seq 1 18); do inputs+=(demo/mono/*.wav); done
  sox "${inputs[@]}" -r 8000 -c 1 -b 16 "$long8k" trim 0 7200
fi
if [ ! -f "$long44" ]; then
  inputs=(); for i in $(seq 1 5); do inputs+=(demo/stereo/*.wav); done
  sox "${inputs[@]}" -r 44100 -c 2 -b 16 "$long44" trim 0 1800
fi

echo "== decode + validate + resample to 16 kHz (release build, one process per file; peak memory is the process's)"
for f in "$long8k" "$long44" "$SHARED/jfk-en/jfk.mp3" "$SHARED/pyannote-ami-debug/dev00.wav"; do
  "$BENCH" decode "$f"
done

echo
echo "== speech engine (embedded faster-whisper, Whisper base int8, beam 5, word timestamps; $(nproc) cores)"
"$BENCH" engine --language en "$SHARED/jfk-en/jfk.wav" "$SHARED/pyannote-ami-debug/dev00.wav"
"$BENCH" engine --language pl demo/mono/*.wav

echo
echo "== diarization of mono audio (segmentation-3.0 + CAM++ in Swift on OpenBLAS, $(nproc) cores), then the same on"
echo "   the 2-hour 8 kHz recording for the peak memory of a long call (audio is read a stretch at a time)"
"$BENCH" diarization demo/mono/*.wav "$SHARED/pyannote-ami-debug/dev00.wav" "$SHARED/pyannote-ami-debug/dev01.wav"
"$BENCH" diarization "$long8k"
echo
echo "== diarization error rate (sor eval diarization; collar 0.25 s and none)"
"$SOR" eval diarization --rttm "$SHARED/pyannote-ami-debug/debug.development.rttm" "$SHARED"/pyannote-ami-debug/dev0{0,1}.wav
"$SOR" eval diarization --rttm demo/ref demo/mono/*.wav
"$SOR" eval diarization --rttm demo/ref demo/stereo/*.wav

echo
echo "== stereo calls: each channel transcribed alone vs the mix transcribed once with words by channel energy"
"$BENCH" stereo --references demo/ref demo/stereo/*.wav

echo
echo "== pipeline without the speech step (hash, decode, validate, resample, seal, store, audit; the engine is"
echo "   replaced by an instant empty answer, diarization is off (measured above); each file copied 10 times with a"
echo "   distinct trailing byte)"
"$BENCH" pipeline --rounds 10 demo/mono/*.wav demo/stereo/*.wav "$SHARED/jfk-en/jfk.mp3"

echo
echo "== sor watch on a 2-hour recording: peak memory of the watcher process (VmHWM). The speech engine is a stub"
echo "   (scripts/bench-engine-stub.py) that answers with a 2-hour transcript at once, so the figure is sor's own:"
echo "   claim, decode, resample, upload, parse the transcript, diarize (2 hours of mono audio), seal and store,"
echo "   rebuild the site."
ws="$WORK/watch-2h"
rm -rf "$ws"; mkdir -p "$ws/inbox"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$ws/sor.yaml" <<YAML
version: 1
paths:
  templates: $PWD/templates
speech:
  engine: remote
  url: http://127.0.0.1:$port/v1
watch:
  rescan_interval: 1
  settle_seconds: 1
diarization:
  models_dir: $PWD/models/diarization
YAML
python3 scripts/bench-engine-stub.py --port "$port" & stub=$!
sor_abs="$PWD/$SOR"
bench_abs="$PWD/$BENCH"
(cd "$ws" && "$sor_abs" key init >/dev/null)
(cd "$ws" && exec "$sor_abs" watch > watch.log 2>&1) & watcher=$!
sleep 1
cp "$long8k" "$ws/inbox/"
started=$(date +%s%N)
until grep -q "site rebuilt" "$ws/watch.log" 2>/dev/null; do
  sleep 0.5
  if ! kill -0 $watcher 2>/dev/null; then echo "the watcher stopped:"; cat "$ws/watch.log"; break; fi
done
finished=$(date +%s%N)
peak=$(awk '/VmHWM/ {print $2}' /proc/$watcher/status 2>/dev/null || echo 0)
kill $watcher $stub 2>/dev/null || true; wait $watcher 2>/dev/null || true
python3 -c "import sys; size, ns, kib = map(int, sys.argv[1:]); print(f'sor watch, 2-hour 8 kHz mono WAV ({size / 1048576:.0f} MiB): dropped to site rebuilt in {ns / 1e9:.1f} s; watcher peak memory {kib / 1024:.1f} MiB (target < 300)')" \
  "$(stat -c %s "$long8k")" "$((finished - started))" "${peak:-0}"

echo
echo "== scoring: one call (rules on its transcript, in memory) and sor rescore over 10 000 stored calls after a"
echo "   weight change (copies of the four demo calls, transcribed once by the real engine, sealed like any call)"
scoring="$WORK/scoring"
if [ ! -f "$scoring/processed" ]; then
  rm -rf "$scoring"; mkdir -p "$scoring"
  cat > "$scoring/sor.yaml" <<YAML
version: 1
paths:
  templates: $PWD/templates
  scorecards: $PWD/scorecards.yaml
speech:
  embedded:
    python: $PWD/.venv/bin/python
    script: $PWD/engine/sor_engine.py
    model_dir: $PWD/models/whisper-base
diarization:
  models_dir: $PWD/models/diarization
YAML
  (cd "$scoring" && "$sor_abs" key init >/dev/null && "$sor_abs" process --no-site "$OLDPWD"/demo/calls/*.wav >/dev/null) && touch "$scoring/processed"
fi
(cd "$scoring" && "$bench_abs" rescore --calls 10000)

echo
echo "== sentiment: text sentiment of every utterance and the call summary, and the acoustic features, arousal and"
echo "   emotion of every utterance, over the same stored demo calls (transcripts from the real engine; decoding and"
echo "   transcription excluded)"
(cd "$scoring" && "$bench_abs" sentiment "$OLDPWD"/demo/calls/*.wav)

echo
echo "== period reports (sor report) over 10,000 synthetic calls: a 31-day PDF, XLSX and CSV, each in its own process"
for format in pdf xlsx csv; do (cd "$scoring" && "$bench_abs" report --calls 10000 --format "$format"); done

echo
echo "== report site at 10,000 calls (synthetic copies of the stored demo calls, sor-bench generate): a full build,"
echo "   one new call published by the same publisher, peak memory, sizes; then the anchor, Hugo building 10,000"
echo "   plain pages of the same transcripts (content written first, not timed)"
site_line=$(cd "$scoring" && "$bench_abs" site --calls 10000 | tee /dev/stderr | grep '^scratch site' || true)
site_dir=${site_line#scratch site (for the Hugo comparison): }
if command -v hugo >/dev/null && [ -d "$site_dir" ]; then
  scripts/bench-hugo.py "$site_dir" "$WORK/hugo-10000"
  echo
  echo "== search at 10,000 calls: SOR's search page beside Pagefind over the Hugo pages, in headless Chromium"
  .venv/bin/python scripts/bench-search.py "$site_dir" "$WORK/hugo-10000/public" "$WORK/search-10000"
fi

echo
echo "== serving: nginx with sor's configuration over HTTPS, sign-in on, 2,000 calls (wrk on loopback, 10 s a line)"
scripts/bench-serve.sh "$scoring" 2000
