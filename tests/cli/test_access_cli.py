"""`echoless members add --parent`, `members invite`, `members reset` and `members password` as real
processes: the operator's side of invitations, resets and parents (one scenario: processes cost seconds)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from apiclient import api, bearer
from test_cli import run
from echoless.settings import Settings


def _redeem(client: TestClient, path: str, password: str) -> int:
    page = client.get(path)
    assert page.status_code == 200, page.text
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return client.post(path, data={"password": password, "confirm": password, "csrf_token": token}, follow_redirects=False).status_code


def test_invite_reset_password_and_parents(tmp_path: Path) -> None:
    home = tmp_path / "data"
    owner = json.loads(run(home, "init", "--json").stdout)["member"]
    alice = json.loads(run(home, "members", "add", "alice", "--json").stdout)
    kid = json.loads(run(home, "members", "add", "kid", "--role", "child", "--parent", "alice", "--json").stdout)
    assert kid["parents"] == ["alice"]
    refused = run(home, "members", "add", "eve", "--role", "adult", "--parent", "alice", ok=False)
    assert refused.returncode == 2 and "invalid-parent" in refused.stderr
    invited = json.loads(run(home, "members", "invite", "alice", "--json").stdout)
    assert invited["path"].startswith("/invite/eli_") and invited["link"].endswith(invited["path"])
    assert "Give alice this link" in run(home, "members", "invite", "alice").stdout  # a new one replaces it
    with api(Settings(home=home)) as client:
        assert client.get(invited["path"]).status_code == 404  # replaced
    again = json.loads(run(home, "members", "invite", "alice", "--json").stdout)
    with api(Settings(home=home)) as client:
        assert _redeem(client, again["path"], "alice's own password") == 303
        for who, status in ((alice, 200), (owner, 404)):  # kid's parent is alice, not the owner
            assert client.get("/v1/interactions", headers=bearer(who["token"]), params={"member": "kid"}).status_code == status
    has_password = run(home, "members", "invite", "alice", ok=False)
    assert has_password.returncode == 2 and "member-has-password" in has_password.stderr
    reset = json.loads(run(home, "members", "reset", "alice", "--json").stdout)
    run(home, "members", "password", "kid", stdin="kid's password\n")
    with api(Settings(home=home)) as client:
        assert client.get("/v1/me", headers=bearer(alice["token"])).status_code == 401  # the reset revoked it
        assert _redeem(client, reset["path"], "alice's newer password") == 303
        me = client.get("/v1/me")
        assert me.json()["name"] == "alice" and len(me.json()["access_resets"]) == 1
    log = run(home, "audit", "show").stdout
    for kind in ("invitation-issued", "invitation-redeemed", "access-reset", "password-set-by-operator"):
        assert kind in log, kind
