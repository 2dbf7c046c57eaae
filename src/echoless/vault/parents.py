"""A child profile's parents (PRIVACY_MODEL §4): the adults (or owners) named when the profile is made.
Only they review and delete the child's history and settings.

The parents' member ids are kept in the child's member settings (`parents`). When none are named, the
member who makes the profile (an owner) is its parent. A profile made without the list (by the operator's
command line without --parent, or before parents existed) — or whose parents have all been removed —
falls back to the household's owners, so a child profile is never left without a parent."""

from __future__ import annotations

from collections.abc import Sequence

from echoless.errors import BadRequest, ErrorCode, NotFound
from echoless.terms import Role
from echoless.vault import accounts
from echoless.vault.instance import Vault
from echoless.vault.models import Member

PARENTS = "parents"  # the key in a child's member settings: a list of member ids


def named(member: Member) -> list[str]:
    """The ids stored as the child's parents (empty: the household's owners stand in)."""
    value = (member.settings or {}).get(PARENTS)
    return [str(v) for v in value] if isinstance(value, list) else []


def is_parent(actor: Member, child: Member) -> bool:
    if child.role != Role.CHILD or actor.role == Role.CHILD or child.household_id != actor.household_id:
        return False
    ids = named(child)
    return actor.id in ids if ids else actor.role == Role.OWNER


def parents_of(vault: Vault, child: Member) -> list[Member]:
    everyone = accounts.members(vault, child.household_id)
    return [m for m in everyone if is_parent(m, child)]


def resolve(vault: Vault, household_id: str, names: Sequence[str], default: Member | None) -> list[str]:
    """Member ids of the parents named (names or ids of adults or owners); `default` when none is named."""
    wanted = [n.strip() for n in names if n and n.strip()]
    if not wanted:
        if default is None:
            return []
        wanted = [default.id]
    ids: list[str] = []
    for name in wanted:
        try:
            parent = accounts.find_member(vault, household_id, name)
        except NotFound as exc:
            raise BadRequest(f"no member {name!r} to be a parent", code=ErrorCode.INVALID_PARENT) from exc
        if parent.role == Role.CHILD:
            raise BadRequest(f"{parent.name!r} is a child profile and cannot be a parent", code=ErrorCode.INVALID_PARENT)
        if parent.id not in ids:
            ids.append(parent.id)
    return ids


def add_child(vault: Vault, household_id: str, name: str, parent_names: Sequence[str] = (), *,
              made_by: Member | None = None) -> tuple[Member, str]:
    """A child profile with its parents: those named, else `made_by` (else the household's owners)."""
    ids = resolve(vault, household_id, parent_names, made_by)
    child, token = accounts.add_member(vault, household_id, name, Role.CHILD)
    if ids:
        child = accounts.update_member_settings(vault, child.id, {**child.settings, PARENTS: ids})
    return child, token


def check_no_parents_for(role: str, parent_names: Sequence[str]) -> None:
    if role != Role.CHILD and any(n and n.strip() for n in parent_names):
        raise BadRequest("only a child profile has parents", code=ErrorCode.INVALID_PARENT)


def forget(vault: Vault, removed: Member) -> None:
    """A removed member is no longer anyone's parent (a child left with none falls back to the owners)."""
    for child in accounts.members(vault, removed.household_id):
        ids = named(child)
        if child.role == Role.CHILD and removed.id in ids:
            accounts.update_member_settings(vault, child.id, {**child.settings, PARENTS: [i for i in ids if i != removed.id]})
