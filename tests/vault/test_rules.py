"""PRIVACY_MODEL §3.8: every table, blob kind and index is owned by a store of the registry that declares
how it dies; no table in the schema is owned by no store, and none by two."""

from __future__ import annotations

from sqlalchemy import inspect

from echoless import root
from echoless.settings import Settings
from echoless.vault.keyring import KeyringBase
from echoless.vault.migrate import VERSION_TABLES
from echoless.vault.models import Base
from echoless.vault.store import Database, DeletionRule, Registry, Restore
from homes import Home


def _registry() -> Registry:
    return Registry(root.stores(Settings()))


def test_every_store_declares_a_rule_for_each_of_its_tables() -> None:
    for store in _registry():
        for spec in store.tables:
            assert isinstance(spec.rule, DeletionRule) and spec.why, (store.name, spec.name)
            assert isinstance(spec.restore, Restore)
            assert set(spec.encrypted) <= {c.name for c in spec.table.columns}, (store.name, spec.name)


def test_no_table_of_the_schema_is_owned_by_no_store() -> None:
    registry = _registry()
    declared = {spec.name for spec in registry.tables(Database.DATA)}
    keyring = {spec.name for spec in registry.tables(Database.KEYRING)}
    assert set(Base.metadata.tables) == declared
    assert set(KeyringBase.metadata.tables) == keyring


def test_every_table_in_the_databases_is_declared(home: Home) -> None:
    """A table created by a migration but owned by no store would have no rule."""
    registry = home.vault.stores
    declared = {spec.name for db in Database for spec in registry.tables(db)} | set(VERSION_TABLES.values())
    for db in (home.vault.data, home.vault.keyring.db):
        actual = set(inspect(db.engine).get_table_names())
        assert actual - declared == set(), f"tables without a deletion rule: {actual - declared}"


def test_every_blob_kind_has_a_rule() -> None:
    kinds = _registry().blob_kinds()
    assert kinds and all(isinstance(spec.rule, DeletionRule) and spec.key for spec in kinds.values())


def test_blob_folders_on_disk_are_declared_kinds(home: Home) -> None:
    root_dir = home.settings.resolved_blob_dir
    assert {p.name for p in root_dir.iterdir() if p.is_dir()} <= set(home.vault.stores.blob_kinds())


def test_the_keyring_is_never_in_a_backup_nor_restored(home: Home) -> None:
    from echoless.privacy import backup

    keyring = {spec.name for spec in home.vault.stores.tables(Database.KEYRING)}
    assert all(spec.restore == Restore.CURRENT for spec in home.vault.stores.tables(Database.KEYRING))
    with __import__("zipfile").ZipFile(backup.make(home.vault).path) as archive:
        held = {name.rsplit("/", 1)[-1].removesuffix(".jsonl") for name in archive.namelist()}
    assert keyring and not keyring & held
