"""Drive the running app at the ASGI level with a request body that arrives chunk by chunk, counting
how much of it the server pulled: a test can then tell "refused before reading the body" from
"refused after reading it all", which a client library (that buffers the body) cannot."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

CHUNK = 64 * 1024


@dataclass
class Exchange:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    consumed: int = 0  # body bytes the server pulled
    seconds: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


def multipart(boundary: str, fields: dict[str, str], audio_size: int, *, chunk: int = CHUNK) -> Iterator[bytes]:
    """A multipart body with `fields` then an `audio` file part of `audio_size` bytes, generated lazily."""
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()
    )
    yield head + f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\n\r\n'.encode()
    left = audio_size
    while left > 0:
        part = min(chunk, left)
        left -= part
        yield b"\0" * part
    yield f"\r\n--{boundary}--\r\n".encode()


def post(client: TestClient, path: str, headers: dict[str, str], chunks: Iterable[bytes], *,
         client_address: tuple[str, int] = ("127.0.0.1", 50000)) -> Exchange:
    """POST on the app of a started TestClient (its lifespan has opened the vault)."""
    exchange = Exchange()
    source = iter(chunks)
    finished = False

    async def receive() -> dict[str, Any]:
        nonlocal finished
        if finished:
            return {"type": "http.disconnect"}
        chunk = next(source, None)
        if chunk is None:
            finished = True
            return {"type": "http.request", "body": b"", "more_body": False}
        exchange.consumed += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            exchange.status = message["status"]
            exchange.headers = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            exchange.body += message.get("body", b"")

    path_only, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path_only, "raw_path": path_only.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()] + [(b"host", b"testserver")],
        "client": client_address, "server": ("testserver", 80), "state": {},
    }
    started = time.monotonic()
    assert client.portal is not None, "use the TestClient as a context manager (its lifespan opens the vault)"
    client.portal.call(client.app, scope, receive, send)
    exchange.seconds = time.monotonic() - started
    return exchange
