"""Interactions in the vault: record (encrypt, then write blob, keys and row so that a failure leaves
nothing behind), list a member's history newest first with a cursor, show one, fetch its audio."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, insert, or_, select
from sqlalchemy.orm import Session

from echoless.content import Content
from echoless.errors import BadRequest, ErrorCode, NotFound
from echoless.terms import Source
from echoless.vault import retention
from echoless.vault import crypto, devices
from echoless.vault.accounts import new_id
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.keyring import KeyDestroyed
from echoless.vault.models import Device, Interaction, Member

_LOGGER = logging.getLogger(__name__)
MAX_PAGE = 200
_COLUMNS = tuple(Interaction.__table__.columns)
# Built once: constructing a statement costs more than running it on the recording path.
_MEMBER_KEY = select(Member.key_id).where(Member.id == bindparam("member_id"))
_INSERT = insert(Interaction.__table__)

# Every store's `record` runs inside the transaction that stores an interaction, with the plaintext it
# was stored from (search index, vocabulary, corpus): what it derives commits with the row, in one
# durable write, or not at all, and must register its lineage. This is the recording hot path: stores
# write Core statements on `session.connection()`, not ORM objects.


@dataclass(frozen=True)
class RunFacts:
    """Content-free facts of the pipeline run that made an interaction (for analytics)."""

    intent: str | None
    success: bool
    seconds: float


@dataclass(frozen=True)
class NewInteraction:
    audio: bytes | None = None
    audio_type: str | None = None
    transcript: str | None = None
    response: str | None = None
    action: dict[str, Any] | None = None
    created_at: datetime | None = None
    run: RunFacts | None = None
    source: Source = Source.SPOKEN  # how the request came (typed text has no audio part)


def plaintext_of(row: Interaction, keys: dict[str, bytes]) -> NewInteraction | None:
    """What a kept row holds, decrypted (for a store that derives from it again); None when nothing is."""
    def text(part: str, sealed: bytes | None) -> str | None:
        if sealed is None or "text" not in keys:
            return None
        return crypto.decrypt(keys["text"], sealed, _aad(row.member_id, row.id, part)).decode()

    action = None
    if row.action is not None and "action" in keys:
        action = json.loads(crypto.decrypt(keys["action"], row.action, _aad(row.member_id, row.id, "action")))
    transcript, response = text("transcript", row.transcript), text("response", row.response)
    if transcript is None and response is None and action is None:
        return None
    return NewInteraction(transcript=transcript, response=response, action=action)


@dataclass(frozen=True)
class InteractionView:
    id: str
    member_id: str
    created_at: datetime
    device_id: str | None
    device_name: str | None
    transcript: Content | None
    response: Content | None
    action: dict[str, Any] | None
    audio_type: str | None
    audio_size: int | None
    expires: dict[str, datetime | None] = field(default_factory=dict)
    source: str = Source.SPOKEN

    @property
    def has_audio(self) -> bool:
        return self.audio_type is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "device": {"id": self.device_id, "name": self.device_name} if self.device_id else None,
            "source": str(self.source),
            "transcript": self.transcript,
            "response": self.response,
            "action": self.action,
            "audio": {"content_type": self.audio_type, "size": self.audio_size} if self.audio_type else None,
            "expires": {part: (t.isoformat() if t else None) for part, t in self.expires.items()},
        }


@dataclass(frozen=True)
class Page:
    items: list[InteractionView]
    next_cursor: str | None


def _aad(member_id: str, item_id: str, part: str) -> bytes:
    return crypto.content_aad(member_id, item_id, part)


def record(vault: Vault, member: Member, device_id: str | None, new: NewInteraction) -> Interaction | None:
    """Store one interaction under the member's retention settings (a shared history: the strictest of the
    members its device serves); None when nothing is to be kept."""
    choices = devices.retention_for(vault, member)
    created = new.created_at or utcnow()
    has_text = new.transcript is not None or new.response is not None
    parts = [
        part
        for part, present in (("audio", new.audio is not None), ("text", has_text), ("action", new.action is not None))
        if present and retention.saves(choices[part])
    ]
    if not parts:
        return None
    for attempt in range(3):
        # The write checks the member key inside its transaction; re-read only after a rotation.
        current = member if attempt == 0 else _current_member(vault, member.id)
        try:
            row = _write(vault, current, device_id, new, parts, created, choices)
        except KeyDestroyed:  # the caller's member predates a "delete everything"
            continue
        if row is not None:
            return row
    raise BadRequest("the member's history was being deleted; try again", code=ErrorCode.RETRY)


def _current_member(vault: Vault, member_id: str) -> Member:
    with vault.data.read() as session:
        return _member_in(session, member_id)


def _member_in(session: Session, member_id: str) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("no such member", code=ErrorCode.UNKNOWN_MEMBER)
    return member


def _write(
    vault: Vault, member: Member, device_id: str | None, new: NewInteraction, parts: list[str], created: datetime, choices: dict[str, str]
) -> Interaction | None:
    item_id = new_id()
    keys = vault.keyring.new_part_keys(member.id, member.key_id, item_id, parts)
    row = Interaction(
        id=item_id,
        member_id=member.id,
        device_id=device_id,
        key_id=member.key_id,
        created_at=created,
        source=str(new.source),
    )
    if "text" in keys.keys:
        if new.transcript is not None:
            row.transcript = crypto.encrypt(keys.keys["text"], new.transcript.encode(), _aad(member.id, item_id, "transcript"))
        if new.response is not None:
            row.response = crypto.encrypt(keys.keys["text"], new.response.encode(), _aad(member.id, item_id, "response"))
    if "action" in keys.keys:
        row.action = crypto.encrypt(keys.keys["action"], json.dumps(new.action).encode(), _aad(member.id, item_id, "action"))
    if "audio" in keys.keys:
        assert new.audio is not None
        sealed_audio = crypto.encrypt(keys.keys["audio"], new.audio, _aad(member.id, item_id, "audio"))
        row.audio_type = new.audio_type or "application/octet-stream"
        row.audio_size = len(new.audio)
    # The blob and the keys are durable writes to two other stores: they run while this thread fills
    # the row's transaction, which commits only once both are on disk (a row never points at nothing).
    io = vault.runtime.io
    pending = {"keys": io.submit(vault.keyring.store_part_keys, item_id, member.key_id, keys)}
    if "audio" in keys.keys:
        pending["blob"] = io.submit(vault.blobs.put, "audio", item_id, sealed_audio)
    try:
        with vault.data.write() as session:
            conn = session.connection()
            if conn.execute(_MEMBER_KEY, {"member_id": member.id}).scalar() != member.key_id:
                raise _KeyRotated()
            conn.execute(_INSERT, {c.key: getattr(row, c.key) for c in _COLUMNS})
            for store in vault.stores:
                store.record(session, vault, member, row, new, keys.keys)
            for future in pending.values():
                future.result()
    except BaseException as exc:
        done = {name for name, future in pending.items() if future.exception() is None}
        if "blob" in done:
            vault.blobs.delete("audio", item_id)
        if "keys" in done:
            vault.keyring.destroy_data_keys([item_id], compact=False)
        if isinstance(exc, _KeyRotated):
            return None
        raise
    _LOGGER.info("interaction recorded parts=%s", ",".join(parts))
    return row


class _KeyRotated(Exception):
    """The member's history was deleted while this write was in flight; write again under the new key."""


