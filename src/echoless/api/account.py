"""/v1/me: the calling member's own account — who they are, their password, their API tokens, and any
reset of their access by the household's owner (shown until they acknowledge it). Nobody acts on
another member's account here: a token is always made by the member it belongs to."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from echoless.api import models, proxy
from echoless.api.responses import raises
from echoless.api.deps import MemberDep, VaultDep
from echoless.errors import ErrorCode
from echoless.vault import accounts, credentials, parents, sessions
from echoless.vault.models import Member
from echoless.vault.instance import Vault

router = APIRouter(prefix="/v1/me", tags=["account"])


class PasswordChange(BaseModel):
    current_password: str = Field(..., max_length=1024, description="The password in use now.")
    new_password: str = Field(..., min_length=accounts.MIN_PASSWORD, max_length=1024, description="The new password.")


def account_json(vault: Vault, member: Member) -> dict[str, Any]:
    current = accounts.get_member(vault, member.id)
    everyone = accounts.members(vault, member.household_id)
    return {
        "id": current.id, "name": current.name, "role": current.role,
        "children": [m.name for m in everyone if parents.is_parent(current, m)],
        "access_resets": [at.isoformat() for at in credentials.pending_resets(current)],
    }


@router.get("", response_model=models.Me, summary="Who I am: my role, the child profiles I am a parent of, resets of my access not yet acknowledged")
def get_me(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    return account_json(vault, member)


@router.get("/access-events", summary="Everything that happened to my sign-in (invitations, passwords, resets), newest first")
def get_access_events(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    return {"events": [e.to_json() for e in credentials.events(vault, member)]}


@router.post("/access-resets/acknowledge", summary="I have seen the resets of my access")
def acknowledge_resets(vault: VaultDep, member: MemberDep) -> dict[str, int]:
    return {"acknowledged": credentials.acknowledge(vault, member)}


@router.put("/password", responses=raises(ErrorCode.WRONG_PASSWORD, ErrorCode.WEAK_PASSWORD, ErrorCode.TOO_MANY_ATTEMPTS),
            summary="Change my password (the current one is required; my other sign-ins end)")
def change_password(request: Request, vault: VaultDep, member: MemberDep, change: PasswordChange) -> dict[str, bool]:
    keep = request.cookies.get(sessions.COOKIE) if "authorization" not in request.headers else None
    credentials.change_password(vault, member, change.current_password, change.new_password,
                                address=proxy.client_address(request), keep_session=keep)
    return {"changed": True}


@router.get("/tokens", response_model=models.Tokens, summary="My API tokens (by their public id; a token is shown only when made)")
def list_tokens(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    return {"tokens": [t.to_json() for t in accounts.tokens(vault, member.household_id, member.id)]}


@router.post("/tokens", status_code=201, response_model=models.NewToken, summary="Make an API token for myself (shown once)")
def create_token(vault: VaultDep, member: MemberDep) -> dict[str, str]:
    token = accounts.new_member_token(vault, member.id)
    info = next(t for t in accounts.tokens(vault, member.household_id, member.id) if t.id == accounts.hash_token(token)[:accounts.TOKEN_ID_LENGTH])
    return {"id": info.id, "token": token}


@router.delete("/tokens/{token_id}", response_model=models.Token, responses=raises(ErrorCode.UNKNOWN_TOKEN), summary="Revoke one of my API tokens")
def revoke_token(vault: VaultDep, member: MemberDep, token_id: str) -> dict[str, Any]:
    return accounts.revoke_token(vault, member.household_id, token_id, subject_id=member.id).to_json()
