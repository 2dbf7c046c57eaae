"""Data homes for tests: a real vault on SQLite, or on fresh PostgreSQL databases."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from echoless.settings import Settings  # noqa: E402
from echoless.vault import accounts, devices  # noqa: E402
from echoless.vault.instance import Vault, init_home
from echoless.root import open_vault  # noqa: E402
from echoless.vault.models import Device, Member  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PG_ENV = "ECHOLESS_TEST_POSTGRES_URL"
KEEP_EVERYTHING = {"audio": "forever", "text": "forever", "action": "forever"}
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=[pytest.mark.postgres]
        + (
            []
            if os.environ.get(PG_ENV)
            else [pytest.mark.skip(reason=f"set {PG_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/postgres to run the PostgreSQL tests")]
        ),
    ),
]


@dataclass
class Home:
    """A data home opened for a test: the vault, its settings, and a household with owner and device."""

    settings: Settings
    vault: Vault
    owner: Member
    owner_token: str
    device: Device
    device_token: str
    backend: str

    def add_member(self, name: str, role: str = "adult", retention: dict[str, str] | None = None) -> tuple[Member, str]:
        member, token = accounts.add_member(self.vault, self.owner.household_id, name, role)
        if retention is not None:
            member = set_retention(self.vault, member, retention)
        return member, token

    def add_device(self, name: str, *, personal: Member | None = None, members: list[Member] = ()) -> tuple[Device, str]:  # type: ignore[assignment]
        """A personal device of `personal`, else a shared device that may speak for `members`."""
        if personal is not None:
            return devices.add(self.vault, self.owner.household_id, name, kind="personal", member=personal.id)
        return devices.add(self.vault, self.owner.household_id, name, members=[m.id for m in members])

    def member(self, member_id: str) -> Member:
        return accounts.get_member(self.vault, member_id)


def set_retention(vault: Vault, member: Member, retention: dict[str, str]) -> Member:
    return accounts.update_member_settings(vault, member.id, {**member.settings, "retention": dict(retention)})


class PostgresDatabases:
    """Creates fresh databases on the server named by ECHOLESS_TEST_POSTGRES_URL and drops them after."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self) -> str:
        name = f"echoless_test_{secrets.token_hex(6)}"
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.engine.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.engine.dispose()




def make_settings(root: Path, backend: str, postgres: PostgresDatabases | None, **overrides: object) -> Settings:
    values: dict[str, object] = {"home": root / "data"}
    if backend == "postgres":
        assert postgres is not None
        values.update(database_url=postgres.create(), keyring_url=postgres.create())
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def open_home(settings: Settings, backend: str) -> Home:
    init_home(settings)
    vault = open_vault(settings)
    household = accounts.create_household(vault)
    owner, owner_token = accounts.add_member(vault, household.id, "owner", "owner")
    owner = set_retention(vault, owner, KEEP_EVERYTHING)
    # A shared device that may speak for the owner (tests add members and personal devices as they need).
    device, device_token = devices.add(vault, household.id, "kitchen speaker", members=[owner.id])
    return Home(settings, vault, owner, owner_token, device, device_token, backend)
