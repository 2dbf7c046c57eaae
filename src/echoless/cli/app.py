"""The `echoless` command. Each group of commands lives in its own module."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from echoless.cli import history, home, privacy, proofs, satellites, setup, sharing, voicelink
from echoless.cli.common import err_console, settings
from echoless.cli import derived as derived
from echoless.errors import EcholessError

# Libraries that log every request or model load at INFO: heard only with --verbose.
THIRD_PARTY = ("faster_whisper", "httpx", "httpcore", "huggingface_hub", "urllib3")

app = typer.Typer(
    name="echoless",
    help="A self-hosted voice assistant whose voice history belongs to its users.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
setup.register(app)
history.register(app)
privacy.register(app)
home.register(app)
proofs.register(app)
sharing.register(app)
derived.register(app)  # stats, backup, restore, vocabulary, corpus
voicelink.register(app)  # wyoming
satellites.register(app)  # satellites add, list, remove


def log_level(configured: str, *, verbose: bool, serving: bool) -> int:
    """`serve` logs at the configured level (INFO by default: it is a server). Any other command logs
    warnings and errors only, or the configured level with --verbose (at least INFO); a configured level
    quieter than WARNING is kept either way."""
    level = logging.getLevelName(configured.upper())
    level = level if isinstance(level, int) else logging.INFO
    if serving:
        return min(level, logging.INFO) if verbose else level
    return min(level, logging.INFO) if verbose else max(level, logging.WARNING)


@app.callback()
def _configure(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also log what is being done (INFO; never content).")] = False,
) -> None:
    level = log_level(settings().log_level, verbose=verbose, serving=ctx.invoked_subcommand in ("serve", "wyoming"))
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(level if verbose else max(level, logging.WARNING))
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter on every start


def main() -> None:
    try:
        app()
    except EcholessError as exc:
        err_console.print(f"[red]error[/red] ({exc.code}): {exc.message}", highlight=False)
        sys.exit(2 if exc.status < 500 else 1)
