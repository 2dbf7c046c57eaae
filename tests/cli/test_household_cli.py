"""`echoless members|devices|tokens` as a real process: passwords, revocation, removal with all data.
(Each process costs seconds here, so one scenario covers the commands.)"""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import run


def test_members_devices_tokens(tmp_path: Path) -> None:
    home = tmp_path / "data"
    run(home, "init", "--json")
    bob = json.loads(run(home, "members", "add", "bob", "--role", "adult", "--password-stdin", "--json", stdin="bob's password\n").stdout)
    run(home, "devices", "add", "hall speaker", "--shared", "--member", "bob")
    listed = json.loads(run(home, "tokens", "list", "--json").stdout)
    bob_tokens = [t for t in listed if t["subject"] == "bob"]
    assert len(bob_tokens) == 1 and bob["token"] not in json.dumps(listed)
    assert json.loads(run(home, "tokens", "revoke", bob_tokens[0]["id"], "--json").stdout) == {"revoked": 1}
    refused = run(home, "members", "remove", "bob", ok=False)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    removed = json.loads(run(home, "members", "remove", "bob", "--yes", "--json").stdout)
    assert removed["deletion"]["scope"] == "all" and removed["deletion"]["state"] == "purged"
    run(home, "devices", "remove", "hall speaker")
    members = run(home, "members", "list").stdout
    assert "bob" not in members and "owner" in members


def test_devices_personal_and_shared(tmp_path: Path) -> None:
    """`echoless devices add --personal|--shared`, `devices members`, `devices list`, `devices remove` (issue 14)."""
    home = tmp_path / "data"
    created = json.loads(run(home, "init", "--json").stdout)
    run(home, "members", "add", "alice")
    run(home, "members", "add", "kid", "--role", "child")
    first = json.loads(run(home, "devices", "list", "--json").stdout)
    assert [(d["id"], d["kind"], d["member"]) for d in first] == [(created["device"]["id"], "personal", "owner")]
    for unclear in ((), ("--shared", "--personal", "alice"), ("--personal", "alice", "--member", "kid")):
        refused = run(home, "devices", "add", "speaker", *unclear, ok=False)
        assert refused.returncode == 2 and "--personal MEMBER, or --shared" in refused.stderr
    kitchen = json.loads(run(home, "devices", "add", "kitchen", "--shared", "--member", "owner", "--member", "alice", "--json").stdout)
    assert kitchen["kind"] == "shared" and kitchen["members"] == ["owner", "alice"] and kitchen["token"].startswith("eld_")
    phone = json.loads(run(home, "devices", "add", "alice's phone", "--personal", "alice", "--json").stdout)
    assert phone["kind"] == "personal" and phone["member"] == "alice"
    changed = json.loads(run(home, "devices", "members", "kitchen", "--remove", "alice", "--add", "kid", "--json").stdout)
    assert changed["members"] == ["owner", "kid"]
    assert "kitchen: shared, for owner, kid" in run(home, "devices", "members", "kitchen").stdout
    wrong = run(home, "devices", "members", "alice's phone", "--add", "owner", ok=False)
    assert wrong.returncode == 2 and "personal device" in wrong.stderr
    table = run(home, "devices", "list").stdout
    assert "personal" in table and "shared" in table and "owner, kid" in table
    removed = json.loads(run(home, "devices", "remove", "kitchen", "--json").stdout)
    assert removed["removed"] is True and removed["deletion"]["scope"] == "all" and removed["deletion"]["state"] == "purged"
    gone = json.loads(run(home, "devices", "remove", "alice's phone", "--json").stdout)
    assert gone["deletion"] is None  # a personal device's requests stay its member's history
