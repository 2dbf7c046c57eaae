"""Privacy by voice, spoken: deletion requests and questions about one's data, through the real API.
None of them is recorded as an interaction; deletions leave a content-free audit entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apiclient import api, bearer, upload
from echoless.privacy import preferences
from echoless.vault import audit
from homes import Home
from samples import tone_wav
from voice import say, with_demo_home


@pytest.fixture
def home_(sqlite_home: Home) -> Home:
    with_demo_home(sqlite_home)
    return sqlite_home


def _speak(client, home: Home, text: str) -> dict:  # type: ignore[no-untyped-def]
    reply = upload(client, home.device_token, say(text), member="owner")
    assert reply.status_code == 201, reply.text
    return reply.json()


def _ids(client, home: Home) -> list[str]:  # type: ignore[no-untyped-def]
    return [i["id"] for i in client.get("/v1/interactions", headers=bearer(home.owner_token)).json()["items"]]


def _import(client, home: Home, transcript: str, when: datetime | None = None) -> str:  # type: ignore[no-untyped-def]
    record = {"transcript": transcript, "response": "ok", "action": {"intent": "HassTurnOn", "result": "kitchen light on"}}
    if when is not None:
        record["created_at"] = when.isoformat()
    return upload(client, home.device_token, tone_wav(0.2), member="owner", record=record).json()["id"]


def test_delete_what_i_just_said(home_: Home) -> None:
    with api(home_.settings) as client:
        first = _speak(client, home_, "turn on the kitchen light")["id"]
        second = _speak(client, home_, "turn off the kitchen light")["id"]
        reply = _speak(client, home_, "delete what I just said")
        assert reply["intent"] == "EcholessDeleteLast" and reply["id"] is None
        assert _ids(client, home_) == [first]
        wrong = _speak(client, home_, "that wasn't for you")
        assert wrong["intent"] == "EcholessFalseActivation" and _ids(client, home_) == []
    kinds = [e.kind for e in audit.entries(home_.vault)]
    assert kinds.count(audit.VOICE_DELETION) == 2 and second not in repr(audit.entries(home_.vault)[-1].counts)


def test_delete_everything_i_said_today(home_: Home) -> None:
    with api(home_.settings) as client:
        old = _import(client, home_, "an old request", datetime.now(UTC) - timedelta(days=3))
        _import(client, home_, "a request from today")
        reply = _speak(client, home_, "delete everything I said today")
        assert reply["intent"] == "EcholessDeleteToday" and "1 thing" in reply["response"]
        assert _ids(client, home_) == [old]


def test_delete_everything_needs_permission_and_a_spoken_yes(home_: Home) -> None:
    with api(home_.settings) as client:
        _import(client, home_, "something")
        refused = _speak(client, home_, "delete everything I've ever said")
        assert refused["intent"] == "EcholessDeleteAll" and "turned off" in refused["response"]
        assert len(_ids(client, home_)) == 1
        client.put("/v1/settings", headers=bearer(home_.owner_token), json={"voice_delete_all": True})
        asked = _speak(client, home_, "delete everything I've ever said")
        assert "Say yes to confirm" in asked["response"] and len(_ids(client, home_)) == 1
        confirmed = _speak(client, home_, "yes")
        assert confirmed["intent"] == "EcholessConfirm" and _ids(client, home_) == []
        again = _speak(client, home_, "yes")
        assert "nothing to confirm" in again["response"]


def test_questions_about_my_data_read_nothing_else_aloud(home_: Home) -> None:
    with api(home_.settings) as client:
        turned = _speak(client, home_, "turn on the bedroom light")
        heard = _speak(client, home_, "what did you hear")
        assert heard["intent"] == "EcholessWhatDidYouHear" and turned["transcript"] in heard["response"]
        why = _speak(client, home_, "why did you do that")
        assert why["intent"] == "EcholessWhyDidYouDoThat" and "bedroom light on" in why["response"]
        _import(client, home_, "remember the secret word marmalade")
        known = _speak(client, home_, "what do you know about me")
        assert known["intent"] == "EcholessWhatDoYouKnow"
        assert "I keep 2 of your requests" in known["response"] and "marmalade" not in known["response"]
        assert len(_ids(client, home_)) == 2, "questions are not recorded"


def test_stop_and_start_saving_my_recordings(home_: Home) -> None:
    with api(home_.settings) as client:
        stop = _speak(client, home_, "stop saving my recordings")
        assert stop["intent"] == "EcholessStopSaving"
        assert preferences.of(home_.member(home_.owner.id)).retention["audio"] == "dont_save"
        kept = _speak(client, home_, "turn on the kitchen light")
        shown = client.get(f"/v1/interactions/{kept['id']}", headers=bearer(home_.owner_token)).json()
        assert shown["audio"] is None and shown["transcript"]
        start = _speak(client, home_, "start saving my recordings")
        assert start["intent"] == "EcholessStartSaving"
    assert preferences.of(home_.member(home_.owner.id)).retention["audio"] == "forever"