def _encode_cursor(row: Interaction) -> str:
    return base64.urlsafe_b64encode(f"{row.created_at.isoformat()}|{row.id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        stamp, item_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(stamp), item_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadRequest("the cursor is not valid", code=ErrorCode.INVALID_CURSOR) from exc


def _visible(member: Member) -> Select[tuple[Interaction]]:
    return select(Interaction).where(
        Interaction.member_id == member.id,
        Interaction.key_id == member.key_id,
        Interaction.deleted_at.is_(None),
    )


def history(
    vault: Vault,
    member: Member,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    device_id: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}", code=ErrorCode.INVALID_LIMIT)
    if cursor:
        stamp, item_id = _decode_cursor(cursor)
    with vault.data.read() as session:  # the member's current key and the page in one session
        member = _member_in(session, member.id)
        query = _visible(member)
        if since is not None:
            query = query.where(Interaction.created_at >= since)
        if until is not None:
            query = query.where(Interaction.created_at < until)
        if device_id is not None:
            query = query.where(Interaction.device_id == device_id)
        if cursor:
            query = query.where(
                or_(Interaction.created_at < stamp, and_(Interaction.created_at == stamp, Interaction.id < item_id))
            )
        query = (
            query.add_columns(Device.name).outerjoin(Device, Device.id == Interaction.device_id)
            .order_by(Interaction.created_at.desc(), Interaction.id.desc()).limit(limit + 1)
        )
        found = session.execute(query).all()
    rows = [row for row, _name in found]
    names = {row.device_id: name for row, name in found if name is not None}
    more = len(rows) > limit
    rows = rows[:limit]
    views = list(_views(vault, member, rows, names))
    return Page(items=views, next_cursor=_encode_cursor(rows[-1]) if more else None)


def _device_names(session: Any, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return {d.id: d.name for d in session.scalars(select(Device).where(Device.id.in_(ids)))}


def _views(vault: Vault, member: Member, rows: list[Interaction], names: dict[str, str]) -> Iterator[InteractionView]:
    keys = vault.keyring.part_keys_many(member.id, member.key_id, [r.id for r in rows])
    choices = devices.retention_for(vault, member)
    for row in rows:
        yield _view(member, row, keys.get(row.id, {}), names, choices)


def _view(
    member: Member, row: Interaction, keys: dict[str, bytes], names: dict[str, str], choices: dict[str, str]
) -> InteractionView:
    def text(part: str, blob: bytes | None) -> Content | None:
        if blob is None or "text" not in keys:
            return None
        return Content(crypto.decrypt(keys["text"], blob, _aad(member.id, row.id, part)).decode())

    action = None
    if row.action is not None and "action" in keys:
        action = json.loads(crypto.decrypt(keys["action"], row.action, _aad(member.id, row.id, "action")))
    has_audio = row.audio_type is not None and "audio" in keys
    return InteractionView(
        id=row.id,
        member_id=row.member_id,
        created_at=row.created_at,
        device_id=row.device_id,
        device_name=names.get(row.device_id) if row.device_id else None,
        transcript=text("transcript", row.transcript),
        response=text("response", row.response),
        action=action,
        audio_type=row.audio_type if has_audio else None,
        audio_size=row.audio_size if has_audio else None,
        expires=_expiries(choices, row, has_audio, keys),
        source=row.source or Source.SPOKEN,
    )


def _expiries(choices: dict[str, str], row: Interaction, has_audio: bool, keys: dict[str, bytes]) -> dict[str, datetime | None]:
    """When each kept part will be purged under the member's current settings (None: kept until deleted)."""
    present = {
        "audio": has_audio,
        "text": (row.transcript is not None or row.response is not None) and "text" in keys,
        "action": row.action is not None and "action" in keys,
    }
    return {part: retention.expiry(row.created_at, choices[part]) for part, kept in present.items() if kept}


def _owned_row(vault: Vault, member: Member, item_id: str) -> tuple[Member, Interaction]:
    member = _current_member(vault, member.id)
    with vault.data.read() as session:
        row = session.scalars(_visible(member).where(Interaction.id == item_id)).first()
    if row is None:
        raise NotFound("no such interaction")
    return member, row


def ids_starting_with(vault: Vault, member: Member, prefix: str, limit: int = 10) -> list[str]:
    """Ids of the member's visible interactions that start with `prefix` (a shortened id, as git takes)."""
    prefix = prefix.lower()
    if not prefix or any(c not in "0123456789abcdef" for c in prefix):  # ids are hex: no LIKE wildcards
        return []
    member = _current_member(vault, member.id)
    with vault.data.read() as session:
        query = _visible(member).with_only_columns(Interaction.id).where(Interaction.id.startswith(prefix))
        return list(session.scalars(query.order_by(Interaction.id).limit(limit)))


def get(vault: Vault, member: Member, item_id: str) -> InteractionView:
    member, row = _owned_row(vault, member, item_id)
    with vault.data.read() as session:
        names = _device_names(session, {row.device_id} if row.device_id else set())
    keys = vault.keyring.part_keys(member.id, member.key_id, row.id)
    return _view(member, row, keys, names, devices.retention_for(vault, member))


def audio(vault: Vault, member: Member, item_id: str) -> tuple[bytes, str]:
    member, row = _owned_row(vault, member, item_id)
    keys = vault.keyring.part_keys(member.id, member.key_id, row.id)
    if row.audio_type is None or "audio" not in keys:
        raise NotFound("this interaction has no audio", code=ErrorCode.NO_AUDIO)
    blob = vault.blobs.get("audio", row.id)
    return crypto.decrypt(keys["audio"], blob, _aad(member.id, row.id, "audio")), row.audio_type


def last(
    vault: Vault, member: Member, *, device_id: str | None = None, since: datetime | None = None
) -> InteractionView | None:
    """The member's newest item (only from `device_id`, only at or after `since`, when given)."""
    page = history(vault, member, since=since, device_id=device_id, limit=1)
    return page.items[0] if page.items else None


@dataclass(frozen=True)
class Summary:
    """What is kept about a member, without any content: counts per part and the oldest item."""

    items: int
    with_audio: int
    with_text: int
    with_action: int
    oldest: datetime | None


def summary(vault: Vault, member: Member, *, device_id: str | None = None, since: datetime | None = None) -> Summary:
    """Counts of what is kept (only from `device_id`, only at or after `since`, when given)."""
    from sqlalchemy import func

    member = _current_member(vault, member.id)
    query = _visible(member)
    if device_id is not None:
        query = query.where(Interaction.device_id == device_id)
    if since is not None:
        query = query.where(Interaction.created_at >= since)
    visible = query.subquery()
    with vault.data.read() as session:
        row = session.execute(
            select(
                func.count(),
                func.count(visible.c.audio_type),
                func.count(func.coalesce(visible.c.transcript, visible.c.response)),
                func.count(visible.c.action),
                func.min(visible.c.created_at),
            )
        ).one()
    oldest = row[4]
    if isinstance(oldest, str):  # SQLite returns the aggregate as text
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    return Summary(items=row[0], with_audio=row[1], with_text=row[2], with_action=row[3], oldest=oldest)
