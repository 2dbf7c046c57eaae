"""A member's own sign-in (PRIVACY_MODEL §4): changing one's password, the owner's reset of an adult's
access, and showing that reset to the adult.

A reset ends the adult's sign-ins, revokes their tokens and their password, and gives the owner a new
invitation to hand over. The owner could redeem it themselves, so the guarantee is detection: the reset
is written to the audit log and kept in the adult's member settings (`access_resets`) until the adult
acknowledges it; the Privacy Hub shows it on every page until then, and the adult's account page lists
every invitation, redemption, password change and reset of their sign-in from the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from echoless.errors import Conflict, ErrorCode, Forbidden, Unauthorized
from echoless.terms import Role
from echoless.vault import accounts, audit, invitations, sessions
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Member, Token, WebSession
from echoless.vault.records import AuditRow

RESETS = "access_resets"  # key in the member settings: ISO times of resets not yet acknowledged
EVENTS = {
    audit.MEMBER_ADDED: "Added to the household",
    audit.INVITATION_ISSUED: "Invitation issued",
    audit.INVITATION_REDEEMED: "Invitation used to set a password",
    audit.PASSWORD_CHANGED: "Password changed by you",
    audit.PASSWORD_SET_BY_OPERATOR: "Password set from the server's command line",
    audit.ACCESS_RESET: "Access reset by the household's owner",
    audit.ACCESS_RESET_ACKNOWLEDGED: "Reset acknowledged",
    audit.TOKEN_REVOKED_BY_OWNER: "API token revoked by the household's owner",
}


class WrongPassword(Forbidden):
    code = ErrorCode.WRONG_PASSWORD

    def __init__(self) -> None:
        super().__init__("the current password is not right")


@dataclass(frozen=True)
class AccessEvent:
    at: datetime
    kind: str

    @property
    def label(self) -> str:
        return EVENTS[self.kind]

    def to_json(self) -> dict[str, str]:
        return {"at": self.at.isoformat(), "kind": self.kind}


def change_password(vault: Vault, member: Member, current: str, new: str, *, address: str, keep_session: str | None = None) -> None:
    """The member's own change: the current password is checked (and throttled like a sign-in); every
    other sign-in of the member ends."""
    sessions.reserve(vault, member.household_id, member.name, address)
    checked = accounts.check_password(vault, member.household_id, member.name, current)
    if checked is None or checked.id != member.id:
        raise WrongPassword()
    sessions.succeeded(vault, member.household_id, member.name, address)
    hashed = accounts.hash_password(new)
    with vault.data.write() as session:
        row = session.get(Member, member.id)
        if row is None:
            raise Unauthorized("the session has ended; sign in again")
        row.password_hash = hashed
        others = delete(WebSession).where(WebSession.member_id == member.id)
        if keep_session:
            others = others.where(WebSession.id_hash != sessions.session_hash(keep_session))
        session.execute(others)
        audit.append_in(session, audit.PASSWORD_CHANGED, subject=member.id)


def operator_set_password(vault: Vault, member: Member, password: str) -> int:
    """`echoless members password` (the operator, on the server): sets it, ends sign-ins, voids invitations."""
    hashed = accounts.hash_password(password)
    with vault.data.write() as session:
        row = session.get(Member, member.id)
        if row is None:
            raise accounts.UnknownMember("no such member")
        row.password_hash = hashed
        session.execute(update(Token).where(Token.subject_id == member.id, Token.kind == invitations.KIND,
                                            Token.revoked_at.is_(None)).values(revoked_at=utcnow()))
        ended = session.execute(delete(WebSession).where(WebSession.member_id == member.id)).rowcount
        audit.append_in(session, audit.PASSWORD_SET_BY_OPERATOR, subject=member.id)
    return int(ended or 0)


def reset(vault: Vault, target: Member, *, by: Member | None) -> invitations.Invitation:
    """Reset an adult's (or another owner's) access: `by` is the owner doing it (None: the operator)."""
    if by is not None:
        if by.role != Role.OWNER:
            raise Forbidden("only the household's owner resets a member's access", code=ErrorCode.OWNER_ONLY)
        if by.id == target.id:
            raise Conflict("change your own password on your account page instead", code=ErrorCode.RESET_SELF)
    invitations.check_invitable(target)
    now = utcnow()
    with vault.data.write() as session:
        row = session.get(Member, target.id)
        if row is None or (by is not None and row.household_id != by.household_id):
            raise accounts.UnknownMember("no such member")
        session.execute(delete(WebSession).where(WebSession.member_id == row.id))
        session.execute(update(Token).where(Token.subject_id == row.id, Token.revoked_at.is_(None)).values(revoked_at=now))
        row.password_hash = None
        row.settings = {**(row.settings or {}), RESETS: [*pending_resets_raw(row), now.isoformat()]}
        audit.append_in(session, audit.ACCESS_RESET, subject=row.id)
        return invitations.issue_in(session, vault, row)


def revoke_token(vault: Vault, token_id: str, *, by: Member) -> accounts.TokenInfo:
    """The owner revokes a household token (the Household page). Revoking another member's token acts on
    their access like a reset does, so it is written to the audit log and listed in their access events."""
    if by.role != Role.OWNER:
        raise Forbidden("only the household's owner revokes another member's tokens", code=ErrorCode.OWNER_ONLY)
    token = accounts.find_token(vault, by.household_id, token_id)
    with vault.data.write() as session:
        accounts.revoke_in(session, token)
        if token.kind == "member" and token.subject_id != by.id:
            audit.append_in(session, audit.TOKEN_REVOKED_BY_OWNER, subject=token.subject_id)
    return next(t for t in accounts.tokens(vault, by.household_id, token.subject_id) if t.id == token.id)


def pending_resets_raw(member: Member) -> list[str]:
    value = (member.settings or {}).get(RESETS)
    return [str(v) for v in value] if isinstance(value, list) else []


def pending_resets(member: Member) -> list[datetime]:
    """Resets of the member's access they have not acknowledged yet, oldest first."""
    return [datetime.fromisoformat(v) for v in pending_resets_raw(member)]


def acknowledge(vault: Vault, member: Member) -> int:
    with vault.data.write() as session:
        row = session.get(Member, member.id)
        count = len(pending_resets_raw(row)) if row is not None else 0
        if row is None or not count:
            return 0
        row.settings = {k: v for k, v in row.settings.items() if k != RESETS}
        audit.append_in(session, audit.ACCESS_RESET_ACKNOWLEDGED, subject=row.id, counts={"resets": count})
    return count


def events(vault: Vault, member: Member) -> list[AccessEvent]:
    """Everything that happened to the member's sign-in, from the audit log, newest first."""
    with vault.data.read() as session:
        rows = session.execute(
            select(AuditRow.at, AuditRow.kind).where(AuditRow.subject == member.id, AuditRow.kind.in_(tuple(EVENTS)))
            .order_by(AuditRow.seq.desc())
        )
        return [AccessEvent(at, kind) for at, kind in rows]
