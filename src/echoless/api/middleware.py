"""What every HTTP response and request body gets, pages and API alike:

- security headers: the pages may load only their own scripts, styles and media (plus the `data:`
  audio the Try-it page plays), may not be framed, send no Referer, and nothing is MIME-sniffed;
- a cap on request bodies: a declared Content-Length above it is refused before a byte is read, and a
  body that grows past it is cut off. Form bodies therefore stay far below the 1 MB at which Starlette
  would spool a file part to a temp file. Upload routes stream and cap their own bodies (api/uploads);
- no NUL character in a path or query: PostgreSQL cannot store one in text, and no name or id holds one."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from echoless.api.errors import error_body
from echoless.errors import ErrorCode

MAX_BODY_BYTES = 1024 * 1024 - 1
UPLOADS = {("POST", "/v1/interactions"), ("POST", "/try/run")}
CSP = (
    "default-src 'self'; media-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
# The OpenAPI pages load Swagger UI and ReDoc from a CDN with inline scripts; they get no CSP.
_NO_CSP = ("/docs", "/redoc")


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"the request body is larger than the limit of {limit} bytes")


def _declared(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class Hardening:
    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(scope, send)
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            await self._refuse(send, ErrorCode.INVALID_REQUEST, "a path or query may not contain a NUL character", 422)
            return
        if (scope["method"], scope["path"]) in UPLOADS:
            await self.app(scope, receive, send)
            return
        declared = _declared(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(send, ErrorCode.REQUEST_TOO_LARGE, str(too_large(self.limit).detail), 413)
            return
        await self.app(scope, self._capped(receive), send)

    def _capped(self, receive: Receive) -> Receive:
        received = 0

        async def capped() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise too_large(self.limit)
            return message

        return capped

    def _with_headers(self, scope: Scope, send: Send) -> Send:
        extra = list(HEADERS)
        if not scope["path"].startswith(_NO_CSP):
            extra.append((b"content-security-policy", CSP.encode()))

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        return sending

    async def _refuse(self, send: Send, code: ErrorCode, message: str, status: int) -> None:
        body = json.dumps(error_body(code, message, status)).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
