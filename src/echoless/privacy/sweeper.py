"""The retention sweep: under each member's current settings, find the parts whose time is up and
hand them to the deletion journal. Expiry is computed from the settings at sweep time, so shortening
a setting applies to existing history at the next sweep."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from echoless.privacy import deletion, retention
from echoless.privacy.retention import CHOICES, RETENTION_PARTS
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Interaction, Member

_LOGGER = logging.getLogger(__name__)


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
    whole = partial = 0
    for member in members:
        choices = retention.retention_of(member.settings)
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
                job = deletion.expire_items(vault, member, ids)
                whole += len(ids)
            else:
                job = deletion.expire_parts(vault, member.id, ids, list(parts))
                partial += len(ids)
            deletion.purge(vault, job.id)
    if whole or partial:
        _LOGGER.info("retention sweep: %d items and %d partial items expired", whole, partial)
    return {"expired_items": whole, "expired_parts": partial}
