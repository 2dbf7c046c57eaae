"""The deletion journal (PRIVACY_MODEL §2, §3.5). Every deletion — one item, a range, everything,
retention — is a journalled job: the job row, the hiding of the items and the shred hooks' work (skill
deletion requests, forgetting derived data) commit first, then the keys are destroyed (shredded, inside
the request), then every store physically removes its data (purged). A crash at any point is resumed
from the journal by `resume()`; every step is idempotent. The steps work on lists of jobs, so that a
retention sweep shares each transaction among thousands of members' jobs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from echoless.errors import BadRequest, NotFound
from echoless.privacy import audit
from echoless.vault.accounts import new_id
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.keyring import PARTS
from echoless.vault.models import DeletionJob, Interaction, Member

_LOGGER = logging.getLogger(__name__)
BATCH = 1000

# Called with the jobs of one pass (one job, or a retention sweep's many). Shred hooks run inside the
# transaction that journals the jobs, before any key is destroyed: whatever still needs the keys (naming
# a pseudonym to a third party, forgetting derived data) commits with the journal, in one durable write.
# Purge hooks run after the jobs are purged (receipts, derived stores). Each must be idempotent: a
# resumed job calls them again.
ShredHook = Callable[[Session, Vault, list[DeletionJob]], None]
JobHook = Callable[[Vault, list[DeletionJob]], None]
shred_hooks: list[ShredHook] = []
purge_hooks: list[JobHook] = []


def _start(vault: Vault, jobs: list[DeletionJob], hide: Callable[[Session], None] | None = None) -> list[DeletionJob]:
    """Journal the jobs, hide what they delete and run the shred hooks, in one transaction."""
    with vault.data.write() as session:
        for job in jobs:
            session.add(job)
            audit.append_in(
                session, audit.DELETION_REQUESTED, subject=job.id,
                counts={"items": len(job.item_ids), "member_keys": len(job.key_ids)}, at=job.requested_at,
            )
        if hide is not None:
            hide(session)
        session.flush()
        for hook in shred_hooks:
            hook(session, vault, jobs)
    return jobs


def _hide_items(ids: list[str], now: datetime) -> Callable[[Session], None]:
    def hide(session: Session) -> None:
        for start in range(0, len(ids), BATCH):
            session.execute(
                update(Interaction).where(Interaction.id.in_(ids[start : start + BATCH])).values(deleted_at=now)
            )

    return hide


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
    _start(vault, [job], _hide_items(ids, now))
    return _shred(vault, [job])[0]


def delete_all(vault: Vault, member: Member) -> DeletionJob:
    """Delete everything of a member: destroy the member key (one row, whatever the history size)."""
    new_key_id = new_id()
    vault.keyring.create_owner_key(member.id, new_key_id)
    old_keys = [k for k in vault.keyring.owner_key_ids(member.id) if k != new_key_id]
    job = DeletionJob(
        id=new_id(), member_id=member.id, scope="all", scope_detail={}, item_ids=[], key_ids=old_keys,
        parts=list(PARTS), state="requested", counts={}, requested_at=utcnow(),
    )

    def rotate(session: Session) -> None:
        row = session.get(Member, member.id)
        row.key_id = new_key_id

    _start(vault, [job], rotate)
    return _shred(vault, [job])[0]


def expire(vault: Vault, due: Sequence[tuple[str, list[str], list[str]]]) -> list[DeletionJob]:
    """Retention: for each (member id, item ids, parts) a job of its own (and so a receipt of its own),
    journalled, shredded and purged together: one transaction per step for the whole sweep, not per member.
    When `parts` are all the parts, the whole items go (and are hidden at once)."""
    now = utcnow()
    jobs = [
        DeletionJob(
            id=new_id(), member_id=member_id, scope="retention", scope_detail={"parts": list(parts)}, item_ids=ids,
            key_ids=[], parts=list(parts), state="requested", counts={}, requested_at=now,
        )
        for member_id, ids, parts in due
        if ids
    ]
    if not jobs:
        return []
    whole = [item for job in jobs if set(job.parts) == set(PARTS) for item in job.item_ids]
    _start(vault, jobs, _hide_items(whole, now))
    return _purge(vault, _shred(vault, jobs))


def _shred(vault: Vault, jobs: list[DeletionJob], *, resumed: bool = False) -> list[DeletionJob]:
    """Destroy the jobs' keys and record it. `resumed`: a crash came after the journal, so the shred
    hooks run again (they are idempotent) before the keys go."""
    if resumed:
        with vault.data.write() as session:
            for hook in shred_hooks:
                hook(session, vault, jobs)
    counts: dict[str, dict[str, int]] = {}
    owner_jobs = [job for job in jobs if job.key_ids]
    for job in owner_jobs:
        counts[job.id] = {"member_keys_destroyed": vault.keyring.destroy_owner_keys(job.key_ids)}
    item_jobs = [job for job in jobs if not job.key_ids]
    if item_jobs:
        # On SQLite the compaction (WAL checkpoint and truncation) is what erases the key bytes: it belongs
        # to the shred. PostgreSQL's VACUUM only lets the space be reused: the purge runs it.
        destroyed = vault.keyring.destroy_data_keys_of(
            [(job.item_ids, job.parts) for job in item_jobs], compact=vault.keyring.db.is_sqlite
        )
        counts.update({job.id: {"data_keys_destroyed": n} for job, n in zip(item_jobs, destroyed)})
    done = []
    with vault.data.write() as session:
        for job in jobs:
            row = session.get(DeletionJob, job.id)
            if row.state == "requested":
                row.state = "shredded"
                row.shredded_at = utcnow()
                row.counts = {**row.counts, **counts[job.id]}
                audit.append_in(session, audit.DELETION_SHREDDED, subject=row.id, counts=counts[job.id], at=row.shredded_at)
            done.append(row)
    for job in done:
        _LOGGER.info("deletion %s shredded scope=%s", job.id, job.scope)
    return done


def purge(vault: Vault, job_id: str) -> DeletionJob:
    """Physically remove what the job covers from every store; safe to run again after a crash."""
    with vault.data.read() as session:
        job = session.get(DeletionJob, job_id)
    if job is None:
        raise NotFound("no such deletion")
    return _purge(vault, [job])[0]


def _purge(vault: Vault, jobs: list[DeletionJob]) -> list[DeletionJob]:
    requested = [job for job in jobs if job.state == "requested"]
    if requested:
        shredded = {job.id: job for job in _shred(vault, requested, resumed=True)}
        jobs = [shredded.get(job.id, job) for job in jobs]
    todo = [job for job in jobs if job.state != "purged"]
    if not todo:
        return jobs
    counts = {job.id: _purge_under_keys(vault, job) for job in todo if job.key_ids}
    counts.update(_purge_parts(vault, [job for job in todo if not job.key_ids and set(job.parts) != set(PARTS)]))
    counts.update(_purge_rows(vault, [job for job in todo if not job.key_ids and set(job.parts) == set(PARTS)]))
    vault.data.compact(("interactions", "deletion_jobs"))
    vault.keyring.db.compact(("data_keys",))
    purged = {}
    with vault.data.write() as session:
        for job in todo:
            row = session.get(DeletionJob, job.id)
            row.state = "purged"
            row.purged_at = utcnow()
            row.counts = {**row.counts, **counts[job.id]}
            audit.append_in(session, audit.DELETION_PURGED, subject=row.id, counts=counts[job.id], at=row.purged_at)
            purged[row.id] = row
    for hook in purge_hooks:
        hook(vault, list(purged.values()))
    for job in purged.values():
        _LOGGER.info("deletion %s purged", job.id)
    return [purged.get(job.id, job) for job in jobs]


def _purge_rows(vault: Vault, jobs: list[DeletionJob]) -> dict[str, dict[str, int]]:
    """Whole items: blobs, rows and any key left, for several jobs at once (one transaction per store)."""
    if not jobs:
        return {}
    ids = [item for job in jobs for item in job.item_ids]
    blobs = vault.blobs.delete_many("audio", ids)
    counts = {}
    with vault.data.write() as session:
        for job in jobs:
            rows = 0
            for start in range(0, len(job.item_ids), BATCH):
                chunk = job.item_ids[start : start + BATCH]
                rows += session.execute(delete(Interaction).where(Interaction.id.in_(chunk))).rowcount
            counts[job.id] = {"interactions": rows}
    leftover = vault.keyring.destroy_data_keys_of([(job.item_ids, PARTS) for job in jobs], compact=False)
    for job, stray in zip(jobs, leftover):
        counts[job.id].update(audio_blobs=len(blobs.intersection(job.item_ids)), stray_keys=stray)
    return counts
def _purge_parts(vault: Vault, jobs: list[DeletionJob]) -> dict[str, dict[str, int]]:
    """Some parts of items (retention): clear those columns and blobs, for several jobs at once."""
    if not jobs:
        return {}
    audio_ids = [item for job in jobs if "audio" in job.parts for item in job.item_ids]
    blobs = vault.blobs.delete_many("audio", audio_ids)
    counts = {}
    with vault.data.write() as session:
        for job in jobs:
            values: dict[str, object] = {}
            if "audio" in job.parts:
                values.update(audio_type=None, audio_size=None)
            if "text" in job.parts:
                values.update(transcript=None, response=None)
            if "action" in job.parts:
                values.update(action=None)
            for start in range(0, len(job.item_ids), BATCH):
                chunk = job.item_ids[start : start + BATCH]
                session.execute(update(Interaction).where(Interaction.id.in_(chunk)).values(**values))
            counts[job.id] = {"parts_cleared": len(job.item_ids), "audio_blobs": len(blobs.intersection(job.item_ids))}
    return counts


def _purge_under_keys(vault: Vault, job: DeletionJob) -> dict[str, int]:
    rows = blobs = 0
    while True:  # big rounds: each ends with one fsync per blob folder touched, whatever the round's size
        with vault.data.read() as session:
            ids = list(
                session.scalars(
                    select(Interaction.id)
                    .where(Interaction.member_id == job.member_id, Interaction.key_id.in_(job.key_ids))
                    .limit(5 * BATCH)
                )
            )
        if not ids:
            break
        blobs += len(vault.blobs.delete_many("audio", ids))
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
