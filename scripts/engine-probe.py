#!/usr/bin/env python3
"""Hostile requests against a running SOR engine, for the end-to-end test of its limits.

Usage: engine-probe.py BASE_URL RECORDING SPOOL_DIR
Prints one `name=value` line per check: HTTP statuses, how long the answer took, spooled folders.
"""
import glob
import socket
import sys
import time
from urllib.parse import urlparse

url, recording, spool = sys.argv[1], sys.argv[2], sys.argv[3]
host, port = urlparse(url).hostname, urlparse(url).port
PATH = b"POST /v1/audio/transcriptions HTTP/1.1\r\nHost: engine\r\nContent-Type: multipart/form-data; boundary=b\r\n"


def status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        piece = sock.recv(4096)
        if not piece:
            break
        data += piece
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0


def ask(raw: bytes, timeout: float = 30) -> tuple:
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(raw)
        return status(sock), round(time.monotonic() - started, 2)


code, seconds = ask(PATH + b"Transfer-Encoding: chunked\r\n\r\n-5\r\nabc\r\n", timeout=10)
print(f"negative_chunk={code}")
print(f"negative_chunk_seconds={seconds}")
code, _ = ask(PATH + b"Transfer-Encoding: chunked\r\n\r\n0x10\r\nabc\r\n", timeout=10)
print(f"prefixed_chunk={code}")

audio = open(recording, "rb").read()
body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"call.wav\"\r\n"
        b"Content-Type: audio/wav\r\n\r\n" + audio + b"\r\n--b--\r\n")
code, _ = ask(PATH + f"Content-Length: {len(body)}\r\n\r\n".encode() + body, timeout=60)
print(f"too_long={code}")

before = set(glob.glob("/tmp/sor-engine-*"))
held = []
for _ in range(4):
    sock = socket.create_connection((host, port), timeout=10)
    sock.sendall(PATH + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:200])
    held.append(sock)
# Each of the four holds a slot once its upload is spooled (the engine takes the slot first); on a loaded machine
# that can take a while, so wait for it (up to 30 s) rather than for a fixed time.
deadline = time.monotonic() + 30
while len(glob.glob(spool + "/sor-engine-*")) < 4 and time.monotonic() < deadline:
    time.sleep(0.1)
code, _ = ask(PATH + f"Content-Length: {len(body)}\r\n\r\n".encode() + body, timeout=10)
print(f"fifth_request={code}")
print(f"spooled_in_var={len(glob.glob(spool + '/sor-engine-*'))}")
print(f"spooled_in_tmp={len(set(glob.glob('/tmp/sor-engine-*')) - before)}")
for sock in held:
    sock.close()
