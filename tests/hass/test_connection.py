"""Connecting a household to a real Home Assistant: `echoless home connect|show|disconnect` as real
processes (the token read from stdin), the owner's /v1/home/connection, and the token never in plaintext."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import hass
from apiclient import api, bearer
from homes import Home

ECHOLESS = [sys.executable, "-m", "echoless.cli"]


def run(home: Path, *args: str, ok: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ECHOLESS_HOME": str(home), "ECHOLESS_LOG_LEVEL": "INFO"}
    done = subprocess.run([*ECHOLESS, *args], env=env, capture_output=True, text=True, input=stdin, timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def test_cli_connects_shows_and_disconnects(tmp_path: Path, home_assistant: hass.HomeAssistant) -> None:
    home = tmp_path / "data"
    run(home, "init", "--json")
    token = home_assistant.token
    refused = run(home, "home", "connect", home_assistant.url, ok=False)  # no token on stdin: no connection
    assert refused.returncode == 2 and "home-connection-invalid" in refused.stderr
    wrong = run(home, "home", "connect", home_assistant.url, "--token-stdin", stdin="not-the-token\n", ok=False)
    assert wrong.returncode == 2 and "home-token-rejected" in wrong.stderr
    connected = run(home, "home", "connect", home_assistant.url, "--token-stdin", stdin=token + "\n")
    shown = run(home, "home", "show", "--json")
    data = json.loads(shown.stdout)
    assert data["connected"] is True and data["history_days"] == 10
    assert {"Kitchen", "Living Room", "Bedroom"} <= {a["name"] for a in data["areas"]}
    entities = {e["entity_id"]: e for e in data["entities"]}
    assert entities["light.kitchen_light"]["name"] == "Kitchen light"
    assert entities["light.kitchen_light"]["area"] == "Kitchen"
    assert entities["switch.coffee_maker"]["state"] in ("on", "off")
    assert "light.kitchen_lights" not in entities  # HA's demo light is not exposed to Assist
    table = run(home, "home", "show").stdout
    assert "Kitchen light" in table and "10 days" in table
    verified = run(home, "verify", "--json")  # the verifier looks for the token everywhere in the data home
    assert json.loads(verified.stdout)["clean"] is True
    for done in (refused, wrong, connected, shown, verified):
        assert token not in done.stdout + done.stderr
    for path in home.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path.name
    assert "Disconnected" in run(home, "home", "disconnect").stdout
    assert json.loads(run(home, "home", "show", "--json").stdout)["connected"] is False


def test_api_connection_is_the_owners(sqlite_home: Home, home_assistant: hass.HomeAssistant) -> None:
    home = sqlite_home
    _, adult_token = home.add_member("alice", "adult")
    body = {"url": home_assistant.url, "token": home_assistant.token, "keep_days": 30}
    with api(home.settings) as client:
        owner = bearer(home.owner_token)
        assert client.get("/v1/home/connection", headers=owner).json() == {
            "connected": False, "url": None, "history_days": None, "areas": [], "entities": []}
        assert client.put("/v1/home/connection", headers=bearer(adult_token), json=body).json()["error"]["code"] == "owner-only"
        bad = client.put("/v1/home/connection", headers=owner, json={**body, "url": "ftp://x"})
        assert (bad.status_code, bad.json()["error"]["code"]) == (400, "home-connection-invalid")
        down = client.put("/v1/home/connection", headers=owner, json={**body, "url": f"http://127.0.0.1:{hass.free_port()}"})
        assert (down.status_code, down.json()["error"]["code"]) == (503, "home-unreachable")
        wrong = client.put("/v1/home/connection", headers=owner, json={**body, "token": "x" * 40})
        assert (wrong.status_code, wrong.json()["error"]["code"]) == (400, "home-token-rejected")
        assert client.get("/v1/home/connection", headers=owner).json()["connected"] is False  # nothing stored
        made = client.put("/v1/home/connection", headers=owner, json=body)
        assert made.status_code == 200 and home_assistant.token not in made.text
        shown = made.json()
        assert shown["connected"] is True and shown["history_days"] == 30
        assert "light.living_room_lamp" in {e["entity_id"] for e in shown["entities"]}
        assert client.get("/v1/home/connection", headers=bearer(adult_token)).status_code == 403
        spec = client.get("/openapi.json").json()["paths"]["/v1/home/connection"]
        assert {"get", "put", "delete"} <= set(spec) and "503" in spec["put"]["responses"]
        assert client.delete("/v1/home/connection", headers=owner).status_code == 204
        gone = client.delete("/v1/home/connection", headers=owner)
        assert (gone.status_code, gone.json()["error"]["code"]) == (404, "home-not-connected")
