#!/usr/bin/env python3
"""SOR embedded speech engine: a small local HTTP server around faster-whisper.

It speaks the subset of OpenAI's audio API that SOR uses:

  GET  /health                     200 {"status":"ok","model":..,"version":..}
  POST /v1/audio/transcriptions    multipart/form-data, fields:
         file                      the recording (WAV 16 kHz expected; anything
                                   PyAV/FFmpeg decodes works)
         model                     accepted and ignored (one model per engine)
         language                  ISO 639-1 code ("pl", "en", "pl-PL" is read
                                   as "pl"); absent/empty/"auto" = detect
         prompt                    initial prompt (vocabulary, spelling hints)
         response_format           verbose_json (default), json, text, srt, vtt
         timestamp_granularities[] word and/or segment (may repeat); word
                                   timestamps are computed only when "word" is
                                   asked for (costs extra time)
         temperature               0..1, default 0; 0 means OpenAI's behaviour:
                                   start greedy and fall back to higher
                                   temperatures when decoding fails the
                                   compression/log-prob thresholds

verbose_json follows OpenAI's shape, with times in seconds rounded to 3
decimals, "language" as the ISO code, and these extensions: "probability" in
each word, "words" also inside each segment, "language_probability".
OpenAI's word objects carry the word without its leading space; so do ours.

Errors use OpenAI's shape {"error":{"message","type","param","code"}}:
400 invalid_request_error for a missing file, audio that does not decode, or a
bad parameter; 413 when the upload exceeds --max-upload-mb; 500 server_error
when the engine itself fails. Bad input never stops the server.

The model is loaded (and warmed up) before the port is bound and announced, so
a /health answer means ready. The actual port is written to --port-file
atomically after binding. SIGTERM/SIGINT stop the server cleanly. Nothing is
downloaded at run time: the model is a local directory, the tokenizer is its
tokenizer.json, and the Silero VAD model (--vad) ships inside the
faster-whisper wheel.
"""

from __future__ import annotations

import argparse
import re
import email.parser
import email.policy
import email.utils
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

# Belt and braces: never let huggingface_hub (imported by faster_whisper) go
# to the network. The model is always a local directory.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

SAMPLE_RATE = 16000
CHUNK = 1 << 20  # bytes read from the socket at a time
MAX_HEADER_BLOCK = 16 * 1024  # headers of one multipart part
MAX_FIELD_BYTES = 256 * 1024  # a non-file form field (prompt etc.)
MAX_FIELDS = 64
RESPONSE_FORMATS = ("json", "verbose_json", "text", "srt", "vtt")
GRANULARITIES = ("word", "segment")


def log(msg: str) -> None:
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(now)) + f".{int(now % 1 * 1000):03d}"
    sys.stderr.write(f"{stamp} sor-engine: {msg}\n")
    sys.stderr.flush()


class ApiError(Exception):
    """An error answered to the client in OpenAI's error shape."""

    def __init__(self, status: int, message: str, *, code: Optional[str] = None,
                 param: Optional[str] = None, etype: Optional[str] = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.etype = etype or ("server_error" if status >= 500 else "invalid_request_error")

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.etype,
                          "param": self.param, "code": self.code}}


# --------------------------------------------------------------------------
# Request body: Content-Length or chunked, with a size limit
# --------------------------------------------------------------------------

CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,15}")


