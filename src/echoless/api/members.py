"""/v1/household/members (the owner): add members — an adult or owner with a one-time invitation, never a
password or a token; a child profile with its parents — issue a new invitation, reset an adult's access."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from echoless.api.deps import MemberDep, VaultDep
from echoless.api.fields import Name
from echoless.api.responses import raises
from echoless.errors import ErrorCode, Forbidden
from echoless.terms import Role
from echoless.vault import accounts, credentials, invitations, parents
from echoless.vault.instance import Vault
from echoless.vault.models import Member

router = APIRouter(prefix="/v1/household/members", tags=["household"])
NamePath = Annotated[str, Path(max_length=200, description="The member's name or id.")]


class NewAdult(BaseModel):
    model_config = ConfigDict(extra="forbid")  # no `password`, no `token`: the member sets their own

    name: Name
    role: Literal["owner", "adult"] = Field("adult", description="owner or adult: invited, sets their own password.")


class NewChild(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    role: Literal["child"] = Field(description="A child profile: no sign-in of its own; its parents manage it.")
    parents: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=20,
        description="The child profile's parents (names or ids of adults or owners); default: me.",
    )


def _role(value: Any) -> str:
    role = value.get("role", "adult") if isinstance(value, dict) else getattr(value, "role", "adult")
    return "child" if role == Role.CHILD else "adult"


# Only a child profile has parents: the schema says so (one shape per role) rather than a 400 after the fact.
NewMember = Annotated[Annotated[NewAdult, Tag("adult")] | Annotated[NewChild, Tag("child")], Discriminator(_role)]


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


@router.get("", responses=raises(ErrorCode.OWNER_ONLY), summary="The household's members (owner)")
def list_members(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    me = _owner(member)
    open_invitations = invitations.pending(vault, me.household_id)
    return {"members": [member_json(vault, m, open_invitations) for m in accounts.members(vault, me.household_id)]}


@router.post("", status_code=201, responses=raises(ErrorCode.OWNER_ONLY, ErrorCode.INVALID_NAME, ErrorCode.MEMBER_EXISTS, ErrorCode.INVALID_PARENT),
             summary="Add a member (owner): an adult or owner gets a one-time invitation, a child profile its parents")
def add_member(vault: VaultDep, member: MemberDep, new: NewMember) -> dict[str, Any]:
    me = _owner(member)
    if isinstance(new, NewChild):
        child, _token = parents.add_child(vault, me.household_id, new.name, new.parents, made_by=me)
        accounts.revoke_tokens_of(vault, child.id)  # the owner holds no key to anyone's history
        return member_json(vault, child, {})
    added, _token = accounts.add_member(vault, me.household_id, new.name, new.role)
    accounts.revoke_tokens_of(vault, added.id)
    invitation = invitations.issue(vault, added)
    return {**member_json(vault, added, {added.id: invitation.expires_at}), "invitation": invitation.to_json()}


@router.post("/{name}/invitation", status_code=201, responses=raises(ErrorCode.OWNER_ONLY, ErrorCode.UNKNOWN_MEMBER, ErrorCode.CHILD_NO_SIGN_IN, ErrorCode.MEMBER_HAS_PASSWORD),
             summary="A new invitation for a member who has no password yet (owner)")
def new_invitation(vault: VaultDep, member: MemberDep, name: NamePath) -> dict[str, Any]:
    me = _owner(member)
    return invitations.issue(vault, accounts.find_member(vault, me.household_id, name)).to_json()


@router.post("/{name}/reset", status_code=201, responses=raises(ErrorCode.OWNER_ONLY, ErrorCode.UNKNOWN_MEMBER, ErrorCode.RESET_SELF, ErrorCode.CHILD_NO_SIGN_IN),
             summary="Reset an adult's access (owner): ends their sign-ins, revokes their tokens and password, "
             "returns a new invitation; recorded in the audit log and shown to them until they acknowledge it")
def reset_access(vault: VaultDep, member: MemberDep, name: NamePath) -> dict[str, Any]:
    me = _owner(member)
    return credentials.reset(vault, accounts.find_member(vault, me.household_id, name), by=me).to_json()
