"""End to end against a real Home Assistant: a spoken request through the HTTP API (and the CLI) turns a real
entity on, heard on a device placed in an area; the answer names what it acted on; the history records the
action, the ledger lists the home as its recipient, deletion and the verifier cover it."""

from __future__ import annotations

import json

import hass
from apiclient import api, bearer, purged, upload
from echoless import root
from homes import Home
from test_connection import run
from voice import say


def test_spoken_request_over_http_acts_on_home_assistant(sqlite_home: Home, home_assistant: hass.HomeAssistant) -> None:
    home, ha = sqlite_home, home_assistant
    ha.call("light", "turn_off", entity_id="light.living_room_lamp")
    owner = bearer(home.owner_token)
    with api(home.settings) as client:
        assert client.put("/v1/home/connection", headers=owner, json={"url": ha.url, "token": ha.token}).status_code == 200
        placed = client.put(f"/v1/household/devices/{home.device.id}/area", headers=owner, json={"area": "Living Room"})
        assert placed.json()["area"] == "Living Room"
        asked = upload(client, home.device_token, say("Turn on the lights in here."), member=home.owner.id)
        body = asked.json()
        assert asked.status_code == 201, body
        assert body["response"] == "Turned on the lights in the living room"
        assert ha.wait_state("light.living_room_lamp", lambda s: s["state"] == "on")["state"] == "on"
        item = client.get(f"/v1/interactions/{body['id']}", headers=owner).json()
        assert item["action"]["recipient"] == "home-assistant" and item["action"]["success"] is True
        ledger = client.get("/v1/shares", headers=owner).json()["connected_home"]
        assert ledger["recipient"] == "Home Assistant" and ledger["history_days"] == 10
        assert "audio" in ledger["never"] and ledger["deletes_with_your_history"] is False
        job = client.delete(f"/v1/interactions/{body['id']}", headers=owner).json()
        assert purged(client, home.owner_token, job["id"])["state"] == "purged"
        assert client.get(f"/v1/interactions/{body['id']}", headers=owner).status_code == 404
    report = root.verify(home.vault, extra_needles=[ha.token.encode()])
    assert report.clean, report.to_json()
    assert ha.state("light.living_room_lamp")["state"] == "on"  # the effect is the home's state: it stays


def test_spoken_request_through_the_cli(tmp_path, home_assistant: hass.HomeAssistant) -> None:  # type: ignore[no-untyped-def]
    data, ha = tmp_path / "data", home_assistant
    ha.call("switch", "turn_off", entity_id="switch.coffee_maker")
    run(data, "init", "--json")
    run(data, "home", "connect", ha.url, "--token-stdin", stdin=ha.token + "\n")
    audio = tmp_path / "request.wav"
    audio.write_bytes(say("Turn on the coffee maker."))
    done = run(data, "ask", str(audio), "--json")
    result = json.loads(done.stdout)
    assert result["response"] == "Turned on the coffee maker" and result["action"]["recipient"] == "home-assistant"
    assert ha.wait_state("switch.coffee_maker", lambda s: s["state"] == "on")["state"] == "on"
    assert ha.token not in done.stdout + done.stderr
    verified = run(data, "verify", "--json")
    assert json.loads(verified.stdout)["clean"] is True