class BodyReader:
    """Reads a request body in pieces, never more than `limit` bytes."""

    def __init__(self, rfile, length: Optional[int], chunked: bool, limit: int, limit_mb: float):
        self.rfile = rfile
        self.remaining = length  # Content-Length mode
        self.chunked = chunked
        self.chunk_left = 0
        self.done = False
        self.total = 0
        self.limit = limit
        self.limit_mb = limit_mb

    def _too_large(self) -> ApiError:
        return ApiError(413, f"The upload exceeds the engine's limit of {self.limit_mb:g} MB. "
                             "Send a shorter or compressed recording, or start the engine "
                             "with a larger --max-upload-mb.", code="file_too_large", param="file")

    def _raw(self, n: int) -> bytes:
        data = self.rfile.read(n)
        if len(data) < n:
            raise ApiError(400, "The request body ended early (client disconnected or "
                                "Content-Length is wrong).", code="truncated_body")
        return data

    def read(self, n: int = CHUNK) -> bytes:
        """Up to n bytes; b"" once the body is complete."""
        if self.done:
            return b""
        if not self.chunked:
            if self.remaining <= 0:
                self.done = True
                return b""
            data = self.rfile.read(min(n, self.remaining))
            if not data:
                raise ApiError(400, "The request body ended early (client disconnected or "
                                    "Content-Length is wrong).", code="truncated_body")
            self.remaining -= len(data)
        else:
            if self.chunk_left == 0:
                line = self.rfile.readline(1024)
                if not line.endswith(b"\n"):
                    raise ApiError(400, "Malformed chunked request body.", code="bad_chunked_body")
                token = line.split(b";", 1)[0].strip()
                # Hex digits only: Python's int() would take "-5", "0x10" and "1_0" too.
                if not CHUNK_SIZE.fullmatch(token):
                    raise ApiError(400, "Malformed chunk size in chunked request body.",
                                   code="bad_chunked_body")
                size = int(token, 16)
                if size == 0:
                    while True:  # trailers, up to the empty line
                        t = self.rfile.readline(8192)
                        if not t or t in (b"\r\n", b"\n"):
                            break
                    self.done = True
                    return b""
                self.chunk_left = size
            data = self._raw(min(n, self.chunk_left))
            self.chunk_left -= len(data)
            if self.chunk_left == 0:
                self._raw(2)  # CRLF after the chunk data
        self.total += len(data)
        if self.total > self.limit:
            raise self._too_large()
        return data

    def drain(self, max_bytes: int, max_seconds: float) -> bool:
        """Discard what is left of the body; True if it was read to the end."""
        deadline = time.monotonic() + max_seconds
        seen = 0
        try:
            while not self.done and seen <= max_bytes and time.monotonic() < deadline:
                self.limit = float("inf")
                seen += len(self.read(CHUNK))
        except (ApiError, OSError):
            return False
        return self.done


# --------------------------------------------------------------------------
# multipart/form-data, streamed: file parts go straight to disk
# --------------------------------------------------------------------------

class _DiscardSink:
    def write(self, data) -> None:
        pass


class _FieldSink:
    def __init__(self, name: str):
        self.name = name
        self.buf = bytearray()

    def write(self, data) -> None:
        self.buf += data
        if len(self.buf) > MAX_FIELD_BYTES:
            raise ApiError(400, f"Form field '{self.name}' is larger than {MAX_FIELD_BYTES // 1024} KB.",
                           code="field_too_large", param=self.name)


class UploadedFile:
    def __init__(self, path: str, filename: Optional[str]):
        self.path = path
        self.filename = filename
        self.size = 0


