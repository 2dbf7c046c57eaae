"""`echoless skills ...` (install, list, enable, disable, remove) and `echoless shares` (the ledger)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from echoless.cli.common import console, member, print_json, print_table, vault, when
from echoless.errors import BadRequest, ErrorCode
from echoless.sharing import ledger, manifest, notices, skills

UserOpt = Annotated[str | None, typer.Option("--user", help="The member (default: the owner).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
NameArg = Annotated[str, typer.Argument(help="The skill's name (or id).")]

skills_app = typer.Typer(help="Third-party skills: install (owner), enable per member, see what each receives.", no_args_is_help=True)


@skills_app.command("install")
def install(
    file: Annotated[Path, typer.Argument(help="The skill manifest (YAML or JSON).")],
    allow_private_host: Annotated[bool, typer.Option(
        "--allow-private-host", help="Allow the skill's endpoints on this machine or the home network (a self-hosted skill).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Install (or update) a skill from its manifest; the owner does this."""
    try:
        text = file.read_bytes()
    except OSError as exc:
        raise BadRequest(f"cannot read {file}: {exc.strerror}", code=ErrorCode.FILE_UNREADABLE) from None
    parsed = manifest.parse(text, source=str(file))
    with vault() as v:
        skill = skills.install(v, member(v, None), parsed, allow_private_host=allow_private_host)
    if as_json:
        print_json(skill.to_json())
        return
    console.print(f"installed {skill.name} {skill.version} by {skill.publisher}; it asks for: {', '.join(skill.manifest.fields)}")


@skills_app.command("list")
def list_(user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """The installed skills, whether the member enabled each, and what each would receive."""
    with vault() as v:
        items = skills.for_member(v, member(v, user))
    if as_json:
        print_json(items)
        return
    table = Table("skill", "publisher", "version", "enabled", "receives", "privacy policy")
    for s in items:
        table.add_row(s["name"], s["publisher"], s["version"], "yes" if s["enabled"] else "no", ", ".join(s["receives"]), s["privacy_policy"])
    console.print(table)


@skills_app.command("enable")
def enable(name: NameArg, user: UserOpt = None,
           allow_transcript: Annotated[bool, typer.Option("--allow-transcript", help="Also send the transcript, if the skill declares it.")] = False) -> None:
    """Enable a skill for a member (it then receives only what `skills list` shows)."""
    with vault() as v:
        who = member(v, user)
        skill = skills.enable(v, who, name, allow_transcript=allow_transcript)
        receives = skills.receives(skill, allow_transcript and skill.manifest.wants_transcript)
    console.print(f"{skill.name} enabled for {who.name}; it will receive: {', '.join(receives)} (never audio)")


@skills_app.command("disable")
def disable(name: NameArg, user: UserOpt = None,
            forget: Annotated[bool, typer.Option("--forget", help="Also ask the skill to delete everything it got.")] = False) -> None:
    """Disable a skill for a member."""
    with vault() as v:
        skill = skills.disable(v, member(v, user), name, forget=forget)
        if forget:
            notices.deliver_due(v)  # one try now; the server retries until it is acknowledged
    console.print(f"{skill.name} disabled" + (" and asked to delete what it received" if forget else ""))


@skills_app.command("remove")
def remove(name: NameArg) -> None:
    """Uninstall a skill (owner). The ledger and pending deletion requests stay."""
    with vault() as v:
        skill = skills.uninstall(v, member(v, None), name)
    console.print(f"{skill.name} removed")


def shares(user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """What did I share, with whom, and did they delete it (the content-free share ledger)."""
    with vault() as v:
        items = ledger.shares(v, member(v, user))
    if as_json:
        print_json(items)
        return
    if not items:
        console.print("Nothing shared.")
        return
    rows = [(when(s["sent_at"]), s["recipient"], ", ".join(s["fields"]), s["interaction_id"] or "-", s["manifest_version"],
             s["outcome"], s["deletion"]["status"]) for s in items]
    print_table(("when", "skill", "fields", "interaction", "version", "outcome", "deletion"), rows, ids={"interaction"})


def register(app: typer.Typer) -> None:
    app.add_typer(skills_app, name="skills")
    app.command()(shares)
