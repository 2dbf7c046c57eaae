"""The Store protocol and the registry of stores (PRIVACY_MODEL §3.8; STYLE "Wiring").

A store says what it owns — its tables and blob kinds, each with its deletion rule and, for every
encrypted column, the key that protects it — and what it does when an interaction is recorded, shredded
and purged, after a restore, and under the verifier. Deletion, purge, backup, restore, compaction and the
verifier iterate the registry; no other list of tables exists. The composition root (echoless.root)
builds the registry in order; adding a store is one new class and one line there."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

if TYPE_CHECKING:  # types only: the vault module imports this one
    from echoless.vault.instance import Vault
    from echoless.vault.models import DeletionJob, Interaction, Member


class DeletionRule(StrEnum):
    INTERACTION_PART = "part-of-interaction"  # dies with its interaction
    USER = "of-user"  # dies with the member (delete everything / remove member)
    USER_STATE = "user-state"  # the user's own state; outlives history, never links back to it
    CONTENT_FREE = "content-free"  # holds no content; kept as a record (journal, audit, ledger)


class Restore(StrEnum):
    """What a restore does with a table's rows in a backup (PRIVACY_MODEL §3.2): it merges, never rolls back."""

    CONTENT = "content"  # rows of items missing now (whose keys exist, that no deletion covered) come back
    REBUILT = "rebuilt"  # made again from the restored content by the store (`restored`), never restored
    CURRENT = "current"  # state: never taken from a backup (members, credentials, consent, settings, journal…)


class Database(StrEnum):
    DATA = "data"
    KEYRING = "keyring"  # never in a backup


@dataclass(frozen=True)
class TableSpec:
    model: Any  # the declarative class
    rule: DeletionRule
    why: str
    encrypted: Mapping[str, str] = field(default_factory=dict)  # column -> the key that protects it
    restore: Restore = Restore.CURRENT
    item_column: str | None = None  # content: the column naming the interaction a row belongs to
    parent: tuple[str, str] | None = None  # content: (parent table, column naming the parent row's id)

    @property
    def table(self) -> Table:
        return self.model.__table__

    @property
    def name(self) -> str:
        return self.table.name


@dataclass(frozen=True)
class BlobSpec:
    kind: str
    rule: DeletionRule
    why: str
    key: str  # the key that protects every blob of this kind


# The verifier's findings ------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    store: str
    kind: str  # plaintext | deleted-residue | orphan-blob | orphan-key | undecryptable | orphan-derived | …
    detail: str
    ref: str = ""


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    scanned: dict[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.findings

    def add(self, store: str, kind: str, detail: str, ref: str = "") -> None:
        self.findings.append(Finding(store, kind, detail, ref))

    def to_json(self) -> dict:
        stores: dict[str, list[dict]] = {}
        for finding in self.findings:
            stores.setdefault(finding.store, []).append(asdict(finding))
        return {"clean": self.clean, "scanned": self.scanned, "findings": stores}


@dataclass
class Scan:
    """What the stores share during one verification: the findings, the ids of deleted items, the live
    items, and the plaintext fragments (needle → owner id) that the byte scan then looks for everywhere."""

    report: Report
    deleted_ids: set[str] = field(default_factory=set)
    live_ids: set[str] = field(default_factory=set)
    needles: dict[bytes, str] = field(default_factory=dict)
    backups: list[Path] = field(default_factory=list)


# The protocol -----------------------------------------------------------------------------------
class Store:
    """A store of the registry. Every hook defaults to doing nothing; each must be idempotent, since a
    resumed deletion calls it again."""

    name: str = ""
    database: Database = Database.DATA
    tables: tuple[TableSpec, ...] = ()
    blobs: tuple[BlobSpec, ...] = ()

    def record(
        self, session: Session, vault: Vault, member: Member, row: Interaction, new: Any, keys: Mapping[str, bytes]
    ) -> None:
        """Inside the transaction that stores an interaction, with the plaintext it was stored from and the
        data key of each part kept (what is derived from a part is keyed under that part's key): what the
        store derives commits with the row, or not at all."""

    def shred(self, session: Session, vault: Vault, jobs: list[DeletionJob]) -> None:
        """Inside the transaction that journals the jobs, before any key is destroyed."""

    def shredded(self, vault: Vault, jobs: list[DeletionJob]) -> None:
        """After that transaction, as the jobs' keys are destroyed: destroy the keys this store retired."""

    def purge(self, vault: Vault, jobs: list[DeletionJob]) -> Mapping[str, Mapping[str, int]]:
        """Physically remove what the jobs cover; returns counts per job id. Runs before the jobs are
        marked purged, so a crash here is resumed."""
        return {}

    def purged(self, session: Session, vault: Vault, jobs: list[DeletionJob]) -> None:
        """Inside the transaction that marks the jobs purged (receipts)."""

    def after_purge(self, vault: Vault, jobs: list[DeletionJob]) -> None:
        """After that transaction: wake-ups only, nothing a crash may lose."""

    def restored(self, vault: Vault, items: set[str], counts: dict[str, int]) -> None:
        """After a restore brought `items` back and the journal was replayed: make again what the store
        derives from them (REBUILT tables), and drop what current state no longer allows."""

    def verify(self, vault: Vault, scan: Scan) -> None:
        """Add findings, and the plaintext needles of what the store holds, to the scan."""


class Registry(Sequence[Store]):
    """The ordered stores of one vault."""

    def __init__(self, stores: Iterable[Store] = ()) -> None:
        self._stores = list(stores)
        names = [store.name for store in self._stores]
        if len(set(names)) != len(names) or not all(names):
            raise ValueError(f"stores need unique names: {names}")
        owners: dict[str, str] = {}
        for store in self._stores:
            for spec in store.tables:
                if spec.name in owners:
                    raise ValueError(f"table {spec.name} is owned by both {owners[spec.name]} and {store.name}")
                owners[spec.name] = store.name

    def __getitem__(self, index):  # type: ignore[no-untyped-def,override]
        return self._stores[index]

    def __len__(self) -> int:
        return len(self._stores)

    def __iter__(self) -> Iterator[Store]:
        return iter(self._stores)

    def named(self, name: str) -> Store:
        for store in self._stores:
            if store.name == name:
                return store
        raise KeyError(name)

    def tables(self, database: Database = Database.DATA) -> list[TableSpec]:
        return [spec for store in self._stores if store.database == database for spec in store.tables]

    def owner_of(self, table: str) -> Store | None:
        return next((s for s in self._stores if any(spec.name == table for spec in s.tables)), None)

    def blob_kinds(self) -> dict[str, BlobSpec]:
        return {spec.kind: spec for store in self._stores for spec in store.blobs}

    def deleting_tables(self, database: Database = Database.DATA) -> tuple[str, ...]:
        """Tables whose rows a deletion removes: compacted after a purge."""
        dying = (DeletionRule.INTERACTION_PART, DeletionRule.USER)
        return tuple(spec.name for spec in self.tables(database) if spec.rule in dying)