def parse_multipart(reader: BodyReader, boundary: bytes, tmpdir: str, file_fields=("file",)):
    """Parse a multipart/form-data body from `reader`.

    Part headers are parsed with the stdlib email parser; part bodies are
    streamed: the first part named in `file_fields` goes to a file in
    `tmpdir`, other file-like parts are discarded, small fields are kept.
    Returns (fields: dict[str, list[str]], files: dict[str, UploadedFile]).
    """
    delim = b"\r\n--" + boundary
    keep = len(delim) - 1
    buf = bytearray(b"\r\n")  # so the first delimiter looks like the others
    header_parser = email.parser.BytesParser(policy=email.policy.compat32)
    fields: dict = {}
    files: dict = {}

    def fill() -> bool:
        data = reader.read(CHUNK)
        if not data:
            return False
        buf.extend(data)
        return True

    def truncated() -> ApiError:
        return ApiError(400, "The multipart/form-data body is incomplete (no closing boundary). "
                             "Send the request as multipart/form-data with a 'file' part.",
                        code="bad_multipart")

    # Preamble up to the first delimiter.
    while True:
        i = buf.find(delim)
        if i >= 0:
            del buf[:i + len(delim)]
            break
        if len(buf) > keep:
            del buf[:-keep]
        if not fill():
            raise ApiError(400, "The body is not multipart/form-data with the boundary given in "
                                "Content-Type.", code="bad_multipart")

    nparts = 0
    while True:
        while len(buf) < 2:
            if not fill():
                raise truncated()
        if buf[:2] == b"--":
            # Closing delimiter. Consume the epilogue (and the end of a chunked
            # body) so the connection is ready for the next request.
            while reader.read(CHUNK):
                pass
            break
        # Rest of the delimiter line (transport padding), then the headers.
        while True:
            eol = buf.find(b"\r\n")
            if eol >= 0:
                del buf[:eol + 2]
                break
            if len(buf) > 1024 or not fill():
                raise truncated()
        while True:
            if buf[:2] == b"\r\n":  # a part with no headers at all
                raw_headers = b""
                del buf[:2]
                break
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                raw_headers = bytes(buf[:end])
                del buf[:end + 4]
                break
            if len(buf) > MAX_HEADER_BLOCK:
                raise ApiError(400, "A multipart part has oversized headers.", code="bad_multipart")
            if not fill():
                raise truncated()

        nparts += 1
        if nparts > MAX_FIELDS:
            raise ApiError(400, f"Too many form fields (more than {MAX_FIELDS}).", code="bad_multipart")
        headers = header_parser.parsebytes(raw_headers + b"\r\n\r\n", headersonly=True)
        name = headers.get_param("name", header="content-disposition")
        name = email.utils.collapse_rfc2231_value(name) if name is not None else ""
        filename = headers.get_filename()

        if name in file_fields and name not in files:
            fd, path = tempfile.mkstemp(prefix="upload-", suffix=".audio", dir=tmpdir)
            upload = UploadedFile(path, filename)
            files[name] = upload
            sink = os.fdopen(fd, "wb")
        elif filename is not None or name in file_fields:
            upload, sink = None, _DiscardSink()  # extra files we have no use for
        else:
            upload, sink = None, _FieldSink(name)
        try:
            while True:
                i = buf.find(delim)
                if i >= 0:
                    sink.write(buf[:i])
                    if upload:
                        upload.size += i
                    del buf[:i + len(delim)]
                    break
                if len(buf) > keep:
                    n = len(buf) - keep
                    sink.write(buf[:n])
                    if upload:
                        upload.size += n
                    del buf[:n]
                if not fill():
                    raise truncated()
        finally:
            if upload:
                sink.close()
        if isinstance(sink, _FieldSink):
            fields.setdefault(name, []).append(sink.buf.decode("utf-8", errors="replace"))
    return fields, files


# --------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------

def probe_duration(path: str) -> Optional[float]:
    """The container's duration in seconds, read from its header (None when it does not say)."""
    try:
        import av
        with av.open(path) as container:
            if container.duration:
                return container.duration / 1_000_000
            stream = next((s for s in container.streams if s.type == "audio"), None)
            if stream is not None and stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base)
    except Exception:
        return None  # the decoder reports what is wrong with the file
    return None


def too_long(seconds: float, limit: float) -> ApiError:
    return ApiError(413, f"The recording is {seconds:.0f} s long, longer than the engine's limit of "
                         f"{limit:.0f} s (--max-duration). Split it, or raise audio.max_duration.",
                    code="audio_too_long", param="file")


def r3(x) -> float:
    return round(float(x), 3)


def r4(x) -> float:
    return round(float(x), 4)


