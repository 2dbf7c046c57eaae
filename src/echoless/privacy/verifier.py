"""The verifier (PRIVACY_MODEL §3.9): scan every store byte for byte, with the master key in hand, for
anything of a deleted item and for any plaintext at all. Findings are content-free: they name the
store, the kind of problem and an opaque id, never the words found."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select

from echoless.vault import crypto
from echoless.vault.instance import Vault
from echoless.vault.keyring import DataKey, OwnerKey
from echoless.vault.models import DeletionJob, Interaction, Member

MIN_NEEDLE = 8  # shorter texts would match by chance
AUDIO_NEEDLE = 48


@dataclass(frozen=True)
class Finding:
    store: str
    kind: str  # plaintext | deleted-residue | orphan-blob | orphan-key | undecryptable
    detail: str
    ref: str = ""


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    scanned: dict[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.findings

    def to_json(self) -> dict:
        stores: dict[str, list[dict]] = {}
        for finding in self.findings:
            stores.setdefault(finding.store, []).append(asdict(finding))
        return {"clean": self.clean, "scanned": self.scanned, "findings": stores}


def _files(vault: Vault) -> Iterator[tuple[str, Path]]:
    settings = vault.settings
    roots = [settings.home, settings.resolved_blob_dir]
    seen: set[Path] = set()
    for root in roots:
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            resolved = path.resolve()
            if path.is_file() and resolved not in seen:
                seen.add(resolved)
                yield _store_of(vault, path), path


def _store_of(vault: Vault, path: Path) -> str:
    name = path.name
    if vault.settings.resolved_blob_dir in path.parents:
        return "blobs"
    if name.startswith("keyring.db"):
        return "keyring"
    if name.startswith("echoless.db"):
        return "database"
    if "backups" in path.parts:
        return "backups"
    return "files"


@dataclass
class _Known:
    live_items: dict[str, Interaction]
    deleted_ids: set[str]
    data_keys: dict[tuple[str, str], bytes]  # (item, part) -> key, for live items
    needles: dict[bytes, str]  # plaintext fragment -> item id


def _collect(vault: Vault, report: Report) -> _Known:
    with vault.data.read() as session:
        members = {m.id: m for m in session.scalars(select(Member))}
        rows = {r.id: r for r in session.scalars(select(Interaction))}
        jobs = session.scalars(select(DeletionJob)).all()
    with vault.keyring.db.read() as session:
        key_rows = session.scalars(select(DataKey)).all()
        owner_rows = {k.id: k for k in session.scalars(select(OwnerKey))}
    deleted = {item for job in jobs if set(job.parts) >= {"audio", "text", "action"} for item in job.item_ids}
    deleted |= {r.id for r in rows.values() if r.deleted_at is not None}
    destroyed_keys = {k for job in jobs for k in job.key_ids}
    keys: dict[tuple[str, str], bytes] = {}
    for row in key_rows:
        item = rows.get(row.item_id)
        if item is None or item.deleted_at is not None or row.key_id in destroyed_keys:
            state = "deleted" if row.item_id in deleted or row.key_id in destroyed_keys else "unknown"
            report.findings.append(Finding("keyring", "deleted-residue" if state == "deleted" else "orphan-key",
                                           f"a wrapped data key of a {state} item is still in the keyring", row.item_id))
            continue
        owner = owner_rows.get(row.key_id)
        if owner is None:
            continue
        try:
            keys[(row.item_id, row.part)] = vault.keyring.unwrap_data_row(vault.keyring.unwrap_owner_row(owner), row)
        except crypto.DecryptionFailed:
            report.findings.append(Finding("keyring", "undecryptable", "a data key does not unwrap", row.item_id))
    for key_id in destroyed_keys & set(owner_rows):
        report.findings.append(Finding("keyring", "deleted-residue", "a destroyed member key is still in the keyring", key_id))
    live = {i: r for i, r in rows.items() if r.deleted_at is None and r.key_id not in destroyed_keys}
    for item_id, row in rows.items():
        if item_id not in live:
            continue
        member = members.get(row.member_id)
        if member is None or row.key_id != member.key_id:
            report.findings.append(Finding("database", "deleted-residue", "an interaction outlived its member key", item_id))
    needles: dict[bytes, str] = {}
    for item_id, row in live.items():
        for plaintext in _plaintexts(vault, row, keys, report):
            for needle in _needles(plaintext):
                needles[needle] = item_id
    return _Known(live, deleted, keys, needles)


def _plaintexts(vault: Vault, row: Interaction, keys: dict[tuple[str, str], bytes], report: Report) -> Iterator[bytes]:
    parts = (("text", "transcript", row.transcript), ("text", "response", row.response), ("action", "action", row.action))
    for key_part, part, blob in parts:
        key = keys.get((row.id, key_part))
        if blob is None or key is None:
            continue
        try:
            yield crypto.decrypt(key, blob, crypto.content_aad(row.member_id, row.id, part))
        except crypto.DecryptionFailed:
            report.findings.append(Finding("database", "undecryptable", f"the {part} does not decrypt", row.id))
    key = keys.get((row.id, "audio"))
    if row.audio_type is not None and key is not None and vault.blobs.exists("audio", row.id):
        try:
            yield crypto.decrypt(key, vault.blobs.get("audio", row.id), crypto.content_aad(row.member_id, row.id, "audio"))
        except crypto.DecryptionFailed:
            report.findings.append(Finding("blobs", "undecryptable", "the audio does not decrypt", row.id))


def _needles(plaintext: bytes) -> Iterable[bytes]:
    if len(plaintext) > 4 * AUDIO_NEEDLE:  # audio: a slice from the middle, where the samples are
        middle = len(plaintext) // 2
        yield plaintext[middle : middle + AUDIO_NEEDLE]
        return
    try:
        text = json.loads(plaintext)
    except (ValueError, UnicodeDecodeError):
        text = None
    if isinstance(text, dict):  # an action record: look for each string value it holds
        for value in _strings(text):
            if len(value.encode()) >= MIN_NEEDLE:
                yield value.encode()
        return
    if len(plaintext) >= MIN_NEEDLE:
        yield plaintext


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def verify(vault: Vault, *, extra_needles: Iterable[bytes] = (), backups: Iterable[Path] = ()) -> Report:
    """Scan everything. `extra_needles` lets a caller (a test, an auditor) add strings it knows of;
    `backups` names backup files kept outside `<home>/backups/` (which is always scanned)."""
    from echoless.derived import verify as derived  # the derived stores: lineage, their ciphertext, backups

    backups = [Path(b) for b in backups]
    vault.data.compact()
    vault.keyring.db.compact()
    report = Report()
    known = _collect(vault, report)
    known.needles.update(derived.check(vault, report, known.deleted_ids, backups))
    for needle in extra_needles:
        known.needles[needle] = "given"
    pattern = re.compile(b"|".join(re.escape(n) for n in sorted(known.needles, key=len, reverse=True))) if known.needles else None
    deleted_pattern = re.compile(b"|".join(re.escape(i.encode()) for i in known.deleted_ids)) if known.deleted_ids else None
    blob_ids = set(vault.blobs.list("audio"))
    for blob_id in sorted(blob_ids - set(known.live_items)):
        kind = "deleted-residue" if blob_id in known.deleted_ids else "orphan-blob"
        report.findings.append(Finding("blobs", kind, "an audio blob that no kept interaction owns", blob_id))
    for store, path in [*_files(vault), *(("backups", b) for b in backups)]:
        data = path.read_bytes()
        report.scanned[store] = report.scanned.get(store, 0) + len(data)
        if pattern is not None:
            for match in pattern.finditer(data):
                report.findings.append(
                    Finding(store, "plaintext", f"plaintext content in {path.name} at byte {match.start()}", known.needles[match.group()])
                )
        # Deleted ids may stand in the content-free journal of the database, nowhere else.
        if deleted_pattern is not None and store in ("keyring", "blobs"):
            for match in deleted_pattern.finditer(data):
                report.findings.append(Finding(store, "deleted-residue", f"a deleted item's id in {path.name}", match.group().decode()))
    return report
