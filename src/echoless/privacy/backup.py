"""Backups that cannot resurrect and restores that never roll back (PRIVACY_MODEL §3.2, §3.10).

A backup (format 2) is one uncompressed zip of the data stores only: `content/` holds every table a
store declares as content (the interactions, the corpus samples and their annotations: ciphertext,
base64 in JSON lines) and `blobs/` every blob (ciphertext); `records/` holds the content-free records
(journal, audit log, receipts, ledger) as evidence. It never holds a key, a credential or a member's
settings: the keyring is a separate store and is never backed up.

A restore merges: it brings back only items that are missing now, whose keys still exist in the keyring
and that no deletion in the journal covered, with their content rows and blobs; the stores then make
again what they derive from them (search tokens, learned words, lineage) and drop what current state no
longer allows (samples of a member who withdrew). Nothing of current state is ever taken from a
backup: members, credentials, sessions, consent, retention, skill enablements, withdrawals, reviewer
grants and the journal stay as they are now; items recorded after the backup stay. The journal is then
replayed as a second line. A format-1 backup restores its interactions only, with a warning. A restore
takes a lease in the database and refuses while a server or another restore holds one.

Where backups live: `echoless backup` writes to `<home>/backups/` unless `--out` names a file; the
verifier scans `<home>/backups/` itself, and any other backup file given to it by path. The zip is
stored, not deflated, so that the verifier's byte scan sees every byte as written."""

from __future__ import annotations

import base64
import json
import logging
import os
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, select

from echoless.errors import BadRequest, ErrorCode
from echoless.privacy import deletion
from echoless.terms import PARTS
from echoless.vault import leases
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import DeletionJob, Interaction, Member
from echoless.vault.store import Database, DeletionRule, Restore, Scan, TableSpec

_LOGGER = logging.getLogger(__name__)
FORMAT = "echoless-backup/2"
FORMATS = ("echoless-backup/1", FORMAT)
SUFFIX = ".echoless-backup"
CHUNK = 1000
LEASE_SECONDS = 3600.0
_RECORDS_LEFT_OUT = {"sign_in_throttle", "leases"}  # content-free, but of no use as evidence


def backup_dir(vault: Vault) -> Path:
    return vault.settings.home / "backups"


def default_path(vault: Vault) -> Path:
    return backup_dir(vault) / f"backup-{utcnow():%Y%m%dT%H%M%SZ}{SUFFIX}"


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "$b" in value:
            return base64.b64decode(value["$b"])
        if "$t" in value:
            return datetime.fromisoformat(value["$t"])
    return value


def _specs(vault: Vault, restore: Restore) -> list[TableSpec]:
    """The data tables a backup holds under `content/`, parents before children."""
    specs = {spec.name: spec for spec in vault.stores.tables() if spec.restore == restore}
    metadata = next(iter(vault.stores.tables())).table.metadata
    return [specs[t.name] for t in metadata.sorted_tables if t.name in specs]


def _records(vault: Vault) -> list[Table]:
    return [spec.table for spec in vault.stores.tables()
            if spec.rule == DeletionRule.CONTENT_FREE and spec.name not in _RECORDS_LEFT_OUT]


@dataclass
class BackupInfo:
    path: Path
    tables: dict[str, int]
    blobs: int
    journal: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "tables": self.tables, "blobs": self.blobs, "journal": self.journal}


def _journal_position(session: Any) -> dict[str, Any]:
    last = session.scalars(select(DeletionJob).order_by(DeletionJob.requested_at.desc(), DeletionJob.id.desc()).limit(1)).first()
    count = len(session.scalars(select(DeletionJob.id)).all())
    return {"jobs": count, "last_job": last.id if last else None,
            "last_requested_at": last.requested_at.isoformat() if last else None}


