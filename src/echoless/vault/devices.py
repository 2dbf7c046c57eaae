"""Devices and whom they speak for (PRIVACY_MODEL §4).

A device is **personal** (it speaks for one member: every request it sends is that member's, and naming
anyone else is refused) or **shared** (a kitchen speaker: the owner lists the members it may speak for).
A shared device's request that names a listed member is that member's; one that names nobody, or anyone
else, goes to the device's **shared history**.

The shared history is the history of a hidden member row of role `shared`, one per shared device, with a
member key of its own: every store, deletion, receipt and sweep treats it like any member's history. That
row is never listed (accounts.members, find_member), has no password and never gets a token. The owner and
the adults listed on the device read and delete it (vault/access.py, through `member=` with the device's
name); it is kept under the strictest retention of the members the device serves (`retention_for`,
computed when an item is recorded and at every sweep), 30 days at most when a child is among them."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from echoless.errors import BadRequest, Conflict, ErrorCode, Forbidden, NotFound, Unauthorized
from echoless.terms import DEVICE_KINDS, DeviceKind, Role
from echoless.vault import accounts, audit, retention, satellites
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Device, Member, Token

_LOGGER = logging.getLogger(__name__)
SHARED_SUFFIX = " (shared)"
MAX_LISTED = 100


class PersonalDevice(Forbidden):
    code = ErrorCode.PERSONAL_DEVICE


def shared_name(device_name: str) -> str:
    """The name of a shared device's history (its hidden member), as `member=` and the pages show it."""
    return device_name[: 200 - len(SHARED_SUFFIX)] + SHARED_SUFFIX


@dataclass(frozen=True)
class DeviceInfo:
    """A device with whom it speaks for, by name."""

    device: Device
    member: str | None  # personal: the member's name
    members: list[str]  # shared: the listed members' names
    history: str | None  # shared: the name of its shared history (`member=` on the API and the pages)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.device.id, "name": self.device.name, "kind": self.device.kind, "member": self.member,
            "members": self.members, "shared_history": self.history, "area": self.device.area,
            "created_at": self.device.created_at.isoformat(),
        }


# Adding, listing, changing, removing -------------------------------------------------------------
def _kind(kind: str) -> DeviceKind:
    if kind not in DEVICE_KINDS:
        raise BadRequest(f"a device is {' or '.join(DEVICE_KINDS)}", code=ErrorCode.INVALID_DEVICE_KIND)
    return DeviceKind(kind)


def _member_ids(vault: Vault, household_id: str, names: Iterable[str]) -> list[str]:
    ids: list[str] = []
    for name in names:
        found = accounts.find_member(vault, household_id, name.strip())
        if found.id not in ids:
            ids.append(found.id)
    if len(ids) > MAX_LISTED:
        raise BadRequest(f"a shared device lists at most {MAX_LISTED} members", code=ErrorCode.TOO_MANY_ITEMS)
    return ids


def add(
    vault: Vault, household_id: str, name: str, *, kind: str = DeviceKind.SHARED, member: str | None = None,
    members: Iterable[str] = (),
) -> tuple[Device, str]:
    """A personal device for `member`, or a shared one that may speak for `members` (names or ids); its token."""
    kind = _kind(kind)
    name = accounts.check_name(name)
    members = list(members)
    if kind == DeviceKind.PERSONAL:
        if not member or members:
            raise BadRequest("a personal device names exactly one member (and lists no others)", code=ErrorCode.INVALID_DEVICE_KIND)
        speaks_for, listed, hidden = accounts.find_member(vault, household_id, member).id, [], None
    else:
        if member:
            raise BadRequest("a shared device lists the members it may speak for, not one member", code=ErrorCode.INVALID_DEVICE_KIND)
        listed = _member_ids(vault, household_id, members)
        hidden = _new_shared_member(vault, household_id, name)
        speaks_for = hidden.id
    device = Device(id=accounts.new_id(), household_id=household_id, name=name, created_at=utcnow(), kind=kind,
                    member_id=speaks_for, members=listed)
    try:
        with vault.data.write() as session:
            if hidden is not None:
                session.add(hidden)
            session.add(device)
            session.flush()
            token = _issue_token(session, device.id)
            audit.append_in(session, audit.DEVICE_ADDED, subject=device.id)
    except IntegrityError as exc:
        if hidden is not None:
            vault.keyring.destroy_owner_keys([hidden.key_id])
        raise Conflict(f"a device named {name!r} (or a member named {shared_name(name)!r}) already exists",
                       code=ErrorCode.DEVICE_EXISTS) from exc
    return device, token


def _issue_token(session: Any, device_id: str) -> str:
    token = accounts.TOKEN_PREFIX["device"] + secrets.token_urlsafe(32)
    session.add(Token(hash=accounts.hash_token(token), kind="device", subject_id=device_id, created_at=utcnow()))
    return token


