"""The audit log (PRIVACY_MODEL §3.7): append-only, hash-chained and content-free by construction.
Each entry holds a kind from a fixed list, at most one opaque id, integer counts and two hashes:
`hash = sha256(canonical(seq, at, kind, subject, counts, prev_hash))`, `prev_hash` = the entry before's
hash (GENESIS for the first). Editing, removing or reordering an entry breaks the chain; a truncated
tail shows when a receipt names a head that is no longer in the chain."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

import echoless.vault.records  # noqa: F401  (declares the tables on Base.metadata)
from echoless.errors import BadRequest, ErrorCode
from echoless.vault.records import AuditCheckpoint, AuditRow, ReceiptRow
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault

_LOGGER = logging.getLogger(__name__)

GENESIS = "0" * 64
_PG_LOCK_KEY = 0x6563686F61756469  # serialises appends across processes on PostgreSQL

DELETION_REQUESTED = "deletion-requested"
DELETION_SHREDDED = "deletion-shredded"
DELETION_PURGED = "deletion-purged"
VOICE_DELETION = "voice-deletion"
SETTINGS_CHANGED = "settings-changed"
MEMBER_ADDED = "member-added"
MEMBER_REMOVED = "member-removed"
DEVICE_ADDED = "device-added"
DEVICE_REMOVED = "device-removed"
DEVICE_CHANGED = "device-changed"  # whom a shared device may speak for
EXPORT_MADE = "export-made"
RECEIPT_ISSUED = "receipt-issued"
SAMPLE_VIEWED = "sample-viewed"
SHARE_SENT = "share-sent"
SHARE_DELETION_ASKED = "share-deletion-asked"
SHARE_DELETION_CONFIRMED = "share-deletion-confirmed"
SHARE_DELETION_OVERDUE = "share-deletion-overdue"
# Sign-in and access (PRIVACY_MODEL §4): invitations, passwords, the owner's resets of an adult's access.
INVITATION_ISSUED = "invitation-issued"
INVITATION_REDEEMED = "invitation-redeemed"
PASSWORD_CHANGED = "password-changed"
PASSWORD_SET_BY_OPERATOR = "password-set-by-operator"
ACCESS_RESET = "access-reset"
ACCESS_RESET_ACKNOWLEDGED = "access-reset-acknowledged"
SATELLITE_ADDED = "satellite-added"
SATELLITE_REMOVED = "satellite-removed"
TOKEN_REVOKED_BY_OWNER = "token-revoked-by-owner"  # a member's API token, from the Household page

KINDS = frozenset({
    DELETION_REQUESTED, DELETION_SHREDDED, DELETION_PURGED, VOICE_DELETION, SETTINGS_CHANGED,
    MEMBER_ADDED, MEMBER_REMOVED, DEVICE_ADDED, DEVICE_REMOVED, DEVICE_CHANGED, EXPORT_MADE, RECEIPT_ISSUED,
    SAMPLE_VIEWED, SHARE_SENT, SHARE_DELETION_ASKED, SHARE_DELETION_CONFIRMED, SHARE_DELETION_OVERDUE,
    INVITATION_ISSUED, INVITATION_REDEEMED, PASSWORD_CHANGED, PASSWORD_SET_BY_OPERATOR, ACCESS_RESET, ACCESS_RESET_ACKNOWLEDGED,
    SATELLITE_ADDED, SATELLITE_REMOVED, TOKEN_REVOKED_BY_OWNER,
})

# Opaque ids only: hex ids, optionally prefixed ("member:…"); no spaces, so no sentences.
_SUBJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")
_COUNT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    kind: str
    subject: str | None
    counts: dict[str, int]
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "at": self.at.isoformat(), "kind": self.kind, "subject": self.subject,
            "counts": dict(self.counts), "prev_hash": self.prev_hash, "hash": self.hash,
        }


@dataclass(frozen=True)
class Problem:
    seq: int
    what: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "problem": self.what}


@dataclass
class ChainReport:
    length: int
    head: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "length": self.length, "head": self.head, "problems": [p.to_json() for p in self.problems]}


def entry_hash(seq: int, at: datetime, kind: str, subject: str | None, counts: Mapping[str, int], prev_hash: str) -> str:
    canonical = json.dumps(
        [seq, at.isoformat(), kind, subject, dict(counts), prev_hash], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _checked(kind: str, subject: str | None, counts: Mapping[str, int] | None) -> dict[str, int]:
    if kind not in KINDS:
        raise BadRequest("unknown audit entry kind", code=ErrorCode.AUDIT_KIND_UNKNOWN)
    if subject is not None and (not isinstance(subject, str) or not _SUBJECT.match(subject)):
        raise BadRequest("an audit subject must be an opaque id", code=ErrorCode.AUDIT_SUBJECT_INVALID)
    clean: dict[str, int] = {}
    for name, value in (counts or {}).items():
        if not isinstance(name, str) or not _COUNT_NAME.match(name):
            raise BadRequest("audit count names must be short snake_case words", code=ErrorCode.AUDIT_COUNT_INVALID)
        if type(value) is not int:  # bool, float, str... never
            raise BadRequest("audit counts must be integers", code=ErrorCode.AUDIT_COUNT_INVALID)
        clean[name] = value
    return clean


def lock(session: Session) -> None:
    """Serialise appends: SQLite write transactions already are (BEGIN IMMEDIATE); lock on PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(row.seq, row.at, row.kind, row.subject, dict(row.counts or {}), row.prev_hash, row.hash)


