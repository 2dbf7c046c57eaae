"""Privacy by voice, spoken: deletion requests and questions about one's data, through the real API.
None of them is recorded as an interaction; deletions leave a content-free audit entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apiclient import api, bearer, upload
from echoless import root
from echoless.privacy import preferences
from echoless.vault import audit, devices
from echoless.vault.models import Member
from homes import KEEP_EVERYTHING, Home
from samples import tone_wav
from voice import say, with_demo_home


@pytest.fixture
def home_(sqlite_home: Home) -> Home:
    with_demo_home(sqlite_home)
    return sqlite_home


def _speak(client, home: Home, text: str, token: str | None = None, member: str | None = "owner") -> dict:  # type: ignore[no-untyped-def]
    """Say `text` on a device (the kitchen speaker, a shared device, unless `token` names another) for `member`."""
    reply = upload(client, token or home.device_token, say(text), member=member)
    assert reply.status_code == 201, reply.text
    return reply.json()


def _ids(client, home: Home) -> list[str]:  # type: ignore[no-untyped-def]
    return [i["id"] for i in client.get("/v1/interactions", headers=bearer(home.owner_token)).json()["items"]]


def _import(client, home: Home, transcript: str, when: datetime | None = None) -> str:  # type: ignore[no-untyped-def]
    """An import, with the member's own token (devices cannot import)."""
    record = {"transcript": transcript, "response": "ok", "action": {"intent": "HassTurnOn", "result": "kitchen light on"}}
    if when is not None:
        record["created_at"] = when.isoformat()
    return upload(client, home.owner_token, tone_wav(0.2), record=record).json()["id"]


def _personal(home: Home) -> str:
    """The token of a personal device of the owner (their phone)."""
    return home.add_device("owner's phone", personal=home.owner)[1]


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
        reply = _speak(client, home_, "delete everything I said today", _personal(home_), member=None)
        assert reply["intent"] == "EcholessDeleteToday" and "1 thing" in reply["response"]
        assert _ids(client, home_) == [old]


def test_delete_everything_needs_permission_and_a_spoken_yes(home_: Home) -> None:
    phone = _personal(home_)
    with api(home_.settings) as client:
        _import(client, home_, "something")
        refused = _speak(client, home_, "delete everything I've ever said", phone)
        assert refused["intent"] == "EcholessDeleteAll" and "turned off" in refused["response"]
        assert len(_ids(client, home_)) == 1
        client.put("/v1/settings", headers=bearer(home_.owner_token), json={"voice_delete_all": True})
        asked = _speak(client, home_, "delete everything I've ever said", phone)
        assert "Say yes to confirm" in asked["response"] and len(_ids(client, home_)) == 1
        elsewhere = _speak(client, home_, "yes")  # said to the kitchen speaker: not where it was asked
        assert elsewhere["intent"] == "EcholessConfirm" and len(_ids(client, home_)) == 1
        asked = _speak(client, home_, "delete everything I've ever said", phone)
        confirmed = _speak(client, home_, "yes", phone)
        assert confirmed["intent"] == "EcholessConfirm" and _ids(client, home_) == []
        again = _speak(client, home_, "yes", phone)
        assert "nothing to confirm" in again["response"]


def test_questions_about_my_data_read_nothing_else_aloud(home_: Home) -> None:
    with api(home_.settings) as client:
        turned = _speak(client, home_, "turn on the bedroom light")
        heard = _speak(client, home_, "what did you hear")
        assert heard["intent"] == "EcholessWhatDidYouHear" and turned["transcript"] in heard["response"]
        why = _speak(client, home_, "why did you do that")
        assert why["intent"] == "EcholessWhyDidYouDoThat" and "bedroom light on" in why["response"]
        _import(client, home_, "remember the secret word marmalade")
        known = _speak(client, home_, "what do you know about me", home_.owner_token, member=None)  # my own token
        assert known["intent"] == "EcholessWhatDoYouKnow"
        assert "I keep 2 of your requests" in known["response"] and "marmalade" not in known["response"]
        assert len(_ids(client, home_)) == 2, "questions are not recorded"


def test_stop_and_start_saving_my_recordings(home_: Home) -> None:
    phone = _personal(home_)
    with api(home_.settings) as client:
        refused = _speak(client, home_, "stop saving my recordings")  # the kitchen speaker is shared
        assert refused["intent"] == "EcholessStopSaving" and "personal device" in refused["response"]
        assert preferences.of(home_.member(home_.owner.id)).retention["audio"] == "forever"
        stop = _speak(client, home_, "stop saving my recordings", phone, member=None)
        assert stop["intent"] == "EcholessStopSaving"
        assert preferences.of(home_.member(home_.owner.id)).retention["audio"] == "dont_save"
        kept = _speak(client, home_, "turn on the kitchen light")
        shown = client.get(f"/v1/interactions/{kept['id']}", headers=bearer(home_.owner_token)).json()
        assert shown["audio"] is None and shown["transcript"]
        start = _speak(client, home_, "start saving my recordings", phone, member=None)
        assert start["intent"] == "EcholessStartSaving"
    assert preferences.of(home_.member(home_.owner.id)).retention["audio"] == "forever"


