"""The verifier's part for the derived stores (privacy/verifier.py calls `check`): lineage (every
artefact's sources registered and alive), decryptability of derived ciphertext (whose plaintext joins
the needles the byte scan looks for), and backups (no key material; nothing of a deleted item that can
still be decrypted). Findings are content-free, like the verifier's own."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from echoless.derived import backup, lineage
from echoless.derived.keys import aad, derived_key
from echoless.derived.models import CorpusAnnotation, CorpusSample, VocabularyEntry
from echoless.vault import crypto
from echoless.vault.instance import Vault
from echoless.vault.keyring import KeyDestroyed

MIN_NEEDLE = 8


def check(vault: Vault, report: object, deleted_ids: set[str], backups: Iterable[Path] = ()) -> dict[bytes, str]:
    """Append findings to `report`; return plaintext needles (fragment → artefact id) of derived content."""
    from echoless.privacy.verifier import Finding

    add = report.findings.append  # type: ignore[attr-defined]
    for problem in lineage.problems(vault):
        detail = ("a derived artefact whose source is gone" if problem.kind == "orphan-derived"
                  else "a derived artefact with no registered source")
        add(Finding(problem.store, problem.kind, detail, problem.ref))
    needles: dict[bytes, str] = {}
    for store, ref, plaintext in _plaintexts(vault, add, Finding):
        for value in _strings(plaintext):
            if len(value) >= MIN_NEEDLE:
                needles[value] = ref
    for path in [*backup.backups_in_home(vault), *backups]:
        _check_backup(vault, Path(path), deleted_ids, add, Finding)
    return needles


def _strings(plaintext: bytes) -> Iterable[bytes]:
    try:
        value = json.loads(plaintext)
    except (ValueError, UnicodeDecodeError):
        yield plaintext
        return
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item.encode()
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _plaintexts(vault: Vault, add, Finding):  # type: ignore[no-untyped-def]
    keys: dict[tuple[str, str, str], bytes | None] = {}

    def key(member_id: str, key_id: str, purpose: str) -> bytes | None:
        if (member_id, key_id, purpose) not in keys:
            try:
                keys[(member_id, key_id, purpose)] = derived_key(vault, member_id, key_id, purpose)
            except KeyDestroyed:
                keys[(member_id, key_id, purpose)] = None
        return keys[(member_id, key_id, purpose)]

    with vault.data.read() as session:
        words = list(session.scalars(select(VocabularyEntry)))
        samples = {s.id: s for s in session.scalars(select(CorpusSample))}
        notes = list(session.scalars(select(CorpusAnnotation)))
    items: list[tuple[str, str, bytes | None, bytes, bytes]] = []
    for w in words:
        items.append(("vocabulary_entries", w.id, key(w.member_id, w.key_id, "vocabulary"), w.word, aad("vocabulary", w.member_id, w.id, "word")))
    for s in samples.values():
        k = key(s.member_id, s.key_id, "corpus")
        for part, blob in (("transcript", s.transcript), ("intent", s.intent)):
            if blob is not None:
                items.append(("corpus_samples", s.id, k, blob, aad("sample", s.member_id, s.id, part)))
    for n in notes:
        s = samples.get(n.sample_id)
        if s is None:
            add(Finding("corpus_annotations", "orphan-derived", "an annotation of a sample that is gone", n.id))
            continue
        items.append(("corpus_annotations", n.id, key(s.member_id, s.key_id, "corpus"), n.intent, aad("annotation", s.member_id, n.id, "intent")))
    for store, ref, k, blob, associated in items:
        if k is None:
            add(Finding(store, "deleted-residue", "a derived artefact under a destroyed member key", ref))
            continue
        try:
            yield store, ref, crypto.decrypt(k, blob, associated)
        except crypto.DecryptionFailed:
            add(Finding(store, "undecryptable", "a derived artefact does not decrypt", ref))


def _check_backup(vault: Vault, path: Path, deleted_ids: set[str], add, Finding) -> None:  # type: ignore[no-untyped-def]
    try:
        backup.read_manifest(path)
        archive = zipfile.ZipFile(path)
    except Exception:
        add(Finding("backups", "unreadable-backup", "a file in the backup folder is not an echoless backup", path.name))
        return
    with archive:
        names = archive.namelist()
        if any(n.startswith("tables/") and n[len("tables/"):].split(".")[0] in ("owner_keys", "data_keys") for n in names):
            add(Finding("backups", "key-in-backup", "a backup holds key material", path.name))
        if any(info.compress_type != zipfile.ZIP_STORED for info in archive.infolist()):
            add(Finding("backups", "unscannable-backup", "a backup is compressed, so its bytes cannot be scanned", path.name))
        in_backup = {row["id"] for row in backup.rows_of(archive, "interactions")}
    keyed = vault.keyring.data_key_item_ids()
    for item_id in sorted(in_backup & deleted_ids & keyed):
        add(Finding("backups", "deleted-residue", f"a deleted item in {path.name} can still be decrypted", item_id))
