"""Every SQLite database echoless opens zeroes what it deletes (PRAGMA secure_delete): this machine's
SQLite has it on by default, others do not, so the product sets it on every connection and this checks it
on a fresh connection of each engine of each database, starting from a connection where it is off (as it
is by default on other builds of SQLite)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event

from echoless.root import open_vault
from echoless.settings import Settings
from echoless.vault.instance import init_home


def test_every_sqlite_connection_deletes_securely_and_durably(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "data")
    init_home(settings)
    vault = open_vault(settings)
    try:
        databases = {"data": vault.data, "keyring": vault.keyring.db}
        for name, db in databases.items():
            assert db.is_sqlite, name
            for engine in (db.engine, db.write_engine):
                engine.dispose()  # a new connection, set up by the product's own connect hook…
                event.listen(engine, "connect", _platform_default_off, insert=True)  # …after SQLite's default, off
                with engine.connect() as conn:
                    assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1, name
                    assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal", name
                    assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2, name  # FULL
    finally:
        vault.close()


def _platform_default_off(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_conn.execute("PRAGMA secure_delete=OFF")
