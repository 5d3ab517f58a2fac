#!/usr/bin/env bash
# `make bench`: speed and memory measured on fixed inputs with the release build. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
SOR=.build/release/sor
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
  "$SOR" bench decode "$f"
done

echo
echo "== speech engine (embedded faster-whisper, Whisper base int8, beam 5, word timestamps; $(nproc) cores)"
"$SOR" bench engine --language en "$SHARED/jfk-en/jfk.wav" "$SHARED/pyannote-ami-debug/dev00.wav"
"$SOR" bench engine --language pl demo/mono/*.wav
