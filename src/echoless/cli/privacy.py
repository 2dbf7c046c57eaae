"""Privacy controls from the shell: settings, sweep."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from echoless import root
from echoless.cli.common import console, member, print_json, private_output, progress, vault
from echoless.privacy import housekeeping, preferences
from echoless.vault import retention

settings_app = typer.Typer(help="Show or change a member's privacy settings.", invoke_without_command=True)

Choice = Annotated[str | None, typer.Option(help="dont_save, 1d, 7d, 30d, 3m, 18m or forever.")]


def _show(prefs: preferences.Preferences, as_json: bool) -> None:
    if as_json:
        print_json(prefs.to_json())
        return
    table = Table("part", "kept for")
    names = {"audio": "recordings (audio)", "text": "transcripts and responses", "action": "action records"}
    for part, choice in prefs.retention.items():
        table.add_row(names[part], retention.LABELS[choice])
    console.print(table)
    console.print(f"delete everything by voice: {'allowed' if prefs.voice_delete_all else 'not allowed'}")


@settings_app.callback()
def settings_show(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--user")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show the settings (the default), or change them with `settings set`."""
    if ctx.invoked_subcommand is not None:
        return
    with vault() as v:
        _show(preferences.of(member(v, user)), as_json)


@settings_app.command("set")
def settings_set(
    audio: Choice = None,
    text: Choice = None,
    action: Choice = None,
    voice_delete_all: Annotated[bool | None, typer.Option("--voice-delete-all/--no-voice-delete-all")] = None,
    user: Annotated[str | None, typer.Option("--user")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Change retention per part; shortening applies to existing history at the next sweep."""
    changes = {k: v for k, v in {"audio": audio, "text": text, "action": action}.items() if v is not None}
    with vault() as v:
        prefs = preferences.update(v, member(v, user), retention_changes=changes, voice_delete_all=voice_delete_all)
    _show(prefs, as_json)


def sweep(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Purge what retention says is due and finish interrupted deletions (for cron)."""
    with vault() as v:
        housekeeping.startup(v)
        counts = housekeeping.sweep(v)
    print_json(counts) if as_json else console.print(json.dumps(counts))




def export(
    out: Annotated[Path, typer.Option("--out", help="Write the zip here (a new file, mode 0600).")],
    user: Annotated[str | None, typer.Option("--user")] = None,
) -> None:
    """Export everything kept about a member: recordings, history.json, receipts, README."""
    from echoless.privacy.export import count, stream_export

    with vault() as v, progress() as bar:
        who = member(v, user)
        task = bar.add_task("Exporting", total=count(v, who) or 1)
        with private_output(out) as handle:
            for chunk in stream_export(v, who, progress=lambda done: bar.update(task, completed=done)):
                handle.write(chunk)
    console.print(f"Wrote {out}", highlight=False)


def verify(
    backup: Annotated[list[Path] | None, typer.Option("--backup", help="A backup file kept outside <home>/backups/.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Scan every store (and backups) byte for byte for anything of a deleted item, any plaintext, and
    any derived artefact without a living source."""
    with vault() as v:
        report = root.verify(v, backups=backup or [])
    if as_json:
        print_json(report.to_json())
    else:
        sizes = ", ".join(f"{store} {size:,} bytes" for store, size in sorted(report.scanned.items()))
        console.print(f"Scanned {sizes}.")
        for finding in report.findings:
            console.print(f"[red]{finding.store}[/red] {finding.kind}: {finding.detail} {finding.ref}", highlight=False)
        console.print("Clean: nothing of a deleted item, no plaintext." if report.clean else f"{len(report.findings)} finding(s).")
    if not report.clean:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.add_typer(settings_app, name="settings")
    app.command()(sweep)
    app.command()(export)
    app.command()(verify)
