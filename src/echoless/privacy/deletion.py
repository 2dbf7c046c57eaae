"""The deletion journal (PRIVACY_MODEL §2, §3.5). Every deletion — one item, a range, everything,
retention — is a journalled job: the job row, the hiding of the items and every store's `shred` (skill
deletion requests, forgetting derived data) commit first, then the keys are destroyed (shredded, inside
the request), then every store of the registry physically removes its data, and only then is the job
marked purged, with its receipt in the same transaction. A crash at any point is resumed from the
journal by `resume()`; every step is idempotent. When to purge is the job runner's decision
(privacy/runner.py), told through `vault.runtime.runner`. The steps work on lists of jobs, so that a
retention sweep shares each transaction among thousands of members' jobs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from echoless.errors import BadRequest, ErrorCode, NotFound
from echoless.terms import PARTS, JobState, Scope
from echoless.vault import audit
from echoless.vault.accounts import new_id
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import DeletionJob, Interaction, Member
from echoless.vault.store import Database

_LOGGER = logging.getLogger(__name__)
BATCH = 1000


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
        for store in vault.stores:
            store.shred(session, vault, jobs)
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
        raise BadRequest("name at least one interaction to delete", code=ErrorCode.NOTHING_TO_DELETE)
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
    return _shred_items(vault, member, ids, scope=Scope.ITEMS, detail={"count": len(ids)})


def delete_range(vault: Vault, member: Member, since: datetime | None, until: datetime | None) -> DeletionJob:
    if since is not None and until is not None and since >= until:
        raise BadRequest("`since` must be before `until`", code=ErrorCode.INVALID_RANGE)
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
    return _shred_items(vault, member, ids, scope=Scope.RANGE, detail=detail)


def _shred_items(vault: Vault, member: Member, ids: list[str], *, scope: Scope, detail: dict) -> DeletionJob:
    now = utcnow()
    job = DeletionJob(
        id=new_id(), member_id=member.id, scope=scope, scope_detail=detail, item_ids=ids, key_ids=[],
        parts=list(PARTS), state=JobState.REQUESTED, counts={}, requested_at=now,
    )
    _start(vault, [job], _hide_items(ids, now))
    return _requested(vault, _shred(vault, [job])[0])


def delete_all(vault: Vault, member: Member) -> DeletionJob:
    """Delete everything of a member: destroy the member key (one row, whatever the history size)."""
    new_key_id = new_id()
    vault.keyring.create_owner_key(member.id, new_key_id)
    old_keys = [k for k in vault.keyring.owner_key_ids(member.id) if k != new_key_id]
    job = DeletionJob(
        id=new_id(), member_id=member.id, scope=Scope.ALL, scope_detail={}, item_ids=[], key_ids=old_keys,
        parts=list(PARTS), state=JobState.REQUESTED, counts={}, requested_at=utcnow(),
    )

    def rotate(session: Session) -> None:
        row = session.get(Member, member.id)
        row.key_id = new_key_id

    _start(vault, [job], rotate)
    return _requested(vault, _shred(vault, [job])[0])


def expire(vault: Vault, due: Sequence[tuple[str, list[str], list[str]]]) -> list[DeletionJob]:
    """Retention: for each (member id, item ids, parts) a job of its own (and so a receipt of its own),
    journalled, shredded and purged together: one transaction per step for the whole sweep, not per member.
    When `parts` are all the parts, the whole items go (and are hidden at once)."""
    now = utcnow()
    jobs = [
        DeletionJob(
            id=new_id(), member_id=member_id, scope=Scope.RETENTION, scope_detail={"parts": list(parts)}, item_ids=ids,
            key_ids=[], parts=list(parts), state=JobState.REQUESTED, counts={}, requested_at=now,
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
            for store in vault.stores:
                store.shred(session, vault, jobs)
    counts: dict[str, dict[str, int]] = {}
    for store in vault.stores:
        store.shredded(vault, jobs)
    owner_jobs = [job for job in jobs if job.key_ids]
    for job in owner_jobs:
        counts[job.id] = {"member_keys_destroyed": vault.keyring.destroy_owner_keys(job.key_ids)}
    item_jobs = [job for job in jobs if not job.key_ids]
    if item_jobs:
        destroyed = vault.keyring.destroy_data_keys_of([(job.item_ids, job.parts) for job in item_jobs], compact=False)
        counts.update({job.id: {"data_keys_destroyed": n} for job, n in zip(item_jobs, destroyed)})
    # On SQLite the checkpoint (WAL folded in and truncated) is what erases the key bytes: it belongs to
    # the shred, and is verified. PostgreSQL's VACUUM only lets the space be reused: the purge runs it.
    erased = vault.keyring.erase() if vault.keyring.db.is_sqlite else False
    done = []
    with vault.data.write() as session:
        for job in jobs:
            row = session.get(DeletionJob, job.id)
            if row.state == JobState.REQUESTED:
                row.state = JobState.SHREDDED
                row.shredded_at = utcnow()
                row.erased_at = row.shredded_at if erased else None
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


def _erased(vault: Vault, jobs: list[DeletionJob]) -> list[DeletionJob]:
    """The jobs whose destroyed keys are verified gone from the keyring's files (erase retried now); the
    others stay shredded, with no receipt, until a later pass (PRIVACY_MODEL §2: never claim more)."""
    if not vault.keyring.erase():
        _LOGGER.warning("keyring erase pending: a reader holds an old snapshot; %d deletion(s) wait", len(jobs))
        return [job for job in jobs if job.erased_at is not None]
    now = utcnow()
    with vault.data.write() as session:
        for job in jobs:
            row = session.get(DeletionJob, job.id)
            if row.erased_at is None:
                row.erased_at = now
    for job in jobs:
        job.erased_at = job.erased_at or now
    return jobs


def _requested(vault: Vault, job: DeletionJob) -> DeletionJob:
    """A deletion asked for by a member: shredded now; the job runner decides when it is purged."""
    vault.runtime.runner.kick()
    return job


def purge_stores(vault: Vault, jobs: list[DeletionJob]) -> dict[str, dict[str, int]]:
    """Every store removes what the jobs cover (idempotent); counts per job. Registry order: what
    another store's purge still needs (the rows that name blobs) goes last."""
    counts: dict[str, dict[str, int]] = {job.id: {} for job in jobs}
    for store in vault.stores:
        for job_id, store_counts in store.purge(vault, jobs).items():
            counts[job_id].update(store_counts)
    return counts


