"""The attacker of issue 13 (PRIVACY_MODEL §2, §3.10): holding the master key, a copy of the current
keyring and an old backup, recover whatever can be recovered. Every key the keyring yields is tried —
member keys, data keys, search epoch keys — and every key derived from them under both derived-data
schemes (1: HKDF of the member key; 2: HKDF of a part's data key), against every ciphertext in the
backup; search tokens are confirmed by dictionary under every key that could have made them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _hkdf(key: bytes, info: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info.encode()).derive(key)


def _open(key: bytes, blob: bytes, associated: bytes) -> bytes | None:
    """The vault's sealed format: a version byte, a 12-byte nonce, then AES-GCM ciphertext and tag."""
    try:
        return AESGCM(key).decrypt(blob[1:13], blob[13:], associated)
    except (InvalidTag, ValueError):
        return None


@dataclass
class Loot:
    plaintexts: list[bytes] = field(default_factory=list)
    confirmed_words: set[str] = field(default_factory=set)

    def holds(self, needle: str) -> bool:
        return needle.casefold() in self.confirmed_words or any(needle.encode() in p for p in self.plaintexts)


def _rows(archive: zipfile.ZipFile, table: str) -> list[dict]:
    """A table's rows wherever a backup holds them (format 1: tables/; 2: content/, records/)."""
    found = [n for n in archive.namelist() if n.endswith(f"/{table}.jsonl")]
    if not found:
        return []
    text = archive.read(found[0]).decode()

    def decode(value: object) -> object:
        if isinstance(value, dict) and "$b" in value:
            return base64.b64decode(value["$b"])
        return value

    return [{k: decode(v) for k, v in json.loads(line).items()} for line in text.splitlines() if line]


def keyring_keys(keyring: Path, master: bytes) -> tuple[dict[str, bytes], dict[str, bytes], dict[str, bytes]]:
    """(member and household keys by id, data keys by "item|part", epoch keys by id) from a keyring file."""
    db = sqlite3.connect(keyring)
    owners = {}
    for key_id, owner_id, wrapped in db.execute("SELECT id, owner_id, wrapped FROM owner_keys"):
        key = _open(master, wrapped, f"wrap|owner|{owner_id}|{key_id}".encode())
        if key is not None:
            owners[key_id] = key
    data = {}
    for item, part, key_id, wrapped in db.execute("SELECT item_id, part, key_id, wrapped FROM data_keys"):
        if key_id in owners and (key := _open(owners[key_id], wrapped, f"wrap|data|{item}|{part}|{key_id}".encode())):
            data[f"{item}|{part}"] = key
    epochs = {}
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "epoch_keys" in tables:
        for key_id, epoch_id, owner_key_id, wrapped in db.execute("SELECT id, epoch_id, owner_key_id, wrapped FROM epoch_keys"):
            if owner_key_id in owners and (key := _open(owners[owner_key_id], wrapped, f"wrap|epoch|{epoch_id}|{key_id}|{owner_key_id}".encode())):
                epochs[key_id] = key
    db.close()
    return owners, data, epochs


def attack(backup: Path, keyring: Path, master: bytes, dictionary: list[str]) -> Loot:
    owners, data, epochs = keyring_keys(keyring, master)
    loot = Loot()
    with zipfile.ZipFile(backup) as archive:
        members = {m["id"] for m in _rows(archive, "members")}
        candidates: list[bytes] = []  # every key that could have sealed a derived artefact
        search_keys: list[bytes] = list(epochs.values())
        for member in members:
            for key_id, owner in owners.items():
                for purpose in ("vocabulary", "corpus"):
                    candidates.append(_hkdf(owner, f"echoless-derived|{purpose}|{member}|{key_id}"))
                search_keys.append(_hkdf(owner, f"echoless-derived|search|{member}|{key_id}"))
        for data_key in data.values():
            candidates.extend(_hkdf(data_key, f"echoless-derived/2|{purpose}") for purpose in ("vocabulary", "corpus", "annotation"))
        sealed: list[tuple[bytes, bytes]] = []
        for row in _rows(archive, "vocabulary_entries"):
            sealed.append((row["word"], f"derived|vocabulary|{row['member_id']}|{row['id']}|word".encode()))
        samples = {row["id"]: row for row in _rows(archive, "corpus_samples")}
        for row in samples.values():
            for part in ("audio", "transcript", "intent"):
                if row.get(part):
                    sealed.append((row[part], f"derived|sample|{row['member_id']}|{row['id']}|{part}".encode()))
        for row in _rows(archive, "corpus_annotations"):
            member = samples.get(row["sample_id"], {}).get("member_id", "")
            sealed.append((row["intent"], f"derived|annotation|{member}|{row['id']}|intent".encode()))
        for blob, associated in sealed:
            for key in candidates:
                if (plain := _open(key, blob, associated)) is not None:
                    loot.plaintexts.append(plain)
                    break
        for row in _rows(archive, "interactions"):  # the items themselves, under the data keys that are left
            for part, column in (("text", "transcript"), ("text", "response"), ("action", "action")):
                key = data.get(f"{row['id']}|{part}")
                if row.get(column) and key and (plain := _open(key, row[column], f"content|{row['member_id']}|{row['id']}|{column}".encode())):
                    loot.plaintexts.append(plain)
        tokens = {row["token"] for row in _rows(archive, "search_tokens")}  # the layout before migration 0017
        for row in _rows(archive, "search_postings"):  # packed entries: token (16 bytes) ‖ slots bitmap (32 bytes)
            tokens.update(row["entries"][i : i + 16] for i in range(0, len(row["entries"]), 48))
    for word in dictionary:
        folded = word.casefold()
        if any(hmac.new(key, f"w|{folded}".encode(), hashlib.sha256).digest()[:16] in tokens for key in search_keys):
            loot.confirmed_words.add(folded)
    return loot
