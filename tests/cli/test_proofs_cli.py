"""`echoless receipts / receipt / pubkey / audit`, run as real processes on a real data home."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from apiclient import api, bearer
from homes import Home
from proofs_helpers import delete, receipt_of, record
from echoless.privacy.receipts import instance_public_key

ECHOLESS = [sys.executable, "-m", "echoless.cli"]


def _start(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "ECHOLESS_HOME": str(home), "ECHOLESS_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([*ECHOLESS, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run_all(*commands: tuple[Path, tuple[str, ...]]) -> list[tuple[int, str, str]]:
    """Independent commands run side by side: each is a cold Python start."""
    started = [_start(home, *args) for home, args in commands]
    results = []
    for process in started:
        out, err = process.communicate(timeout=120)
        results.append((process.returncode, out, err))
    return results


def test_receipt_download_verifies_offline_with_the_instance_key(sqlite_home: Home, tmp_path: Path) -> None:
    home = sqlite_home
    with api(home.settings) as client:
        job = delete(client, home.owner_token, scope="items", ids=[record(client, home), record(client, home)])
        doc = receipt_of(client, home.owner_token, job["id"])
        download = client.get(f"/v1/receipts/{doc['receipt_id']}?download=1", headers=bearer(home.owner_token))
    assert "attachment" in download.headers["content-disposition"]
    receipt = tmp_path / "receipt.json"
    receipt.write_bytes(download.content)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps({**doc, "counts": {**doc["counts"], "interactions": 1}}))
    nowhere = tmp_path / "no-such-home"  # verify must not need (or open) the vault
    key = instance_public_key(home.vault)  # the instance's own key, not the one the document names
    (pub_rc, pub_out, pub_err), (list_rc, list_out, _), valid, altered = _run_all(
        (home.settings.home, ("pubkey",)),
        (home.settings.home, ("receipts", "--json")),
        (nowhere, ("receipt", "verify", str(receipt), "--pubkey", key)),
        (nowhere, ("receipt", "verify", str(tampered), "--pubkey", key)),
    )
    assert pub_rc == 0, pub_err
    assert pub_out.strip() == key and key.startswith("ed25519:")  # the key verify was given is `echoless pubkey`'s
    assert list_rc == 0 and [r["receipt_id"] for r in json.loads(list_out)] == [doc["receipt_id"]]
    assert not nowhere.exists()
    assert valid[0] == 0 and valid[1].strip() == "valid", valid[2]
    assert altered[0] == 1 and altered[1] == "" and "INVALID" in altered[2] and "signature" in altered[2]


def test_audit_verify_names_the_broken_seq(sqlite_home: Home) -> None:
    home = sqlite_home
    with api(home.settings) as client:
        delete(client, home.owner_token, scope="items", ids=[record(client, home, transcript="buy oat milk")])
    database = home.settings.home / "echoless.db"
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE audit_log SET counts = ? WHERE seq = 4", (json.dumps({"data_keys_destroyed": 0}),))
    (verify_rc, _, verify_err), (show_rc, show_out, _) = _run_all(
        (home.settings.home, ("audit", "verify")),
        (home.settings.home, ("audit", "show", "--json")),
    )
    assert verify_rc == 1 and "seq 4" in verify_err and "altered" in verify_err and "seq 5" not in verify_err
    shown = json.loads(show_out)
    assert show_rc == 0 and [e["kind"] for e in shown] == [
        "member-added", "device-added", "deletion-requested", "deletion-shredded", "deletion-purged", "receipt-issued"
    ]
    assert "oat milk" not in show_out


def test_audit_verify_against_a_held_receipt_catches_a_cut_log(sqlite_home: Home, tmp_path: Path) -> None:
    home = sqlite_home
    with api(home.settings) as client:
        job = delete(client, home.owner_token, scope="items", ids=[record(client, home)])
        doc = receipt_of(client, home.owner_token, job["id"])
    held = tmp_path / "my-receipt.json"
    held.write_text(json.dumps(doc))
    with sqlite3.connect(home.settings.home / "echoless.db") as conn:  # an insider cuts the tail and its proofs
        conn.execute("DELETE FROM audit_log WHERE seq >= ?", (doc["audit_seq"] - 3,))
        conn.execute("DELETE FROM receipts")
        conn.execute("DELETE FROM audit_checkpoints")
    (plain_rc, _, _), (held_rc, _, held_err) = _run_all(
        (home.settings.home, ("audit", "verify")),
        (home.settings.home, ("audit", "verify", "--against", str(held))),
    )
    assert plain_rc == 0  # what the database alone says
    assert held_rc == 1 and doc["receipt_id"] in held_err  # what the member's receipt proves
