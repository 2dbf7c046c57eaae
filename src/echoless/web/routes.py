"""Mounts the Privacy Hub on the FastAPI app: the page routers, the static files, and HTML errors for
page requests (API requests under /v1 keep the one JSON error shape)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from echoless.api.errors import allowed_methods, error_response
from echoless.errors import EcholessError, ErrorCode
from echoless.web import account, deleting, export_page, history, household, receipts_page, receipts_view, settings_page, tryit
from echoless.web import shares_page  # skills and the share ledger
from echoless.web import devices_page  # the devices that speak for me, and what their Wyoming peers receive
from echoless.web import account_page, invite_page, member_access  # passwords, invitations, resets
from echoless.web.pages import HERE, error_page

ROUTERS = (account, history, deleting, settings_page, receipts_page, export_page, tryit, household, shares_page,
           account_page, invite_page, member_access, devices_page)
_JSON_PREFIXES = ("/v1/", "/healthz", "/readyz", "/docs", "/openapi.json", "/redoc", "/try/run", "/try/text")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(_JSON_PREFIXES)


def install(app: FastAPI) -> None:
    receipts_view.install()
    for module in ROUTERS:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    json_domain = app.exception_handlers.get(EcholessError)
    json_http = app.exception_handlers.get(StarletteHTTPException)

    @app.exception_handler(EcholessError)
    async def _domain(request: Request, exc: EcholessError) -> Response:
        if _wants_json(request) and json_domain is not None:
            return await json_domain(request, exc)  # type: ignore[misc]
        return error_page(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request) and json_http is not None:
            return await json_http(request, exc)  # type: ignore[misc]
        code = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED, 413: ErrorCode.REQUEST_TOO_LARGE}.get(
            exc.status_code, ErrorCode.HTTP_ERROR)
        message = "there is no page here" if exc.status_code == 404 else str(exc.detail)
        page = error_page(request, EcholessError(message, code=code))
        if exc.status_code == 405:
            page.headers["Allow"] = allowed_methods(request)
        return page


__all__ = ["install", "error_response"]
