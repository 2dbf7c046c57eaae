"""The household's devices from the shell: personal (they speak for one member) or shared (for the members
listed; anything else goes to their shared history), whom they speak for, and removal."""

from __future__ import annotations

from typing import Annotated

import typer
from echoless import root
from echoless.cli.common import console, print_json, print_table, vault
from echoless.errors import BadRequest, ErrorCode
from echoless.privacy import deletion
from echoless.terms import DeviceKind
from echoless.vault import accounts, devices


def devices_add(
    name: str,
    personal: Annotated[str | None, typer.Option("--personal", metavar="MEMBER", help="A personal device: it speaks only for this member.")] = None,
    shared: Annotated[bool, typer.Option("--shared", help="A shared device: it speaks for the members listed with --member; "
                                         "anything else goes to its shared history.")] = False,
    member: Annotated[list[str] | None, typer.Option("--member", help="With --shared: a member it may speak for (repeat).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a personal or a shared device and print its token once."""
    if (personal is None) == (not shared) or (personal is not None and member):
        raise BadRequest("say whom the device speaks for: --personal MEMBER, or --shared [--member NAME ...]",
                         code=ErrorCode.INVALID_DEVICE_KIND)
    kind = DeviceKind.PERSONAL if personal is not None else DeviceKind.SHARED
    with vault() as v:
        household = accounts.default_household(v).id
        added, token = devices.add(v, household, name, kind=kind, member=personal, members=member or [])
        shown = devices.info(v, household, added.id)
    if as_json:
        print_json({**shown.to_json(), "token": token})
    else:
        console.print(f"Device [bold]{added.name}[/bold] ({_speaks_for(shown)}) token (shown once): {token}", highlight=False, soft_wrap=True)


def _speaks_for(shown: devices.DeviceInfo) -> str:
    if shown.device.kind == DeviceKind.PERSONAL:
        return f"personal, {shown.member}"
    return "shared, for " + (", ".join(shown.members) if shown.members else "no member yet")


def devices_members(
    name: str,
    add: Annotated[list[str] | None, typer.Option("--add", help="A member this shared device may speak for (repeat).")] = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", help="A member it may no longer speak for (repeat).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show or change the members a shared device may speak for."""
    with vault() as v:
        household = accounts.default_household(v).id
        shown = devices.change_members(v, household, name, add=add or [], remove=remove or []) if add or remove \
            else devices.info(v, household, name)
    print_json(shown.to_json()) if as_json else console.print(f"{shown.device.name}: {_speaks_for(shown)}", highlight=False)


def devices_place(
    name: str,
    area: Annotated[str | None, typer.Option("--area", help="The area it stands in, as the home names it (none: unplaced).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Place a device in an area, so that "turn on the lights" heard there acts on that area."""
    with vault() as v:
        shown = devices.place(v, accounts.default_household(v).id, name, area)
    print_json(shown.to_json()) if as_json else console.print(f"{shown.device.name}: in {shown.device.area or 'no area'}", highlight=False)


def devices_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the household's devices: personal (and whose) or shared (and for whom)."""
    with vault() as v:
        found = devices.describe(v, accounts.default_household(v).id)
    if as_json:
        print_json([d.to_json() for d in found])
        return
    rows = [(d.device.name, d.device.kind, d.member or ", ".join(d.members) or "-", d.device.id) for d in found]
    print_table(("name", "kind", "speaks for", "id"), rows, ids={"id"})


def devices_remove(name: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Remove a device and its tokens. What it heard for members stays their history; a shared device's
    shared history is deleted with it."""
    with vault() as v:
        device, job = root.remove_device(v, accounts.default_household(v).id, name)
    if as_json:
        print_json({"id": device.id, "name": device.name, "removed": True, "deletion": deletion.job_json(job) if job else None})
    else:
        gone = f" and its shared history (deletion {job.id})" if job else ""
        console.print(f"Removed device {device.name}{gone}.", highlight=False)


def register(devices_app: typer.Typer) -> None:
    devices_app.command("add")(devices_add)
    devices_app.command("members")(devices_members)
    devices_app.command("place")(devices_place)
    devices_app.command("list")(devices_list)
    devices_app.command("remove")(devices_remove)
