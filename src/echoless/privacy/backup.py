"""Backups that cannot resurrect (PRIVACY_MODEL §3.2). A backup is one uncompressed zip of the data
stores only: every data table as JSON lines (content columns are ciphertext, base64) and every blob
(ciphertext), with a manifest that records the deletion journal's position. It never holds a key: the
keyring is a separate store and is never backed up.

`restore` puts the data back, keeps the current journal (and the other content-free records and
credentials, which must not go back in time), then replays the whole journal onto the restored data
before anything is served: every item deleted since the backup is purged again — its keys are already
gone from the keyring, so it could not be decrypted anyway. As a second line, a restored interaction
with no data key left in the keyring is purged too, and a data key whose item the backup does not hold
is destroyed. Run it with the server stopped.

Where backups live: `echoless backup` writes to `<home>/backups/` unless `--out` names a file; the
verifier scans `<home>/backups/` itself, and any other backup file given to it by path.
The zip is stored, not deflated, so that the verifier's byte scan sees every byte as written."""

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

from sqlalchemy import Table, delete, insert, select, update

from echoless.errors import BadRequest, ErrorCode
from echoless.privacy import deletion
from echoless.terms import PARTS
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import DeletionJob, Interaction, Member
from echoless.vault.store import Database, Restore, Scan

_LOGGER = logging.getLogger(__name__)
FORMAT = "echoless-backup/1"
SUFFIX = ".echoless-backup"
CHUNK = 1000


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


def _tables(vault: Vault) -> list[Table]:
    """The data tables of every store, parents before children (the keyring is never backed up)."""
    names = {spec.name for spec in vault.stores.tables()}
    metadata = next(iter(vault.stores.tables())).table.metadata
    return [table for table in metadata.sorted_tables if table.name in names]


def _restored(vault: Vault) -> set[str]:
    """Tables a restore takes from the backup; the rest keep their current rows (store declarations)."""
    return {spec.name for spec in vault.stores.tables() if spec.restore == Restore.CONTENT}


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
            for table in _tables(vault):
                lines = [json.dumps({k: _encode(v) for k, v in row.items()}) for row in session.execute(select(table)).mappings()]
                counts[table.name] = len(lines)
                archive.writestr(f"tables/{table.name}.jsonl", "\n".join(lines))
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
    if manifest.get("format") != FORMAT:
        raise BadRequest(f"{path} is not an echoless backup of format {FORMAT}", code=ErrorCode.INVALID_BACKUP)
    return manifest


def rows_of(archive: zipfile.ZipFile, table: str) -> list[dict[str, Any]]:
    try:
        text = archive.read(f"tables/{table}.jsonl").decode()
    except KeyError:
        return []
    return [{k: _decode(v) for k, v in json.loads(line).items()} for line in text.splitlines() if line]


@dataclass
class Restored:
    tables: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    jobs_replayed: int = 0
    undecryptable_purged: int = 0
    orphan_keys_destroyed: int = 0
    members_removed: int = 0

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def restore(vault: Vault, path: Path) -> Restored:
    """Restore a backup, then replay the current deletion journal onto it (see the module docstring)."""
    manifest = read_manifest(path)
    done = Restored()
    restored = _restored(vault)
    tables = [t for t in _tables(vault) if t.name in restored]
    with zipfile.ZipFile(path) as archive:
        with vault.data.write() as session:
            for table in reversed(tables):
                session.execute(delete(table))
            for table in tables:
                columns = {c.name for c in table.columns}
                rows = [{k: v for k, v in r.items() if k in columns} for r in rows_of(archive, table.name)]
                for start in range(0, len(rows), CHUNK):
                    session.execute(insert(table), rows[start : start + CHUNK])
                done.tables[table.name] = len(rows)
        names = set(archive.namelist())
        for kind in vault.stores.blob_kinds():
            wanted = {n.split("/", 2)[2] for n in names if n.startswith(f"blobs/{kind}/")}
            for blob_id in set(vault.blobs.list(kind)) - wanted:
                vault.blobs.delete(kind, blob_id)
            for blob_id in sorted(wanted):
                vault.blobs.put(kind, blob_id, archive.read(f"blobs/{kind}/{blob_id}"))
                done.blobs += 1
        vault.blobs.sync()
    done.jobs_replayed = replay_journal(vault)
    _fix_members(vault, done)
    _purge_undecryptable(vault, done)
    deletion.resume(vault)  # jobs the current journal had not finished yet
    for store in vault.stores:
        store.restored(vault, done.tables)
    vault.data.compact()
    vault.keyring.db.compact()
    _LOGGER.info("backup restored (journal position at backup: %s jobs); replayed %s jobs",
                 manifest["journal"].get("jobs"), done.jobs_replayed)
    return done


def replay_journal(vault: Vault) -> int:
    """Apply every job of the current journal to the data again (idempotent), derived stores included."""
    with vault.data.read() as session:
        jobs = list(session.scalars(select(DeletionJob).order_by(DeletionJob.requested_at)))
    for job in jobs:
        deletion.purge_stores(vault, [job])
    return len(jobs)


def _fix_members(vault: Vault, done: Restored) -> None:
    """A restored member row may name a member key that "delete everything" has since destroyed: point it
    at the member's current key; a member with no key left was removed after the backup."""
    with vault.data.read() as session:
        members = list(session.scalars(select(Member)))
    for member in members:
        if vault.keyring.owner_key_exists(member.key_id):
            continue
        current = vault.keyring.owner_key_ids(member.id)
        with vault.data.write() as session:
            if current:
                session.execute(update(Member).where(Member.id == member.id).values(key_id=current[-1]))
            else:
                session.execute(delete(Interaction).where(Interaction.member_id == member.id))
                session.execute(delete(Member).where(Member.id == member.id))
                done.members_removed += 1


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
        if any(n.startswith("tables/") and n[len("tables/"):].split(".")[0] in keyring_tables for n in names):
            report.add("backups", "key-in-backup", "a backup holds key material", path.name)
        if any(info.compress_type != zipfile.ZIP_STORED for info in archive.infolist()):
            report.add("backups", "unscannable-backup", "a backup is compressed, so its bytes cannot be scanned", path.name)
        in_backup = {row["id"] for row in rows_of(archive, "interactions")}
    keyed = vault.keyring.data_key_item_ids()
    for item_id in sorted(in_backup & scan.deleted_ids & keyed):
        report.add("backups", "deleted-residue", f"a deleted item in {path.name} can still be decrypted", item_id)