def _new_shared_member(vault: Vault, household_id: str, device_name: str) -> Member:
    """The hidden member of a shared device's history, with its key already in the keyring (not yet its row)."""
    hidden = Member(id=accounts.new_id(), household_id=household_id, name=shared_name(device_name), role=Role.SHARED,
                    key_id=accounts.new_id(), settings={}, created_at=utcnow())
    vault.keyring.create_owner_key(hidden.id, hidden.key_id)
    return hidden


def describe(vault: Vault, household_id: str) -> list[DeviceInfo]:
    with vault.data.read() as session:
        names = {m.id: m.name for m in session.scalars(select(Member).where(Member.household_id == household_id))}
    return [_info(device, names) for device in accounts.devices(vault, household_id)]


def _info(device: Device, names: dict[str, str]) -> DeviceInfo:
    if device.kind == DeviceKind.PERSONAL:
        return DeviceInfo(device, names.get(device.member_id or ""), [], None)
    listed = [names[i] for i in (device.members or []) if i in names]
    return DeviceInfo(device, None, listed, names.get(device.member_id or "") or shared_name(device.name))


def info(vault: Vault, household_id: str, name_or_id: str) -> DeviceInfo:
    wanted = accounts.find_device(vault, household_id, name_or_id).id
    return next(i for i in describe(vault, household_id) if i.device.id == wanted)


def change_members(
    vault: Vault, household_id: str, name_or_id: str, *, add: Iterable[str] = (), remove: Iterable[str] = (),
    replace: Iterable[str] | None = None,
) -> DeviceInfo:
    """Change whom a shared device may speak for: add and remove members, or `replace` the whole list."""
    device = accounts.find_device(vault, household_id, name_or_id)
    if device.kind != DeviceKind.SHARED:
        raise BadRequest("only a shared device lists members; a personal device speaks for its one member",
                         code=ErrorCode.INVALID_DEVICE_KIND)
    adding, removing = _member_ids(vault, household_id, add), _member_ids(vault, household_id, remove)
    wanted = _member_ids(vault, household_id, replace) if replace is not None else None
    with vault.data.write() as session:
        row = session.get(Device, device.id)
        if row is None:
            raise NotFound("no such device", code=ErrorCode.UNKNOWN_DEVICE)
        listed = wanted if wanted is not None else list(row.members or [])
        listed = [i for i in listed if i not in removing] + [i for i in adding if i not in listed]
        if len(listed) > MAX_LISTED:
            raise BadRequest(f"a shared device lists at most {MAX_LISTED} members", code=ErrorCode.TOO_MANY_ITEMS)
        row.members = listed
        audit.append_in(session, audit.DEVICE_CHANGED, subject=device.id)
    return info(vault, household_id, device.id)


def place(vault: Vault, household_id: str, name_or_id: str, area: str | None) -> DeviceInfo:
    """Say where a device stands (an area's name, as the home calls it), or None: "lights on in here"."""
    device = accounts.find_device(vault, household_id, name_or_id)
    area = " ".join(area.split()) if area else None
    if area is not None and len(area) > 200:
        raise BadRequest("an area's name is at most 200 characters", code=ErrorCode.INVALID_NAME)
    with vault.data.write() as session:
        row = session.get(Device, device.id)
        if row is None:
            raise NotFound("no such device", code=ErrorCode.UNKNOWN_DEVICE)
        row.area = area
        audit.append_in(session, audit.DEVICE_CHANGED, subject=device.id)
    return info(vault, household_id, device.id)


def shared_member(vault: Vault, device: Device) -> Member | None:
    """The hidden member holding a shared device's history (None for a personal device)."""
    if device.kind != DeviceKind.SHARED or not device.member_id:
        return None
    with vault.data.read() as session:
        return session.get(Member, device.member_id)


def drop(vault: Vault, device: Device) -> None:
    """The device's row and tokens (its shared history is deleted before: echoless.root)."""
    with vault.data.write() as session:
        satellites.forget_device(session, device.id)
        session.execute(delete(Token).where(Token.subject_id == device.id))
        session.execute(delete(Device).where(Device.id == device.id))
        audit.append_in(session, audit.DEVICE_REMOVED, subject=device.id)


def forget_member(vault: Vault, member: Member) -> list[Device]:
    """A member is removed: no shared device lists them any more, and their personal devices go (returned)."""
    gone: list[Device] = []
    with vault.data.write() as session:
        for device in session.scalars(select(Device).where(Device.household_id == member.household_id)):
            if device.kind == DeviceKind.PERSONAL and device.member_id == member.id:
                gone.append(device)
            elif member.id in (device.members or []):
                device.members = [i for i in device.members if i != member.id]
        for device in gone:
            satellites.forget_device(session, device.id)
            session.execute(delete(Token).where(Token.subject_id == device.id))
            session.execute(delete(Device).where(Device.id == device.id))
            audit.append_in(session, audit.DEVICE_REMOVED, subject=device.id)
    return gone


