"""`echoless wyoming`: serve one device of the household over Wyoming (voicelink/)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from echoless import root
from echoless.cli.common import settings
from echoless.voicelink.listen import DEFAULT_URI, Listener, listener
from echoless.voicelink.server import WyomingServer

DEVICE_HELP = "The device Wyoming clients speak as: a personal device's requests are its member's, a shared one's go to its shared history."
BEYOND_HELP = "Listen on an address other than loopback (Wyoming has no authentication; needs --allow)."
ALLOW_HELP = "A client address or network that may connect (repeat); required beyond loopback, optional on it."

Device = Annotated[str, typer.Option("--device", help=DEVICE_HELP)]
Beyond = Annotated[bool, typer.Option("--beyond-loopback", help=BEYOND_HELP)]
Allow = Annotated[list[str] | None, typer.Option("--allow", help=ALLOW_HELP)]


def checked(uri: str, beyond_loopback: bool, allow: list[str] | None) -> Listener:
    return listener(uri, beyond_loopback=beyond_loopback, allow=allow or [])


def wyoming(
    device: Device,
    uri: Annotated[str, typer.Option(help="Where to listen: tcp://HOST:PORT.")] = DEFAULT_URI,
    beyond_loopback: Beyond = False,
    allow: Allow = None,
) -> None:
    """Serve speech recognition, understanding and speech over Wyoming, as DEVICE (for Home Assistant, satellites)."""
    where = checked(uri, beyond_loopback, allow)
    vault = root.open_vault(settings())
    runner = root.start_background(vault)  # purges and sweeps, as the HTTP server does
    try:
        server = WyomingServer(vault, device, where)
        asyncio.run(server.run_forever())
    finally:
        runner.stop()
        vault.close()


def register(app: typer.Typer) -> None:
    app.command()(wyoming)