# Issue 14, finding 1: a device reads back and deletes only what it heard itself, in the last few minutes.
def _alice_on_the_kitchen_speaker(home: Home) -> tuple[Member, str]:
    alice, token = home.add_member("alice", retention=KEEP_EVERYTHING)
    devices.change_members(home.vault, home.owner.household_id, "kitchen speaker", add=["alice"])
    return alice, token


def test_a_device_cannot_read_or_delete_what_was_said_elsewhere_or_earlier(home_: Home) -> None:
    alice, alice_token = _alice_on_the_kitchen_speaker(home_)
    with api(home_.settings) as client:
        elsewhere = upload(client, alice_token, tone_wav(0.2), record={  # made with her own token, on no device
            "transcript": "my diary says marmalade", "response": "noted", "action": {"intent": "HassTurnOn", "result": "marmalade lamp on"},
        }).json()["id"]
        earlier = root.import_recording(  # heard by this very speaker, but an hour ago (the operator's import)
            home_.vault, alice, home_.device.id, tone_wav(0.2), transcript="an hour ago I said quince", response="ok",
            action={"intent": "HassTurnOn", "result": "quince lamp on"}, created_at=datetime.now(UTC) - timedelta(hours=1))
        for question in ("what did you hear", "why did you do that"):
            reply = _speak(client, home_, question, member="alice")
            assert "marmalade" not in reply["response"] and "quince" not in reply["response"], reply["response"]
            assert "in the last 5 minutes" in reply["response"] and "Privacy Hub or use your own token" in reply["response"]
        known = _speak(client, home_, "what do you know about me", member="alice")
        assert "of your requests" not in known["response"] and "From this device in the last 5 minutes I kept 0 requests" in known["response"]
        for request in ("delete what I just said", "that wasn't for you"):
            refused = _speak(client, home_, request, member="alice")
            assert "Privacy Hub or use your own token" in refused["response"]
        mine = client.get("/v1/interactions", headers=bearer(alice_token)).json()["items"]
        assert {i["id"] for i in mine} == {elsewhere, earlier}
        # with her own token, no device in between, Alice reaches all of it
        own = _speak(client, home_, "what did you hear", alice_token, member=None)
        assert "marmalade" in own["response"]


def test_a_device_reads_back_only_what_it_heard_itself(home_: Home) -> None:
    phone = _personal(home_)
    with api(home_.settings) as client:
        on_phone = _speak(client, home_, "turn on the bedroom light", phone, member=None)
        assert on_phone["id"] in _ids(client, home_)
        heard = _speak(client, home_, "what did you hear")  # the kitchen speaker heard nothing of it
        assert "bedroom" not in heard["response"] and "in the last 5 minutes" in heard["response"]
        said = _speak(client, home_, "turn off the kitchen light")
        again = _speak(client, home_, "what did you hear")
        assert said["transcript"] in again["response"]
        _speak(client, home_, "delete what I just said")
        assert _ids(client, home_) == [on_phone["id"]]


def test_wide_deletions_by_voice_only_from_a_personal_device(home_: Home) -> None:
    with api(home_.settings) as client:
        kept = _import(client, home_, "a request from today")
        client.put("/v1/settings", headers=bearer(home_.owner_token), json={"voice_delete_all": True})
        for request in ("delete everything I said today", "delete everything I said this week", "delete everything I've ever said"):
            refused = _speak(client, home_, request)  # the kitchen speaker is shared
            assert "personal device" in refused["response"] and "Privacy Hub" in refused["response"], refused["response"]
        assert _ids(client, home_) == [kept]
        done = _speak(client, home_, "delete everything I said today", _personal(home_), member=None)
        assert "1 thing" in done["response"] and _ids(client, home_) == []


def test_a_shared_device_reads_back_and_deletes_its_shared_history(home_: Home) -> None:
    with api(home_.settings) as client:
        heard = _speak(client, home_, "turn on the kitchen light", member=None)  # nobody named: the shared history
        assert heard["id"] and _ids(client, home_) == []
        shared = client.get("/v1/interactions", headers=bearer(home_.owner_token), params={"member": "kitchen speaker"}).json()
        assert [i["id"] for i in shared["items"]] == [heard["id"]]
        read = _speak(client, home_, "what did you hear", member=None)
        assert heard["transcript"] in read["response"]
        _speak(client, home_, "delete what I just said", member=None)
        shared = client.get("/v1/interactions", headers=bearer(home_.owner_token), params={"member": "kitchen speaker"}).json()
        assert shared["items"] == []
