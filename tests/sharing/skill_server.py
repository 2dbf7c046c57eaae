"""A real third-party skill for tests: an HTTP server on 127.0.0.1 in a thread that records every
request byte for byte and answers as it is told (answer, be slow, answer garbage, fail N times...).
Given the instance's public key it verifies every request as a real skill must (signature, timestamp,
no replayed nonce) and answers 401 to one that fails."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from echoless.sharing import wire


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Behaviour:
    speech: str = "Why did the cat sit on the computer? To keep an eye on the mouse."
    answer: str = "ok"  # ok | slow | garbage | status-500
    slow_seconds: float = 5.0
    forget: str = "ack"  # ack | never
    forget_failures: int = 0  # fail this many deletion requests before acknowledging
    verify_with: str | None = None  # the instance public key: verify like a real skill


@dataclass
class SkillServer:
    server: ThreadingHTTPServer
    behaviour: Behaviour
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    nonces: wire.NonceCache = field(default_factory=wire.NonceCache)
    refused: int = 0  # requests that failed verification

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def ask_url(self) -> str:
        return f"{self.base}/ask"

    @property
    def forget_url(self) -> str:
        return f"{self.base}/forget"

    def asks(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == "/ask"]

    def forgets(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == "/forget"]


def _handler(skill: SkillServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with skill.lock:
                skill.received.append(Received(self.path, dict(self.headers.items()), body))
                forgets = sum(1 for r in skill.received if r.path == "/forget")
            b = skill.behaviour
            if b.verify_with and not wire.verify(b.verify_with, skill.base + self.path, body, self.headers, nonces=skill.nonces):
                with skill.lock:
                    skill.refused += 1
                self._reply(401, b'{"error": "not signed by the instance, or a replay"}')
            elif self.path == "/ask":
                if b.answer == "slow":
                    time.sleep(b.slow_seconds)
                    self._reply(200, json.dumps({"speech": b.speech}).encode())
                elif b.answer == "garbage":
                    self._reply(200, b"<html>definitely not json")
                elif b.answer == "status-500":
                    self._reply(500, b'{"error": "boom"}')
                else:
                    self._reply(200, json.dumps({"speech": b.speech}).encode())
            elif self.path == "/forget":
                if b.forget == "never" or forgets <= b.forget_failures:
                    self._reply(503, b'{"error": "try later"}')
                else:
                    self._reply(200, b'{"deleted": true}')
            else:
                self._reply(404, b"{}")

    return Handler


@contextmanager
def skill_server(behaviour: Behaviour | None = None) -> Iterator[SkillServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    skill = SkillServer(server, behaviour or Behaviour())
    server.RequestHandlerClass = _handler(skill)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield skill
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def manifest(name: str, skill: SkillServer | None = None, *, base: str | None = None, fields: list[str] | None = None,
             sentences: list[str] | None = None, version: str = "1.0") -> str:
    root = base or (skill.base if skill else "http://127.0.0.1:9")
    doc = {
        "name": name,
        "publisher": f"{name.title()} Ltd",
        "version": version,
        "endpoint": f"{root}/ask",
        "deletion_endpoint": f"{root}/forget",
        "privacy_policy": f"{root}/privacy",
        "fields": fields or ["intent", "slots"],
        "intents": {"TellJoke": {"sentences": sentences or ["tell me [(a|an|the|that|I|one)] [funny] joke about {topic}"]}},
        "lists": {"topic": {"values": ["cats", "dogs", "computers"]}},
    }
    return json.dumps(doc)


def dead_base() -> str:
    """An http base URL on 127.0.0.1 where nothing listens."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
