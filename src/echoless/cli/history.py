"""Voice history from the shell: record, ask, history, show, play, delete."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from echoless import root
from echoless.cli.common import console, member, parse_time, print_json, vault
from echoless.terms import Scope
from echoless.errors import AudioTooLarge, BadRequest, EcholessError, ErrorCode
from echoless.privacy import deletion
from echoless.vault import accounts, interactions
from echoless.vault.instance import Vault

UserOpt = Annotated[str | None, typer.Option("--user", help="The member (default: the owner).")]
DeviceOpt = Annotated[str | None, typer.Option("--device", help="The device (default: the first one).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _read_audio(v: Vault, path: Path) -> bytes:
    if not path.is_file():
        raise BadRequest(f"{path} is not a file", code=ErrorCode.FILE_NOT_FOUND)
    if path.stat().st_size > v.settings.max_audio_bytes:
        raise AudioTooLarge(f"the audio is larger than the limit of {v.settings.max_audio_bytes} bytes")
    return path.read_bytes()


def _device_id(v: Vault, name: str | None) -> str | None:
    household = accounts.default_household(v)
    if name:
        return accounts.find_device(v, household.id, name).id
    found = accounts.devices(v, household.id)
    return found[0].id if found else None


def record(
    file: Path,
    transcript: Annotated[str | None, typer.Option(help="What was said (skips recognition).")] = None,
    response: Annotated[str | None, typer.Option(help="What the assistant answered.")] = None,
    action: Annotated[str | None, typer.Option(help="The action record, as JSON or plain text.")] = None,
    user: UserOpt = None,
    device: DeviceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store a recording with its text (the import path); without text, run the pipeline like `ask`."""

    with vault() as v:
        who = member(v, user)
        data = _read_audio(v, file)
        device_id = _device_id(v, device)
        if transcript is None and response is None and action is None:
            result = root.ask(v, who, device_id, data)
            body: dict[str, Any] = result.to_json()
        else:
            item_id = root.import_recording(
                v, who, device_id, data, transcript=transcript, response=response, action=_action(action)
            )
            body = {"id": item_id, "stored": item_id is not None}
    if as_json:
        print_json(body)
    else:
        console.print(f"Recorded {body['id']}" if body["id"] else "Nothing stored (the member's settings keep none of it)")


def _action(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return {"result": text}
    return parsed if isinstance(parsed, dict) else {"result": text}


def ask(
    file: Path,
    user: UserOpt = None,
    device: DeviceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a recorded request through the pipeline: hear, understand, act, answer, record."""

    with vault() as v:
        result = root.ask(v, member(v, user), _device_id(v, device), _read_audio(v, file))
    if as_json:
        print_json(result.to_json())
        return
    console.print(f"[bold]heard[/bold]    {result.transcript}", highlight=False)
    console.print(f"[bold]intent[/bold]   {result.intent or '-'} {json.dumps(result.slots) if result.slots else ''}", highlight=False)
    console.print(f"[bold]answer[/bold]   {result.response}", highlight=False)


def history(
    user: UserOpt = None,
    since: Annotated[str | None, typer.Option(help="From this time (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this time (ISO 8601).")] = None,
    device: Annotated[str | None, typer.Option("--device", help="Only this device.")] = None,
    limit: Annotated[int, typer.Option(help="How many items.")] = 50,
    cursor: Annotated[str | None, typer.Option(help="Continue after this cursor.")] = None,
    search: Annotated[str | None, typer.Option("--search", help="Only items with all these words (prefixes of 3+ letters).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List a member's history, newest first."""
    with vault() as v:
        who = member(v, user)
        if search is not None:
            from echoless.derived import search as index  # the keyed-token index

            if since or until or device:
                raise BadRequest("--search cannot be combined with --since, --until or --device", code=ErrorCode.INVALID_SEARCH)
            page = index.search(v, who, search, cursor=cursor, limit=limit)
        else:
            device_id = accounts.find_device(v, who.household_id, device).id if device else None
            page = interactions.history(
                v, who, since=parse_time(since, "--since"), until=parse_time(until, "--until"),
                device_id=device_id, cursor=cursor, limit=limit,
            )
    if as_json:
        print_json({"items": [i.to_json() for i in page.items], "next_cursor": page.next_cursor})
        return
    if not page.items:
        console.print("No history.")
        return
    table = Table("when", "device", "heard", "answered", "did", "id")
    for item in page.items:
        table.add_row(
            item.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            item.device_name or "-",
            item.transcript or "-",
            item.response or "-",
            (item.action or {}).get("result", "-") if item.action else "-",
            item.id,
        )
    console.print(table)
    if page.next_cursor:
        console.print(f"more: --cursor {page.next_cursor}", highlight=False)


def show(item_id: str, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """Show one interaction."""
    with vault() as v:
        item = interactions.get(v, member(v, user), item_id)
    if as_json:
        print_json(item.to_json())
        return
    for label, value in item.to_json().items():
        console.print(f"[bold]{label:<11}[/bold] {value}", highlight=False)


def play(
    item_id: str,
    out: Annotated[Path, typer.Option("--out", help="Write the recording here (original format).")],
    user: UserOpt = None,
) -> None:
    """Write an interaction's recording, decrypted, to a file."""
    with vault() as v:
        data, content_type = interactions.audio(v, member(v, user), item_id)
    out.write_bytes(data)
    console.print(f"Wrote {len(data)} bytes ({content_type}) to {out}")


def delete(
    ids: Annotated[list[str] | None, typer.Argument(help="Interaction ids.")] = None,
    since: Annotated[str | None, typer.Option(help="Delete from this time (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Delete before this time (ISO 8601).")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Delete the member's whole history.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete interactions: by id, a time range, or --all. Returns once the keys are destroyed."""
    chosen = sum([bool(ids), since is not None or until is not None, everything])
    if chosen != 1:
        raise BadRequest("name ids, or --since/--until, or --all (exactly one of them)", code=ErrorCode.INVALID_SCOPE)
    with vault() as v:
        who = member(v, user)
        what = (
            f"ALL history of {who.name}" if everything
            else f"{len(ids or [])} interaction(s)" if ids
            else f"history of {who.name} from {since or 'the beginning'} until {until or 'now'}"
        )
        if not yes:
            if not sys.stdin.isatty():
                raise BadRequest("not on a terminal: pass --yes to confirm the deletion", code=ErrorCode.CONFIRMATION_REQUIRED)
            if not typer.confirm(f"Delete {what}? This cannot be undone"):
                raise typer.Exit(code=1)
        scope = Scope.ALL if everything else Scope.ITEMS if ids else Scope.RANGE
        job = root.request_deletion(
            v, who, scope, ids=ids or [], since=parse_time(since, "--since"), until=parse_time(until, "--until")
        )
        if not as_json:
            console.print(f"Shredded: {what} (keys destroyed at {job.shredded_at:%H:%M:%S}).")
        job = deletion.get_job(v, who, job.id)  # a one-shot command's runner purges at once
    if as_json:
        print_json(deletion.job_json(job))
    else:
        console.print(f"Purged from every store: {json.dumps(job.counts)}  deletion {job.id}", highlight=False)


def register(app: typer.Typer) -> None:
    for command in (record, ask, history, show, play, delete):
        app.command()(command)


__all__ = ["register", "EcholessError"]
