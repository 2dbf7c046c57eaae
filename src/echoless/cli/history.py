"""Voice history from the shell: record, ask, history, show, play, delete."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from echoless import root
from echoless.cli.common import (
    console, counts_text, member, parse_time, print_json, print_table, unique, vault, when, write_private,
)
from echoless.terms import Scope
from echoless.errors import AudioTooLarge, BadRequest, EcholessError, ErrorCode
from echoless.privacy import deletion
from echoless.vault import accounts, interactions
from echoless.vault.instance import Vault
from echoless.vault.models import Member

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
    file: Annotated[Path | None, typer.Argument(help="A recording of the request (or use --text).")] = None,
    text: Annotated[str | None, typer.Option("--text", help="The request, typed instead of spoken.")] = None,
    user: UserOpt = None,
    device: DeviceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a request through the pipeline: a recording (hear, understand, act, answer, record) or --text
    (the same from understanding on)."""
    if (file is None) == (text is None):
        raise BadRequest("give a recording FILE or --text TEXT (exactly one of them)", code=ErrorCode.BAD_REQUEST)
    with vault() as v:
        who, device_id = member(v, user), _device_id(v, device)
        if text is not None:
            result = root.ask_text(v, who, text, device_id=device_id)
        else:
            assert file is not None
            result = root.ask(v, who, device_id, _read_audio(v, file))
    if as_json:
        print_json(result.to_json())
        return
    _lines([
        ("id", result.id or "not stored (the member's settings keep none of it)"),
        ("typed" if text is not None else "heard", result.transcript),
        ("intent", result.intent or "not understood"),
        ("slots", slots_text(result.slots)),
        ("action", action_text(result.action)),
        ("answer", result.response),
    ])


def _lines(pairs: list[tuple[str, Any]]) -> None:
    for label, value in pairs:
        console.print(f"[bold]{label:<9}[/bold]{value}", highlight=False)


def slots_text(slots: dict[str, Any] | None) -> str:
    if not slots:
        return "none"
    return ", ".join(f"{name}={value if isinstance(value, str) else json.dumps(value)}" for name, value in slots.items())


def action_text(action: dict[str, Any] | None) -> str:
    """"intent: …, slots: …, result: …" (an imported action may carry other keys: shown as key: value)."""
    if not action:
        return "none"
    parts = [f"intent: {action['intent'] or 'none'}"] if "intent" in action else []
    if "slots" in action:
        parts.append(f"slots: {slots_text(action['slots'])}")
    if "result" in action:
        parts.append(f"result: {action['result']}" + (" (failed)" if action.get("success") is False else ""))
    shown = {"intent", "slots", "result", "success"}
    parts += [f"{k}: {v if isinstance(v, str) else json.dumps(v)}" for k, v in action.items() if k not in shown]
    return ", ".join(parts)


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
    rows = [
        (when(item.created_at), item.device_name or "-", item.source, item.transcript or "-", item.response or "-",
         str(item.action.get("result", "-")) if item.action else "-", item.id)
        for item in page.items
    ]
    print_table(("when", "device", "via", "heard", "answered", "did", "id"), rows, ids={"id"})
    if page.next_cursor:
        console.print(f"more: --cursor {page.next_cursor}", highlight=False)


def interaction_id(v: Vault, who: Member, given: str) -> str:
    """The interaction a full or shortened id names (unique prefix, as git takes)."""
    return unique(given, interactions.ids_starting_with(v, who, given), "interaction")


def show(
    item_id: Annotated[str, typer.Argument(help="The interaction's id, or a unique start of it.")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one interaction."""
    with vault() as v:
        who = member(v, user)
        item = interactions.get(v, who, interaction_id(v, who, item_id))
    if as_json:
        print_json(item.to_json())
        return
    audio = f"{item.audio_type}, {item.audio_size:,} bytes" if item.audio_type else "not kept"
    _lines([
        ("id", item.id),
        ("when", item.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("device", item.device_name or "-"),
        ("via", item.source),
        ("heard", item.transcript if item.transcript is not None else "not kept"),
        ("answer", item.response if item.response is not None else "not kept"),
        ("action", action_text(item.action) if item.action is not None else "not kept"),
        ("audio", audio),
        *(("kept" if i == 0 else "", line) for i, line in enumerate(_expiries(item.expires))),
    ])


PART_NAMES = {"audio": "recording", "text": "transcript and answer", "action": "action record"}


def _expiries(expires: dict[str, datetime | None]) -> list[str]:
    lines = [f"{PART_NAMES.get(part, part)} until {when(at) if at else 'deleted'}" for part, at in expires.items()]
    return lines or ["nothing"]


def play(
    item_id: Annotated[str, typer.Argument(help="The interaction's id, or a unique start of it.")],
    out: Annotated[Path, typer.Option("--out", help="Write the recording here (original format, mode 0600).")],
    user: UserOpt = None,
) -> None:
    """Write an interaction's recording, decrypted, to a new file readable only by you."""
    with vault() as v:
        who = member(v, user)
        data, content_type = interactions.audio(v, who, interaction_id(v, who, item_id))
    write_private(out, data)
    console.print(f"Wrote {len(data):,} bytes ({content_type}) to {out}", highlight=False)


def delete(
    ids: Annotated[list[str] | None, typer.Argument(help="Interaction ids (or unique starts of them).")] = None,
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
        full_ids = [interaction_id(v, who, given) for given in ids or []]
        what = (
            f"ALL history of {who.name}" if everything
            else f"{len(full_ids)} interaction(s)" if ids
            else f"history of {who.name} from {since or 'the beginning'} until {until or 'now'}"
        )
        if not yes:
            if not sys.stdin.isatty():
                raise BadRequest("not on a terminal: pass --yes to confirm the deletion", code=ErrorCode.CONFIRMATION_REQUIRED)
            if not typer.confirm(f"Delete {what}? This cannot be undone"):
                raise typer.Exit(code=1)
        scope = Scope.ALL if everything else Scope.ITEMS if ids else Scope.RANGE
        job = root.request_deletion(
            v, who, scope, ids=full_ids, since=parse_time(since, "--since"), until=parse_time(until, "--until")
        )
        if not as_json:
            console.print(f"Shredded: {what} (keys destroyed at {job.shredded_at:%H:%M:%S}).")
        job = deletion.get_job(v, who, job.id)  # a one-shot command's runner purges at once
    if as_json:
        print_json(deletion.job_json(job))
    else:
        console.print(f"Purged from every store: {counts_text(job.counts)}; deletion {job.id}", highlight=False)


def register(app: typer.Typer) -> None:
    for command in (record, ask, history, show, play, delete):
        app.command()(command)


__all__ = ["register", "EcholessError"]
