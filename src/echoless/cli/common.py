"""What every CLI command shares: settings, the open vault, the member it acts for, short ids, JSON
output, tables that never cut an id, progress on a terminal, and files written for the member only."""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from echoless.terms import Role
from echoless.errors import BadRequest, EcholessError, ErrorCode, NotFound
from echoless.settings import Settings
from echoless.vault import accounts, devices
from echoless.vault.instance import Vault
from echoless.root import open_vault
from echoless.vault.models import Member

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
MIN_TEXT_WIDTH = 8  # a table narrower than this per text column is shown as one record per item


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
    """The member a command acts for: the one named (or a shared device's history, by the device's name), else
    the household's owner."""
    household = accounts.default_household(v)
    if name:
        try:
            return accounts.find_member(v, household.id, name)
        except accounts.UnknownMember:
            shared = devices.find_shared(v, household.id, name)  # the operator reaches every history
            if shared is None:
                raise
            return shared
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


def when(value: datetime | str | None, *, seconds: bool = False) -> str:
    """A time for people: local, to the minute (or the second)."""
    if value is None:
        return "-"
    stamp = datetime.fromisoformat(value) if isinstance(value, str) else value
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def counts_text(counts: dict[str, Any] | None) -> str:
    """{"interactions": 2, "blobs": 1} as "interactions 2, blobs 1"."""
    return ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in (counts or {}).items()) or "none"


def latency_text(bounds: Sequence[int | None] | None, k: int) -> str:
    """A latency bucket as a labelled range, "500–1000 ms" (">10000 ms" above the last bound), or the
    suppression mark "<k" when the day had fewer than k requests."""
    if bounds is None:
        return f"<{k}"
    lower, upper = bounds
    return f">{lower} ms" if upper is None else f"{lower}–{upper} ms"


# Short ids ---------------------------------------------------------------------------------------
def unique(prefix: str, matches: Iterable[str], what: str) -> str:
    """The one id that starts with `prefix` (as git takes a shortened commit id)."""
    found = sorted({m for m in matches if m.startswith(prefix.lower())})
    if not found:
        raise NotFound(f"no {what} starts with {prefix!r}")
    if len(found) > 1:
        shown = ", ".join(found[:5]) + (", …" if len(found) > 5 else "")
        raise BadRequest(f"{prefix!r} names more than one {what} ({shown}); give more characters",
                         code=ErrorCode.AMBIGUOUS_ID)
    return found[0]


# Tables ------------------------------------------------------------------------------------------
def print_table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], *, ids: Collection[str] = (), key: str | None = None
) -> None:
    """A table whose id columns (`ids`) are never cut or wrapped; on a terminal too narrow for that, one
    record per item: its `key` (default: the first id column) on a line of its own, then `header  value`
    lines."""
    rows = [[str(cell) for cell in row] for row in rows]
    longest = {h: max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)}
    widths = {h: longest[h] for h in headers if h in ids}
    needed = sum(widths[h] if h in ids else min(longest[h], MIN_TEXT_WIDTH) for h in headers) + 3 * len(headers) + 1
    if needed > console.width:
        _print_records(headers, rows, key or next((h for h in headers if h in ids), headers[0]), ids)
        return
    table = Table()
    for header in headers:
        if header in ids:
            table.add_column(header, no_wrap=True, overflow="fold", min_width=widths[header])
        else:
            table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table, highlight=False)


def _print_records(headers: Sequence[str], rows: list[list[str]], key: str, ids: Collection[str]) -> None:
    first = headers.index(key)
    width = max(len(h) for h in headers)
    for number, row in enumerate(rows):
        if number:
            console.print()
        console.print(row[first] if key in ids else f"{key} {row[first]}", style="bold", highlight=False, markup=False)
        for i, header in enumerate(headers):
            if i != first:
                console.print(f"  {header:<{width}}  {row[i]}", highlight=False, markup=False)


# Progress ----------------------------------------------------------------------------------------
@contextmanager
def progress(quiet: bool = False) -> Iterator[Progress]:
    """A progress bar on stderr, shown only when both outputs are a terminal and not `quiet` (--json)."""
    shown = not quiet and sys.stdout.isatty() and err_console.is_terminal
    with Progress(console=err_console, disable=not shown, transient=True) as bar:
        yield bar


# Files written for the member --------------------------------------------------------------------
@contextmanager
def private_output(path: Path) -> Iterator[BinaryIO]:
    """Write `path` readable by its owner only (0600): under a new temporary name in the same folder
    (O_CREAT|O_EXCL|O_NOFOLLOW), renamed into place once complete. A symbolic link at `path` is refused,
    never followed; a failure leaves nothing behind."""
    if path.is_symlink():
        raise BadRequest(f"{path} is a symbolic link; refusing to write through it", code=ErrorCode.OUTPUT_IS_SYMLINK)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.partial")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(temporary, flags, 0o600)
    except OSError as exc:
        raise BadRequest(f"cannot write {path}: {exc.strerror}", code=ErrorCode.FILE_UNWRITABLE) from None
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _rename(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _rename(temporary: Path, path: Path) -> None:
    if path.is_symlink():  # appeared while writing; the rename would replace the link, but say so
        raise BadRequest(f"{path} is a symbolic link; refusing to write through it", code=ErrorCode.OUTPUT_IS_SYMLINK)
    try:
        os.replace(temporary, path)
    except OSError as exc:
        raise BadRequest(f"cannot write {path}: {exc.strerror}", code=ErrorCode.FILE_UNWRITABLE) from None


def write_private(path: Path, data: bytes) -> None:
    with private_output(path) as handle:
        handle.write(data)
