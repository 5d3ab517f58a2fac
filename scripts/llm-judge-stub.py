#!/usr/bin/env python3
"""A stand-in OpenAI-compatible chat endpoint for the LLM emotion judge's end-to-end test (Tests/EndToEndTests).

POST /v1/chat/completions: it checks the Bearer key (--key; 401 otherwise) and the model (--model; 400 otherwise),
reads the utterances the judge sent as JSON in the last message, and answers, inside a ```json fence, one entry
per utterance: the emotion by a keyword of its text, else by its role (KLIENT zirytowany, KONSULTANT spokojny,
unknown neutralny), and the quote of its first two words; plus one entry for an utterance that was never asked
about, which the judge must drop. Every request is appended to --log as a JSON line (path, authorization, model,
utterances), so a test sees what reached it; the log is created once the stub listens.

--mode: normal; http500 (answers 500); garbage (a chat completion whose content is not JSON); slow (waits --delay
seconds, beyond the judge's timeout, then answers normally). Standard library only; never used at run time.
"""
import argparse
import json
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEYWORDS = [("skandal", "zły"), ("dziękuj", "zadowolony"), ("niestety", "zaniepokojony")]
BY_ROLE = {"KLIENT": "zirytowany", "KONSULTANT": "spokojny"}


def emotion(utterance):
    text = utterance.get("text", "").lower()
    for keyword, name in KEYWORDS:
        if keyword in text:
            return name
    return BY_ROLE.get(utterance.get("role"), "neutralny")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, payload):
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        options = self.server.options
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            request = json.loads(raw)
            utterances = json.loads(request["messages"][-1]["content"])["utterances"]
        except (ValueError, KeyError, IndexError, TypeError) as error:
            return self.answer(400, {"error": {"message": f"stub cannot read the request: {error}"}})
        authorization = self.headers.get("Authorization")
        with self.server.lock, open(options.log, "a", encoding="utf-8") as log:
            log.write(json.dumps({"path": self.path, "authorization": authorization, "model": request.get("model"),
                                  "utterances": utterances}, ensure_ascii=False) + "\n")
        if self.path != "/v1/chat/completions":
            return self.answer(404, {"error": {"message": f"no such path {self.path}"}})
        if options.key and authorization != f"Bearer {options.key}":
            return self.answer(401, {"error": {"message": "Incorrect API key provided (stub)"}})
        if options.model and request.get("model") != options.model:
            return self.answer(400, {"error": {"message": f"model {request.get('model')} does not exist (stub)"}})
        if options.mode == "http500":
            return self.answer(500, {"error": {"message": "the model is overloaded (stub)"}})
        if options.mode == "slow":
            time.sleep(options.delay)
        if options.mode == "garbage":
            content = "Przepraszam, jestem tylko modelem językowym i nie oceniam emocji."
        else:
            entries = [{"id": u["id"], "emotion": emotion(u), "quote": " ".join(u.get("text", "").split()[:2])}
                       for u in utterances]
            entries.append({"id": 999999, "emotion": "zły", "quote": "nikt tego nie powiedział"})
            content = "```json\n" + json.dumps({"utterances": entries}, ensure_ascii=False) + "\n```"
        self.answer(200, {"id": "stub", "object": "chat.completion", "model": request.get("model"),
                          "choices": [{"index": 0, "finish_reason": "stop",
                                       "message": {"role": "assistant", "content": content}}]})


if __name__ == "__main__":
    # A test runner may start it with SIGTERM blocked (the mask is inherited); it must still stop when asked.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--mode", choices=["normal", "http500", "garbage", "slow"], default="normal")
    parser.add_argument("--key", default="")
    parser.add_argument("--model", default="")
    parser.add_argument("--delay", type=float, default=30)
    arguments = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    server.daemon_threads = True
    server.options = arguments
    server.lock = threading.Lock()
    open(arguments.log, "a").close()  # listening: the log's existence tells the test it may start
    server.serve_forever()
