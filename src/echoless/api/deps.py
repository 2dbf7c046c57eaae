"""Request dependencies: the open vault and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from echoless.errors import Forbidden
from echoless.vault.accounts import Principal, authenticate
from echoless.vault.instance import Vault
from echoless.vault.models import Member

_bearer = HTTPBearer(auto_error=False, description="A member token (elm_…) or a device token (eld_…).")


def get_vault(request: Request) -> Vault:
    return request.app.state.vault


VaultDep = Annotated[Vault, Depends(get_vault)]


def get_principal(
    vault: VaultDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    return authenticate(vault, credentials.credentials if credentials else None)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_member(principal: PrincipalDep) -> Member:
    if principal.member is None:
        raise Forbidden("a device token may only submit interactions; use a member token")
    return principal.member


MemberDep = Annotated[Member, Depends(get_member)]
