"""Signed deletion receipts (PRIVACY_MODEL §3.7). After a deletion is purged, the instance issues one
receipt: scope, counts per store, keys destroyed, third parties asked, the shredded and purged times and
the audit-log head, signed with Ed25519 over canonical JSON. Anyone holding the public key can verify it
offline with `verify_document`; nothing in it is content."""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import echoless.vault.records  # noqa: F401  (declares the tables on Base.metadata)
from echoless.errors import BadRequest, ErrorCode, NotFound
from echoless.terms import JobState
from echoless.vault import devices, signing
from echoless.vault import audit
from echoless.vault.records import ReceiptRow
from echoless.vault.store import DeletionRule, Restore, Store, TableSpec
from echoless.vault.accounts import new_id
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import DeletionJob, Member

_LOGGER = logging.getLogger(__name__)

FORMAT = "echoless-deletion-receipt/1"
THIRD_PARTY_STATUSES = ("asked", "confirmed", "overdue")
_SHRED_COUNTS = ("data_keys_destroyed", "member_keys_destroyed")


# What `erased_at` guarantees, in the receipt's own words (README "At scale: PostgreSQL").
ERASE_SQLITE = ("keys deleted with secure_delete and the keyring's write-ahead log checkpointed and truncated: "
                "no copy of them is left in the keyring's files")
ERASE_POSTGRES = ("key rows deleted and the key tables vacuumed: PostgreSQL's write-ahead log, its archives and "
                  "the database server's own backups keep copies until they are recycled")


