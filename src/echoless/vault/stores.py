"""The vault's own stores: the household's accounts, the interactions, their audio blobs, the keyring, the
deletion journal and the audit log. Each declares its tables (with their deletion rule and the key of
every encrypted column), purges what a deletion covers, and checks itself under the verifier."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping

from sqlalchemy import delete, select, update

from echoless.terms import PART_COLUMNS, PARTS, Part
from echoless.vault import crypto
from echoless.vault.instance import Vault
from echoless.vault.keyring import DataKey, EpochKey, KeyringCheck, OwnerKey, Pseudonym
from echoless.vault.models import (
    DeletionJob, Device, Household, InstanceState, Interaction, Lease, Member, Satellite, SignInThrottle, Token,
    WebSession,
)
from echoless.vault.records import AuditCheckpoint, AuditRow
from echoless.vault.store import BlobSpec, Database, DeletionRule, Restore, Scan, Store, TableSpec

BATCH = 1000
ROUND = 5000  # rows or blobs per round of a purge after "delete everything"
MIN_NEEDLE = 8  # shorter texts would match by chance
AUDIO_NEEDLE = 48


def _whole(job: DeletionJob) -> bool:
    return not job.key_ids and set(job.parts) == set(PARTS)


def _partial(job: DeletionJob) -> bool:
    return not job.key_ids and set(job.parts) != set(PARTS)


def _chunks(ids: list[str], size: int = BATCH) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def ids_under_keys(vault: Vault, job: DeletionJob, limit: int | None = None) -> list[str]:
    """The items a "delete everything" covers: those under the member keys it destroyed."""
    query = select(Interaction.id).where(Interaction.member_id == job.member_id, Interaction.key_id.in_(job.key_ids))
    with vault.data.read() as session:
        return list(session.scalars(query.limit(limit) if limit else query))


class HouseholdStore(Store):
    name = "household"
    tables = (
        TableSpec(Household, DeletionRule.USER_STATE, "the household outlives any member's history"),
        TableSpec(Member, DeletionRule.USER, "removed with the member; the password is an argon2id hash"),
        TableSpec(Device, DeletionRule.USER_STATE, "devices belong to the household"),
        TableSpec(Satellite, DeletionRule.USER_STATE, "the Wyoming satellites echoless connects to: an address and a "
                  "device, no content; removed with their device"),
        TableSpec(Token, DeletionRule.USER, "a member's tokens go with the member; device tokens with the device"),
        TableSpec(WebSession, DeletionRule.USER, "a member's sign-ins go with the member"),
        TableSpec(SignInThrottle, DeletionRule.CONTENT_FREE, "hashed keys, counts and times only; rows expire"),
    )


class InstanceStore(Store):
    name = "instance"
    tables = (
        TableSpec(InstanceState, DeletionRule.CONTENT_FREE, "the instance's own state (the derived scheme in force)"),
        TableSpec(Lease, DeletionRule.CONTENT_FREE, "who works on the data now (servers, a restore); rows expire"),
    )


class KeyringStore(Store):
    name = "keyring"
    database = Database.KEYRING
    tables = (
        TableSpec(OwnerKey, DeletionRule.USER, "destroyed by delete-everything", {"wrapped": "the master key"}),
        TableSpec(DataKey, DeletionRule.INTERACTION_PART, "one per interaction part",
                  {"wrapped": "the member key named by key_id"}),
        TableSpec(EpochKey, DeletionRule.INTERACTION_PART, "one per search epoch; replaced when an item of it is deleted",
                  {"wrapped": "the member key named by owner_key_id"}),
        TableSpec(Pseudonym, DeletionRule.USER, "a skill's pseudonym carried over a member-key rotation",
                  {"wrapped": "the member key named by owner_key_id"}),
        TableSpec(KeyringCheck, DeletionRule.CONTENT_FREE, "a known value sealed under the master key",
                  {"sealed": "the master key"}),
    )

    def purge(self, vault: Vault, jobs: list[DeletionJob]) -> Mapping[str, Mapping[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        whole = [job for job in jobs if _whole(job)]
        if whole:
            left = vault.keyring.destroy_data_keys_of([(job.item_ids, PARTS) for job in whole], compact=False)
            counts.update({job.id: {"stray_keys": n} for job, n in zip(whole, left)})
        for job in jobs:
            if job.key_ids:
                vault.keyring.destroy_pseudonyms_under(job.key_ids)
                counts[job.id] = {"data_keys": vault.keyring.destroy_data_keys_under(job.key_ids)}
        return counts

    def verify(self, vault: Vault, scan: Scan) -> None:
        with vault.data.read() as session:
            jobs = session.scalars(select(DeletionJob)).all()
        destroyed = {k for job in jobs for k in job.key_ids}
        with vault.keyring.db.read() as session:
            owners = set(session.scalars(select(OwnerKey.id)))
        for key_id in sorted(destroyed & owners):
            scan.report.add("keyring", "deleted-residue", "a destroyed member key is still in the keyring", key_id)


class BlobsStore(Store):
    """The audio blobs. Purged before the interactions' rows: a purge after "delete everything" finds
    the blobs to remove through the rows."""

    name = "blobs"
    blobs = (BlobSpec("audio", DeletionRule.INTERACTION_PART, "the recording of one interaction",
                      "the item's audio data key"),)

    def purge(self, vault: Vault, jobs: list[DeletionJob]) -> Mapping[str, Mapping[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        items = [job for job in jobs if not job.key_ids]
        removed = vault.blobs.delete_many("audio", [i for job in items if Part.AUDIO in job.parts for i in job.item_ids])
        counts.update({job.id: {"audio_blobs": len(removed.intersection(job.item_ids))} for job in items})
        for job in jobs:
            if job.key_ids:
                ids = ids_under_keys(vault, job)
                gone = sum(len(vault.blobs.delete_many("audio", chunk)) for chunk in _chunks(ids, ROUND))
                counts[job.id] = {"audio_blobs": gone}
        return counts

    def verify(self, vault: Vault, scan: Scan) -> None:
        live, deleted = live_and_deleted(vault)
        for blob_id in sorted(set(vault.blobs.list("audio")) - live):
            kind = "deleted-residue" if blob_id in deleted else "orphan-blob"
            scan.report.add("blobs", kind, "an audio blob that no kept interaction owns", blob_id)


def live_and_deleted(vault: Vault) -> tuple[set[str], set[str]]:
    """Ids of the kept items, and of every item a deletion covered (journalled or hidden)."""
    with vault.data.read() as session:
        rows = session.execute(select(Interaction.id, Interaction.key_id, Interaction.deleted_at)).all()
        jobs = session.scalars(select(DeletionJob)).all()
    destroyed = {k for job in jobs for k in job.key_ids}
    deleted = {item for job in jobs if set(job.parts) >= set(PARTS) for item in job.item_ids}
    deleted |= {item for item, _key, hidden in rows if hidden is not None}
    live = {item for item, key, hidden in rows if hidden is None and key not in destroyed}
    return live, deleted


class InteractionsStore(Store):
    name = "interactions"
    tables = (
        TableSpec(Interaction, DeletionRule.INTERACTION_PART, "the interaction itself", {
            "transcript": "the item's text data key", "response": "the item's text data key",
            "action": "the item's action data key",
        }, restore=Restore.CONTENT, item_column="id"),
    )

    def purge(self, vault: Vault, jobs: list[DeletionJob]) -> Mapping[str, Mapping[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        with vault.data.write() as session:
            for job in jobs:
                if _whole(job):
                    rows = sum(session.execute(delete(Interaction).where(Interaction.id.in_(chunk))).rowcount
                               for chunk in _chunks(list(job.item_ids)))
                    counts[job.id] = {"interactions": rows}
                elif _partial(job):
                    cleared = {column: None for part in job.parts for column in PART_COLUMNS[Part(part)]}
                    for chunk in _chunks(list(job.item_ids)):
                        session.execute(update(Interaction).where(Interaction.id.in_(chunk)).values(**cleared))
                    counts[job.id] = {"parts_cleared": len(job.item_ids)}
        for job in jobs:
            if job.key_ids:
                counts[job.id] = {"interactions": self._purge_under_keys(vault, job)}
        return counts

    @staticmethod
    def _purge_under_keys(vault: Vault, job: DeletionJob) -> int:
        rows = 0
        while ids := ids_under_keys(vault, job, limit=ROUND):  # rounds: the writer is never held for long
            with vault.data.write() as session:
                rows += session.execute(delete(Interaction).where(Interaction.id.in_(ids))).rowcount
        return rows

    def verify(self, vault: Vault, scan: Scan) -> None:
        """Every kept item decrypts under its own keys; no key or row outlives its deletion."""
        with vault.data.read() as session:
            members = {m.id: m for m in session.scalars(select(Member))}
            rows = {r.id: r for r in session.scalars(select(Interaction))}
            jobs = session.scalars(select(DeletionJob)).all()
        with vault.keyring.db.read() as session:
            key_rows = session.scalars(select(DataKey)).all()
            owner_rows = {k.id: k for k in session.scalars(select(OwnerKey))}
        deleted = {item for job in jobs if set(job.parts) >= set(PARTS) for item in job.item_ids}
        deleted |= {r.id for r in rows.values() if r.deleted_at is not None}
        destroyed = {k for job in jobs for k in job.key_ids}
        scan.deleted_ids |= deleted
        keys = self._keys(vault, scan, rows, key_rows, owner_rows, deleted, destroyed)
        live = {i: r for i, r in rows.items() if r.deleted_at is None and r.key_id not in destroyed}
        scan.live_ids |= set(live)
        for item_id, row in live.items():
            member = members.get(row.member_id)
            if member is None or row.key_id != member.key_id:
                scan.report.add("database", "deleted-residue", "an interaction outlived its member key", item_id)
            for plaintext in _plaintexts(vault, row, keys, scan):
                for needle in _needles(plaintext):
                    scan.needles[needle] = item_id

    @staticmethod
    def _keys(vault: Vault, scan: Scan, rows: dict, key_rows: Iterable[DataKey], owner_rows: dict,
              deleted: set[str], destroyed: set[str]) -> dict[tuple[str, str], bytes]:
        keys: dict[tuple[str, str], bytes] = {}
        for row in key_rows:
            item = rows.get(row.item_id)
            if item is None or item.deleted_at is not None or row.key_id in destroyed:
                state = "deleted" if row.item_id in deleted or row.key_id in destroyed else "unknown"
                scan.report.add("keyring", "deleted-residue" if state == "deleted" else "orphan-key",
                                f"a wrapped data key of a {state} item is still in the keyring", row.item_id)
                continue
            owner = owner_rows.get(row.key_id)
            if owner is None:
                continue
            try:
                keys[(row.item_id, row.part)] = vault.keyring.unwrap_data_row(vault.keyring.unwrap_owner_row(owner), row)
            except crypto.DecryptionFailed:
                scan.report.add("keyring", "undecryptable", "a data key does not unwrap", row.item_id)
        return keys


def _plaintexts(vault: Vault, row: Interaction, keys: dict[tuple[str, str], bytes], scan: Scan) -> Iterator[bytes]:
    parts = (("text", "transcript", row.transcript), ("text", "response", row.response), ("action", "action", row.action))
    for key_part, part, blob in parts:
        key = keys.get((row.id, key_part))
        if blob is None or key is None:
            continue
        try:
            yield crypto.decrypt(key, blob, crypto.content_aad(row.member_id, row.id, part))
        except crypto.DecryptionFailed:
            scan.report.add("database", "undecryptable", f"the {part} does not decrypt", row.id)
    key = keys.get((row.id, "audio"))
    if row.audio_type is not None and key is not None and vault.blobs.exists("audio", row.id):
        try:
            yield crypto.decrypt(key, vault.blobs.get("audio", row.id), crypto.content_aad(row.member_id, row.id, "audio"))
        except crypto.DecryptionFailed:
            scan.report.add("blobs", "undecryptable", "the audio does not decrypt", row.id)


def _needles(plaintext: bytes) -> Iterator[bytes]:
    if len(plaintext) > 4 * AUDIO_NEEDLE:  # audio: a slice from the middle, where the samples are
        middle = len(plaintext) // 2
        yield plaintext[middle : middle + AUDIO_NEEDLE]
        return
    try:
        text = json.loads(plaintext)
    except (ValueError, UnicodeDecodeError):
        text = None
    if isinstance(text, dict):  # an action record: look for each string value it holds
        for value in strings(text):
            if len(value.encode()) >= MIN_NEEDLE:
                yield value.encode()
        return
    if len(plaintext) >= MIN_NEEDLE:
        yield plaintext


def strings(value: object) -> Iterator[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


class JournalStore(Store):
    name = "journal"
    tables = (
        TableSpec(DeletionJob, DeletionRule.CONTENT_FREE, "opaque ids, counts and times only"),
    )


class AuditStore(Store):
    name = "audit"
    tables = (
        TableSpec(AuditRow, DeletionRule.CONTENT_FREE, "kinds, opaque ids, integer counts and hashes only"),
        TableSpec(AuditCheckpoint, DeletionRule.CONTENT_FREE, "a signed head of the chain: a sequence number, a hash, a signature"),
    )
