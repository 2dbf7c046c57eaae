"""/v1/invitations/{code}: an invited member sets their own password through the API (the Privacy Hub's
/invite/{code} page does the same in a browser). The invitation is the credential: it works once and expires
(vault/invitations.py). The member gets an API token of their own, shown once, to go on with."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import Field

from echoless.api import models
from echoless.api.deps import VaultDep
from echoless.api.responses import raises
from echoless.errors import ErrorCode
from echoless.vault import accounts, invitations

router = APIRouter(prefix="/v1/invitations", tags=["account"])
CodePath = Annotated[str, Path(max_length=200, description="The code at the end of the invitation link.")]


class Redemption(models.Strict):
    password: str = Field(min_length=accounts.MIN_PASSWORD, max_length=1024, description="My new password.")


@router.post("/{code}", status_code=201, response_model=models.Redeemed,
             responses=raises(ErrorCode.INVALID_INVITATION, ErrorCode.WEAK_PASSWORD),
             summary="Use an invitation: set my own password (no token needed; the invitation works once)")
def redeem(vault: VaultDep, code: CodePath, redemption: Redemption) -> dict[str, str]:
    member = invitations.redeem(vault, code, redemption.password)
    return {"id": member.id, "name": member.name, "role": member.role, "token": accounts.new_member_token(vault, member.id)}
