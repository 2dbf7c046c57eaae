"""`echoless satellites add|list|remove`: the Wyoming satellites the server connects to (voicelink/satellite.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from echoless.cli.common import console, print_json, print_table, vault
from echoless.vault import accounts, satellites

satellites_app = typer.Typer(help="Wyoming satellites echoless connects to and runs the pipeline for.", no_args_is_help=True)


@satellites_app.command("add")
def satellites_add(
    uri: Annotated[str, typer.Argument(help="Where the satellite listens: tcp://HOST:PORT (wyoming-satellite --uri).")],
    device: Annotated[str, typer.Option("--device", help="The device it speaks as (personal: its member's requests; shared: its shared history).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Connect to a wyoming-satellite and run the pipeline on what it hears (the running server picks it up)."""
    with vault() as v:
        added = satellites.add(v, accounts.default_household(v).id, uri, device)
    if as_json:
        print_json(added.to_json())
    else:
        console.print(f"Satellite {added.satellite.uri} added, speaking as {added.device}.", highlight=False)


@satellites_app.command("list")
def satellites_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The satellites and the device each speaks as."""
    with vault() as v:
        found = satellites.listed(v, accounts.default_household(v).id)
    if as_json:
        print_json([s.to_json() for s in found])
        return
    print_table(("uri", "device", "id"), [(s.satellite.uri, s.device, s.satellite.id) for s in found], ids={"id"})


@satellites_app.command("remove")
def satellites_remove(
    uri_or_id: Annotated[str, typer.Argument(metavar="URI|ID")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Stop connecting to a satellite (what it heard stays in its device's history)."""
    with vault() as v:
        gone = satellites.remove(v, accounts.default_household(v).id, uri_or_id)
    if as_json:
        print_json({**gone.to_json(), "removed": True})
    else:
        console.print(f"Satellite {gone.satellite.uri} removed.", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(satellites_app, name="satellites")
