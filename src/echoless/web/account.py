"""Sign in at `/`, sign out. The sign-in form is protected by a double-submit token (there is no
session yet); attempts are throttled per (member name, client address) and per client address, each
attempt reserved before its password is checked (vault/sessions). The client address is the peer's,
or what a trusted proxy forwarded (api/proxy)."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from echoless.api import proxy
from echoless.vault import accounts, sessions
from echoless.web.pages import CheckedDep, CsrfFailed, get_vault, redirect, render

router = APIRouter(include_in_schema=False)
SIGNIN_COOKIE = "echoless_signin"


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/history"


def _form(request: Request, *, name: str = "", error: str | None = None, status: int = 200, next_url: str | None = None) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request, "signin.html", {"signin_token": token, "name": name, "error": error, "next": _safe_next(next_url or request.query_params.get("next"))},
        status=status,
    )
    response.set_cookie(
        SIGNIN_COOKIE, token, httponly=True, samesite="strict", secure=proxy.cookie_secure(request), path="/"
    )
    return response


@router.get("/")
def sign_in_page(request: Request) -> Response:
    if sessions.lookup(get_vault(request), request.cookies.get(sessions.COOKIE)) is not None:
        return redirect("/history")
    return _form(request)


@router.post("/sign-in")
def sign_in(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/history",  # noqa: A002
) -> Response:
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        raise CsrfFailed()
    vault = get_vault(request)
    household = accounts.default_household(vault)
    address = proxy.client_address(request)
    try:
        sessions.reserve(vault, household.id, name, address)
    except sessions.TooManyAttempts as exc:
        response = _form(request, name=name, error=exc.message, status=429, next_url=next)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    member = accounts.check_password(vault, household.id, name, password) if name and password else None
    if member is None:
        return _form(request, name=name, error="That name and password don't match. Check them and try again.", status=401, next_url=next)
    sessions.succeeded(vault, household.id, name, address)
    session_id = sessions.start(vault, member)
    response = redirect(_safe_next(next))
    response.set_cookie(
        sessions.COOKIE,
        session_id,
        max_age=int(vault.settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=proxy.cookie_secure(request),
        path="/",
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


@router.post("/sign-out")
def sign_out(request: Request, signed_in: CheckedDep) -> Response:
    sessions.end(get_vault(request), request.cookies.get(sessions.COOKIE))
    response = redirect("/?signed_out=1")
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="lax", secure=proxy.cookie_secure(request))
    return response
