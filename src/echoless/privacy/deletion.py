"""The deletion journal (PRIVACY_MODEL §2, §3.5). Every deletion — one item, a range, everything,
retention — is a journalled job: the job row and the hiding of the items commit first, then the keys
are destroyed (shredded, inside the request), then every store physically removes its data (purged).
A crash at any point is resumed from the journal by `resume()`; every step is idempotent."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import delete, select, update

from echoless.errors import BadRequest, NotFound
from echoless.privacy import audit
from echoless.vault.accounts import new_id
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.keyring import PARTS
from echoless.vault.models import DeletionJob, Interaction, Member

_LOGGER = logging.getLogger(__name__)
BATCH = 1000

# Called before a job's keys are destroyed (anything that still needs the keys, e.g. to name a
# pseudonym to a third party, journals its work here), and after a job is purged (receipts, derived
# stores). Each must be idempotent: a resumed job calls them again.
JobHook = Callable[[Vault, DeletionJob], None]
shred_hooks: list[JobHook] = []
purge_hooks: list[JobHook] = []


def _start(vault: Vault, job: DeletionJob, hide: Callable[[object], None] | None = None) -> DeletionJob:
    with vault.data.write() as session:
        session.add(job)
        audit.append_in(
            session, audit.DELETION_REQUESTED, subject=job.id,
            counts={"items": len(job.item_ids), "member_keys": len(job.key_ids)}, at=job.requested_at,
        )
        if hide is not None:
            hide(session)
    return job


def delete_items(vault: Vault, member: Member, item_ids: Sequence[str]) -> DeletionJob:
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        raise BadRequest("name at least one interaction to delete", code="nothing-to-delete")
    with vault.data.read() as session:
        current = session.get(Member, member.id)
        owned = set(
            session.scalars(
                select(Interaction.id).where(
                    Interaction.id.in_(ids),
                    Interaction.member_id == member.id,
                    Interaction.key_id == (current.key_id if current else ""),
                    Interaction.deleted_at.is_(None),
                )
            )
        )
    if owned != set(ids):
        raise NotFound("no such interaction")
    return _shred_items(vault, member, ids, scope="items", detail={"count": len(ids)})


def delete_range(vault: Vault, member: Member, since: datetime | None, until: datetime | None) -> DeletionJob:
    if since is not None and until is not None and since >= until:
        raise BadRequest("`since` must be before `until`", code="invalid-range")
    with vault.data.read() as session:
        current = session.get(Member, member.id)
        query = select(Interaction.id).where(
            Interaction.member_id == member.id,
            Interaction.key_id == (current.key_id if current else ""),
            Interaction.deleted_at.is_(None),
        )
        if since is not None:
            query = query.where(Interaction.created_at >= since)
        if until is not None:
            query = query.where(Interaction.created_at < until)
        ids = list(session.scalars(query))
    detail = {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None}
    return _shred_items(vault, member, ids, scope="range", detail=detail)


def _shred_items(vault: Vault, member: Member, ids: list[str], *, scope: str, detail: dict) -> DeletionJob:
    now = utcnow()
    job = DeletionJob(
        id=new_id(), member_id=member.id, scope=scope, scope_detail=detail, item_ids=ids, key_ids=[],
        parts=list(PARTS), state="requested", counts={}, requested_at=now,
    )

    def hide(session: object) -> None:
        for start in range(0, len(ids), BATCH):
            session.execute(  # type: ignore[attr-defined]
                update(Interaction).where(Interaction.id.in_(ids[start : start + BATCH])).values(deleted_at=now)
            )

    _start(vault, job, hide)
    return _shred(vault, job)


def delete_all(vault: Vault, member: Member) -> DeletionJob:
    """Delete everything of a member: destroy the member key (one row, whatever the history size)."""
    new_key_id = new_id()
    vault.keyring.create_owner_key(member.id, new_key_id)
    old_keys = [k for k in vault.keyring.owner_key_ids(member.id) if k != new_key_id]
    job = DeletionJob(
        id=new_id(), member_id=member.id, scope="all", scope_detail={}, item_ids=[], key_ids=old_keys,
        parts=list(PARTS), state="requested", counts={}, requested_at=utcnow(),
    )

    def rotate(session: object) -> None:
        row = session.get(Member, member.id)  # type: ignore[attr-defined]
        row.key_id = new_key_id

    _start(vault, job, rotate)
    return _shred(vault, job)


def expire_items(vault: Vault, member: Member, item_ids: list[str]) -> DeletionJob:
    """Retention: every kept part of these items is due, so the whole item goes."""
    return _shred_items(vault, member, item_ids, scope="retention", detail={"parts": list(PARTS)})


def expire_parts(vault: Vault, member_id: str, item_ids: list[str], parts: list[str]) -> DeletionJob:
    """Retention: destroy the keys of some parts of some items (whole items when every part expired)."""
    job = DeletionJob(
        id=new_id(), member_id=member_id, scope="retention", scope_detail={"parts": parts}, item_ids=item_ids,
        key_ids=[], parts=parts, state="requested", counts={}, requested_at=utcnow(),
    )
    _start(vault, job)
    return _shred(vault, job)


def _shred(vault: Vault, job: DeletionJob) -> DeletionJob:
    for hook in shred_hooks:
        hook(vault, job)
    if job.key_ids:
        destroyed = vault.keyring.destroy_owner_keys(job.key_ids)
        counts = {"member_keys_destroyed": destroyed}
    else:
        destroyed = vault.keyring.destroy_data_keys(job.item_ids, job.parts)
        counts = {"data_keys_destroyed": destroyed}
    with vault.data.write() as session:
        row = session.get(DeletionJob, job.id)
        if row.state == "requested":
            row.state = "shredded"
            row.shredded_at = utcnow()
            row.counts = {**row.counts, **counts}
            audit.append_in(session, audit.DELETION_SHREDDED, subject=row.id, counts=counts, at=row.shredded_at)
        job = row
    _LOGGER.info("deletion %s shredded scope=%s", job.id, job.scope)
    return job


def purge(vault: Vault, job_id: str) -> DeletionJob:
    """Physically remove what the job covers from every store; safe to run again after a crash."""
    with vault.data.read() as session:
        job = session.get(DeletionJob, job_id)
    if job is None:
        raise NotFound("no such deletion")
    if job.state == "requested":
        job = _shred(vault, job)
    if job.state == "purged":
        return job
    if job.key_ids:
        counts = _purge_under_keys(vault, job)
    elif set(job.parts) != set(PARTS):
        counts = _purge_parts(vault, job.item_ids, job.parts)
    else:
        counts = _purge_rows(vault, job.item_ids)
    vault.data.compact(("interactions", "deletion_jobs"))
    with vault.data.write() as session:
        row = session.get(DeletionJob, job.id)
        row.state = "purged"
        row.purged_at = utcnow()
        row.counts = {**row.counts, **counts}
        audit.append_in(session, audit.DELETION_PURGED, subject=row.id, counts=counts, at=row.purged_at)
        job = row
    for hook in purge_hooks:
        hook(vault, job)
    _LOGGER.info("deletion %s purged", job.id)
    return job


def _purge_rows(vault: Vault, ids: list[str]) -> dict[str, int]:
    blobs = rows = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        blobs += vault.blobs.delete_many("audio", chunk)
        with vault.data.write() as session:
            rows += session.execute(delete(Interaction).where(Interaction.id.in_(chunk))).rowcount
    leftover = vault.keyring.destroy_data_keys(ids, compact=False)
    return {"interactions": rows, "audio_blobs": blobs, "stray_keys": leftover}


def _purge_parts(vault: Vault, ids: list[str], parts: list[str]) -> dict[str, int]:
    values: dict[str, object] = {}
    if "audio" in parts:
        values.update(audio_type=None, audio_size=None)
    if "text" in parts:
        values.update(transcript=None, response=None)
    if "action" in parts:
        values.update(action=None)
    blobs = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        if "audio" in parts:
            blobs += vault.blobs.delete_many("audio", chunk)
        with vault.data.write() as session:
            session.execute(update(Interaction).where(Interaction.id.in_(chunk)).values(**values))
    return {"parts_cleared": len(ids), "audio_blobs": blobs}


def _purge_under_keys(vault: Vault, job: DeletionJob) -> dict[str, int]:
    rows = blobs = 0
    while True:
        with vault.data.read() as session:
            ids = list(
                session.scalars(
                    select(Interaction.id)
                    .where(Interaction.member_id == job.member_id, Interaction.key_id.in_(job.key_ids))
                    .limit(BATCH)
                )
            )
        if not ids:
            break
        blobs += vault.blobs.delete_many("audio", ids)
        with vault.data.write() as session:
            rows += session.execute(delete(Interaction).where(Interaction.id.in_(ids))).rowcount
    keys = vault.keyring.destroy_data_keys_under(job.key_ids)
    return {"interactions": rows, "audio_blobs": blobs, "data_keys": keys}


def pending_jobs(vault: Vault) -> list[str]:
    with vault.data.read() as session:
        return list(
            session.scalars(
                select(DeletionJob.id).where(DeletionJob.state != "purged").order_by(DeletionJob.requested_at)
            )
        )


def resume(vault: Vault) -> int:
    """Finish every deletion a crash interrupted; called on start and by the sweeper."""
    jobs = pending_jobs(vault)
    for job_id in jobs:
        purge(vault, job_id)
    return len(jobs)


def get_job(vault: Vault, member: Member, job_id: str) -> DeletionJob:
    with vault.data.read() as session:
        job = session.get(DeletionJob, job_id)
    if job is None or job.member_id != member.id:
        raise NotFound("no such deletion")
    return job


def job_json(job: DeletionJob) -> dict:
    return {
        "id": job.id,
        "scope": job.scope,
        "scope_detail": job.scope_detail,
        "state": job.state,
        "items": len(job.item_ids),
        "counts": job.counts,
        "requested_at": job.requested_at.isoformat(),
        "shredded_at": job.shredded_at.isoformat() if job.shredded_at else None,
        "purged_at": job.purged_at.isoformat() if job.purged_at else None,
    }
