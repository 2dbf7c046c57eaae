"""Households, members, devices and their tokens. Tokens are shown once and stored as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from echoless.terms import ROLES, Role
from echoless.errors import BadRequest, Conflict, ErrorCode, NotFound, Unauthorized
from echoless.vault import audit
from echoless.vault.retention import DEFAULTS
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Device, Household, Member, Token, WebSession

TOKEN_PREFIX = {"member": "elm_", "device": "eld_"}


def new_id() -> str:
    return secrets.token_hex(16)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: a member (reads and deletes their own history) or a device (submits only)."""

    kind: str
    household_id: str
    member: Member | None = None
    device: Device | None = None


class UnknownMember(NotFound):
    code = ErrorCode.UNKNOWN_MEMBER


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise BadRequest("a name must have 1 to 200 characters", code=ErrorCode.INVALID_NAME)
    return name


def create_household(vault: Vault, name: str = "Home") -> Household:
    household = Household(id=new_id(), name=_check_name(name), created_at=utcnow())
    vault.keyring.create_owner_key(household.id, household.id)  # wraps the household's home state
    with vault.data.write() as session:
        session.add(household)
    return household


def _issue_token(session: object, kind: str, subject_id: str) -> str:
    token = TOKEN_PREFIX[kind] + secrets.token_urlsafe(32)
    session.add(Token(hash=hash_token(token), kind=kind, subject_id=subject_id, created_at=utcnow()))  # type: ignore[attr-defined]
    return token


def add_member(vault: Vault, household_id: str, name: str, role: str = Role.ADULT) -> tuple[Member, str]:
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}", code=ErrorCode.INVALID_ROLE)
    member = Member(
        id=new_id(),
        household_id=household_id,
        name=_check_name(name),
        role=role,
        key_id=new_id(),
        settings={"retention": dict(DEFAULTS)},
        created_at=utcnow(),
    )
    vault.keyring.create_owner_key(member.id, member.key_id)
    try:
        with vault.data.write() as session:
            session.add(member)
            session.flush()
            token = _issue_token(session, "member", member.id)
            audit.append_in(session, audit.MEMBER_ADDED, subject=member.id)
    except IntegrityError as exc:
        vault.keyring.destroy_owner_keys([member.key_id])
        raise Conflict(f"a member named {name!r} already exists", code=ErrorCode.MEMBER_EXISTS) from exc
    return member, token


check_name = _check_name  # devices are added by vault/devices.py (personal or shared)


def new_member_token(vault: Vault, member_id: str) -> str:
    with vault.data.write() as session:
        return _issue_token(session, "member", member_id)


def authenticate(vault: Vault, token: str | None) -> Principal:
    if not token:
        raise Unauthorized("a bearer token is required")
    with vault.data.read() as session:
        row = session.get(Token, hash_token(token))
        if row is None or row.revoked_at is not None or row.kind not in TOKEN_PREFIX:  # an invitation is no token
            raise Unauthorized("the token is not valid")
        if row.kind == "member":
            member = session.get(Member, row.subject_id)
            if member is None:
                raise Unauthorized("the token is not valid")
            return Principal(kind="member", household_id=member.household_id, member=member)
        device = session.get(Device, row.subject_id)
        if device is None or device.revoked_at is not None:
            raise Unauthorized("the token is not valid")
        return Principal(kind="device", household_id=device.household_id, device=device)


def households(vault: Vault) -> list[Household]:
    with vault.data.read() as session:
        return list(session.scalars(select(Household).order_by(Household.created_at)))


def default_household(vault: Vault) -> Household:
    found = households(vault)
    if not found:
        raise NotFound("no household yet; run `echoless init`")
    return found[0]


def members(vault: Vault, household_id: str) -> list[Member]:
    with vault.data.read() as session:
        # A shared device's history has a member row of its own (vault/devices.py): never listed as a member.
        return list(session.scalars(select(Member).where(
            Member.household_id == household_id, Member.role != Role.SHARED).order_by(Member.created_at)))


def devices(vault: Vault, household_id: str) -> list[Device]:
    with vault.data.read() as session:
        return list(session.scalars(select(Device).where(Device.household_id == household_id).order_by(Device.created_at)))


def find_member(vault: Vault, household_id: str, name_or_id: str) -> Member:
    with vault.data.read() as session:
        found = session.scalars(
            select(Member).where(
                Member.household_id == household_id, (Member.name == name_or_id) | (Member.id == name_or_id),
                Member.role != Role.SHARED,  # a shared history is found by vault/devices.py only
            )
        ).first()
    if found is None:
        raise UnknownMember(f"no member {name_or_id!r} in this household")
    return found


def find_device(vault: Vault, household_id: str, name_or_id: str) -> Device:
    with vault.data.read() as session:
        found = session.scalars(
            select(Device).where(
                Device.household_id == household_id, (Device.name == name_or_id) | (Device.id == name_or_id)
            )
        ).first()
    if found is None:
        raise NotFound(f"no device {name_or_id!r} in this household", code=ErrorCode.UNKNOWN_DEVICE)
    return found


def get_member(vault: Vault, member_id: str) -> Member:
    with vault.data.read() as session:
        member = session.get(Member, member_id)
    if member is None:
        raise UnknownMember("no such member")
    return member


