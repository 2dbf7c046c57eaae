"""Shared fixtures: a real data home on SQLite (and PostgreSQL when ECHOLESS_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from homes import BACKENDS, PG_ENV, Home, PostgresDatabases, make_settings, open_home  # noqa: E402


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases | None]:
    url = os.environ.get(PG_ENV)
    if not url:
        yield None
        return
    databases = PostgresDatabases(url)
    yield databases
    databases.drop_all()


@pytest.fixture(params=BACKENDS)
def home(request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresDatabases | None) -> Iterator[Home]:
    settings = make_settings(tmp_path, request.param, postgres)
    opened = open_home(settings, request.param)
    yield opened
    opened.vault.close()


@pytest.fixture
def sqlite_home(tmp_path: Path) -> Iterator[Home]:
    opened = open_home(make_settings(tmp_path, "sqlite", None), "sqlite")
    yield opened
    opened.vault.close()
