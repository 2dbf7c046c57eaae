"""Managing the household from the shell: member passwords and removal, device removal, tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from echoless import root
from echoless.cli.common import console, print_json, print_table, vault, when
from echoless.errors import BadRequest, ErrorCode
from echoless.privacy import deletion
from echoless.vault import accounts, credentials

tokens_app = typer.Typer(help="API and device tokens.", no_args_is_help=True)


def read_password_stdin() -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if len(line) < accounts.MIN_PASSWORD:
        raise BadRequest(f"a password must have at least {accounts.MIN_PASSWORD} characters (read from stdin)", code=ErrorCode.WEAK_PASSWORD)
    return line


def members_remove(
    name: str,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: delete this member and all of their data.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Remove a member with all of their data (history, keys, sign-ins, tokens). Cannot be undone."""
    if not yes:
        raise BadRequest(f"this deletes {name!r} and all of their data for good; add --yes to confirm", code=ErrorCode.CONFIRMATION_REQUIRED)
    with vault() as v:
        member, job = root.remove_member(v, accounts.default_household(v).id, name)
    if as_json:
        print_json({"id": member.id, "name": member.name, "deletion": deletion.job_json(job)})  # type: ignore[arg-type]
    else:
        console.print(f"Removed [bold]{member.name}[/bold] and all of their data (deletion {job.id}).", highlight=False)  # type: ignore[attr-defined]


def members_password(name: str) -> None:
    """Set a member's Privacy Hub password (stdin, or asked twice at a terminal); recorded in the audit log."""
    password = typer.prompt("New password", hide_input=True, confirmation_prompt=True) if sys.stdin.isatty() else read_password_stdin()
    with vault() as v:
        member = accounts.find_member(v, accounts.default_household(v).id, name)
        ended = credentials.operator_set_password(v, member, password)
    console.print(f"Password set for [bold]{member.name}[/bold]; {ended} sign-in(s) ended.", highlight=False)


@tokens_app.command("list")
def tokens_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the household's tokens by their public id (the tokens themselves are never stored)."""
    with vault() as v:
        found = accounts.tokens(v, accounts.default_household(v).id)
    if as_json:
        print_json([t.to_json() for t in found])
        return
    rows = [(t.id, t.kind, t.subject_name, when(t.created_at), "revoked" if t.revoked_at else "active") for t in found]  # type: ignore[attr-defined]
    print_table(("id", "kind", "for", "created", "state"), rows, ids={"id"})


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str | None, typer.Argument(help="The token's id from `tokens list`.")] = None,
    member: Annotated[str | None, typer.Option(help="Revoke every token of this member.")] = None,
    device: Annotated[str | None, typer.Option(help="Revoke every token of this device.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Revoke one token, or every token of a member or a device."""
    if sum(x is not None for x in (token_id, member, device)) != 1:
        raise BadRequest("name one token id, or --member NAME, or --device NAME", code=ErrorCode.INVALID_SCOPE)
    with vault() as v:
        household = accounts.default_household(v).id
        if token_id:
            accounts.revoke_token(v, household, token_id)
            count = 1
        elif member:
            count = accounts.revoke_tokens_of(v, accounts.find_member(v, household, member).id)
        else:
            count = accounts.revoke_tokens_of(v, accounts.find_device(v, household, device or "").id)
    print_json({"revoked": count}) if as_json else console.print(f"Revoked {count} token(s).")


def register(app: typer.Typer, members_app: typer.Typer, devices_app: typer.Typer) -> None:
    members_app.command("remove")(members_remove)
    members_app.command("password")(members_password)
    app.add_typer(tokens_app, name="tokens")
