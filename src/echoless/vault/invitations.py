"""Invitations (PRIVACY_MODEL §4): how an adult gets into the Privacy Hub without anyone else choosing
their password. The owner (or the operator) is handed a random code once; the invited member opens
`/invite/{code}` and sets their own password. A code is single use, expires after
`ECHOLESS_INVITATION_HOURS`, and is kept only as a SHA-256 hash, in the tokens table with kind `invite`
(never accepted as a bearer token). A new invitation replaces any earlier one of that member."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from echoless.errors import Conflict, ErrorCode, NotFound
from echoless.terms import Role
from echoless.vault import accounts, audit
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Member, Token, WebSession

KIND = "invite"
PREFIX = "eli_"
PATH = "/invite/"


class InvalidInvitation(NotFound):
    code = ErrorCode.INVALID_INVITATION

    def __init__(self) -> None:
        super().__init__("this invitation cannot be used: it was used already, has expired or was replaced; ask for a new one")


@dataclass(frozen=True)
class Invitation:
    """Shown once to whoever hands it over; only its hash is kept."""

    code: str
    member: Member
    expires_at: datetime

    @property
    def path(self) -> str:
        return PATH + self.code

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "path": self.path, "member": self.member.name, "expires_at": self.expires_at.isoformat()}


def _lifetime(vault: Vault) -> timedelta:
    return timedelta(hours=vault.settings.invitation_hours)


def check_invitable(member: Member) -> None:
    if member.role == Role.CHILD:
        raise Conflict("a child profile does not sign in on its own; its parents review its history",
                       code=ErrorCode.CHILD_NO_SIGN_IN)


def issue_in(session: Session, vault: Vault, member: Member) -> Invitation:
    """A new invitation inside the caller's write transaction; earlier open ones of the member are revoked."""
    now = utcnow()
    session.execute(update(Token).where(Token.subject_id == member.id, Token.kind == KIND, Token.revoked_at.is_(None))
                    .values(revoked_at=now))
    code = PREFIX + secrets.token_urlsafe(24)
    session.add(Token(hash=accounts.hash_token(code), kind=KIND, subject_id=member.id, created_at=now))
    audit.append_in(session, audit.INVITATION_ISSUED, subject=member.id)
    return Invitation(code, member, now + _lifetime(vault))


def issue(vault: Vault, member: Member) -> Invitation:
    """An invitation for a member who has no password yet (one who has one is *reset*: vault/credentials)."""
    check_invitable(member)
    with vault.data.write() as session:
        current = session.get(Member, member.id)
        if current is None:
            raise accounts.UnknownMember("no such member")
        if current.password_hash:
            raise Conflict(f"{current.name} already has a password; reset their access instead",
                           code=ErrorCode.MEMBER_HAS_PASSWORD)
        return issue_in(session, vault, current)


def _open_row(session: Session, vault: Vault, code: str) -> Token:
    row = session.get(Token, accounts.hash_token(code)) if code and len(code) <= 200 else None
    if row is None or row.kind != KIND or row.revoked_at is not None or row.created_at + _lifetime(vault) <= utcnow():
        raise InvalidInvitation()
    return row


def member_of(vault: Vault, code: str) -> Member:
    """Whom an open invitation is for (InvalidInvitation when it is used, expired, replaced or unknown)."""
    with vault.data.read() as session:
        member = session.get(Member, _open_row(session, vault, code).subject_id)
    if member is None:
        raise InvalidInvitation()
    return member


def redeem(vault: Vault, code: str, password: str) -> Member:
    """Set the invited member's own password; the invitation is used up in the same transaction."""
    hashed = accounts.hash_password(password)  # slow: before the write transaction
    with vault.data.write() as session:
        row = _open_row(session, vault, code)
        used = session.execute(update(Token).where(Token.hash == row.hash, Token.revoked_at.is_(None)).values(revoked_at=utcnow()))
        member = session.get(Member, row.subject_id)
        if used.rowcount != 1 or member is None:  # another redemption won the race
            raise InvalidInvitation()
        member.password_hash = hashed
        session.execute(delete(WebSession).where(WebSession.member_id == member.id))  # a new password ends older sign-ins
        audit.append_in(session, audit.INVITATION_REDEEMED, subject=member.id)
    return member


def pending(vault: Vault, household_id: str) -> dict[str, datetime]:
    """member id → when their open invitation expires, for the household page."""
    ids = [m.id for m in accounts.members(vault, household_id)]
    with vault.data.read() as session:
        rows = list(session.scalars(select(Token).where(Token.subject_id.in_(ids), Token.kind == KIND, Token.revoked_at.is_(None))))
    now = utcnow()
    return {r.subject_id: r.created_at + _lifetime(vault) for r in rows if r.created_at + _lifetime(vault) > now}