class Engine:
    def __init__(self, model_dir: str, threads: int, compute_type: str, device: str,
                 beam_size: int, vad: bool):
        import faster_whisper
        from faster_whisper import WhisperModel

        self.version = faster_whisper.__version__
        self.model_dir = os.path.abspath(model_dir)
        self.model_name = os.path.basename(self.model_dir.rstrip("/"))
        self.threads = threads
        self.compute_type = compute_type
        self.device = device
        self.beam_size = beam_size
        self.vad = vad
        self.model = WhisperModel(self.model_dir, device=device, compute_type=compute_type,
                                  cpu_threads=threads, num_workers=1, local_files_only=True)
        self.languages = set(self.model.supported_languages)
        # One transcription at a time. Whisper decoding is CPU-bound and
        # already uses all --threads cores inside CTranslate2; running two
        # requests at once would not finish sooner in total, would make each
        # one slower and less predictable, and would double peak memory (the
        # model is loaded with num_workers=1, so CTranslate2 would serialise
        # the generate() calls anyway). Uploading and decoding the audio
        # happen outside the lock, and /health never takes it.
        self.lock = threading.Lock()

    def warm_up(self) -> None:
        import numpy as np
        with self.lock:
            segments, _ = self.model.transcribe(np.zeros(SAMPLE_RATE // 2, dtype=np.float32),
                                                language="en", beam_size=1, vad_filter=False)
            list(segments)

    def decode(self, path: str, max_duration: float = 0):
        from faster_whisper import decode_audio
        if max_duration > 0:
            # Refused before decoding: a long recording would be held in memory whole.
            probed = probe_duration(path)
            if probed is not None and probed > max_duration + 1:
                raise too_long(probed, max_duration)
        try:
            audio = decode_audio(path, sampling_rate=SAMPLE_RATE)
        except Exception as e:  # PyAV raises many types for bad input
            detail = (str(e).strip() or type(e).__name__).replace(f": '{path}'", "")
            detail = detail.replace(path, "upload")  # no server paths in answers
            raise ApiError(400, "Could not decode the uploaded file as audio "
                                f"({type(e).__name__}: {detail}). Send a WAV (16 kHz mono PCM "
                                "preferred), FLAC, MP3, OGG/Opus or another format FFmpeg "
                                "can read.", code="invalid_audio", param="file") from None
        if audio.size == 0:
            raise ApiError(400, "The uploaded file contains no audio samples. Send a recording "
                                "with an audio stream.", code="invalid_audio", param="file")
        if max_duration > 0 and audio.size / SAMPLE_RATE > max_duration + 1:
            raise too_long(audio.size / SAMPLE_RATE, max_duration)
        return audio

    def transcribe(self, audio, language: Optional[str], prompt: Optional[str],
                   temperature: float, word_timestamps: bool) -> dict:
        # OpenAI: temperature 0 = automatic fallback to higher temperatures.
        temps = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0) if temperature == 0 else (temperature,)
        with self.lock:
            try:
                segments, info = self.model.transcribe(
                    audio, language=language, task="transcribe", beam_size=self.beam_size,
                    temperature=temps, initial_prompt=prompt or None,
                    word_timestamps=word_timestamps, vad_filter=self.vad,
                    condition_on_previous_text=True)
                segs = list(segments)  # the decoding happens here
            except ApiError:
                raise
            except Exception as e:
                log(f"transcription failed: {type(e).__name__}: {e}")
                raise ApiError(500, f"The speech engine failed: {type(e).__name__}: {e}",
                               code="engine_failure") from None
        out_segments, out_words = [], []
        for idx, s in enumerate(segs):
            words = []
            for w in (s.words or []):
                words.append({"word": w.word.strip(), "start": r3(w.start), "end": r3(w.end),
                              "probability": r3(w.probability)})
            out_words.extend(words)
            # OpenAI numbers segments from 0 (faster-whisper from 1).
            seg = {"id": idx, "seek": s.seek, "start": r3(s.start), "end": r3(s.end),
                   "text": s.text, "tokens": list(s.tokens),
                   "temperature": float(s.temperature if s.temperature is not None else 0.0),
                   "avg_logprob": r4(s.avg_logprob), "compression_ratio": r4(s.compression_ratio),
                   "no_speech_prob": r4(s.no_speech_prob)}
            if word_timestamps:
                seg["words"] = words
            out_segments.append(seg)
        result = {"task": "transcribe", "language": info.language, "duration": r3(info.duration),
                  "text": "".join(s.text for s in segs).strip(), "segments": out_segments,
                  "language_probability": r3(info.language_probability)}
        if word_timestamps:
            result["words"] = out_words
        return result


# --------------------------------------------------------------------------
# Subtitle formats
# --------------------------------------------------------------------------

