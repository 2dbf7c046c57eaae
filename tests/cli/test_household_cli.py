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
    run(home, "devices", "add", "hall speaker")
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