def canonical(doc: dict[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes that are signed (everything but `signature`)."""
    body = {k: v for k, v in doc.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def instance_public_key(vault: Vault) -> str:
    return signing.public_key_text(vault.signing_key.public_key())


def _sign(vault: Vault, doc: dict[str, Any]) -> dict[str, Any]:
    doc = {k: v for k, v in doc.items() if k != "signature"}
    doc["instance_public_key"] = instance_public_key(vault)
    doc["signature"] = base64.b64encode(vault.signing_key.sign(canonical(doc))).decode()
    return doc


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def keys_destroyed(job: DeletionJob) -> list[str]:
    if job.key_ids:
        return [f"member:{key_id}" for key_id in job.key_ids]
    return [f"data:{item_id}:{part}" for item_id in job.item_ids for part in job.parts]


def _lifecycle(session: Any, job: DeletionJob) -> None:
    """Write the job's requested/shredded/purged audit entries unless they are already there."""
    counts = {k: int(v) for k, v in (job.counts or {}).items() if type(v) is int}
    steps = [
        (audit.DELETION_REQUESTED, job.requested_at, {"items": len(job.item_ids), "member_keys": len(job.key_ids)}),
        (audit.DELETION_SHREDDED, job.shredded_at, {k: v for k, v in counts.items() if k in _SHRED_COUNTS}),
        (audit.DELETION_PURGED, job.purged_at, {k: v for k, v in counts.items() if k not in _SHRED_COUNTS}),
    ]
    for kind, at, step_counts in steps:
        if not audit.has_entry(session, kind, job.id):
            audit.append_in(session, kind, subject=job.id, counts=step_counts, at=at)


def issue(vault: Vault, job: DeletionJob) -> dict[str, Any]:
    """The receipt of a purged deletion; issued once, returned again on every later call."""
    try:
        with vault.data.write() as session:
            return issue_in(session, vault, job)
    except IntegrityError:  # another process issued it first
        with vault.data.read() as session:
            existing = session.scalars(select(ReceiptRow).where(ReceiptRow.deletion_id == job.id)).first()
        if existing is None:
            raise
        return json.loads(existing.body)


def issue_in(session: Any, vault: Vault, job: DeletionJob) -> dict[str, Any]:
    """`issue` inside the caller's transaction (the one that marks the job purged)."""
    if job.state != JobState.PURGED or job.purged_at is None:
        raise BadRequest("a receipt is issued only once the deletion is purged", code=ErrorCode.DELETION_NOT_PURGED)
    audit.lock(session)
    existing = session.scalars(select(ReceiptRow).where(ReceiptRow.deletion_id == job.id)).first()
    if existing is not None:
        return json.loads(existing.body)
    _lifecycle(session, job)
    receipt_id = new_id()
    entry = audit.append_in(session, audit.RECEIPT_ISSUED, subject=receipt_id)
    doc = _sign(vault, {
        "format": FORMAT,
        "receipt_id": receipt_id,
        "deletion_id": job.id,
        "member": job.member_id,
        "scope": job.scope,
        "scope_detail": dict(job.scope_detail or {}),
        "counts": dict(job.counts or {}),
        "keys_destroyed": keys_destroyed(job),
        "third_parties": [],
        "shredded_at": _iso(job.shredded_at),
        "erased_at": _iso(job.erased_at),
        "erase": ERASE_SQLITE if vault.keyring.db.is_sqlite else ERASE_POSTGRES,
        "purged_at": _iso(job.purged_at),
        "audit_seq": entry.seq,
        "audit_head": entry.hash,
        "issued_at": entry.at.isoformat(),
    })
    session.add(ReceiptRow(id=receipt_id, deletion_id=job.id, member_id=job.member_id,
                           body=canonical_with_signature(doc), issued_at=entry.at))
    session.flush()
    audit.checkpoint_in(session, vault)  # the head the receipt names, signed apart
    _LOGGER.info("receipt %s issued for deletion %s", receipt_id, job.id)
    return doc


def canonical_with_signature(doc: dict[str, Any]) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class ReceiptsStore(Store):
    """Signed receipts, issued in the transaction that marks a deletion purged."""

    name = "receipts"
    tables = (
        TableSpec(ReceiptRow, DeletionRule.CONTENT_FREE, "opaque ids, counts, times and a signature", restore=Restore.CURRENT),
    )

    def purged(self, session: Any, vault: Vault, jobs: list[DeletionJob]) -> None:
        for job in jobs:
            issue_in(session, vault, job)


def issue_missing(vault: Vault) -> int:
    """Issue the receipt of every purged deletion that has none (a crash between purge and receipt)."""
    with vault.data.read() as session:
        issued = select(ReceiptRow.deletion_id)
        jobs = list(session.scalars(
            select(DeletionJob).where(DeletionJob.state == JobState.PURGED, DeletionJob.id.not_in(issued))
        ))
    for job in jobs:
        issue(vault, job)
    return len(jobs)


def list_for(vault: Vault, member: Member) -> list[dict[str, Any]]:
    with vault.data.read() as session:
        bodies = session.scalars(
            select(ReceiptRow.body).where(ReceiptRow.member_id == member.id).order_by(ReceiptRow.issued_at.desc(), ReceiptRow.id)
        )
        return [json.loads(body) for body in bodies]


def _visible(vault: Vault, actor: Member) -> list[str]:
    """Whose receipts `actor` sees: their own, and those of the shared histories they may see (the owner, and
    the adults a shared device lists: vault/devices.py)."""
    return [actor.id, *(shared.id for shared in devices.shared_histories(vault, actor))]


def list_visible(vault: Vault, actor: Member) -> list[dict[str, Any]]:
    """The member's receipts and those of the shared histories they may see, newest first."""
    with vault.data.read() as session:
        bodies = session.scalars(select(ReceiptRow.body).where(ReceiptRow.member_id.in_(_visible(vault, actor)))
                                 .order_by(ReceiptRow.issued_at.desc(), ReceiptRow.id))
        return [json.loads(body) for body in bodies]


def get(vault: Vault, member: Member, receipt_id: str) -> dict[str, Any]:
    """A receipt the member may see (list_visible); anyone else's answers exactly like a missing id."""
    with vault.data.read() as session:
        row = session.get(ReceiptRow, receipt_id)
    if row is None or row.member_id not in _visible(vault, member):
        raise NotFound("no such receipt")
    return json.loads(row.body)


def for_deletion(vault: Vault, member: Member, deletion_id: str) -> dict[str, Any]:
    with vault.data.read() as session:
        row = session.scalars(select(ReceiptRow).where(ReceiptRow.deletion_id == deletion_id)).first()
    if row is None or row.member_id != member.id:
        raise NotFound("no such receipt")
    return json.loads(row.body)


def _check_third_parties(third_parties: list[dict[str, Any]]) -> list[dict[str, Any]]:
    clean = []
    for entry in third_parties:
        status = entry.get("status")
        if status not in THIRD_PARTY_STATUSES or not isinstance(entry.get("recipient"), str):
            raise BadRequest("a third party is {recipient, asked_at, status: asked|confirmed|overdue, confirmed_at}",
                             code=ErrorCode.INVALID_THIRD_PARTY)
        clean.append({
            "recipient": entry["recipient"],
            "asked_at": entry.get("asked_at"),
            "status": status,
            "confirmed_at": entry.get("confirmed_at"),
        })
    return clean


def update_third_parties(vault: Vault, deletion_id: str, third_parties: list[dict[str, Any]]) -> dict[str, Any]:
    """Record what third parties answered (times as ISO 8601 strings) and sign the receipt again."""
    clean = _check_third_parties(third_parties)
    with vault.data.write() as session:
        doc = update_third_parties_in(session, vault, deletion_id, clean)
    _LOGGER.info("receipt %s re-signed (third parties)", doc["receipt_id"])
    return doc


def update_third_parties_in(session: Any, vault: Vault, deletion_id: str, third_parties: list[dict[str, Any]]) -> dict[str, Any]:
    row = session.scalars(select(ReceiptRow).where(ReceiptRow.deletion_id == deletion_id)).first()
    if row is None:
        raise NotFound("no such receipt")
    doc = json.loads(row.body)
    doc["third_parties"] = _check_third_parties(third_parties)
    doc["updated_at"] = utcnow().isoformat()
    doc = _sign(vault, doc)
    row.body = canonical_with_signature(doc)
    return doc


@dataclass(frozen=True)
class ReceiptCheck:
    valid: bool
    pinned: bool  # False when checked only against the key the document names itself
    reason: str

    def __bool__(self) -> bool:
        return self.valid


def check_document(doc: Any, public_key_text: str | None = None) -> ReceiptCheck:
    """Offline: only the document and (ideally) the instance's public key, obtained separately."""
    pinned = public_key_text is not None
    if not isinstance(doc, dict) or not isinstance(doc.get("signature"), str):
        return ReceiptCheck(False, pinned, "not a signed receipt document")
    named = doc.get("instance_public_key")
    key_text = public_key_text if pinned else named
    if not isinstance(key_text, str):
        return ReceiptCheck(False, pinned, "no public key to check against")
    try:
        key = signing.parse_public_key(key_text)
        signature = base64.b64decode(doc["signature"], validate=True)
    except ValueError:
        return ReceiptCheck(False, pinned, "the public key or the signature is malformed")
    if pinned and isinstance(named, str) and named.strip() != key_text.strip():
        return ReceiptCheck(False, pinned, "the receipt names a different instance key than the one given")
    try:
        key.verify(signature, canonical(doc))
    except InvalidSignature:
        return ReceiptCheck(False, pinned, "the signature does not match: the receipt was altered or signed by another key")
    if not pinned:
        return ReceiptCheck(True, False, "signature valid against the key the receipt names itself (not pinned)")
    return ReceiptCheck(True, True, "signature valid")


def verify_document(doc: dict[str, Any], public_key_text: str | None = None) -> bool:
    return check_document(doc, public_key_text).valid


