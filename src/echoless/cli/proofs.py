"""Proofs of deletion from the shell: receipts, the instance's public key, the audit log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from echoless.cli.common import console, err_console, member, print_json, settings, vault
from echoless.errors import BadRequest, ErrorCode
from echoless.vault import audit
from echoless.privacy import receipts as store  # importing it registers the receipt purge hook
from echoless.vault.signing import load_signing_key, public_key_text

UserOpt = Annotated[str | None, typer.Option("--user", help="The member (default: the owner).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]

receipt_app = typer.Typer(help="Show or verify one deletion receipt.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained, content-free audit log.", no_args_is_help=True)


def receipts(user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """List a member's deletion receipts, newest first."""
    with vault() as v:
        docs = store.list_for(v, member(v, user))
    if as_json:
        print_json(docs)
        return
    table = Table("receipt", "deletion", "scope", "counts", "purged at")
    for doc in docs:
        table.add_row(doc["receipt_id"], doc["deletion_id"], doc["scope"], json.dumps(doc["counts"]), doc["purged_at"])
    console.print(table)


@receipt_app.command("show")
def receipt_show(
    receipt_id: Annotated[str, typer.Argument(help="The receipt id.")],
    user: UserOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the signed document to this file.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one receipt (the signed JSON document with --json)."""
    with vault() as v:
        doc = store.get(v, member(v, user), receipt_id)
    if out is not None:
        out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    if as_json:
        print_json(doc)
        return
    for name in ("receipt_id", "deletion_id", "member", "scope", "shredded_at", "purged_at", "issued_at", "audit_head"):
        console.print(f"{name}: {doc.get(name)}", highlight=False)
    console.print(f"counts: {json.dumps(doc['counts'])}", highlight=False)
    console.print(f"keys destroyed: {len(doc['keys_destroyed'])}; third parties: {len(doc['third_parties'])}", highlight=False)


def _read_pubkey(value: str) -> str:
    if value.strip().startswith("ed25519:"):
        return value.strip()
    path = Path(value)
    if not path.is_file():
        raise BadRequest("--pubkey takes `ed25519:…` or a file holding it", code=ErrorCode.INVALID_PUBLIC_KEY)
    text = path.read_text().strip()
    if text.startswith("{"):  # the JSON of GET /v1/pubkey
        try:
            text = str(json.loads(text)["public_key"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadRequest(f"{path} holds no public key", code=ErrorCode.INVALID_PUBLIC_KEY) from exc
    return text


@receipt_app.command("verify")
def receipt_verify(
    file: Annotated[Path, typer.Argument(help="A receipt document (JSON).")],
    pubkey: Annotated[str | None, typer.Option("--pubkey", help="The instance key `ed25519:…`, or a file holding it.")] = None,
) -> None:
    """Verify a receipt offline: needs only the file and the instance's public key, never the vault."""
    try:
        doc: Any = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadRequest(f"cannot read a JSON receipt from {file}", code=ErrorCode.INVALID_RECEIPT) from exc
    result = store.check_document(doc, _read_pubkey(pubkey) if pubkey is not None else None)
    if not result.valid:
        err_console.print(f"[red]INVALID[/red]: {result.reason}", highlight=False)
        raise typer.Exit(code=1)
    console.print("valid", highlight=False)
    if not result.pinned:
        err_console.print(
            "warning: checked against the key the receipt names itself; pass --pubkey with the key from "
            "`echoless pubkey` or GET /v1/pubkey to know who signed it", highlight=False,
        )


def pubkey() -> None:
    """Print the instance's Ed25519 public key (`ed25519:…`), which verifies its receipts."""
    key = load_signing_key(settings().resolved_signing_key_file)
    console.print(public_key_text(key.public_key()), highlight=False)


@audit_app.command("verify")
def audit_verify(as_json: JsonOpt = False) -> None:
    """Check the audit chain (and that every receipt's head is in it); exits 1 on any problem."""
    with vault() as v:
        report = audit.verify_chain(v)
    if as_json:
        print_json(report.to_json())
    elif report.ok:
        console.print(f"audit log ok: {report.length} entries, head {report.head}", highlight=False)
    else:
        for problem in report.problems:
            err_console.print(f"[red]seq {problem.seq}[/red]: {problem.what}", highlight=False)
    if not report.ok:
        raise typer.Exit(code=1)


@audit_app.command("show")
def audit_show(
    limit: Annotated[int | None, typer.Option("--limit", help="Only the last N entries.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the audit entries: kinds, opaque ids, counts and hashes — never content."""
    with vault() as v:
        rows = audit.entries(v, limit=limit)
    if as_json:
        print_json([e.to_json() for e in rows])
        return
    table = Table("seq", "at", "kind", "subject", "counts", "hash")
    for e in rows:
        table.add_row(str(e.seq), e.at.isoformat(timespec="seconds"), e.kind, e.subject or "", json.dumps(e.counts), e.hash[:16])
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(receipts)
    app.add_typer(receipt_app, name="receipt")
    app.command()(pubkey)
    app.add_typer(audit_app, name="audit")
