"""Data homes for the benchmarks: a fresh vault on SQLite (in bench/.data) or on fresh PostgreSQL
databases that are dropped afterwards, with a household, an owner who keeps everything, and a device."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url

from echoless.root import open_vault
from echoless.settings import Settings
from echoless.vault import accounts
from echoless.vault.instance import Vault, init_home
from echoless.vault.models import Device, Household, Member

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "bench" / ".data"
POSTGRES_URL = os.environ.get("ECHOLESS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
KEEP_EVERYTHING = {"audio": "forever", "text": "forever", "action": "forever"}


def scratch(prefix: str) -> Path:
    DATA.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=DATA))


def postgres_version() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
        engine.dispose()
        return str(version)
    except Exception:  # noqa: BLE001 - reported as "not reachable"
        return None


class PostgresDatabases:
    """Fresh databases on the bench server, dropped by drop_all()."""

    def __init__(self, admin_url: str = POSTGRES_URL) -> None:
        self.admin_url = make_url(admin_url)
        self.engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self) -> str:
        name = f"echoless_bench_{secrets.token_hex(6)}"
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.engine.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.engine.dispose()


@dataclass
class BenchHome:
    root: Path
    backend: str
    settings: Settings
    vault: Vault
    household: Household
    owner: Member
    device: Device
    postgres: PostgresDatabases | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def add_members(self, count: int, retention: dict[str, str] | None = None, prefix: str = "m") -> list[Member]:
        made = []
        for i in range(count):
            member, _token = accounts.add_member(self.vault, self.household.id, f"{prefix}{i}-{secrets.token_hex(3)}")
            made.append(member)
        set_retention(self.vault, [m.id for m in made], retention or KEEP_EVERYTHING)
        return [accounts.get_member(self.vault, m.id) for m in made]

    def member(self, member_id: str) -> Member:
        return accounts.get_member(self.vault, member_id)

    def close(self) -> None:
        self.vault.close()
        if self.postgres is not None:
            self.postgres.drop_all()
        shutil.rmtree(self.root, ignore_errors=True)


def set_retention(vault: Vault, member_ids: list[str], retention: dict[str, str]) -> None:
    """Set many members' retention in one transaction (accounts.update_member_settings does one each)."""
    with vault.data.write() as session:
        for start in range(0, len(member_ids), 500):
            chunk = member_ids[start : start + 500]
            session.execute(update(Member).where(Member.id.in_(chunk)).values(settings={"retention": dict(retention)}))


class _Deferred:
    """A job runner that leaves each purge to the benchmark, which times it on its own."""

    def kick(self) -> None:
        pass


def _add_device(vault: Vault, household_id: str, name: str) -> tuple[Device, str]:
    """A shared device: `echoless.vault.devices.add` where devices have their own module, else `accounts.add_device`."""
    try:
        from echoless.vault import devices
    except ImportError:
        return accounts.add_device(vault, household_id, name)  # type: ignore[attr-defined]
    return devices.add(vault, household_id, name)


def make_home(backend: str, name: str) -> BenchHome:
    root = scratch(f"{name}-{backend}-")
    values: dict[str, Any] = {"home": root / "data"}
    postgres = None
    if backend == "postgres":
        postgres = PostgresDatabases()
        values.update(database_url=postgres.create(), keyring_url=postgres.create())
    settings = Settings(**values)
    vault = None
    try:
        init_home(settings)
        vault = open_vault(settings)
        vault.runtime.runner = _Deferred()  # the figures time the shred and the purge apart
        household = accounts.create_household(vault)
        owner, _ = accounts.add_member(vault, household.id, "owner", "owner")
        set_retention(vault, [owner.id], KEEP_EVERYTHING)
        device, _ = _add_device(vault, household.id, "kitchen speaker")
        return BenchHome(root, backend, settings, vault, household, accounts.get_member(vault, owner.id), device, postgres)
    except BaseException:  # leave no databases or folders behind
        if vault is not None:
            vault.close()
        if postgres is not None:
            postgres.drop_all()
        shutil.rmtree(root, ignore_errors=True)
        raise
