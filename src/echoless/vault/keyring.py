"""The keyring: its own database, apart from data (PRIVACY_MODEL §3.2). Member and household keys are
wrapped by the master key; data keys (one per interaction part) are wrapped by a member key.
Shredding deletes wrapped keys and then makes sure no copy survives in the database files."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Integer, LargeBinary, String, delete, func, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from echoless.errors import ErrorCode, VaultError
from echoless.vault import crypto
from echoless.vault.db import Database, UTCDateTime, utcnow

PARTS = ("audio", "text", "action")


class KeyringBase(DeclarativeBase):
    pass


class OwnerKey(KeyringBase):
    """A member's (or a household's) key, wrapped by the master key."""

    __tablename__ = "owner_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DataKey(KeyringBase):
    __tablename__ = "data_keys"
    item_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    part: Mapped[str] = mapped_column(String(8), primary_key=True)
    # No foreign key: destroying an owner key must stay one row, whatever the history size.
    key_id: Mapped[str] = mapped_column(String(32), index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EpochKey(KeyringBase):
    """A search epoch's key (derived/search.py), wrapped by the member key; rotated when an item of the
    epoch is deleted."""

    __tablename__ = "epoch_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    epoch_id: Mapped[str] = mapped_column(String(32))
    owner_key_id: Mapped[str] = mapped_column(String(32), index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Pseudonym(KeyringBase):
    """A skill's pseudonym for a member carried over a member-key rotation (it was derived from the old
    key), wrapped by the new member key: it dies with that key."""

    __tablename__ = "pseudonyms"
    owner_key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    skill_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KeyringCheck(KeyringBase):
    """A known value sealed under the master key: a wrong master key is recognised at open."""

    __tablename__ = "keyring_check"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KeyDestroyed(VaultError):
    code = ErrorCode.KEY_DESTROYED


@dataclass(frozen=True)
class PartKeys:
    keys: dict[str, bytes]  # part -> data key
    wrapped: dict[str, bytes]


def _owner_aad(owner_id: str, key_id: str) -> bytes:
    return f"owner|{owner_id}|{key_id}".encode()


def _data_aad(item_id: str, part: str, key_id: str) -> bytes:
    return f"data|{item_id}|{part}|{key_id}".encode()


class Keyring:
    def __init__(self, db: Database, master_key: bytes) -> None:
        self.db = db
        self._master = master_key
        self._owner_cache: dict[str, bytes] = {}
        self._epoch_cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    # Owner keys -------------------------------------------------------------------------------
    def create_owner_key(self, owner_id: str, key_id: str) -> None:
        key = crypto.new_key()
        wrapped = crypto.wrap_key(self._master, key, _owner_aad(owner_id, key_id))
        with self.db.write() as session:
            session.add(OwnerKey(id=key_id, owner_id=owner_id, wrapped=wrapped, created_at=utcnow()))
        with self._lock:
            self._owner_cache[key_id] = key

    def owner_key(self, owner_id: str, key_id: str) -> bytes:
        with self._lock:
            cached = self._owner_cache.get(key_id)
        if cached is not None:
            return cached
        with self.db.read() as session:
            row = session.get(OwnerKey, key_id)
        if row is None or row.owner_id != owner_id:
            raise KeyDestroyed("the owner key no longer exists")
        key = crypto.unwrap_key(self._master, row.wrapped, _owner_aad(owner_id, key_id))
        with self._lock:
            self._owner_cache[key_id] = key
        return key

    def unwrap_owner_row(self, row: OwnerKey) -> bytes:
        return crypto.unwrap_key(self._master, row.wrapped, _owner_aad(row.owner_id, row.id))

    @staticmethod
    def unwrap_data_row(owner_key: bytes, row: DataKey) -> bytes:
        return crypto.unwrap_key(owner_key, row.wrapped, _data_aad(row.item_id, row.part, row.key_id))

    def owner_key_exists(self, key_id: str) -> bool:
        with self.db.read() as session:
            return session.get(OwnerKey, key_id) is not None

    def destroy_owner_keys(self, key_ids: Sequence[str]) -> int:
        """Shred: the data keys under these owner keys become undecryptable at once."""
        with self._lock:
            for key_id in key_ids:
                self._owner_cache.pop(key_id, None)
            self._epoch_cache.clear()  # some were wrapped by these keys
        with self.db.write() as session:
            count = session.execute(delete(OwnerKey).where(OwnerKey.id.in_(list(key_ids)))).rowcount
        self.db.compact(("owner_keys",))  # only the small table: flat on PostgreSQL too
        return count

    def owner_key_ids(self, owner_id: str) -> list[str]:
        with self.db.read() as session:
            return list(session.scalars(select(OwnerKey.id).where(OwnerKey.owner_id == owner_id)))

    # Data keys --------------------------------------------------------------------------------
    def new_part_keys(self, owner_id: str, key_id: str, item_id: str, parts: Iterable[str]) -> PartKeys:
        owner = self.owner_key(owner_id, key_id)
        keys = {part: crypto.new_key() for part in parts}
        wrapped = {part: crypto.wrap_key(owner, key, _data_aad(item_id, part, key_id)) for part, key in keys.items()}
        return PartKeys(keys=keys, wrapped=wrapped)

    def store_part_keys(self, item_id: str, key_id: str, part_keys: PartKeys) -> None:
        now = utcnow()
        rows = [
            {"item_id": item_id, "part": part, "key_id": key_id, "wrapped": wrapped, "created_at": now}
            for part, wrapped in part_keys.wrapped.items()
        ]
        with self.db.write() as session:
            session.execute(insert(DataKey.__table__), rows)  # Core: the recording path's second store

    def part_keys(self, owner_id: str, key_id: str, item_id: str) -> dict[str, bytes]:
        owner = self.owner_key(owner_id, key_id)
        with self.db.read() as session:
            rows = session.scalars(select(DataKey).where(DataKey.item_id == item_id)).all()
        return {
            row.part: crypto.unwrap_key(owner, row.wrapped, _data_aad(item_id, row.part, key_id))
            for row in rows
            if row.key_id == key_id
        }

    def part_keys_many(self, owner_id: str, key_id: str, item_ids: list[str]) -> dict[str, dict[str, bytes]]:
        if not item_ids:
            return {}
        aead = AESGCM(self.owner_key(owner_id, key_id))
        # By primary key only, the owner key checked here: with `key_id = ?` in the query, SQLite (which has no
        # statistics) walks the key_id index over every key of the member (300,000 rows at 100,000 items).
        query = select(DataKey.item_id, DataKey.part, DataKey.wrapped, DataKey.key_id).where(DataKey.item_id.in_(item_ids))
        with self.db.engine.connect() as conn:  # plain rows: no ORM objects on the history hot path
            rows = conn.execute(query).all()
        found: dict[str, dict[str, bytes]] = {}
        for item_id, part, wrapped, under in rows:
            if under == key_id:
                found.setdefault(item_id, {})[part] = crypto.unwrap_key_with(aead, wrapped, _data_aad(item_id, part, key_id))
        return found

    def destroy_data_keys(self, item_ids: Sequence[str], parts: Sequence[str] = PARTS, *, compact: bool = True) -> int:
        return self.destroy_data_keys_of([(item_ids, parts)], compact=compact)[0]

    def destroy_data_keys_of(self, groups: Sequence[tuple[Sequence[str], Sequence[str]]], *, compact: bool = True) -> list[int]:
        """Shred the keys of several (items, parts) groups in one transaction (and one compaction);
        returns how many keys each group lost."""
        counts = []
        with self.db.write() as session:
            for item_ids, parts in groups:
                count = 0
                for start in range(0, len(item_ids), 500):
                    chunk = list(item_ids[start : start + 500])
                    count += session.execute(
                        delete(DataKey).where(DataKey.item_id.in_(chunk), DataKey.part.in_(list(parts)))
                    ).rowcount
                counts.append(count)
        if compact:
            self.db.compact(("data_keys",))
        return counts

    def destroy_data_keys_under(self, key_ids: Sequence[str]) -> int:
        """Purge step after delete-everything: the wrapped data keys are already useless."""
        with self.db.write() as session:
            count = session.execute(delete(DataKey).where(DataKey.key_id.in_(list(key_ids)))).rowcount
        self.db.compact(("data_keys",))
        return count

    def data_key_owners(self, item_ids: Iterable[str]) -> dict[str, str]:
        """For each item that still has a data key: the member key that wraps them now."""
        ids, found = sorted(set(item_ids)), {}
        with self.db.read() as session:
            for start in range(0, len(ids), 500):
                found.update(session.execute(select(DataKey.item_id, DataKey.key_id).where(DataKey.item_id.in_(ids[start : start + 500]))).all())
        return found

    def data_key_item_ids(self) -> set[str]:
        with self.db.read() as session:
            return set(session.scalars(select(DataKey.item_id)))

    def master_fits(self) -> bool | None:
        """Whether the master key opens this keyring: True, False, or None when the keyring holds no key
        at all (a new one — or one that is missing). Seals the check value on first use."""
        with self.db.read() as session:
            check = session.get(KeyringCheck, 1)
            owner = session.scalars(select(OwnerKey).limit(1)).first()
        if check is not None:
            try:
                return crypto.decrypt(self._master, check.sealed, _CHECK_AAD) == _CHECK
            except crypto.DecryptionFailed:
                return False
        if owner is not None:
            try:
                self.unwrap_owner_row(owner)
            except crypto.DecryptionFailed:
                return False
        with self.db.write() as session:
            session.add(KeyringCheck(id=1, sealed=crypto.encrypt(self._master, _CHECK, _CHECK_AAD), created_at=utcnow()))
        return True if owner is not None else None

    def erase(self, attempts: int = 3) -> bool:
        """Make destroyed keys unreachable in the keyring's files (see Database.compact); a few tries,
        since a reader may hold an old snapshot for a moment. False: the erase is still pending."""
        for attempt in range(attempts):
            if self.db.compact(("owner_keys", "data_keys", "epoch_keys")):
                return True
            time.sleep(0.05 * (attempt + 1))
        return False

    # Epoch keys (the search index's) -----------------------------------------------------------
    def create_epoch_key(self, owner_id: str, owner_key_id: str, epoch_id: str) -> tuple[str, bytes]:
        """A fresh key for a search epoch, wrapped by the member key; returns (its id, the key)."""
        owner = self.owner_key(owner_id, owner_key_id)
        key_id, key = secrets.token_hex(16), crypto.new_key()
        wrapped = crypto.wrap_key(owner, key, _epoch_aad(epoch_id, key_id, owner_key_id))
        with self.db.write() as session:
            session.execute(insert(EpochKey.__table__), [{
                "id": key_id, "epoch_id": epoch_id, "owner_key_id": owner_key_id, "wrapped": wrapped, "created_at": utcnow(),
            }])
        with self._lock:
            self._epoch_cache[key_id] = key
        return key_id, key

    def epoch_keys(self, owner_id: str, owner_key_id: str, key_ids: Iterable[str]) -> dict[str, bytes]:
        """The epoch keys that still exist, by id (a destroyed one is simply absent)."""
        wanted = set(key_ids)
        with self._lock:
            found = {k: self._epoch_cache[k] for k in wanted if k in self._epoch_cache}
        missing = wanted - set(found)
        if missing:
            owner = self.owner_key(owner_id, owner_key_id)
            with self.db.engine.connect() as conn:
                rows = conn.execute(select(EpochKey.id, EpochKey.epoch_id, EpochKey.wrapped).where(
                    EpochKey.id.in_(list(missing)), EpochKey.owner_key_id == owner_key_id)).all()
            for key_id, epoch_id, wrapped in rows:
                found[key_id] = crypto.unwrap_key(owner, wrapped, _epoch_aad(epoch_id, key_id, owner_key_id))
            with self._lock:
                self._epoch_cache.update({k: found[k] for k, _e, _w in rows})
        return found

    def destroy_epoch_keys(self, key_ids: Iterable[str], *, compact: bool = True) -> int:
        ids = list(key_ids)
        if not ids:
            return 0
        with self._lock:
            for key_id in ids:
                self._epoch_cache.pop(key_id, None)
        with self.db.write() as session:
            count = sum(session.execute(delete(EpochKey).where(EpochKey.id.in_(ids[i : i + 500]))).rowcount
                        for i in range(0, len(ids), 500))
        if compact:
            self.db.compact(("epoch_keys",))
        return count

    def destroy_epoch_keys_under(self, owner_key_ids: Sequence[str]) -> int:
        with self.db.write() as session:
            doomed = list(session.scalars(select(EpochKey.id).where(EpochKey.owner_key_id.in_(list(owner_key_ids)))))
        return self.destroy_epoch_keys(doomed)

    def epoch_key_ids(self) -> dict[str, str]:
        """Every epoch key that exists: id → epoch id."""
        with self.db.read() as session:
            return dict(session.execute(select(EpochKey.id, EpochKey.epoch_id)).all())

    # Pseudonyms carried over a rotation --------------------------------------------------------
    def keep_pseudonym(self, owner_id: str, owner_key_id: str, skill_id: str, pseudonym: str) -> None:
        owner = self.owner_key(owner_id, owner_key_id)
        wrapped = crypto.encrypt(owner, pseudonym.encode(), _pseudonym_aad(owner_key_id, skill_id))
        with self.db.write() as session:
            if session.get(Pseudonym, (owner_key_id, skill_id)) is None:
                session.add(Pseudonym(owner_key_id=owner_key_id, skill_id=skill_id, wrapped=wrapped, created_at=utcnow()))

    def kept_pseudonym(self, owner_id: str, owner_key_id: str, skill_id: str) -> str | None:
        with self.db.read() as session:
            row = session.get(Pseudonym, (owner_key_id, skill_id))
        if row is None:
            return None
        return crypto.decrypt(self.owner_key(owner_id, owner_key_id), row.wrapped, _pseudonym_aad(owner_key_id, skill_id)).decode()

    def destroy_pseudonyms_under(self, owner_key_ids: Sequence[str]) -> int:
        with self.db.write() as session:
            return session.execute(delete(Pseudonym).where(Pseudonym.owner_key_id.in_(list(owner_key_ids)))).rowcount


_CHECK = b"echoless keyring"
_CHECK_AAD = b"keyring-check"


def _epoch_aad(epoch_id: str, key_id: str, owner_key_id: str) -> bytes:
    return f"epoch|{epoch_id}|{key_id}|{owner_key_id}".encode()


def _pseudonym_aad(owner_key_id: str, skill_id: str) -> bytes:
    return f"pseudonym|{owner_key_id}|{skill_id}".encode()
