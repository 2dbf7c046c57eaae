"""/v1/household/members (the owner): add members — an adult or owner with a one-time invitation, never a
password or a token; a child profile with its parents — issue a new invitation, reset an adult's access."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from echoless.api.deps import MemberDep, VaultDep
from echoless.errors import ErrorCode, Forbidden
from echoless.terms import Role
from echoless.vault import accounts, credentials, invitations, parents
from echoless.vault.instance import Vault
from echoless.vault.models import Member

router = APIRouter(prefix="/v1/household/members", tags=["household"])
NamePath = Annotated[str, Path(max_length=200, description="The member's name or id.")]


class NewMember(BaseModel):
    model_config = ConfigDict(extra="forbid")  # no `password`, no `token`: the member sets their own

    name: str = Field(..., min_length=1, max_length=200)
    role: Literal["owner", "adult", "child"] = Field("adult", description="owner, adult or child.")
    parents: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=20,
        description="A child profile's parents (names or ids of adults or owners); default: me.",
    )


def _owner(member: Member) -> Member:
    if member.role != Role.OWNER:
        raise Forbidden("only the household's owner manages members", code=ErrorCode.OWNER_ONLY)
    return member


def member_json(vault: Vault, member: Member, open_invitations: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"id": member.id, "name": member.name, "role": member.role}
    if member.role == Role.CHILD:
        body["parents"] = [p.name for p in parents.parents_of(vault, member)]
    else:
        body["sign_in"] = "password" if member.password_hash else "invited" if member.id in open_invitations else "none"
    return body


@router.get("", summary="The household's members (owner)")
def list_members(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    me = _owner(member)
    open_invitations = invitations.pending(vault, me.household_id)
    return {"members": [member_json(vault, m, open_invitations) for m in accounts.members(vault, me.household_id)]}


@router.post("", status_code=201, summary="Add a member (owner): an adult or owner gets a one-time invitation, a child profile its parents")
def add_member(vault: VaultDep, member: MemberDep, new: NewMember) -> dict[str, Any]:
    me = _owner(member)
    parents.check_no_parents_for(new.role, new.parents)
    if new.role == Role.CHILD:
        child, _token = parents.add_child(vault, me.household_id, new.name, new.parents, made_by=me)
        accounts.revoke_tokens_of(vault, child.id)  # the owner holds no key to anyone's history
        return member_json(vault, child, {})
    added, _token = accounts.add_member(vault, me.household_id, new.name, new.role)
    accounts.revoke_tokens_of(vault, added.id)
    invitation = invitations.issue(vault, added)
    return {**member_json(vault, added, {added.id: invitation.expires_at}), "invitation": invitation.to_json()}


@router.post("/{name}/invitation", status_code=201, summary="A new invitation for a member who has no password yet (owner)")
def new_invitation(vault: VaultDep, member: MemberDep, name: NamePath) -> dict[str, Any]:
    me = _owner(member)
    return invitations.issue(vault, accounts.find_member(vault, me.household_id, name)).to_json()


@router.post("/{name}/reset", status_code=201,
             summary="Reset an adult's access (owner): ends their sign-ins, revokes their tokens and password, "
             "returns a new invitation; recorded in the audit log and shown to them until they acknowledge it")
def reset_access(vault: VaultDep, member: MemberDep, name: NamePath) -> dict[str, Any]:
    me = _owner(member)
    return credentials.reset(vault, accounts.find_member(vault, me.household_id, name), by=me).to_json()
