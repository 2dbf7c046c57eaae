"""Versioned schema migrations (Alembic), applied on start for both databases."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

from echoless.vault.db import Database

_HERE = Path(__file__).parent / "migrations"
VERSION_TABLES = {"data": "alembic_version", "keyring": "alembic_version_keyring"}


def _config(db: Database, which: str, metadata: MetaData, connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE / which))
    config.attributes.update(connection=connection, metadata=metadata, version_table=VERSION_TABLES[which])
    return config


def upgrade(db: Database, which: str, metadata: MetaData) -> None:
    with db._write_lock, db.write_engine.connect() as connection:
        command.upgrade(_config(db, which, metadata, connection), "head")
        connection.commit()


def new_revision(db: Database, which: str, metadata: MetaData, message: str) -> None:
    """Developer helper: autogenerate the next revision against an up-to-date database."""
    with db.write_engine.connect() as connection:
        command.revision(_config(db, which, metadata, connection), message=message, autogenerate=True)
