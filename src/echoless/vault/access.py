"""Who may see what (PRIVACY_MODEL §4), in one place for the API and the pages.

A member reads and deletes their own history. A child profile's parents (vault/parents.py) may also
review and delete that child's history — and nobody else's: asking for another adult's history, or for a
child one is not a parent of, answers exactly like asking for a member that does not exist. A shared
device's history is read and deleted by the owner and the adults the device lists (vault/devices.py)."""

from __future__ import annotations

from echoless.errors import ErrorCode, NotFound
from echoless.terms import Role
from echoless.vault import accounts, devices, parents
from echoless.vault.instance import Vault
from echoless.vault.models import Member


class NoSuchHistory(NotFound):
    code = ErrorCode.NOT_FOUND


def may_manage_history(actor: Member, subject: Member) -> bool:
    if actor.id == subject.id:
        return True
    return parents.is_parent(actor, subject)


def history_subject(vault: Vault, actor: Member, member: str | None, *, shared: bool = False) -> Member:
    """The member whose history `actor` acts on: themselves, or the child profile named by `member`; with
    `shared` (reading and deleting history), also a shared device's history the actor may see (its device's
    name: the owner and the adults listed on it, vault/devices.py)."""
    if not member or member in (actor.id, actor.name):
        return accounts.get_member(vault, actor.id)
    try:
        subject = accounts.find_member(vault, actor.household_id, member)
    except NotFound:
        subject = devices.find_shared(vault, actor.household_id, member) if shared else None
    if subject is not None and subject.role == Role.SHARED:
        if devices.may_see(vault, actor, subject):
            return subject
        subject = None
    if subject is None or not may_manage_history(actor, subject):
        raise NoSuchHistory("no such member")
    return subject


def readable_members(vault: Vault, actor: Member) -> list[Member]:
    """The actor first, then the child profiles the actor is a parent of."""
    everyone = accounts.members(vault, actor.household_id)
    return [m for m in everyone if m.id == actor.id] + [m for m in everyone if m.id != actor.id and may_manage_history(actor, m)]
