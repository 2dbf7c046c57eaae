"""Proofs of deletion from the shell: receipts, the instance's public key, the audit log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from echoless.cli.common import (
    console, counts_text, err_console, member, print_json, print_table, settings, unique, vault, when, write_private,
)
from echoless.errors import BadRequest, ErrorCode
from echoless.vault import audit
from echoless.privacy import receipts as store  # importing it registers the receipt purge hook
from echoless.vault.signing import has_signing_key, public_key_text, signing_key

UserOpt = Annotated[str | None, typer.Option("--user", help="The member (default: the owner).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]

receipt_app = typer.Typer(help="Show or verify one deletion receipt.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained, content-free audit log.", no_args_is_help=True)


def receipts(user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """List a member's deletion receipts, newest first (the signed documents with --json)."""
    with vault() as v:
        docs = store.list_for(v, member(v, user))
    if as_json:
        print_json(docs)
        return
    if not docs:
        console.print("No receipts.")
        return
    rows = [
        (doc["receipt_id"], doc["deletion_id"], doc["scope"], str((doc.get("counts") or {}).get("interactions", 0)),
         when(doc.get("purged_at")), third_parties_text(doc.get("third_parties")))
        for doc in docs
    ]
    print_table(("id", "deletion", "scope", "items", "when", "third parties"), rows, ids={"id", "deletion"})


def third_parties_text(third_parties: list[dict[str, Any]] | None) -> str:
    """Who was asked to delete, in words: "joke-teller confirmed, weather asked"."""
    return ", ".join(f"{t.get('recipient')} {t.get('status')}" for t in third_parties or []) or "none"


@receipt_app.command("show")
def receipt_show(
    receipt_id: Annotated[str, typer.Argument(help="The receipt id, or a unique start of it.")],
    user: UserOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the signed document to this file (mode 0600).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one receipt (the signed JSON document with --json)."""
    with vault() as v:
        who = member(v, user)
        found = unique(receipt_id, (doc["receipt_id"] for doc in store.list_for(v, who)), "receipt")
        doc = store.get(v, who, found)
    if out is not None:
        write_private(out, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode())
    if as_json:
        print_json(doc)
        return
    for name in ("receipt_id", "deletion_id", "member", "scope"):
        console.print(f"{name.replace('_', ' ')}: {doc.get(name)}", highlight=False)
    for name in ("shredded_at", "purged_at", "issued_at"):
        console.print(f"{name.replace('_at', '')}: {doc.get(name)}", highlight=False)
    console.print(f"removed: {counts_text(doc.get('counts'))}", highlight=False)
    console.print(f"keys destroyed: {len(doc['keys_destroyed'])}", highlight=False)
    console.print(f"third parties: {third_parties_text(doc.get('third_parties'))}", highlight=False)
    console.print(f"audit head: {doc.get('audit_head')}", highlight=False)


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
    pubkey: Annotated[str | None, typer.Option("--pubkey", help="The instance key `ed25519:…`, or a file holding it (default: this instance's own key, where one is set up).")] = None,
) -> None:
    """Verify a receipt offline against the instance's public key: the one given with --pubkey, else the
    key of the instance set up here (its data home). Never trusts the key a receipt names itself."""
    try:
        doc: Any = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadRequest(f"cannot read a JSON receipt from {file}", code=ErrorCode.INVALID_RECEIPT) from exc
    result = store.check_document(doc, _read_pubkey(pubkey) if pubkey is not None else _this_instance_key())
    if not result.valid:
        err_console.print(f"[red]INVALID[/red]: {result.reason}", highlight=False)
        raise typer.Exit(code=1)
    console.print("valid", highlight=False)


def _this_instance_key() -> str:
    """The public key of the instance whose data home is here; without one, --pubkey is required."""
    config = settings()
    path = config.resolved_signing_key_file
    if not has_signing_key(config):
        raise BadRequest(
            f"no echoless instance here ({path} does not exist) to check the signature against: pass "
            "--pubkey with the key from `echoless pubkey` or GET /v1/pubkey of the instance that issued it",
            code=ErrorCode.PUBLIC_KEY_REQUIRED,
        )
    return public_key_text(signing_key(config).public_key())


def pubkey() -> None:
    """Print the instance's Ed25519 public key (`ed25519:…`), which verifies its receipts."""
    key = signing_key(settings())
    console.print(public_key_text(key.public_key()), highlight=False)


@audit_app.command("verify")
def audit_verify(
    against: Annotated[list[Path] | None, typer.Option(
        "--against", help="A receipt you hold (JSON): the head it names must still be in the chain.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the audit chain: its links, its signed checkpoints, that every stored receipt's head is in it,
    and (`--against`) that the head named by a receipt you kept is too; exits 1 on any problem."""
    held = []
    for path in against or []:
        try:
            doc = json.loads(path.read_text())
            held.append((f"your receipt {doc['receipt_id']}", str(doc["audit_head"])))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BadRequest(f"{path} is not an echoless deletion receipt", code=ErrorCode.INVALID_RECEIPT) from exc
    with vault() as v:
        report = audit.verify_chain(v, held)
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
        found = audit.entries(v, limit=limit)
    if as_json:
        print_json([e.to_json() for e in found])
        return
    rows = [
        (str(e.seq), when(e.at, seconds=True), e.kind, e.subject or "-", counts_text(e.counts) if e.counts else "-", e.hash[:16])
        for e in found
    ]
    print_table(("seq", "at", "kind", "subject", "counts", "hash"), rows, ids={"subject"}, key="seq")


def register(app: typer.Typer) -> None:
    app.command()(receipts)
    app.add_typer(receipt_app, name="receipt")
    app.command()(pubkey)
    app.add_typer(audit_app, name="audit")