def upgrade(vault: Vault) -> int:
    """Shared devices without a shared history yet (made before devices had one) get it: run at open."""
    with vault.data.read() as session:
        missing = list(session.scalars(select(Device).where(Device.kind == DeviceKind.SHARED, Device.member_id.is_(None))))
    made = 0
    for device in missing:
        hidden = _new_shared_member(vault, device.household_id, device.name)
        try:
            with vault.data.write() as session:
                row = session.get(Device, device.id)
                if row is None or row.member_id is not None:  # another process was first
                    raise _Taken()
                session.add(hidden)
                session.flush()
                row.member_id = hidden.id
            made += 1
        except (_Taken, IntegrityError):
            vault.keyring.destroy_owner_keys([hidden.key_id])
    return made


class _Taken(Exception):
    pass


# Whom a request speaks for --------------------------------------------------------------------------
def speaker(vault: Vault, device: Device, named: str | None) -> Member:
    """The member a device's request belongs to: a personal device's member (naming another is refused); on a
    shared device the member named when it may speak for them, else the device's shared history."""
    named = (named or "").strip() or None
    if device.kind == DeviceKind.PERSONAL:
        member = _member(vault, device.member_id)
        if member is None:
            raise Unauthorized("the token is not valid")
        if named is not None and named not in (member.name, member.id):
            raise PersonalDevice("this device is personal: it speaks only for the member it belongs to")
        return member
    if named is not None:
        try:
            found = accounts.find_member(vault, device.household_id, named)
        except NotFound:
            found = None
        if found is not None and found.id in (device.members or []):
            return found
    hidden = _member(vault, device.member_id)
    if hidden is None:  # made at open (`upgrade`): a device migrated while this process ran
        upgrade(vault)
        with vault.data.read() as session:
            current = session.get(Device, device.id)
        hidden = _member(vault, current.member_id if current is not None else None)
    if hidden is None:
        raise NotFound("this device has no shared history", code=ErrorCode.UNKNOWN_DEVICE)
    return hidden


def _member(vault: Vault, member_id: str | None) -> Member | None:
    if not member_id:
        return None
    with vault.data.read() as session:
        return session.get(Member, member_id)


def get(vault: Vault, device_id: str | None) -> Device | None:
    if not device_id:
        return None
    with vault.data.read() as session:
        return session.get(Device, device_id)


def is_personal_for(device: Device | None, member: Member) -> bool:
    return device is not None and device.kind == DeviceKind.PERSONAL and device.member_id == member.id


# Shared histories: who reads them, how long they are kept ------------------------------------------
def device_of(vault: Vault, shared: Member) -> Device | None:
    """The shared device whose history `shared` (a member of role shared) holds."""
    if shared.role != Role.SHARED:
        return None
    with vault.data.read() as session:
        return session.scalars(select(Device).where(Device.member_id == shared.id, Device.kind == DeviceKind.SHARED)).first()


def served(vault: Vault, shared: Member) -> list[Member]:
    """The members a shared device lists (whose retention its shared history follows)."""
    device = device_of(vault, shared)
    if device is None or not device.members:
        return []
    with vault.data.read() as session:
        return list(session.scalars(select(Member).where(Member.id.in_(device.members))))


def retention_for(vault: Vault, member: Member) -> dict[str, str]:
    """A member's retention choices; for a shared history, the strictest of the members its device serves."""
    if member.role != Role.SHARED:
        return retention.retention_of(member.settings)
    serving = served(vault, member)
    return retention.strictest([retention.retention_of(m.settings) for m in serving],
                               child=any(m.role == Role.CHILD for m in serving))


def may_see(vault: Vault, actor: Member, shared: Member) -> bool:
    """The owner, and the adults a shared device lists, read and delete its shared history."""
    if shared.role != Role.SHARED or actor.household_id != shared.household_id:
        return False
    if actor.role == Role.OWNER:
        return True
    device = device_of(vault, shared)
    return actor.role == Role.ADULT and device is not None and actor.id in (device.members or [])


def find_shared(vault: Vault, household_id: str, name_or_id: str) -> Member | None:
    """A shared history by its name ("kitchen (shared)"), its id, or its device's name or id."""
    with vault.data.read() as session:
        hidden = session.scalars(select(Member).where(
            Member.household_id == household_id, Member.role == Role.SHARED,
            (Member.name == name_or_id) | (Member.id == name_or_id),
        )).first()
        if hidden is not None:
            return hidden
        device = session.scalars(select(Device).where(
            Device.household_id == household_id, Device.kind == DeviceKind.SHARED,
            (Device.name == name_or_id) | (Device.id == name_or_id),
        )).first()
        return session.get(Member, device.member_id) if device is not None and device.member_id else None


def shared_histories(vault: Vault, actor: Member) -> list[Member]:
    """The shared histories `actor` may read, in the order their devices were added."""
    found = []
    for device in accounts.devices(vault, actor.household_id):
        hidden = shared_member(vault, device)
        if hidden is not None and may_see(vault, actor, hidden):
            found.append(hidden)
    return found