def update_member_settings(vault: Vault, member_id: str, settings: dict) -> Member:
    with vault.data.write() as session:
        member = session.get(Member, member_id)
        if member is None:
            raise UnknownMember("no such member")
        member.settings = settings
    return member


# Passwords -------------------------------------------------------------------------------------
MIN_PASSWORD = 8
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# Verified against when no such member exists, so that an unknown name costs the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    """The argon2id hash of an acceptable password (WEAK_PASSWORD otherwise)."""
    if len(password) < MIN_PASSWORD or len(password) > 1024:
        raise BadRequest(f"a password must have at least {MIN_PASSWORD} characters", code=ErrorCode.WEAK_PASSWORD)
    return _hasher.hash(password)


def set_password(vault: Vault, member_id: str, password: str) -> None:
    hashed = hash_password(password)
    with vault.data.write() as session:
        member = session.get(Member, member_id)
        if member is None:
            raise UnknownMember("no such member")
        member.password_hash = hashed


def check_password(vault: Vault, household_id: str, name: str, password: str) -> Member | None:
    """The member when the name and password match, else None (in about the same time either way)."""
    with vault.data.read() as session:
        member = session.scalars(select(Member).where(Member.household_id == household_id, Member.name == name.strip())).first()
    stored = member.password_hash if member is not None and member.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if member is None or not member.password_hash:
        return None
    if _hasher.check_needs_rehash(stored):
        set_password(vault, member.id, password)
    return member


# Tokens: listed by a short public id (the start of the hash); revoked, never shown again ---------
@dataclass(frozen=True)
class TokenInfo:
    id: str
    kind: str
    subject_id: str
    subject_name: str
    created_at: object
    revoked_at: object

    def to_json(self) -> dict:
        return {
            "id": self.id, "kind": self.kind, "subject": self.subject_name, "subject_id": self.subject_id,
            "created_at": self.created_at.isoformat(),  # type: ignore[attr-defined]
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,  # type: ignore[attr-defined]
        }


TOKEN_ID_LENGTH = 12


def tokens(vault: Vault, household_id: str, subject_id: str | None = None) -> list[TokenInfo]:
    names = {m.id: m.name for m in members(vault, household_id)} | {d.id: d.name for d in devices(vault, household_id)}
    wanted = [subject_id] if subject_id else list(names)
    with vault.data.read() as session:
        rows = list(session.scalars(
            select(Token).where(Token.subject_id.in_(wanted), Token.kind.in_(tuple(TOKEN_PREFIX))).order_by(Token.created_at)
        ))  # invitations (vault/invitations.py) share the table but are no tokens
    return [
        TokenInfo(r.hash[:TOKEN_ID_LENGTH], r.kind, r.subject_id, names.get(r.subject_id, "?"), r.created_at, r.revoked_at)
        for r in rows
    ]


def revoke_token(vault: Vault, household_id: str, token_id: str, subject_id: str | None = None) -> TokenInfo:
    """Revoke one token of the household (of one subject, when given) by its public id."""
    found = find_token(vault, household_id, token_id, subject_id)
    with vault.data.write() as session:
        revoke_in(session, found)
    return next(t for t in tokens(vault, household_id, found.subject_id) if t.id == found.id)


def find_token(vault: Vault, household_id: str, token_id: str, subject_id: str | None = None) -> TokenInfo:
    found = [t for t in tokens(vault, household_id, subject_id) if token_id and t.id == token_id.strip()]
    if not found:
        raise NotFound("no such token", code=ErrorCode.UNKNOWN_TOKEN)
    return found[0]


def revoke_in(session: object, token: TokenInfo) -> None:
    """Revoke the token inside an open write transaction of `vault.data.write()`."""
    session.execute(update(Token).where(Token.hash.startswith(token.id), Token.subject_id == token.subject_id,  # type: ignore[attr-defined]
                                        Token.revoked_at.is_(None)).values(revoked_at=utcnow()))


def revoke_tokens_of(vault: Vault, subject_id: str) -> int:
    with vault.data.write() as session:
        return session.execute(
            update(Token).where(Token.subject_id == subject_id, Token.revoked_at.is_(None)).values(revoked_at=utcnow())
        ).rowcount


def new_device_token(vault: Vault, device_id: str) -> str:
    with vault.data.write() as session:
        device = session.get(Device, device_id)
        if device is None or device.revoked_at is not None:
            raise NotFound("no such device", code=ErrorCode.UNKNOWN_DEVICE)
        return _issue_token(session, "device", device_id)


# Removal ---------------------------------------------------------------------------------------
def removable_member(vault: Vault, household_id: str, name_or_id: str) -> Member:
    """The member to remove, once it is clear the household keeps an owner."""
    member = find_member(vault, household_id, name_or_id)
    if member.role == Role.OWNER and sum(m.role == Role.OWNER for m in members(vault, household_id)) == 1:
        raise Conflict("the household's only owner cannot be removed; make another member owner first", code=ErrorCode.LAST_OWNER)
    return member


def drop_member(vault: Vault, member: Member) -> None:
    """The member's sign-ins, tokens, row and keys; their history is already deleted (echoless.root)."""
    with vault.data.write() as session:
        session.execute(delete(WebSession).where(WebSession.member_id == member.id))
        session.execute(delete(Token).where(Token.subject_id == member.id))
        session.execute(delete(Member).where(Member.id == member.id))
    vault.keyring.destroy_owner_keys(vault.keyring.owner_key_ids(member.id))
