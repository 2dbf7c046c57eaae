"""The whole pipeline through the real API with spoken requests: hear, understand, act, answer, record."""

from __future__ import annotations

import logging
import time

import pytest

from apiclient import api, bearer, upload
from homes import Home
from voice import say, silence, pcm_wav, with_demo_home


@pytest.fixture
def demo(sqlite_home: Home) -> Home:
    with_demo_home(sqlite_home)
    return sqlite_home


def _ask(client, home: Home, text: str, **params):  # type: ignore[no-untyped-def]
    reply = upload(client, home.device_token, say(text), member="owner", params=params)
    assert reply.status_code == 201, reply.text
    return reply.json()


def _device(client, home: Home, name: str) -> dict:  # type: ignore[no-untyped-def]
    state = client.get("/v1/home", headers=bearer(home.owner_token)).json()
    return next(d for d in state["devices"] if d["name"] == name)


def test_a_light_command_changes_the_home_and_is_recorded(demo: Home) -> None:
    with api(demo.settings) as client:
        on = _ask(client, demo, "turn on the kitchen light")
        assert on["intent"] == "HassTurnOn" and on["slots"]["name"] == "kitchen light"
        assert _device(client, demo, "kitchen light")["on"] is True
        off = _ask(client, demo, "turn off the kitchen light")
        assert _device(client, demo, "kitchen light")["on"] is False
        shown = client.get(f"/v1/interactions/{off['id']}", headers=bearer(demo.owner_token)).json()
    assert off["intent"] == "HassTurnOff" and off["action"]["success"] is True
    assert [e["type"] for e in off["events"]] == ["run-start", "stt-end", "intent-end", "action-end", "run-end"]
    assert all(b["timestamp"] >= a["timestamp"] for a, b in zip(off["events"], off["events"][1:]))
    assert "kitchen light" in shown["transcript"].lower() and shown["action"]["intent"] == "HassTurnOff"
    assert shown["audio"]["content_type"] == "audio/wav"


def test_shopping_list_and_brightness(demo: Home) -> None:
    with api(demo.settings) as client:
        added = _ask(client, demo, "put bananas on my shopping list")
        assert added["intent"] == "HassShoppingListAddItem" and added["slots"]["item"] == "bananas"
        dimmed = _ask(client, demo, "set the bedroom light to 40 percent")
        state = client.get("/v1/home", headers=bearer(demo.owner_token)).json()
    assert dimmed["slots"]["brightness"] == 40
    assert [i["name"] for i in state["shopping_list"]] == ["bananas"]
    assert next(d for d in state["devices"] if d["name"] == "bedroom light")["brightness"] == 40


def test_a_timer_is_listed_and_then_fires_on_the_stream(demo: Home) -> None:
    with api(demo.settings) as client:
        with client.websocket_connect("/v1/stream") as ws:
            ws.send_json({"type": "start", "token": demo.owner_token})
            assert ws.receive_json()["type"] == "ready"
            started = _ask(client, demo, "set a timer for 5 seconds")
            assert started["intent"] == "HassStartTimer" and started["slots"]["seconds"] == 5
            status = client.get("/v1/home", headers=bearer(demo.owner_token)).json()
            assert len(status["timers"]) == 1
            began = time.monotonic()
            fired = ws.receive_json()
            waited = time.monotonic() - began
        assert fired["type"] == "timer-fired" and fired["data"]["announcement"] == "Your 5 second timer is done."
        assert waited < 10
        assert client.get("/v1/home", headers=bearer(demo.owner_token)).json()["timers"] == []


def test_not_understood_is_answered_and_recorded(demo: Home) -> None:
    with api(demo.settings) as client:
        reply = _ask(client, demo, "tell me a story about a penguin")
    assert reply["intent"] is None and reply["response"] == "Sorry, I didn't understand that." and reply["id"]


def test_silence_is_reported_and_nothing_is_stored(demo: Home) -> None:
    with api(demo.settings) as client:
        reply = upload(client, demo.device_token, pcm_wav(silence(2.0)), member="owner")
        listed = client.get("/v1/interactions", headers=bearer(demo.owner_token)).json()
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "audio-silent"
    assert listed["items"] == [] and list(demo.vault.blobs.list("audio")) == []


def test_spoken_answer_is_returned_and_never_stored(demo: Home) -> None:
    from echoless.pipeline.speak import speech_available

    if not speech_available():
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    before = {p.name for p in demo.settings.home.rglob("*")}
    with api(demo.settings) as client:
        reply = _ask(client, demo, "what time is it", speak=1)
    assert reply["speech"]["content_type"] == "audio/wav" and len(reply["speech"]["base64"]) > 1000
    assert reply["events"][-2]["type"] == "tts-end"
    after = {p.name for p in demo.settings.home.rglob("*")}
    assert after - before <= {"audio", reply["id"], reply["id"][:2], "echoless.db-wal", "echoless.db-shm", "keyring.db-wal", "keyring.db-shm"}


def test_no_transcript_reaches_the_logs(demo: Home, caplog: pytest.LogCaptureFixture) -> None:
    request = say("add pineapple to my shopping list")  # made first: the test's own synthesiser logs its text
    caplog.set_level(logging.DEBUG)
    with api(demo.settings) as client:
        reply = upload(client, demo.device_token, request, member="owner").json()
    assert "pineapple" in reply["transcript"].lower()
    for record in caplog.records:
        text = record.getMessage().lower() + repr(record.args).lower()
        assert "pineapple" not in text, record.name
