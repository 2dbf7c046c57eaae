"""The household's home and the demo: `echoless home ...`, `echoless demo`."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from echoless import root
from echoless.cli.common import console, member, print_json, progress, vault
from echoless.errors import BadRequest, ErrorCode
from echoless.pipeline import hass_home
from echoless.sharing import connection
from echoless.pipeline import home as home_model
from echoless.vault import accounts, devices
from echoless.pipeline import homes

home_app = typer.Typer(help="The household's devices and areas (what the assistant can switch).", no_args_is_help=True)


@home_app.command("show")
def home_show(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show the home: a connected Home Assistant's areas and the entities it exposes to Assist, with their
    state; else the simulated home's areas, devices, shopping list and timers."""
    with vault() as v:
        household_id = accounts.default_household(v).id
        connected = root.connected_home(v, household_id)
        state = homes.load(v, household_id) if connected is None else None
    if connected is not None:
        _show_connected(*connected, as_json=as_json)
        return
    assert state is not None
    if as_json:
        print_json({"connected": False, **json.loads(state.to_json())})
        return
    table = Table("device", "kind", "area", "state")
    for d in state.devices:
        table.add_row(d.name, d.kind, d.area or "-", ("on" if d.on else "off") + (f" {d.brightness}%" if d.kind == "light" and d.on else ""))
    console.print(table)
    console.print(f"areas: {', '.join(state.areas) or '-'}")
    console.print(f"shopping list: {', '.join(i.name for i in state.open_items()) or '-'}")
    console.print(f"timers: {len(state.timers)}")


def _show_connected(settings: connection.Connection, view: hass_home.View, *, as_json: bool) -> None:
    if as_json:
        print_json({"connected": True, "url": settings.url, "history_days": settings.history_days, **view.to_json()})
        return
    console.print(f"Connected to Home Assistant at {settings.url} (it keeps its own state history "
                  f"{settings.history_days} days)", highlight=False)
    table = Table("entity", "name", "area", "state")
    for e in view.entities:
        table.add_row(e.entity_id, e.name, e.area or "-", e.state)
    console.print(table)
    console.print(f"areas: {', '.join(a.name for a in view.areas) or '-'}", highlight=False)


@home_app.command("connect")
def home_connect(
    url: Annotated[str, typer.Argument(help="Home Assistant's address, e.g. http://homeassistant.local:8123")],
    token_stdin: Annotated[bool, typer.Option("--token-stdin", help="Read a long-lived access token from stdin (required: a token is never an argument).")] = False,
    keep_days: Annotated[int | None, typer.Option("--keep-days", help="How many days Home Assistant's recorder keeps state history (its purge_keep_days), if not its default of 10; members are told.")] = None,
) -> None:
    """Connect the household to a Home Assistant: the assistant then acts on what it exposes to Assist."""
    if not token_stdin:
        raise BadRequest("give the token on stdin with --token-stdin (never as an argument)", code=ErrorCode.HOME_CONNECTION_INVALID)
    token = sys.stdin.readline().strip()
    with vault() as v:
        root.connect_home(v, accounts.default_household(v).id, url, token, keep_days=keep_days)
    console.print("Connected to Home Assistant.")


@home_app.command("disconnect")
def home_disconnect() -> None:
    """Forget the household's Home Assistant (its address and token); the simulated home acts again."""
    with vault() as v:
        removed = root.disconnect_home(v, accounts.default_household(v).id)
    console.print("Disconnected from Home Assistant." if removed else "No home was connected.")


@home_app.command("add-device")
def home_add_device(
    name: str,
    kind: Annotated[str, typer.Option(help="light or switch")] = "light",
    area: Annotated[str | None, typer.Option(help="An existing area.")] = None,
) -> None:
    """Add a light or switch."""
    with vault() as v, homes.edit(v, accounts.default_household(v).id) as state:
        home_model.add_device(state, name, kind, area)
    console.print(f"Added {name}")


@home_app.command("remove-device")
def home_remove_device(name: str) -> None:
    with vault() as v, homes.edit(v, accounts.default_household(v).id) as state:
        home_model.remove_device(state, name)
    console.print(f"Removed {name}")


@home_app.command("add-area")
def home_add_area(name: str) -> None:
    with vault() as v, homes.edit(v, accounts.default_household(v).id) as state:
        home_model.add_area(state, name)
    console.print(f"Added area {name}")


@home_app.command("remove-area")
def home_remove_area(name: str) -> None:
    with vault() as v, homes.edit(v, accounts.default_household(v).id) as state:
        home_model.remove_area(state, name)
    console.print(f"Removed area {name}")


def demo(
    user: Annotated[str | None, typer.Option("--user", help="Whose history to fill (default: the owner).")] = None,
    keep_audio: Annotated[bool, typer.Option("--keep-audio", help="Change the member's recording retention to 7 days first, so the demo's history has audio (default: settings are left alone).")] = False,
) -> None:
    """Make the demo household (kitchen, living room, bedroom; three lights and a coffee maker) and fill
    its history by running spoken requests through the real pipeline. Safe to run again. The member's
    privacy settings are left as they are (recordings: not saved, by default) unless --keep-audio."""
    from echoless.demo import CLIPS, clip
    from echoless.privacy import preferences

    with vault() as v:
        household = accounts.default_household(v)
        with homes.edit(v, household.id) as state:
            demo_state = home_model.demo_home()
            for area in demo_state.areas:
                if state.find_area(area) is None:
                    home_model.add_area(state, area)
            for device in demo_state.devices:
                if state.find_device(device.name) is None:
                    home_model.add_device(state, device.name, device.kind, device.area)
        speakers = {d.name: d for d in accounts.devices(v, household.id)}
        everyone = [m.id for m in accounts.members(v, household.id)]
        for name in ("kitchen speaker", "living room speaker"):  # shared devices that speak for every member
            if name not in speakers:
                speakers[name] = devices.add(v, household.id, name, members=everyone)[0]
        who = member(v, user)
        if who.settings.get("demo_loaded"):
            console.print("The demo is already loaded; nothing changed.")
            return
        if keep_audio:
            who = accounts.get_member(v, who.id)
            preferences.update(v, who, retention_changes={"audio": "7d"})
            console.print(f"Changed {who.name}'s settings: recordings are now kept for 7 days "
                          f"(`echoless settings set --audio dont_save --user {who.name}` turns that off).", highlight=False)
        with progress() as bar:
            task = bar.add_task("Speaking to the assistant", total=len(CLIPS))
            for index, name in enumerate(CLIPS):
                speaker = speakers["kitchen speaker" if index % 2 == 0 else "living room speaker"]
                root.ask(v, accounts.get_member(v, who.id), speaker.id, clip(name))
                bar.advance(task)
        current = accounts.get_member(v, who.id)
        accounts.update_member_settings(v, who.id, {**current.settings, "demo_loaded": True})
    recordings = preferences.of(current).to_json()["retention_labels"]["audio"]
    console.print(f"Demo loaded: {len(CLIPS)} requests in {who.name}'s history (recordings: {recordings}, "
                  f"as {who.name}'s settings say). See `echoless history`.", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(home_app, name="home")
    app.command()(demo)