def _ts(t: float, sep: str) -> str:
    ms = int(round(t * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(result: dict) -> str:
    blocks = [f"{i}\n{_ts(s['start'], ',')} --> {_ts(s['end'], ',')}\n{s['text'].strip()}\n"
              for i, s in enumerate(result["segments"], 1)]
    return "\n".join(blocks)


def to_vtt(result: dict) -> str:
    blocks = [f"{_ts(s['start'], '.')} --> {_ts(s['end'], '.')}\n{s['text'].strip()}\n"
              for s in result["segments"]]
    return "WEBVTT\n\n" + "\n".join(blocks)


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and 100-continue for curl's big uploads
    server_version = "sor-engine"
    timeout = 300  # seconds of socket inactivity before a stalled client is dropped

    # set on the class by main()
    engine: Engine = None
    max_upload: int = 0
    max_upload_mb: float = 0
    tmp_root: Optional[str] = None
    max_duration: float = 0  # seconds of audio; 0 = no limit
    max_concurrent: int = 4
    slots: Optional[threading.BoundedSemaphore] = None  # requests in flight at once

    # ---- plumbing

    def log_message(self, fmt, *args):  # the base class's own messages
        log(f"{self.client_address[0]} " + (fmt % args))

    def log_request(self, code="-", size="-"):  # replaced by our per-request line
        pass

    def _begin(self):
        self._t0 = time.monotonic()
        self._status = None
        self._audio_s = None
        self._error_code = None

    def _finish(self):
        dur = time.monotonic() - getattr(self, "_t0", time.monotonic())
        audio = f"{self._audio_s:.3f}s" if getattr(self, "_audio_s", None) is not None else "-"
        path = self.path.split("?", 1)[0] if hasattr(self, "path") else "-"
        err = getattr(self, "_error_code", None)
        log(f"{self.command} {path} {self._status} {dur:.3f}s audio={audio}"
            + (f" error={err}" if err else ""))

    def _send(self, status: int, body: bytes, ctype: str, close: bool = False):
        self._status = status
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def _send_json(self, status: int, obj, close: bool = False):
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", close)

    def _send_api_error(self, err: ApiError, close: bool = False):
        self._error_code = err.code or err.etype
        self._send_json(err.status, err.body(), close)

    def send_error(self, code, message=None, explain=None):
        """Errors raised by the base class (bad request line, ...), as JSON."""
        try:
            msg = message or HTTPStatus(code).phrase
        except ValueError:
            msg = message or "error"
        self._status = code
        log(f"{self.client_address[0]} HTTP error {code}: {msg}")
        try:
            self._send_json(code, ApiError(code, msg, code=None).body(), close=True)
        except OSError:
            self.close_connection = True

    def handle_expect_100(self):
        # Refuse an oversized upload before the client sends it.
        length = self.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_upload:
            self._begin()
            self._send_api_error(BodyReader(None, 0, False, self.max_upload,
                                            self.max_upload_mb)._too_large(), close=True)
            self._finish()
            return False
        return super().handle_expect_100()

    # ---- routes

    def do_GET(self):
        self._begin()
        try:
            path = self.path.split("?", 1)[0]
            if path in ("/health", "/healthz", "/v1/health"):
                e = self.engine
                self._send_json(200, {"status": "ok", "model": e.model_name, "version": e.version,
                                      "device": e.device, "compute_type": e.compute_type,
                                      "threads": e.threads, "vad": e.vad,
                                      "busy": e.lock.locked()})
            elif path == "/v1/audio/transcriptions":
                self._send_api_error(ApiError(405, "Use POST with multipart/form-data.",
                                              code="method_not_allowed"))
            else:
                self._send_api_error(ApiError(404, f"No such endpoint: {path}. Endpoints: "
                                                   "GET /health, POST /v1/audio/transcriptions.",
                                              code="not_found"))
        except OSError:
            self.close_connection = True
        finally:
            self._finish()

    def do_HEAD(self):
        self.do_GET()

    def _not_allowed(self):
        self._begin()
        try:
            self._send_api_error(ApiError(405, f"Method {self.command} is not supported. "
                                               "Use GET /health or POST /v1/audio/transcriptions.",
                                          code="method_not_allowed"), close=True)
        except OSError:
            self.close_connection = True
        finally:
            self._finish()

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    def do_POST(self):
        self._begin()
        reader = None
        tmpdir = None
        slot = self.slots is None or self.slots.acquire(blocking=False)
        try:
            if not slot:
                raise ApiError(503, "The engine is busy: it takes at most "
                                    f"{self.max_concurrent} requests at once. Try again shortly.",
                               code="busy")
            path = self.path.split("?", 1)[0]
            reader = self._body_reader()
            if path != "/v1/audio/transcriptions":
                raise ApiError(404, f"No such endpoint: POST {path}. "
                                    "Use POST /v1/audio/transcriptions.", code="not_found")
            ctype = self.headers.get_content_type()
            boundary = self.headers.get_param("boundary")
            if ctype != "multipart/form-data" or not boundary:
                raise ApiError(400, "Send the request as multipart/form-data (Content-Type: "
                                    "multipart/form-data; boundary=...) with the recording in a "
                                    "'file' part.", code="bad_content_type")
            boundary = email.utils.collapse_rfc2231_value(boundary)
            if len(boundary) > 200:
                raise ApiError(400, "The multipart boundary is too long.", code="bad_multipart")
            tmpdir = tempfile.mkdtemp(prefix="sor-engine-", dir=self.tmp_root)
            fields, files = parse_multipart(reader, boundary.encode("latin-1", "replace"), tmpdir)
            params = self._params(fields)
            upload = files.get("file")
            if upload is None:
                raise ApiError(400, "Missing the 'file' part: attach the recording as a "
                                    "multipart file field named 'file' (curl: -F file=@call.wav).",
                               code="missing_file", param="file")
            if upload.size == 0:
                raise ApiError(400, "The 'file' part is empty.", code="invalid_audio", param="file")
            audio = self.engine.decode(upload.path, self.max_duration)
            os.unlink(upload.path)  # free the disk early; the samples are in memory
            self._audio_s = audio.size / SAMPLE_RATE
            result = self.engine.transcribe(audio, params["language"], params["prompt"],
                                            params["temperature"], params["words"])
            del audio
            fmt = params["response_format"]
            if fmt == "verbose_json":
                self._send_json(200, result)
            elif fmt == "json":
                self._send_json(200, {"text": result["text"]})
            elif fmt == "text":
                self._send(200, (result["text"] + "\n").encode("utf-8"), "text/plain; charset=utf-8")
            elif fmt == "srt":
                self._send(200, to_srt(result).encode("utf-8"), "application/x-subrip; charset=utf-8")
            else:
                self._send(200, to_vtt(result).encode("utf-8"), "text/vtt; charset=utf-8")
        except ApiError as e:
            self._answer_error(e, reader)
        except (BrokenPipeError, ConnectionResetError, socket.timeout) as e:
            self._status = self._status or 499
            self.close_connection = True
            log(f"client connection lost: {type(e).__name__}")
        except Exception as e:  # never let one request take the server down
            log(f"internal error: {type(e).__name__}: {e}")
            self._answer_error(ApiError(500, f"Internal error: {type(e).__name__}: {e}",
                                        code="internal_error"), reader)
        finally:
            if tmpdir:
                shutil.rmtree(tmpdir, ignore_errors=True)
            if slot and self.slots is not None:
                self.slots.release()
            self._finish()

    # ---- helpers

    def _body_reader(self) -> BodyReader:
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        length = self.headers.get("Content-Length")
        if "chunked" in te:
            return BodyReader(self.rfile, None, True, self.max_upload, self.max_upload_mb)
        if length is None or not length.strip().isdigit():
            raise ApiError(411, "A Content-Length header (or chunked transfer encoding) is "
                                "required.", code="length_required")
        reader = BodyReader(self.rfile, int(length), False, self.max_upload, self.max_upload_mb)
        if int(length) > self.max_upload:
            raise reader._too_large()
        return reader

    def _answer_error(self, err: ApiError, reader: Optional[BodyReader]):
        """Send the error; keep the connection only if the body was consumed."""
        if reader is None:
            unread = self.command == "POST"
        elif reader.done:
            unread = False
        elif err.status in (411, 413) or err.code in ("truncated_body", "bad_chunked_body"):
            unread = True
        else:
            # Read the rest of a modest body so the client sees our answer
            # rather than a connection reset, and the connection stays usable.
            unread = not reader.drain(max_bytes=64 << 20, max_seconds=5)
        if err.status >= 500:
            log(f"error {err.status}: {err.message}")
        try:
            self._send_api_error(err, close=unread)
            if unread:
                # Lingering close: stop sending, swallow what is in flight for
                # a moment, so the client reads the answer instead of a reset.
                try:
                    self.connection.shutdown(socket.SHUT_WR)
                    self.connection.settimeout(1.0)
                    deadline = time.monotonic() + 2.0
                    while time.monotonic() < deadline and self.connection.recv(65536):
                        pass
                except OSError:
                    pass
        except OSError:
            self.close_connection = True

    def _params(self, fields: dict) -> dict:
        def one(name: str) -> Optional[str]:
            vals = fields.get(name)
            return vals[-1].strip() if vals else None

        fmt = (one("response_format") or "verbose_json").lower()
        if fmt not in RESPONSE_FORMATS:
            raise ApiError(400, f"Unsupported response_format '{fmt}'. Use one of: "
                                f"{', '.join(RESPONSE_FORMATS)}.", code="invalid_value",
                           param="response_format")

        lang = (one("language") or "").lower().replace("_", "-")
        if lang in ("", "auto", "detect"):
            language = None
        else:
            language = lang.split("-", 1)[0]
            if language not in self.engine.languages:
                raise ApiError(400, f"Unsupported language '{one('language')}'. Use an ISO 639-1 "
                                    "code such as 'pl' or 'en', or 'auto' (or omit it) to "
                                    "detect the language.", code="invalid_value", param="language")

        temp_raw = one("temperature")
        temperature = 0.0
        if temp_raw:
            try:
                temperature = float(temp_raw)
            except ValueError:
                temperature = float("nan")
            if not (0.0 <= temperature <= 1.0):
                raise ApiError(400, f"Invalid temperature '{temp_raw}': use a number from 0 to 1 "
                                    "(0 = automatic).", code="invalid_value", param="temperature")

        grans = []
        for key in ("timestamp_granularities[]", "timestamp_granularities"):
            for v in fields.get(key, []):
                grans.extend(x.strip().lower() for x in v.split(",") if x.strip())
        for g in grans:
            if g not in GRANULARITIES:
                raise ApiError(400, f"Unsupported timestamp granularity '{g}'. Use 'word' and/or "
                                    "'segment'.", code="invalid_value",
                               param="timestamp_granularities[]")

        prompt = fields.get("prompt", [None])[-1]
        return {"response_format": fmt, "language": language, "temperature": temperature,
                "words": "word" in grans, "prompt": prompt.strip() if prompt else None}


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


class Server6(Server):
    address_family = socket.AF_INET6


def write_port_file(path: str, port: int) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".port-", dir=directory)
    with os.fdopen(fd, "w") as f:
        f.write(f"{port}\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def bare(args) -> int:
    """The bare engine: faster-whisper's defaults on the files as they are, one JSON line each on stdout."""
    try:
        from faster_whisper import WhisperModel
        model = WhisperModel(os.path.abspath(args.model), device=args.device, compute_type=args.compute_type,
                             cpu_threads=args.threads, local_files_only=True)
    except Exception as e:
        log(f"error: could not load the model from {args.model}: {type(e).__name__}: {e}")
        return 2
    for path in args.bare:
        t0 = time.monotonic()
        try:
            segments, info = model.transcribe(path, language=args.language, beam_size=args.beam_size)
            text = "".join(segment.text for segment in segments).strip()
            line = {"file": path, "text": text, "duration": r3(info.duration), "seconds": r3(time.monotonic() - t0)}
        except Exception as e:
            line = {"file": path, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="SOR local speech engine (faster-whisper behind "
                                            "OpenAI's /v1/audio/transcriptions API).")
    p.add_argument("--model", required=True, help="CTranslate2 Whisper model directory")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0 = pick a free one)")
    p.add_argument("--port-file", help="write the bound port here (atomically) once ready")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="CPU threads for the model (default: all cores)")
    p.add_argument("--compute-type", default="int8", help="CTranslate2 compute type (default int8)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    p.add_argument("--beam-size", type=int, default=5, help="beam size (default 5)")
    p.add_argument("--vad", action="store_true", help="skip silence with the Silero VAD filter")
    p.add_argument("--max-upload-mb", type=float, default=2048, help="largest upload (default 2048)")
    p.add_argument("--tmp-dir", default=None, help="where uploads are spooled (default: system temp)")
    p.add_argument("--max-duration", type=float, default=0,
                   help="longest recording in seconds; longer ones are refused (default 0 = no limit)")
    p.add_argument("--max-concurrent", type=int, default=4,
                   help="requests handled at once; more are answered 503 (default 4)")
    p.add_argument("--no-warmup", action="store_true", help="skip the warm-up run at start")
    p.add_argument("--parent-pid", type=int, default=0,
                   help="exit when this process is gone (for supervisors)")
    p.add_argument("--bare", nargs="+", metavar="FILE",
                   help="no server: transcribe these files as faster-whisper does by default (its own decoding "
                        "and resampling, only --beam-size and --language given) and print one JSON line per file; "
                        "the baseline `sor eval transcription` compares SOR with")
    p.add_argument("--language", default=None, help="with --bare: the language (default: detected)")
    args = p.parse_args(argv)

    if not os.path.isfile(os.path.join(args.model, "model.bin")):
        log(f"error: {args.model} is not a model directory (no model.bin); "
            "run scripts/setup-engine.sh")
        return 2
    if args.threads < 1 or args.beam_size < 1 or args.max_upload_mb <= 0 or args.max_concurrent < 1 \
            or args.max_duration < 0:
        log("error: --threads, --beam-size, --max-upload-mb and --max-concurrent must be positive, "
            "--max-duration not negative")
        return 2
    if args.tmp_dir:
        os.makedirs(args.tmp_dir, mode=0o700, exist_ok=True)

    if args.bare:
        return bare(args)

    t0 = time.monotonic()
    try:
        engine = Engine(args.model, args.threads, args.compute_type, args.device,
                        args.beam_size, args.vad)
        if not args.no_warmup:
            engine.warm_up()
    except Exception as e:
        log(f"error: could not load the model from {args.model}: {type(e).__name__}: {e}")
        return 2
    log(f"model {engine.model_name} loaded in {time.monotonic() - t0:.2f}s "
        f"(faster-whisper {engine.version}, {args.device}/{args.compute_type}, "
        f"{args.threads} threads, beam {args.beam_size}, vad {'on' if args.vad else 'off'})")

    Handler.engine = engine
    Handler.max_upload = int(args.max_upload_mb * 1024 * 1024)
    Handler.max_upload_mb = args.max_upload_mb
    Handler.tmp_root = args.tmp_dir
    Handler.max_duration = args.max_duration
    Handler.max_concurrent = args.max_concurrent
    Handler.slots = threading.BoundedSemaphore(args.max_concurrent)
    cls = Server6 if ":" in args.host else Server
    try:
        httpd = cls((args.host, args.port), Handler)
    except OSError as e:
        log(f"error: cannot listen on {args.host}:{args.port}: {e}")
        return 2
    port = httpd.server_address[1]

    stopping = threading.Event()

    def stop(reason: str):
        if not stopping.is_set():
            stopping.set()
            log(f"shutting down ({reason})")
            threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, lambda *_: stop("SIGTERM"))
    signal.signal(signal.SIGINT, lambda *_: stop("SIGINT"))
    # A parent may spawn us from a thread that blocks these signals (sor's workers, test runners): unblock them.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

    if args.parent_pid:
        def watch_parent():
            while not stopping.wait(2.0):
                try:
                    os.kill(args.parent_pid, 0)
                except ProcessLookupError:
                    stop(f"parent {args.parent_pid} is gone")
                except PermissionError:
                    pass
        threading.Thread(target=watch_parent, daemon=True).start()

    if args.port_file:
        try:
            write_port_file(args.port_file, port)
        except OSError as e:
            log(f"error: cannot write port file {args.port_file}: {e}")
            httpd.server_close()
            return 2
    log(f"listening on http://{args.host}:{port}")
    print(f"SOR_ENGINE_PORT={port}", flush=True)

    try:
        httpd.serve_forever(poll_interval=0.5)
    finally:
        httpd.server_close()
        if args.port_file:
            try:
                with open(args.port_file) as f:
                    if f.read().strip() == str(port):
                        os.unlink(args.port_file)
            except OSError:
                pass
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
