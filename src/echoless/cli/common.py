"""What every CLI command shares: settings, the open vault, the member it acts for, JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from echoless.terms import Role
from echoless.errors import EcholessError, ErrorCode
from echoless.settings import Settings
from echoless.vault import accounts
from echoless.vault.instance import Vault
from echoless.root import open_vault
from echoless.vault.models import Member

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def settings() -> Settings:
    return Settings()


@contextmanager
def vault() -> Iterator[Vault]:
    opened = open_vault(settings())
    try:
        yield opened
    finally:
        opened.close()


def member(v: Vault, name: str | None) -> Member:
    """The member a command acts for: the one named, else the household's owner."""
    household = accounts.default_household(v)
    if name:
        return accounts.find_member(v, household.id, name)
    everyone = accounts.members(v, household.id)
    owners = [m for m in everyone if m.role == Role.OWNER]
    return (owners or everyone)[0]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def parse_time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise EcholessError(f"{option} must be an ISO 8601 time, e.g. 2026-11-25T08:00", code=ErrorCode.INVALID_TIME) from exc
    return parsed if parsed.tzinfo else parsed.astimezone(UTC)
