"""CLI of the derived stores: `echoless stats`, `echoless backup`, `echoless restore`,
`echoless corpus …` (consent, reviewer role, export), `echoless vocabulary`, `echoless verify`.
`echoless history --search WORDS` lives in cli/history.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from echoless import root
from echoless.cli.common import console, latency_text, member, print_json, vault
from echoless.privacy import backup as backups
from echoless.derived import corpus, stats, vocabulary

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
UserOpt = Annotated[str | None, typer.Option("--user", help="The member (default: the owner).")]
corpus_app = typer.Typer(help="Improving the assistant: consent, reviewers, the training dataset.", no_args_is_help=True)


def stats_command(
    days: Annotated[int | None, typer.Option(help="Only the last N days.")] = None, as_json: JsonOpt = False
) -> None:
    """Requests, intents, failures and latencies per day; counts below k are suppressed."""
    with vault() as v:
        body = root.stats_report(v, days=days)
    if as_json:
        print_json(body)
        return
    k = body["k"]

    def n(value: int | None) -> str:
        return f"<{k}" if value is None else str(value)

    table = Table("day", "requests", "failed", "p50", "p95", "intents")
    for day in body["days"]:
        intents = ", ".join(f"{name} {n(c)}" for name, c in day["intents"].items() if c is not None)
        table.add_row(day["day"], n(day["requests"]), n(day["failed"]), latency_text(day["latency_p50_range_ms"], k), latency_text(day["latency_p95_range_ms"], k), intents or "-")
    console.print(table)
    console.print(f"Counts below {k} are suppressed (shown as <{k}).")


def backup_command(
    out: Annotated[Path | None, typer.Option("--out", help="The backup file (default: <home>/backups/).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Back up the data stores: ciphertext only, never a key, with the deletion journal's position."""
    with vault() as v:
        info = backups.make(v, out)
    if as_json:
        print_json(info.to_json())
    else:
        console.print(f"Wrote {info.path}: {sum(info.tables.values())} rows, {info.blobs} blobs, journal at {info.journal['jobs']} deletions")


def restore_command(file: Path, as_json: JsonOpt = False) -> None:
    """Bring back what a backup holds and is missing now (items whose keys exist and that no deletion
    covered); nothing of current state is taken from it. Refuses while a server runs."""
    with vault() as v:
        done = root.restore(v, file)
    if as_json:
        print_json(done.to_json())
        return
    for warning in done.warnings:
        console.print(f"[yellow]warning[/yellow]: {warning}", highlight=False)
    skipped = ", ".join(f"{n} {why}" for why, n in sorted(done.skipped.items())) or "none"
    console.print(f"Brought back {done.items} interaction(s) and {done.blobs} recording(s); skipped: {skipped}. "
                  "Members, passwords, consent and settings stay as they are now.", highlight=False)


def vocabulary_command(user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """The words learned from a member's requests (shown to that member's own terminal)."""
    with vault() as v:
        words = vocabulary.to_json(v, member(v, user))
    if as_json:
        print_json({"words": words})
    else:
        console.print(", ".join(f"{w['word']} ({w['taught_by']})" for w in words) or "No learned words.", highlight=False)


@corpus_app.command("opt-in")
def opt_in(
    user: UserOpt = None,
    human_review: Annotated[bool, typer.Option("--human-review", help="Also let a person (a reviewer) read the samples.")] = False,
) -> None:
    """Contribute this member's future interactions to the training corpus (children cannot)."""
    with vault() as v:
        corpus.set_consent(v, member(v, user), True, human_review=human_review)
    reviewed = "a reviewer may read them" if human_review else "no person reads them (add --human-review to allow it)"
    console.print(f"Opted in: new interactions will be contributed; {reviewed}.")


@corpus_app.command("reviews")
def reviews(user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """When a person viewed one of this member's contributed samples."""
    with vault() as v:
        seen = corpus.reviews_of(v, member(v, user))
    if as_json:
        print_json(seen)
        return
    for entry in seen:
        console.print(f"{entry['viewed_at']}  sample {entry['sample']}", highlight=False)
    if not seen:
        console.print("No person has viewed your samples.")


@corpus_app.command("withdraw")
def withdraw(user: UserOpt = None) -> None:
    """Withdraw consent: every sample of this member is removed now."""
    with vault() as v:
        removed = corpus.set_consent(v, member(v, user), False)
    console.print(f"Withdrawn: {removed} sample(s) removed.")


@corpus_app.command("reviewer")
def reviewer(name: str, revoke: Annotated[bool, typer.Option("--revoke", help="Take the role away.")] = False) -> None:
    """Grant (or --revoke) the reviewer role; acts as the household owner."""
    with vault() as v:
        target = corpus.grant_reviewer(v, member(v, None), name, not revoke)
    console.print(f"{target.name}: reviewer {'revoked' if revoke else 'granted'}")


@corpus_app.command("export")
def export(out: Annotated[Path, typer.Option("--out", help="The dataset folder (keep it outside the data home).")]) -> None:
    """Write the dataset: audio files and manifest.jsonl; never a deleted or withdrawn sample."""
    with vault() as v:
        count = corpus.export(v, out)
    console.print(f"Wrote {count} sample(s) to {out}")


def register(app: typer.Typer) -> None:
    app.command("stats")(stats_command)
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    app.command("vocabulary")(vocabulary_command)
    app.add_typer(corpus_app, name="corpus")
