"""PRIVACY_MODEL §3.8: every table, blob kind and index declares how it dies."""

from __future__ import annotations

from sqlalchemy import inspect

from homes import Home
from echoless.vault.blobs import BLOB_KINDS
from echoless.vault.keyring import KeyringBase
from echoless.vault.migrate import VERSION_TABLES
from echoless.vault.models import Base
from echoless.vault.rules import DeletionRule


def _rules() -> dict[str, DeletionRule]:
    found = {}
    for metadata in (Base.metadata, KeyringBase.metadata):
        for table in metadata.tables.values():
            found[table.name] = table.info.get("deletion_rule")
    return found


def test_every_declared_table_has_a_rule() -> None:
    missing = [name for name, rule in _rules().items() if not isinstance(rule, DeletionRule)]
    assert missing == []


def test_every_table_in_the_databases_is_declared(home: Home) -> None:
    """A table created by a migration but not declared in the models would have no rule."""
    declared = set(_rules()) | set(VERSION_TABLES.values())
    for db in (home.vault.data, home.vault.keyring.db):
        actual = set(inspect(db.engine).get_table_names())
        assert actual - declared == set(), f"tables without a deletion rule: {actual - declared}"


def test_every_blob_kind_has_a_rule() -> None:
    assert BLOB_KINDS and all(isinstance(rule, DeletionRule) for rule in BLOB_KINDS.values())


def test_blob_folders_on_disk_are_declared_kinds(home: Home) -> None:
    root = home.settings.resolved_blob_dir
    assert {p.name for p in root.iterdir() if p.is_dir()} <= set(BLOB_KINDS)
