"""The tables of the proofs of deletion: the hash-chained audit log and the signed receipts.
Both are content-free records (PRIVACY_MODEL §3.7): opaque ids, kinds, integer counts, times, hashes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from echoless.vault.db import UTCDateTime
from echoless.vault.models import Base


class AuditRow(Base):
    """One entry of the append-only audit log; `hash` chains it to the entry before."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_subject", "subject"),
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(80), nullable=True)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ReceiptRow(Base):
    """A signed deletion receipt; `body` is the canonical JSON document, signature included."""

    __tablename__ = "receipts"
    __table_args__ = (
        Index("ix_receipts_member_id", "member_id"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    deletion_id: Mapped[str] = mapped_column(String(32), unique=True)
    member_id: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())


def as_dict(row: AuditRow) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": row.at.isoformat(),
        "kind": row.kind,
        "subject": row.subject,
        "counts": dict(row.counts or {}),
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


class AuditCheckpoint(Base):
    """The chain's head at one moment, signed with the instance's Ed25519 key (base64): a chain that is
    rewritten or cut below a checkpoint no longer matches it."""

    __tablename__ = "audit_checkpoints"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    signature: Mapped[str] = mapped_column(String(100))
