"""Request dependencies: the open vault and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from echoless.errors import ErrorCode, Forbidden, Unauthorized
from echoless.vault import sessions
from echoless.vault.accounts import Principal, authenticate
from echoless.vault.instance import Vault
from echoless.vault.models import Member

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_bearer = HTTPBearer(auto_error=False, description="A member token (elm_…) or a device token (eld_…).")


def get_vault(request: Request) -> Vault:
    return request.app.state.vault


VaultDep = Annotated[Vault, Depends(get_vault)]


def get_principal(
    request: Request, vault: VaultDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None and request.cookies.get(sessions.COOKIE):
        # A Privacy Hub sign-in: a cookie is sent by the browser on its own, so every unsafe
        # request must also carry the session's CSRF token in a header.
        signed_in = sessions.lookup(vault, request.cookies.get(sessions.COOKIE))
        if signed_in is None:
            raise Unauthorized("the session has ended; sign in again")
        if request.method not in SAFE_METHODS and not sessions.csrf_ok(signed_in, request.headers.get(sessions.CSRF_HEADER)):
            raise Forbidden(f"a signed-in request that changes something needs the {sessions.CSRF_HEADER} header", code=ErrorCode.CSRF_FAILED)
        member = signed_in.member
        return Principal(kind="member", household_id=member.household_id, member=member)
    return authenticate(vault, credentials.credentials if credentials else None)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_member(principal: PrincipalDep) -> Member:
    if principal.member is None:
        raise Forbidden("a device token may only submit interactions; use a member token")
    return principal.member


MemberDep = Annotated[Member, Depends(get_member)]
