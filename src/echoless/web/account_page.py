"""`/account`: the member's own sign-in — change their password (the current one required), see every
invitation, password change and reset of their access (from the audit log), and acknowledge a reset by
the household's owner, which until then is shown on every page (vault/credentials.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from echoless.api import proxy
from echoless.errors import BadRequest
from echoless.vault import accounts, credentials, sessions
from echoless.web.pages import CheckedDep, SignedInDep, get_vault, redirect, render

router = APIRouter(include_in_schema=False)


def _page(request: Request, member, *, error: str | None = None, status: int = 200) -> Response:  # type: ignore[no-untyped-def]
    vault = get_vault(request)
    current = accounts.get_member(vault, member.id)
    return render(request, "account.html", {
        "resets": credentials.pending_resets(current),
        "events": credentials.events(vault, current),
        "error": error,
        "done": request.query_params.get("done"),
        "min_password": accounts.MIN_PASSWORD,
    }, status=status)


@router.get("/account")
def account_page(request: Request, signed_in: SignedInDep) -> Response:
    return _page(request, signed_in.member)


@router.post("/account/password")
def change_password(
    request: Request,
    signed_in: CheckedDep,
    current: Annotated[str, Form(max_length=1024)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    confirm: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    if password != confirm:
        return _page(request, signed_in.member, error="The two new passwords are not the same.", status=400)
    try:
        credentials.change_password(get_vault(request), signed_in.member, current, password,
                                    address=proxy.client_address(request), keep_session=request.cookies.get(sessions.COOKIE))
    except (BadRequest, credentials.WrongPassword) as exc:
        return _page(request, signed_in.member, error=exc.message[:1].upper() + exc.message[1:] + ".", status=exc.status)
    return redirect("/account?done=password")


@router.post("/account/acknowledge")
def acknowledge(request: Request, signed_in: CheckedDep) -> Response:
    credentials.acknowledge(get_vault(request), signed_in.member)
    return redirect("/account?done=acknowledged")
