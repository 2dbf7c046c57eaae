"""Fixtures for the sharing tests: a data home with fast retries, and helpers that drive a share."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from homes import BACKENDS, Home, PostgresDatabases, make_settings, open_home  # noqa: E402

FAST = {
    "share_timeout_seconds": 1.0,
    "share_retry_base_seconds": 0.05,
    "share_retry_max_seconds": 0.2,
    "sweep_interval_seconds": 0.1,
    "speech": False,
}


@pytest.fixture(params=BACKENDS)
def skill_home(request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresDatabases | None) -> Iterator[Home]:
    overrides = dict(FAST, **getattr(request, "param_overrides", {}))
    opened = open_home(make_settings(tmp_path, request.param, postgres, **overrides), request.param)
    yield opened
    opened.vault.close()


@pytest.fixture
def overdue_home(tmp_path: Path) -> Iterator[Home]:
    """SQLite home whose deletion requests go overdue after one second."""
    settings = make_settings(tmp_path, "sqlite", None, **FAST, share_deletion_deadline_days=1.0 / 86400)
    opened = open_home(settings, "sqlite")
    yield opened
    opened.vault.close()