def make(vault: Vault, out: Path | None = None) -> BackupInfo:
    """Write a backup of the data stores (never the keyring) to `out` (default: <home>/backups/)."""
    path = out or default_path(vault)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    counts: dict[str, int] = {}
    blobs = 0
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
        with vault.data.read() as session:  # one read transaction: a consistent snapshot of the tables
            journal = _journal_position(session)
            sections = [("content", spec.table) for spec in _specs(vault, Restore.CONTENT)]
            for folder, table in [*sections, *(("records", table) for table in _records(vault))]:
                lines = [json.dumps({k: _encode(v) for k, v in row.items()}) for row in session.execute(select(table)).mappings()]
                counts[table.name] = len(lines)
                archive.writestr(f"{folder}/{table.name}.jsonl", "\n".join(lines))
        for kind in vault.stores.blob_kinds():
            for blob_id in sorted(vault.blobs.list(kind)):
                archive.writestr(f"blobs/{kind}/{blob_id}", vault.blobs.get(kind, blob_id))
                blobs += 1
        manifest = {"format": FORMAT, "created_at": utcnow().isoformat(), "journal": journal, "tables": counts,
                    "blobs": blobs, "keys": "none: the keyring is never in a backup"}
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
    partial.chmod(0o600)
    os.replace(partial, path)
    _LOGGER.info("backup written: %s tables, %s blobs", len(counts), blobs)
    return BackupInfo(path, counts, blobs, journal)


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise BadRequest(f"{path} is not an echoless backup", code=ErrorCode.INVALID_BACKUP) from exc
    if manifest.get("format") not in FORMATS:
        raise BadRequest(f"{path} is not an echoless backup of a format this version reads ({', '.join(FORMATS)})",
                         code=ErrorCode.INVALID_BACKUP)
    return manifest


def rows_of(archive: zipfile.ZipFile, table: str) -> list[dict[str, Any]]:
    """A table's rows in a backup of either format (1: tables/, 2: content/ or records/)."""
    for folder in ("content", "records", "tables"):
        try:
            text = archive.read(f"{folder}/{table}.jsonl").decode()
            break
        except KeyError:
            continue
    else:
        return []
    return [{k: _decode(v) for k, v in json.loads(line).items()} for line in text.splitlines() if line]


@dataclass
class Restored:
    format: str = FORMAT
    items: int = 0  # interactions brought back
    skipped: dict[str, int] = field(default_factory=dict)  # present | deleted | no-keys | no-member
    tables: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    rebuilt: dict[str, int] = field(default_factory=dict)
    jobs_replayed: int = 0
    undecryptable_purged: int = 0
    orphan_keys_destroyed: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def restore(vault: Vault, path: Path) -> Restored:
    """Merge a backup's missing items into the data (see the module docstring)."""
    manifest = read_manifest(path)
    holder = leases.new_holder()
    leases.take(vault, leases.RESTORE, holder, LEASE_SECONDS)
    try:
        return _restore(vault, path, manifest)
    finally:
        leases.release(vault, holder)


def _restore(vault: Vault, path: Path, manifest: dict[str, Any]) -> Restored:
    done = Restored(format=manifest["format"])
    if done.format != FORMAT:
        done.warnings.append("a format-1 backup: its interactions come back; what was derived from them is made "
                             "again, and its contributed samples (sealed under keys since destroyed) do not")
    specs = _specs(vault, Restore.CONTENT) if done.format == FORMAT else [s for s in _specs(vault, Restore.CONTENT) if s.item_column == "id"]
    with zipfile.ZipFile(path) as archive:
        items, current = _items_to_restore(vault, rows_of(archive, "interactions"), done)
        taken: dict[str, set[str]] = {}
        with vault.data.write() as session:
            for spec in specs:
                rows = [r for r in rows_of(archive, spec.name) if _belongs(spec, r, items, taken)]
                columns = {c.name for c in spec.table.columns}
                present = set(session.scalars(select(spec.table.c.id))) if "id" in columns else set()
                rows = [{k: v for k, v in r.items() if k in columns} for r in rows if r.get("id") not in present]
                for row in rows:  # rows name the member key that wraps their keys now (it may have rotated)
                    if "key_id" in row and row.get("member_id") in current:
                        row["key_id"] = current[row["member_id"]]
                for start in range(0, len(rows), CHUNK):
                    session.execute(insert(spec.table), rows[start : start + CHUNK])
                taken[spec.name] = {r["id"] for r in rows if "id" in r}
                done.tables[spec.name] = len(rows)
        names = set(archive.namelist())
        for kind in vault.stores.blob_kinds():
            for blob_id in sorted(items):
                name = f"blobs/{kind}/{blob_id}"
                if name in names and not vault.blobs.exists(kind, blob_id):
                    vault.blobs.put(kind, blob_id, archive.read(name))
                    done.blobs += 1
        vault.blobs.sync()
    done.items = len(items)
    done.jobs_replayed = replay_journal(vault)
    _purge_undecryptable(vault, done)
    deletion.resume(vault)  # jobs the current journal had not finished yet
    for store in vault.stores:
        store.restored(vault, items, done.rebuilt)
    vault.data.compact()
    vault.keyring.db.compact()
    _LOGGER.info("backup restored (journal position at backup: %s jobs): %d items back",
                 manifest["journal"].get("jobs"), done.items)
    return done