def append_in(
    session: Session, kind: str, *, subject: str | None = None, counts: Mapping[str, int] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append inside an open write transaction of `vault.data.write()` (never open a second one inside)."""
    clean = _checked(kind, subject, counts)
    lock(session)  # re-entrant within a transaction
    last = session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).first()
    seq = last.seq + 1 if last else 1
    prev = last.hash if last else GENESIS
    when = at or utcnow()
    row = AuditRow(seq=seq, at=when, kind=kind, subject=subject, counts=clean, prev_hash=prev,
                   hash=entry_hash(seq, when, kind, subject, clean, prev))
    session.add(row)
    session.flush()
    _LOGGER.debug("audit entry %s kind=%s", seq, kind)
    return _entry(row)


def append(vault: Vault, kind: str, *, subject: str | None = None, counts: Mapping[str, int] | None = None) -> AuditEntry:
    """Append one entry; appends are serialised, so the chain never forks."""
    _checked(kind, subject, counts)  # fail before taking the write lock
    with vault.data.write() as session:
        return append_in(session, kind, subject=subject, counts=counts)


def has_entry(session: Session, kind: str, subject: str) -> bool:
    return session.scalar(
        select(func.count()).select_from(AuditRow).where(AuditRow.kind == kind, AuditRow.subject == subject)
    ) > 0


def head(vault: Vault) -> str:
    with vault.data.read() as session:
        last = session.scalars(select(AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)).first()
    return last or GENESIS


def entries(vault: Vault, *, limit: int | None = None) -> list[AuditEntry]:
    with vault.data.read() as session:
        query = select(AuditRow).order_by(AuditRow.seq)
        if limit is not None:
            query = select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit)
        rows = [_entry(r) for r in session.scalars(query)]
    return sorted(rows, key=lambda e: e.seq)


def check(rows: Iterable[AuditEntry], known_heads: Iterable[tuple[str, str]] = ()) -> ChainReport:
    """Walk the chain in seq order. `known_heads` are (label, hash) pairs — e.g. from receipts —
    that must still be in the chain; one that is not shows a truncated or rewritten log."""
    problems: list[Problem] = []
    prev_seq, prev_hash = 0, GENESIS
    seen: dict[str, int] = {GENESIS: 0}
    count = 0
    for entry in rows:
        count += 1
        if entry.seq != prev_seq + 1:
            missing = f"{prev_seq + 1}" if entry.seq == prev_seq + 2 else f"{prev_seq + 1}..{entry.seq - 1}"
            what = f"entries missing before seq {entry.seq} (seq {missing})" if entry.seq > prev_seq else "seq out of order"
            problems.append(Problem(entry.seq, what))
        if entry.prev_hash != prev_hash:
            problems.append(Problem(entry.seq, "link broken: prev_hash does not match the entry before (removed or reordered)"))
        if entry_hash(entry.seq, entry.at, entry.kind, entry.subject, entry.counts, entry.prev_hash) != entry.hash:
            problems.append(Problem(entry.seq, "entry altered: its hash does not match its fields"))
        prev_seq, prev_hash = entry.seq, entry.hash
        seen[entry.hash] = entry.seq
    for label, known in known_heads:
        if known not in seen:
            problems.append(Problem(prev_seq + 1, f"{label} names audit head {known[:16]}… which is not in the chain (truncated or rewritten)"))
    return ChainReport(length=count, head=prev_hash, problems=problems)


def checkpoint_message(seq: int, head: str) -> bytes:
    return f"echoless-audit-checkpoint/1\n{seq}\n{head}".encode()


def checkpoint_in(session: Session, vault: Vault) -> None:
    """Sign the chain's current head with the instance key (inside the caller's write transaction)."""
    lock(session)
    last = session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).first()
    if last is None or session.get(AuditCheckpoint, last.seq) is not None:
        return
    signature = base64.b64encode(vault.signing_key.sign(checkpoint_message(last.seq, last.hash))).decode()
    session.add(AuditCheckpoint(seq=last.seq, hash=last.hash, at=utcnow(), signature=signature))


def checkpoint_problems(vault: Vault, rows: list[AuditEntry]) -> list[Problem]:
    """Every checkpoint must carry the instance's signature and name an entry of the chain as it is."""
    public = vault.signing_key.public_key()
    by_seq = {entry.seq: entry.hash for entry in rows}
    problems = []
    with vault.data.read() as session:
        checkpoints = list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)))
    for point in checkpoints:
        try:
            public.verify(base64.b64decode(point.signature), checkpoint_message(point.seq, point.hash))
        except (InvalidSignature, ValueError):
            problems.append(Problem(point.seq, "a checkpoint's signature is not the instance's"))
            continue
        if by_seq.get(point.seq) != point.hash:
            problems.append(Problem(point.seq, "the chain no longer has the head this checkpoint signed (rewritten or cut)"))
    return problems


def receipt_heads(vault: Vault) -> list[tuple[str, str]]:
    with vault.data.read() as session:
        bodies = list(session.execute(select(ReceiptRow.id, ReceiptRow.body)))
    heads = []
    for receipt_id, body in bodies:
        try:
            heads.append((f"receipt {receipt_id}", str(json.loads(body)["audit_head"])))
        except (ValueError, KeyError, TypeError):
            heads.append((f"receipt {receipt_id}", "unreadable"))
    return heads


def verify_chain(vault: Vault, known_heads: Iterable[tuple[str, str]] = ()) -> ChainReport:
    """Check the whole chain, and that every stored receipt's audit head is still in it."""
    rows = entries(vault)
    report = check(rows, [*receipt_heads(vault), *known_heads])
    report.problems.extend(checkpoint_problems(vault, rows))
    if not report.ok:
        _LOGGER.warning("audit chain broken at seq %s", ", ".join(str(p.seq) for p in report.problems))
    return report