def _purge(vault: Vault, jobs: list[DeletionJob]) -> list[DeletionJob]:
    requested = [job for job in jobs if job.state == JobState.REQUESTED]
    if requested:
        shredded = {job.id: job for job in _shred(vault, requested, resumed=True)}
        jobs = [shredded.get(job.id, job) for job in jobs]
    todo = [job for job in jobs if job.state != JobState.PURGED]
    if not todo:
        return jobs
    counts = purge_stores(vault, todo)
    if any(job.erased_at is None for job in todo):
        todo = _erased(vault, todo)
    purged = {}
    with vault.data.write() as session:
        for job in todo:
            row = session.get(DeletionJob, job.id)
            if row.state == JobState.PURGED:  # another process finished it first
                continue
            row.state = JobState.PURGED
            row.purged_at = utcnow()
            row.counts = {**row.counts, **counts[job.id]}
            audit.append_in(session, audit.DELETION_PURGED, subject=row.id, counts=counts[job.id], at=row.purged_at)
            purged[row.id] = row
        session.flush()
        for store in vault.stores:
            store.purged(session, vault, list(purged.values()))
    vault.data.compact((*vault.stores.deleting_tables(), "deletion_jobs"))
    if vault.keyring.db.is_sqlite:  # PostgreSQL's keyring was vacuumed by the erase above
        vault.keyring.db.compact(vault.stores.deleting_tables(Database.KEYRING))
    for store in vault.stores:
        store.after_purge(vault, list(purged.values()))
    for job in purged.values():
        _LOGGER.info("deletion %s purged", job.id)
    return [purged.get(job.id, job) for job in jobs]


def pending_jobs(vault: Vault) -> list[str]:
    with vault.data.read() as session:
        return list(
            session.scalars(
                select(DeletionJob.id).where(DeletionJob.state != JobState.PURGED).order_by(DeletionJob.requested_at)
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
        "erase": "verified" if job.erased_at else "pending",
        "erased_at": job.erased_at.isoformat() if job.erased_at else None,
        "purged_at": job.purged_at.isoformat() if job.purged_at else None,
    }
