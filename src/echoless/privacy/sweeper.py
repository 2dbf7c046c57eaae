"""The retention sweep: under each member's current settings, find the parts whose time is up and
hand them to the deletion journal. Expiry is computed from the settings at sweep time, so shortening
a setting applies to existing history at the next sweep. A shared device's history is swept under the
strictest retention of the members the device serves, as they are at sweep time."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from echoless.privacy import deletion
from echoless.vault import devices
from echoless.vault.retention import CHOICES, RETENTION_PARTS
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Interaction, Member

_LOGGER = logging.getLogger(__name__)
BATCH = 5000  # items per pass: big enough to share the commits, small enough not to hold the writer long


def _present(part: str):  # type: ignore[no-untyped-def]
    if part == "audio":
        return Interaction.audio_type.is_not(None)
    if part == "text":
        return (Interaction.transcript.is_not(None)) | (Interaction.response.is_not(None))
    return Interaction.action.is_not(None)


def expire_due(vault: Vault, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    with vault.data.read() as session:
        members = session.scalars(select(Member)).all()
    whole = partial = batched = 0
    due: list[tuple[str, list[str], list[str]]] = []  # one deletion job each, run together by the thousands
    for member in members:
        choices = devices.retention_for(vault, member)  # a shared history: its members' strictest
        expired: dict[str, set[str]] = {}
        with vault.data.read() as session:
            visible = (
                Interaction.member_id == member.id,
                Interaction.key_id == member.key_id,
                Interaction.deleted_at.is_(None),
            )
            for part in RETENTION_PARTS:
                span = CHOICES[choices[part]]
                if span is None:
                    continue
                ids = session.scalars(select(Interaction.id).where(*visible, _present(part), Interaction.created_at <= now - span))
                for item_id in ids:
                    expired.setdefault(item_id, set()).add(part)
            if not expired:
                continue
            rows = session.execute(
                select(Interaction.id, Interaction.audio_type, Interaction.transcript.is_not(None) | Interaction.response.is_not(None), Interaction.action.is_not(None)).where(
                    Interaction.id.in_(list(expired))
                )
            ).all()
        by_parts: dict[tuple[str, ...], list[str]] = {}
        for item_id, audio_type, has_text, has_action in rows:
            present = {p for p, kept in (("audio", audio_type is not None), ("text", has_text), ("action", has_action)) if kept}
            gone = expired[item_id]
            key = tuple(RETENTION_PARTS) if present <= gone else tuple(sorted(gone & present))
            by_parts.setdefault(key, []).append(item_id)
        for parts, ids in by_parts.items():
            if set(parts) == set(RETENTION_PARTS):
                whole += len(ids)
            else:
                partial += len(ids)
            due.append((member.id, ids, list(parts)))
            batched += len(ids)
        if batched >= BATCH:
            deletion.expire(vault, due)
            due, batched = [], 0
    deletion.expire(vault, due)
    if whole or partial:
        _LOGGER.info("retention sweep: %d items and %d partial items expired", whole, partial)
    return {"expired_items": whole, "expired_parts": partial}
