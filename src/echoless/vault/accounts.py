"""Households, members, devices and their tokens. Tokens are shown once and stored as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from echoless.errors import BadRequest, Conflict, NotFound, Unauthorized
from echoless.privacy.retention import DEFAULTS
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Device, Household, Member, Token

ROLES = ("owner", "adult", "child")
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
    code = "unknown-member"
    status = 422


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise BadRequest("a name must have 1 to 200 characters", code="invalid-name")
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


def add_member(vault: Vault, household_id: str, name: str, role: str = "adult") -> tuple[Member, str]:
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}", code="invalid-role")
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
    except IntegrityError as exc:
        vault.keyring.destroy_owner_keys([member.key_id])
        raise Conflict(f"a member named {name!r} already exists", code="member-exists") from exc
    return member, token


def add_device(vault: Vault, household_id: str, name: str) -> tuple[Device, str]:
    device = Device(id=new_id(), household_id=household_id, name=_check_name(name), created_at=utcnow())
    try:
        with vault.data.write() as session:
            session.add(device)
            session.flush()
            token = _issue_token(session, "device", device.id)
    except IntegrityError as exc:
        raise Conflict(f"a device named {name!r} already exists", code="device-exists") from exc
    return device, token


def new_member_token(vault: Vault, member_id: str) -> str:
    with vault.data.write() as session:
        return _issue_token(session, "member", member_id)


def authenticate(vault: Vault, token: str | None) -> Principal:
    if not token:
        raise Unauthorized("a bearer token is required")
    with vault.data.read() as session:
        row = session.get(Token, hash_token(token))
        if row is None or row.revoked_at is not None:
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
        return list(session.scalars(select(Member).where(Member.household_id == household_id).order_by(Member.created_at)))


def devices(vault: Vault, household_id: str) -> list[Device]:
    with vault.data.read() as session:
        return list(session.scalars(select(Device).where(Device.household_id == household_id).order_by(Device.created_at)))


def find_member(vault: Vault, household_id: str, name_or_id: str) -> Member:
    with vault.data.read() as session:
        found = session.scalars(
            select(Member).where(
                Member.household_id == household_id, (Member.name == name_or_id) | (Member.id == name_or_id)
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
        raise NotFound(f"no device {name_or_id!r} in this household", code="unknown-device")
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
