"""/v1/stream: PCM chunks in, voice-activity endpointing, the pipeline's events out."""

from __future__ import annotations

import logging

import numpy as np

from apiclient import api, bearer
from homes import Home
from voice import pcm16, silence, say, with_demo_home


def test_streamed_speech_is_endpointed_and_answered(sqlite_home: Home) -> None:
    home = sqlite_home
    with_demo_home(home)
    pcm = np.concatenate([silence(0.6), pcm16(say("turn on the bedroom light")), silence(1.5)]).tobytes()
    with api(home.settings) as client:
        with client.websocket_connect("/v1/stream") as ws:
            ws.send_json({"type": "start", "token": home.device_token, "member": "owner"})
            assert ws.receive_json()["type"] == "ready"
            chunk = 640  # 20 ms
            for start in range(0, len(pcm), chunk):
                ws.send_bytes(pcm[start : start + chunk])
            types = []
            while not types or types[-1] not in ("run-end", "error"):
                message = ws.receive_json()
                types.append(message["type"])
                if message["type"] == "intent-end":
                    intent = message["data"]
        listed = client.get("/v1/interactions", headers=bearer(home.owner_token)).json()["items"]
        state = client.get("/v1/home", headers=bearer(home.owner_token)).json()
    assert types == ["speech-start", "speech-end", "run-start", "stt-end", "intent-end", "action-end", "run-end"]
    assert intent == {"intent": "HassTurnOn", "slots": intent["slots"]} and intent["slots"]["name"] == "bedroom light"
    assert next(d for d in state["devices"] if d["name"] == "bedroom light")["on"] is True
    assert len(listed) == 1 and listed[0]["device"]["name"] == "kitchen speaker"


def test_stream_refuses_a_bad_token(sqlite_home: Home) -> None:
    with api(sqlite_home.settings) as client:
        with client.websocket_connect("/v1/stream") as ws:
            ws.send_json({"type": "start", "token": "eld_wrong"})
            message = ws.receive_json()
    assert message["type"] == "error" and message["data"]["code"] == "unauthorized"


def test_end_message_closes_the_utterance(sqlite_home: Home) -> None:
    home = sqlite_home
    with_demo_home(home)
    pcm = np.concatenate([silence(0.3), pcm16(say("what time is it"))]).tobytes()
    with api(home.settings) as client:
        with client.websocket_connect("/v1/stream") as ws:
            ws.send_json({"type": "start", "token": home.owner_token})
            assert ws.receive_json()["type"] == "ready"
            ws.send_bytes(pcm)
            ws.send_json({"type": "end"})
            types = []
            while not types or types[-1] not in ("run-end", "error"):
                message = ws.receive_json()
                types.append(message["type"])
                if message["type"] == "intent-end":
                    assert message["data"]["intent"] == "HassGetCurrentTime"
    assert types[-1] == "run-end" and "speech-end" in types


def _utterance(ws, pcm: bytes) -> list[dict]:  # type: ignore[no-untyped-def]
    ws.send_bytes(pcm)
    ws.send_json({"type": "end"})
    messages: list[dict] = []
    while not messages or messages[-1]["type"] not in ("run-end", "error"):
        messages.append(ws.receive_json())
    return messages


def test_an_unexpected_failure_in_a_skill_is_a_typed_error_and_the_stream_stays_open(
    sqlite_home: Home, monkeypatch, caplog  # type: ignore[no-untyped-def]
) -> None:
    from echoless.pipeline import skills

    def explode(match, home, now):  # type: ignore[no-untyped-def]
        raise ValueError("PRIVATE" + "-WORDS " + match.name)  # a message that could quote content

    monkeypatch.setitem(skills._HANDLERS, "HassGetCurrentTime", explode)
    home = sqlite_home
    with_demo_home(home)
    caplog.set_level(logging.DEBUG)
    with api(home.settings) as client:
        with client.websocket_connect("/v1/stream") as ws:
            ws.send_json({"type": "start", "token": home.owner_token})
            assert ws.receive_json()["type"] == "ready"
            failed = _utterance(ws, np.concatenate([silence(0.3), pcm16(say("what time is it"))]).tobytes())
            answered = _utterance(ws, np.concatenate([silence(0.3), pcm16(say("turn on the bedroom light"))]).tobytes())
    assert failed[-1]["type"] == "error" and failed[-1]["data"]["code"] == "run-failed"
    assert "PRIVATE-WORDS" not in failed[-1]["data"]["message"]
    assert answered[-1]["type"] == "run-end"
    logged = [r.getMessage() for r in caplog.records if "pipeline run failed" in r.getMessage()]
    assert len(logged) == 1 and "ValueError" in logged[0] and "in explode" in logged[0]  # once, with its traceback
    assert not [r for r in caplog.records if "PRIVATE-WORDS" in r.getMessage() or "time is it" in r.getMessage()]


def _run_events(ws) -> list[dict]:  # type: ignore[no-untyped-def]
    events = []
    while not events or events[-1]["type"] not in ("run-end", "error"):
        events.append(ws.receive_json())
    return events


def test_a_text_message_is_a_typed_utterance(sqlite_home: Home) -> None:
    home = sqlite_home
    with_demo_home(home)
    with api(home.settings) as client:
        with client.websocket_connect("/v1/stream") as ws:
            ws.send_json({"type": "start", "token": home.device_token, "member": "owner"})
            assert ws.receive_json()["type"] == "ready"
            ws.send_json({"type": "text", "text": "turn on the\nbedroom light"})
            typed = _run_events(ws)
            ws.send_json({"type": "text", "text": "  "})
            empty = _run_events(ws)
            ws.send_json({"type": "text", "text": "turn off \u202ethe bedroom light"})
            bidi = _run_events(ws)
            ws.send_json({"type": "text", "text": 42})
            wrong = ws.receive_json()
            ws.send_json({"type": "text", "text": "x" * 1001})
            too_long = _run_events(ws)
            ws.send_json({"type": "text", "text": "what time is it"})  # the socket stays open after each refusal
            again = _run_events(ws)
        listed = client.get("/v1/interactions", headers=bearer(home.owner_token)).json()["items"]
        state = client.get("/v1/home", headers=bearer(home.owner_token)).json()
    assert [e["type"] for e in typed] == ["run-start", "intent-end", "action-end", "run-end"]
    assert typed[0]["data"]["source"] == "typed" and typed[0]["data"]["device"] == home.device.id
    assert typed[1]["data"]["intent"] == "HassTurnOn" and typed[1]["data"]["slots"]["name"] == "bedroom light"
    assert next(d for d in state["devices"] if d["name"] == "bedroom light")["on"] is True
    assert [(e["type"], e["data"].get("code")) for e in empty] == [("run-start", None), ("error", "text-empty")]
    assert bidi[-1]["data"]["code"] == "text-bidi-override" and too_long[-1]["data"]["code"] == "text-too-long"
    assert wrong["type"] == "error" and wrong["data"]["code"] == "invalid-message"
    assert again[-1]["type"] == "run-end"
    assert [(i["source"], i["device"]["name"]) for i in listed] == [("typed", "kitchen speaker")] * 2
    assert [i["id"] for i in listed] == [again[-1]["data"]["id"], typed[-1]["data"]["id"]]
