"""`/invite/{code}`: the invited member chooses their own password, and is signed in. The link works
once and expires (vault/invitations.py); the form carries a double-submit token, as the sign-in does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from echoless.errors import BadRequest
from echoless.vault import accounts, invitations
from echoless.web.account import check_form_token, form_with_token, signed_in_response
from echoless.web.pages import get_vault

router = APIRouter(include_in_schema=False)
CodePath = Annotated[str, Path(max_length=200)]


def _form(request: Request, code: str, *, error: str | None = None, status: int = 200) -> Response:
    member = invitations.member_of(get_vault(request), code)
    return form_with_token(request, "invite.html", {"code": code, "member": member, "error": error,
                                                    "min_password": accounts.MIN_PASSWORD}, status)


@router.get("/invite/{code}")
def invitation_page(request: Request, code: CodePath) -> Response:
    return _form(request, code)


@router.post("/invite/{code}")
def redeem(
    request: Request,
    code: CodePath,
    password: Annotated[str, Form(max_length=1024)] = "",
    confirm: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_form_token(request, csrf_token)
    if password != confirm:
        return _form(request, code, error="The two passwords are not the same.", status=400)
    try:
        member = invitations.redeem(get_vault(request), code, password)
    except BadRequest as exc:
        return _form(request, code, error=exc.message[:1].upper() + exc.message[1:] + ".", status=exc.status)
    return signed_in_response(request, member, "/history")
