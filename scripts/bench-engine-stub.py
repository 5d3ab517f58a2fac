#!/usr/bin/env python3
"""A stand-in OpenAI-compatible transcription endpoint for `make bench` and one supervision test.

It reads and discards the uploaded audio, then answers at once with a verbose_json transcript as long as the
recording (a segment every 4 s, ten words each, word timestamps), so that the watcher's own memory and speed can be
measured on a two-hour call without waiting for the real engine. With --fail-above-bytes it answers 500 for larger
uploads: an engine that fails on one recording while it works for others. Never used at run time.
"""
import argparse
import json
import signal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def do_POST(self):
        remaining = int(self.headers.get("Content-Length", "0"))
        if self.server.fail_above and remaining > self.server.fail_above:
            while remaining > 0:
                remaining -= len(self.rfile.read(min(remaining, 1 << 20)))
            body = b'{"error": {"message": "CUDA out of memory (stub)"}}'
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        while remaining > 0:
            remaining -= len(self.rfile.read(min(remaining, 1 << 20)))
        # 16 kHz, 16-bit mono after sor's conversion: 32 000 bytes a second (the form's other fields are noise).
        duration = int(self.headers.get("Content-Length", "0")) / 32000
        segments, words, start = [], [], 0.0
        while start + 4 <= duration:
            seg_words = [{"word": f" słowo{i}", "start": start + i * 0.4, "end": start + i * 0.4 + 0.35, "probability": 0.9}
                         for i in range(10)]
            segments.append({"id": len(segments), "start": start, "end": start + 4, "words": seg_words,
                             "text": "".join(w["word"] for w in seg_words)})
            start += 4
        body = json.dumps({"language": "pl", "duration": duration, "segments": segments,
                           "text": " ".join(s["text"] for s in segments)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    # A test runner may start it with SIGTERM blocked (the mask is inherited); it must still stop when asked,
    # or every test that stops it waits 20 s for the SIGKILL.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--fail-above-bytes", type=int, default=0)
    arguments = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    server.fail_above = arguments.fail_above_bytes
    server.serve_forever()
