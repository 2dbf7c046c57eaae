"""Setting up: init, members, devices, serve."""

from __future__ import annotations

from typing import Annotated

import typer
from echoless.terms import DeviceKind, Role
from echoless.cli import access, household, voicelink
from echoless.errors import BadRequest, ErrorCode
from echoless.cli import devices as devices_cli
from echoless.cli.common import console, print_json, print_table, settings, vault
from echoless.cli.household import read_password_stdin
from echoless.vault import accounts, credentials, devices, parents
from echoless.vault.instance import init_home
from echoless.root import open_vault

members_app = typer.Typer(help="Members of the household.", no_args_is_help=True)
devices_app = typer.Typer(help="Devices of the household.", no_args_is_help=True)


def init(
    household: Annotated[str, typer.Option(help="Name of the first household.")] = "Home",
    member: Annotated[str, typer.Option(help="Name of the first member (the owner).")] = "owner",
    device: Annotated[str, typer.Option(help="Name of the first device (personal to the owner).")] = "this-computer",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Create the data home: databases, blob folder, master and signing keys, a first household."""
    config = settings()
    created = init_home(config)
    v = open_vault(config)
    try:
        if not created and accounts.households(v):
            message = f"{config.home} is already initialised; nothing changed"
            print_json({"home": str(config.home), "created": False}) if as_json else console.print(message)
            return
        home = accounts.create_household(v, household)
        owner, member_token = accounts.add_member(v, home.id, member, Role.OWNER)
        # The first device is the owner's own computer: personal (see README, "Devices").
        first_device, device_token = devices.add(v, home.id, device, kind=DeviceKind.PERSONAL, member=owner.id)
    finally:
        v.close()
    if as_json:
        print_json(
            {
                "home": str(config.home),
                "created": True,
                "member": {"id": owner.id, "name": owner.name, "token": member_token},
                "device": {"id": first_device.id, "name": first_device.name, "token": device_token},
            }
        )
        return
    console.print(f"Initialised {config.home}")
    console.print(f"Member [bold]{owner.name}[/bold] token (shown once): {member_token}", highlight=False, soft_wrap=True)
    console.print(f"Device [bold]{first_device.name}[/bold] token (shown once): {device_token}", highlight=False, soft_wrap=True)


@members_app.command("add")
def members_add(
    name: str,
    role: Annotated[str, typer.Option(help="owner, adult or child.")] = "adult",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read a Privacy Hub password from stdin.")] = False,
    parent: Annotated[list[str] | None, typer.Option("--parent", help="A child profile's parent (an adult or owner); repeat for each. Default: the owners.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a member and print their token once."""
    password = read_password_stdin() if password_stdin else None
    parents.check_no_parents_for(role, parent or [])
    with vault() as v:
        household_id = accounts.default_household(v).id
        if role == Role.CHILD:
            added, token = parents.add_child(v, household_id, name, parent or [])
        else:
            added, token = accounts.add_member(v, household_id, name, role)
        if password is not None:
            credentials.operator_set_password(v, added, password)
    if as_json:
        print_json({"id": added.id, "name": added.name, "role": added.role, "token": token,
                    **({"parents": parent or []} if role == Role.CHILD else {})})
    else:
        console.print(f"Member [bold]{added.name}[/bold] token (shown once): {token}", highlight=False, soft_wrap=True)


@members_app.command("token")
def members_token(name: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Issue a new token for a member and print it once."""
    with vault() as v:
        found = accounts.find_member(v, accounts.default_household(v).id, name)
        token = accounts.new_member_token(v, found.id)
    print_json({"id": found.id, "name": found.name, "token": token}) if as_json else console.print(token, highlight=False, soft_wrap=True)


@members_app.command("list")
def members_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the household's members."""
    with vault() as v:
        found = accounts.members(v, accounts.default_household(v).id)
    if as_json:
        print_json([{"id": m.id, "name": m.name, "role": m.role} for m in found])
        return
    print_table(("name", "role", "id"), [(m.name, m.role, m.id) for m in found], ids={"id"})


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings).")] = None,
    wyoming_uri: Annotated[str | None, typer.Option("--wyoming-uri", help="Also serve Wyoming here (tcp://HOST:PORT), as --wyoming-device.")] = None,
    wyoming_device: Annotated[str | None, typer.Option("--wyoming-device", help=voicelink.DEVICE_HELP)] = None,
    beyond_loopback: voicelink.Beyond = False,
    allow: voicelink.Allow = None,
) -> None:
    """Run the HTTP API (and the Privacy Hub pages); with --wyoming-uri, a Wyoming server beside it."""
    import uvicorn

    from echoless.api.app import create_app

    config = settings()
    wyoming = None
    if wyoming_uri is not None or wyoming_device is not None:
        if not (wyoming_uri and wyoming_device):
            raise BadRequest("--wyoming-uri and --wyoming-device go together", code=ErrorCode.INVALID_REQUEST)
        wyoming = (wyoming_device, voicelink.checked(wyoming_uri, beyond_loopback, allow))
    uvicorn.run(
        create_app(config, wyoming=wyoming),
        host=host or config.host,
        port=port or config.port,
        log_level=config.log_level.lower(),
        access_log=False,
        proxy_headers=False,  # forwarded headers are trusted by echoless alone, from ECHOLESS_TRUSTED_PROXIES
    )


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(serve)
    app.add_typer(members_app, name="members")
    app.add_typer(devices_app, name="devices")
    household.register(app, members_app, devices_app)
    devices_cli.register(devices_app)
    access.register(members_app)  # members invite, members reset
