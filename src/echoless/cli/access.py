"""`echoless members invite|reset`: the operator's side of invitations. The command line on the server is
the operator's tool — whoever holds the master key can read everything — so it may also set a password
directly (`members password`); these commands do what the owner does in the Privacy Hub: hand over a
one-time link with which the member chooses their own password."""

from __future__ import annotations

from typing import Annotated

import typer
from echoless.cli.common import console, print_json, settings, vault
from echoless.vault import accounts, credentials, invitations


def _show(invitation: invitations.Invitation, as_json: bool, what: str) -> None:
    config = settings()
    link = f"http://{config.host}:{config.port}{invitation.path}"
    if as_json:
        print_json({**invitation.to_json(), "link": link})
        return
    console.print(f"{what} Give [bold]{invitation.member.name}[/bold] this link (shown once; it works once, "
                  f"until {invitation.expires_at:%Y-%m-%d %H:%M} UTC):", highlight=False)
    console.print(link, highlight=False, soft_wrap=True)
    console.print("(Behind a proxy, use the address members open instead of this one; the path stays the same.)", highlight=False)


def members_invite(name: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """A one-time invitation for a member with no password yet: they open it and set their own."""
    with vault() as v:
        invitation = invitations.issue(v, accounts.find_member(v, accounts.default_household(v).id, name))
    _show(invitation, as_json, "Invitation issued.")


def members_reset(name: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Reset a member's access (sign-ins, tokens, password) and issue an invitation; shown to them at next sign-in."""
    with vault() as v:
        invitation = credentials.reset(v, accounts.find_member(v, accounts.default_household(v).id, name), by=None)
    _show(invitation, as_json, "Access reset: sign-ins ended, password and tokens revoked.")


def register(members_app: typer.Typer) -> None:
    members_app.command("invite")(members_invite)
    members_app.command("reset")(members_reset)
