"""The verifier (PRIVACY_MODEL §3.9): scan every store byte for byte, with the master key in hand, for
anything of a deleted item and for any plaintext at all. Each store of the registry checks itself and
says what plaintext it holds (the needles); then every file of the data home, the blob store and the
backups is searched for those needles. Findings are content-free: they name the store, the kind of
problem and an opaque id, never the words found."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from echoless.privacy import backup
from echoless.vault.instance import Vault
from echoless.vault.store import Finding, Report, Scan

__all__ = ["Finding", "Report", "verify"]


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


def verify(vault: Vault, *, extra_needles: Iterable[bytes] = (), backups: Iterable[Path] = ()) -> Report:
    """Scan everything. `extra_needles` lets a caller (a test, an auditor) add strings it knows of;
    `backups` names backup files kept outside `<home>/backups/` (which is always scanned)."""
    vault.data.compact()
    vault.keyring.db.compact()
    scan = Scan(report=Report(), backups=[*backup.backups_in_home(vault), *(Path(b) for b in backups)])
    for store in vault.stores:
        store.verify(vault, scan)
    for path in scan.backups:
        backup.check(vault, path, scan)
    for needle in extra_needles:
        scan.needles[needle] = "given"
    _scan_bytes(vault, scan, [Path(b) for b in backups])
    return scan.report


def _scan_bytes(vault: Vault, scan: Scan, outside: list[Path]) -> None:
    report = scan.report
    needles = scan.needles
    pattern = re.compile(b"|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True))) if needles else None
    deleted = re.compile(b"|".join(re.escape(i.encode()) for i in scan.deleted_ids)) if scan.deleted_ids else None
    for store, path in [*_files(vault), *(("backups", b) for b in outside)]:
        _scan(report, needles, pattern, deleted, store, path.name, path.read_bytes())
    if vault.blobs.local_root is None:  # an object store: every object, read through its API
        for kind in vault.stores.blob_kinds():
            for blob_id in vault.blobs.list(kind):
                _scan(report, needles, pattern, deleted, "blobs", f"{kind}/{blob_id}", vault.blobs.get(kind, blob_id))


def _scan(report: Report, needles: dict[bytes, str], pattern: Any, deleted: Any, store: str, name: str, data: bytes) -> None:
    report.scanned[store] = report.scanned.get(store, 0) + len(data)
    if pattern is not None:
        for match in pattern.finditer(data):
            report.add(store, "plaintext", f"plaintext content in {name} at byte {match.start()}", needles[match.group()])
    # Deleted ids may stand in the content-free journal of the database, nowhere else.
    if deleted is not None and store in ("keyring", "blobs"):
        for match in deleted.finditer(data):
            report.add(store, "deleted-residue", f"a deleted item's id in {name}", match.group().decode())
