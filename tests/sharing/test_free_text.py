"""Issue 14, finding 4: a free-text (wildcard) slot is the transcript in all but name. A manifest with one must
declare `transcript` (install refused otherwise); its free-text intents reach only members who approved the
transcript; the ledger records such a share as the transcript. Spoken requests, the real API, a real skill."""

from __future__ import annotations

import json

from apiclient import api, bearer, upload
from homes import Home
from skill_server import skill_server
from speech_synth import synthesise_wav

DIARY = "note in my diary I feel very sad about my brother"


def _diary(base: str, fields: list[str]) -> str:
    return json.dumps({
        "name": "diary", "publisher": "Diary Ltd", "version": "1.0",
        "endpoint": f"{base}/ask", "deletion_endpoint": f"{base}/forget", "privacy_policy": f"{base}/privacy",
        "fields": fields,
        "intents": {
            "NoteInDiary": {"sentences": ["note in my diary {entry}"]},
            "CountNotes": {"sentences": ["how many notes are in my diary"]},
        },
        "lists": {"entry": {"wildcard": True}},
    })


def test_a_free_text_slot_must_be_declared_as_the_transcript(skill_home: Home) -> None:
    with skill_server() as skill, api(skill_home.settings) as client:
        owner = bearer(skill_home.owner_token)
        refused = client.post("/v1/skills", headers=owner, content=_diary(skill.base, ["intent", "slots"]).encode(),
                              params={"allow_private_host": "true"})
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["code"] == "wildcard-needs-transcript" and "NoteInDiary" in refused.json()["error"]["message"]
        assert client.get("/v1/skills", headers=owner).json()["items"] == []


def test_free_text_reaches_a_skill_only_with_the_transcript_approved_and_is_recorded_as_such(skill_home: Home) -> None:
    home = skill_home
    _, sam_token = home.add_member("sam")
    with skill_server() as skill, api(home.settings) as client:
        owner, sam = bearer(home.owner_token), bearer(sam_token)
        installed = client.post("/v1/skills", headers=owner, content=_diary(skill.base, ["intent", "slots", "transcript"]).encode(),
                                params={"allow_private_host": "true"})
        assert installed.status_code == 201 and installed.json()["free_text_intents"] == ["NoteInDiary"], installed.text

        # enabled without approving the transcript: the free-text intent does not reach the skill at all
        assert client.post("/v1/skills/diary/enable", headers=sam, json={}).json()["receives"] == ["intent", "slots"]
        unheard = upload(client, sam_token, synthesise_wav(DIARY)).json()
        assert unheard["intent"] != "skill:diary" and skill.asks() == []
        counted = upload(client, sam_token, synthesise_wav("how many notes are in my diary")).json()
        assert counted["intent"] == "skill:diary"  # its other intents still do, with intent and slots only
        (first,) = skill.asks()
        assert set(first.json()) == {"intent", "interaction", "slots", "user"}

        # approved: it reaches the skill, with the transcript, and the ledger says the transcript was shared
        client.post("/v1/skills/diary/enable", headers=sam, json={"allow_transcript": True})
        noted = upload(client, sam_token, synthesise_wav(DIARY)).json()
        assert noted["intent"] == "skill:diary"
        second = skill.asks()[1].json()
        assert second["intent"] == "NoteInDiary" and "brother" in second["slots"]["entry"] and "brother" in second["transcript"]
        shares = client.get("/v1/shares", headers=sam).json()["items"]
        assert [s["fields"] for s in shares] == [["intent", "slots", "transcript"], ["intent", "slots"]]

        # a device speaking for the owner, who enabled the skill without the transcript: nothing reaches it
        client.post("/v1/skills/diary/enable", headers=owner, json={})
        spoken = upload(client, home.device_token, synthesise_wav(DIARY), member="owner").json()
        assert spoken["intent"] != "skill:diary" and len(skill.asks()) == 2
