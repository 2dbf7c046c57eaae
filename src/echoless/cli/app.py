"""The `echoless` command. Each group of commands lives in its own module."""

from __future__ import annotations

import logging

import typer

import sys

from echoless.cli import history, home, privacy, proofs, setup, sharing
from echoless.cli.common import err_console, settings
from echoless.cli import derived as derived
from echoless.errors import EcholessError

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


@app.callback()
def _configure() -> None:
    logging.basicConfig(
        level=settings().log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)


def main() -> None:
    try:
        app()
    except EcholessError as exc:
        err_console.print(f"[red]error[/red] ({exc.code}): {exc.message}", highlight=False)
        sys.exit(2 if exc.status < 500 else 1)
