"""Who may see what (PRIVACY_MODEL §4), in one place for the API and the pages.

A member reads and deletes their own history. A child profile's parents (vault/parents.py) may also
review and delete that child's history — and nobody else's: asking for another adult's history, or for a
child one is not a parent of, answers exactly like asking for a member that does not exist."""

from __future__ import annotations

from echoless.errors import ErrorCode, NotFound
from echoless.vault import accounts, parents
from echoless.vault.instance import Vault
from echoless.vault.models import Member


class NoSuchHistory(NotFound):
    code = ErrorCode.NOT_FOUND


def may_manage_history(actor: Member, subject: Member) -> bool:
    if actor.id == subject.id:
        return True
    return parents.is_parent(actor, subject)


def history_subject(vault: Vault, actor: Member, member: str | None) -> Member:
    """The member whose history `actor` acts on: themselves, or the child profile named by `member`."""
    if not member or member in (actor.id, actor.name):
        return accounts.get_member(vault, actor.id)
    try:
        subject = accounts.find_member(vault, actor.household_id, member)
    except NotFound:
        subject = None
    if subject is None or not may_manage_history(actor, subject):
        raise NoSuchHistory("no such member")
    return subject


def readable_members(vault: Vault, actor: Member) -> list[Member]:
    """The actor first, then the child profiles the actor is a parent of."""
    everyone = accounts.members(vault, actor.household_id)
    return [m for m in everyone if m.id == actor.id] + [m for m in everyone if m.id != actor.id and may_manage_history(actor, m)]
