"""Work the server does on its own: on start, finish interrupted deletions and remove what a crash
left half-written; then, on a timer, keep purging (retention, pending deletions)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import select

from echoless.terms import JobState
from echoless.privacy import deletion, receipts, sweeper
from echoless.sharing import notices
from echoless.vault import audit, leases
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.derived import stats
from echoless.derived.models import SearchEpoch
from echoless.vault.keyring import DataKey, EpochKey, OwnerKey
from echoless.vault.models import DeletionJob, Household, Interaction, Member

_LOGGER = logging.getLogger(__name__)
# Items younger than this may still be in the middle of being written by another process.
IN_FLIGHT = timedelta(seconds=60)
FOLD_SECONDS = 600.0  # how often the sweep folds analytics (a report folds first anyway)
RETRY_SECONDS = 1.0  # how soon the runner tries again a deletion it could not finish (a blocked erase)


def reconcile(vault: Vault, *, grace: timedelta = IN_FLIGHT) -> dict[str, int]:
    """Remove blobs (whole or partly written), data keys and member keys that no row refers to (a crash
    between two writes)."""
    cutoff = utcnow() - grace
    with vault.data.read() as session:
        live_ids = set(session.scalars(select(Interaction.id)))
        pending = session.scalars(select(DeletionJob).where(DeletionJob.state != JobState.PURGED)).all()
        live_keys = set(session.scalars(select(Member.key_id))) | set(session.scalars(select(Household.id)))
    pending_keys = {k for job in pending for k in job.key_ids}
    removed = {"blobs": 0, "data_keys": 0, "epoch_keys": 0, "owner_keys": 0}
    for blob_id in list(vault.blobs.list("audio")):
        if blob_id in live_ids:
            continue
        age = vault.blobs.age("audio", blob_id)
        if age is not None and age < grace.total_seconds():
            continue
        removed["blobs"] += int(vault.blobs.delete("audio", blob_id))
    with vault.keyring.db.read() as session:
        stray = [
            (row.item_id)
            for row in session.scalars(select(DataKey).where(DataKey.created_at < cutoff))
            if row.item_id not in live_ids
        ]
        orphan_owner = [
            row.id
            for row in session.scalars(select(OwnerKey).where(OwnerKey.created_at < cutoff))
            if row.id not in live_keys and row.id not in pending_keys
        ]
        epoch_keys = [row.id for row in session.scalars(select(EpochKey).where(EpochKey.created_at < cutoff))]
    with vault.data.read() as session:
        in_use = {k for current, retired in session.execute(select(SearchEpoch.epoch_key_id, SearchEpoch.retired))
                  for k in [current, *retired]}
    orphan_epoch = [k for k in epoch_keys if k not in in_use]
    if stray:
        removed["data_keys"] = vault.keyring.destroy_data_keys(stray)
    if orphan_epoch:
        removed["epoch_keys"] = vault.keyring.destroy_epoch_keys(orphan_epoch)
    if orphan_owner:
        removed["owner_keys"] = vault.keyring.destroy_owner_keys(orphan_owner)
    if any(removed.values()):
        _LOGGER.info("reconciled leftovers: %s", removed)
    return removed


def startup(vault: Vault) -> None:
    resumed = deletion.resume(vault)
    if resumed:
        _LOGGER.info("resumed %d interrupted deletions", resumed)
    receipts.issue_missing(vault)
    reconcile(vault, grace=timedelta(seconds=vault.settings.reconcile_grace_seconds))


def sweep(vault: Vault) -> dict[str, int]:
    """One pass: finish pending deletions, expire what retention says is due, and remove what a crashed
    write left behind (older than the grace period, so never another process's write in flight)."""
    resumed = deletion.resume(vault)
    expired = sweeper.expire_due(vault)
    if time.monotonic() - vault.runtime.caches.get("stats-folded", float("-inf")) >= FOLD_SECONDS:
        stats.fold(vault)  # analytics of groups that reached k members go to rest (it reads every waiting one)
        vault.runtime.caches["stats-folded"] = time.monotonic()
    with vault.data.write() as session:
        audit.checkpoint_in(session, vault)  # sign the audit chain's head as it stands
    leftovers = reconcile(vault, grace=timedelta(seconds=vault.settings.reconcile_grace_seconds))
    return {"resumed": resumed, **expired, **{f"leftover_{k}": v for k, v in leftovers.items()}}


class JobRunner:
    """The durable job runner: it alone decides when a shredded deletion is purged. Until `start` (a
    one-shot command) it purges at once when told of a deletion; once started (the server) it purges on
    its own thread, woken by each deletion and by the sweep interval, and runs the retention sweep and
    the share courier. The journal keeps the work across crashes either way."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="echoless-jobs", daemon=True)
        self._courier = notices.Courier(vault)  # deletion requests to skills: their own thread, never in the way
        self._swept_at = 0.0
        self._holder = leases.new_holder()

    def kick(self) -> None:
        if self._thread.is_alive():
            self._wake.set()
            return
        try:
            deletion.resume(self.vault)
        except Exception as exc:  # the deletion is shredded and journalled: a later pass purges it
            _LOGGER.error("purge deferred: %s", type(exc).__name__)

    @property
    def lease_seconds(self) -> float:
        return max(120.0, 3 * self.vault.settings.sweep_interval_seconds)

    def start(self) -> None:
        leases.take(self.vault, leases.SERVER, self._holder, self.lease_seconds)  # refuses while a restore runs
        startup(self.vault)
        self._swept_at = time.monotonic()
        self._thread.start()
        self._courier.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        self._courier.stop()
        leases.release(self.vault, self._holder)

    def _loop(self) -> None:
        interval = self.vault.settings.sweep_interval_seconds
        pending = False
        while not self._stop.is_set():
            wait = max(0.0, interval - (time.monotonic() - self._swept_at))
            self._wake.wait(min(wait, RETRY_SECONDS) if pending else wait)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                if time.monotonic() - self._swept_at >= interval:
                    self._swept_at = time.monotonic()
                    leases.take(self.vault, leases.SERVER, self._holder, self.lease_seconds)
                    sweep(self.vault)
                else:
                    deletion.resume(self.vault)
                pending = bool(deletion.pending_jobs(self.vault))  # an erase still blocked: try again soon
            except Exception as exc:  # the runner must outlive one bad pass; the journal keeps the work
                _LOGGER.error("background jobs failed: %s", type(exc).__name__)
