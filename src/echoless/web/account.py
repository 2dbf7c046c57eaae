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
from echoless.vault import accounts, credentials, sessions
from echoless.vault.models import Member
from echoless.web.pages import CheckedDep, CsrfFailed, get_vault, redirect, render

router = APIRouter(include_in_schema=False)
SIGNIN_COOKIE = "echoless_signin"


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/history"


def _form(request: Request, *, name: str = "", error: str | None = None, status: int = 200, next_url: str | None = None) -> Response:
    return form_with_token(request, "signin.html", {"name": name, "error": error, "next": _safe_next(next_url or request.query_params.get("next"))}, status)


def form_with_token(request: Request, template: str, context: dict, status: int = 200) -> Response:
    """A form for someone not signed in yet, with a double-submit token (in the page and a cookie)."""
    token = secrets.token_urlsafe(32)
    response = render(request, template, {"signin_token": token, **context}, status=status)
    response.set_cookie(
        SIGNIN_COOKIE, token, httponly=True, samesite="strict", secure=proxy.cookie_secure(request), path="/"
    )
    return response


def check_form_token(request: Request, csrf_token: str) -> None:
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        raise CsrfFailed()


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
    check_form_token(request, csrf_token)
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
    return signed_in_response(request, member, _safe_next(next))


def signed_in_response(request: Request, member: Member, url: str) -> Response:
    """Start a session for the member and go to `url` — or first to their account page while a reset of
    their access waits to be acknowledged (vault/credentials.py)."""
    vault = get_vault(request)
    session_id = sessions.start(vault, member)
    response = redirect("/account" if credentials.pending_resets(accounts.get_member(vault, member.id)) else url)
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
