"""The `echoless` command. Each group of commands lives in its own module."""

from __future__ import annotations

import logging

import typer

from echoless.cli import history, home, privacy, setup
import sys

from echoless.cli import proofs
from echoless.cli import sharing
from echoless.cli.common import err_console, settings
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
proofs.register(app)  # proofs imports echoless.privacy.receipts, which registers the purge hook
sharing.register(app)  # skills and shares; importing it registers the share-notice deletion hooks
import echoless.derived.hooks  # noqa: F401,E402  (search index, vocabulary, corpus, stats, lineage)
from echoless.derived import cli as derived  # noqa: E402

derived.register(app)  # stats, backup, restore, vocabulary, verify, corpus


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