def _belongs(spec: TableSpec, row: dict[str, Any], items: set[str], taken: dict[str, set[str]]) -> bool:
    if spec.item_column is not None:
        return row.get(spec.item_column) in items
    if spec.parent is not None:
        table, column = spec.parent
        return row.get(column) in taken.get(table, set())
    return False


def _items_to_restore(vault: Vault, rows: list[dict[str, Any]], done: Restored) -> tuple[set[str], dict[str, str]]:
    """Items missing now, of members that exist now, whose data keys are in the keyring under the member's
    current key, that no deletion in the journal covered; and each member's current key."""
    with vault.data.read() as session:
        present = set(session.scalars(select(Interaction.id)))
        members = {m.id: m.key_id for m in session.scalars(select(Member))}
        jobs = list(session.scalars(select(DeletionJob)))
    deleted = {item for job in jobs for item in job.item_ids}
    destroyed = {key for job in jobs for key in job.key_ids}
    wrapped_by = vault.keyring.data_key_owners(row["id"] for row in rows)
    chosen: set[str] = set()
    for row in rows:
        reason = ("present" if row["id"] in present else "deleted" if row["id"] in deleted or row["key_id"] in destroyed
                  else "no-member" if row["member_id"] not in members
                  else "no-keys" if wrapped_by.get(row["id"]) != members[row["member_id"]] else None)
        if reason is None:
            chosen.add(row["id"])
        else:
            done.skipped[reason] = done.skipped.get(reason, 0) + 1
    return chosen, members


def replay_journal(vault: Vault) -> int:
    """Apply every job of the current journal to the data again (idempotent), derived stores included."""
    with vault.data.read() as session:
        jobs = list(session.scalars(select(DeletionJob).order_by(DeletionJob.requested_at)))
    for job in jobs:
        deletion.purge_stores(vault, [job])
    return len(jobs)


def _purge_undecryptable(vault: Vault, done: Restored) -> None:
    keyed = vault.keyring.data_key_item_ids()
    with vault.data.read() as session:
        rows = set(session.scalars(select(Interaction.id)))
    dead = sorted(rows - keyed)
    if dead:
        restore = DeletionJob(id="restore", member_id="", item_ids=dead, key_ids=[], parts=list(PARTS))
        deletion.purge_stores(vault, [restore])
    done.undecryptable_purged = len(dead)
    stray = sorted(keyed - rows)
    if stray:
        done.orphan_keys_destroyed = vault.keyring.destroy_data_keys(stray)


def backups_in_home(vault: Vault) -> list[Path]:
    folder = backup_dir(vault)
    return sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def check(vault: Vault, path: Path, scan: Scan) -> None:
    """The verifier's look at one backup: no key material, scannable bytes, and nothing of a deleted
    item that can still be decrypted."""
    report = scan.report
    try:
        read_manifest(path)
        archive = zipfile.ZipFile(path)
    except Exception:
        report.add("backups", "unreadable-backup", "a file in the backup folder is not an echoless backup", path.name)
        return
    keyring_tables = {spec.name for spec in vault.stores.tables(Database.KEYRING)}
    with archive:
        names = archive.namelist()
        if any(n.split("/", 1)[-1].split(".")[0] in keyring_tables for n in names if n.endswith(".jsonl")):
            report.add("backups", "key-in-backup", "a backup holds key material", path.name)
        if any(info.compress_type != zipfile.ZIP_STORED for info in archive.infolist()):
            report.add("backups", "unscannable-backup", "a backup is compressed, so its bytes cannot be scanned", path.name)
        in_backup = {row["id"] for row in rows_of(archive, "interactions")}
        samples = {row["id"]: row["source_id"] for row in rows_of(archive, "corpus_samples")}
        lessons = {row["id"]: row["item_id"] for row in rows_of(archive, "vocabulary_entries") if "item_id" in row}
    keyed = vault.keyring.data_key_item_ids()
    for item_id in sorted(in_backup & scan.deleted_ids & keyed):
        report.add("backups", "deleted-residue", f"a deleted item in {path.name} can still be decrypted", item_id)
    for artefact, source in sorted({**samples, **lessons}.items()):  # derived rows: their source's keys must be gone
        if source in scan.deleted_ids and source in keyed:
            report.add("backups", "deleted-residue", f"derived data of a deleted item in {path.name} can still be decrypted", artefact)
