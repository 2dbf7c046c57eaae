"""What every Privacy Hub page shares: the templates, who is signed in, the CSRF check, page errors.

Pages authenticate with the session cookie only (never a bearer token). Every form that changes
something carries the session's synchronizer token; a missing or wrong token answers 403 and changes
nothing. A signed-out GET is sent to the sign-in page; a signed-out POST answers 401."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from echoless.terms import Role
from echoless.errors import EcholessError, ErrorCode, Forbidden
from echoless.vault import credentials, retention
from echoless.vault import sessions
from echoless.vault.instance import Vault
from echoless.vault.models import Member

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def local(value: datetime | None) -> datetime | None:
    return value.astimezone() if value is not None else None


def _fmt_time(value: datetime | None) -> str:
    return local(value).strftime("%H:%M") if value else ""  # type: ignore[union-attr]


def _fmt_datetime(value: datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return local(value).strftime("%a %d %b %Y, %H:%M:%S")  # type: ignore[union-attr]


def _fmt_day(value: Any) -> str:
    today = datetime.now().astimezone().date()
    if value == today:
        return "Today"
    if (today - value).days == 1:
        return "Yesterday"
    return value.strftime("%A %d %B %Y")


templates.env.filters.update(time=_fmt_time, datetime=_fmt_datetime, day=_fmt_day)
templates.env.globals.update(retention_labels=retention.LABELS, urlencode=urlencode, quote=quote)


def module_available(name: str) -> bool:
    """True when an optional part of echoless (receipts, export) is installed in this build."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


class SignInRequired(EcholessError):
    code = ErrorCode.UNAUTHORIZED

    def __init__(self, message: str = "sign in to see this page") -> None:
        super().__init__(message)


class CsrfFailed(Forbidden):
    code = ErrorCode.CSRF_FAILED

    def __init__(self) -> None:
        super().__init__("this form has expired or did not come from echoless; go back, reload the page and try again")


def get_vault(request: Request) -> Vault:
    return request.app.state.vault


def current(request: Request) -> sessions.SignedIn:
    found = sessions.lookup(get_vault(request), request.cookies.get(sessions.COOKIE))
    if found is None:
        raise SignInRequired()
    request.state.signed_in = found
    return found


async def checked(request: Request) -> sessions.SignedIn:
    """Signed in, and the request carries this session's CSRF token (form field or header)."""
    signed_in = current(request)
    token = request.headers.get(sessions.CSRF_HEADER)
    # Only the pages' own urlencoded forms are read for the token; an upload (multipart) carries it in
    # the header, so its body is never parsed before the token has been checked (api/uploads).
    if token is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        value = form.get(sessions.CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not sessions.csrf_ok(signed_in, token):
        raise CsrfFailed()
    return signed_in


SignedInDep = Annotated[sessions.SignedIn, Depends(current)]
CheckedDep = Annotated[sessions.SignedIn, Depends(checked)]


def require_owner(member: Member) -> None:
    if member.role != Role.OWNER:
        raise Forbidden("only the household's owner manages members and devices", code=ErrorCode.OWNER_ONLY)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    signed_in = getattr(request.state, "signed_in", None)
    ctx = {
        "request": request,
        "me": signed_in.member if signed_in else None,
        "csrf": signed_in.csrf if signed_in else None,
        "path": request.url.path,
        "receipts_available": module_available("echoless.privacy.receipts"),
        "export_available": module_available("echoless.privacy.export"),
        "access_resets": credentials.pending_resets(signed_in.member) if signed_in else [],
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, exc: EcholessError) -> Response:
    if isinstance(exc, SignInRequired) and request.method in ("GET", "HEAD"):
        return redirect("/?" + urlencode({"next": request.url.path + (f"?{request.url.query}" if request.url.query else "")}))
    response = render(request, "error.html", {"error": exc}, status=exc.status)
    if isinstance(exc, sessions.TooManyAttempts):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response
