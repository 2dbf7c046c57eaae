"""One JSON error shape for every HTTP error: {"error": {"code", "message", "status"}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from echoless.errors import EcholessError, ErrorCode

_LOGGER = logging.getLogger(__name__)
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_UNPARSABLE = "There was an error parsing the body"  # FastAPI's 400 for a body it cannot read as JSON


def error_body(code: str, message: str, status: int) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


def error_response(code: str, message: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse(error_body(code, message, status), status_code=status, headers=headers)


def allowed_methods(request: Request) -> str:
    """Every method some route takes at this path (one path may have a route per method; each is asked)."""
    routes = request.app.router.routes
    return ", ".join(m for m in _METHODS
                     if any(route.matches({**request.scope, "method": m})[0] is Match.FULL for route in routes))


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts) or "the request is malformed"


def install(app: FastAPI) -> None:
    @app.exception_handler(EcholessError)
    async def _domain(_: Request, exc: EcholessError) -> JSONResponse:
        if exc.status >= 500:
            _LOGGER.error("request failed: %s", exc.code)
        retry_after = getattr(exc, "retry_after", None)  # a throttled sign-in or password check
        return error_response(exc.code, exc.message, exc.status,
                              {"Retry-After": str(retry_after)} if retry_after is not None else None)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(ErrorCode.INVALID_REQUEST, _validation_message(exc), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _UNPARSABLE:  # e.g. a JSON body that is not UTF-8
            return error_response(ErrorCode.INVALID_REQUEST, "the request body is not valid JSON", 422)
        code = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED, 401: ErrorCode.UNAUTHORIZED,
                403: ErrorCode.FORBIDDEN, 413: ErrorCode.REQUEST_TOO_LARGE}.get(exc.status_code, ErrorCode.HTTP_ERROR)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return error_response(code, str(exc.detail), exc.status_code, headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        _LOGGER.error("unexpected error: %s", type(exc).__name__)
        return error_response(ErrorCode.INTERNAL_ERROR, "something went wrong on the server", 500)
