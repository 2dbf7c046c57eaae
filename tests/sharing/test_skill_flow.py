"""The main flow, from real audio: a well-behaved skill gets exactly the declared fields under a
pseudonym, its answer is the response, the ledger shows the share, and a deletion reaches it."""

from __future__ import annotations

import io
import json
import time
import zipfile

from apiclient import api, bearer, upload
from homes import Home
from skill_server import Behaviour, manifest, skill_server
from speech_synth import synthesise_wav

from echoless.pipeline import run as pipeline
from echoless.privacy import deletion, receipts
from echoless.privacy.export import stream_export
from echoless.sharing import ledger, notices, skills, wire
from echoless.sharing.manifest import parse

SPEECH = "Why did the cat sit on the computer? To keep an eye on the mouse."


def test_a_well_behaved_skill_gets_only_the_declared_fields_and_its_deletion_is_confirmed(skill_home: Home) -> None:
    home, vault = skill_home, skill_home.vault
    audio = synthesise_wav("tell me a joke about cats")
    with skill_server(Behaviour(speech=SPEECH)) as skill:
        installed = skills.install(vault, home.owner, parse(manifest("jokes", skill)), allow_private_host=True)
        skills.enable(vault, home.owner, "jokes")

        result = pipeline.run(vault, home.owner, home.device.id, audio)

        assert result.response == SPEECH  # the skill's answer is the response
        assert result.intent == "skill:jokes"
        assert result.action is not None and result.action["intent"] == "skill:jokes" and result.action["success"]
        (received,) = skill.asks()
        shares = ledger.shares(vault, home.owner)
        assert len(shares) == 1
        share = shares[0]
        user = wire.pseudonym(vault.keyring.owner_key(home.owner.id, home.owner.key_id), installed.id)
        expected = json.dumps(
            {"intent": "TellJoke", "interaction": share["pseudonymous_interaction_id"], "slots": {"topic": "cats"}, "user": user},
            sort_keys=True, separators=(",", ":"),
        ).encode()
        assert received.body == expected  # byte for byte: nothing else, no audio, no transcript
        everything_sent = received.body + json.dumps(received.headers).encode()
        for secret in (home.owner.id, home.owner.key_id, result.id, home.device.id, b"RIFF", "owner"):
            assert (secret.encode() if isinstance(secret, str) else secret) not in everything_sent
        assert wire.verify(receipts.instance_public_key(vault), skill.ask_url, received.body, received.headers)

        # The ledger: which skill, when, which fields, which interaction, which manifest version.
        assert share["skill"] == "jokes" and share["fields"] == ["intent", "slots"]
        assert share["interaction_id"] == result.id and share["manifest_version"] == "1.0"
        assert share["outcome"] == "answered" and share["deletion"]["status"] == "not-asked"

        # The member's export holds the ledger too (everything kept about them).
        exported = zipfile.ZipFile(io.BytesIO(b"".join(stream_export(vault, home.owner))))
        document = json.loads(exported.read("history.json"))
        assert [s["skill"] for s in document["shares"]] == ["jokes"] and "learned_words" in document

        # Deleting the interaction asks the skill to delete it; the receipt shows the confirmation.
        job = deletion.purge(vault, deletion.delete_items(vault, home.owner, [result.id]).id)
        doc = receipts.for_deletion(vault, home.owner, job.id)
        assert [t["status"] for t in doc["third_parties"]] == ["asked"]
        notices.deliver_due(vault)
        (forget,) = skill.forgets()
        assert forget.json() == {
            "interactions": [share["pseudonymous_interaction_id"]], "request": forget.json()["request"],
            "scope": "interactions", "user": user,
        }
        assert wire.verify(receipts.instance_public_key(vault), skill.forget_url, forget.body, forget.headers)
        doc = receipts.for_deletion(vault, home.owner, job.id)
        (party,) = doc["third_parties"]
        assert party["recipient"] == "jokes (Jokes Ltd)" and party["status"] == "confirmed" and party["confirmed_at"]
        assert receipts.verify_document(doc, receipts.instance_public_key(vault))
        assert ledger.shares(vault, home.owner)[0]["deletion"]["status"] == "confirmed"


def test_through_the_api_the_server_courier_delivers_and_the_ledger_shows_it(skill_home: Home) -> None:
    home = skill_home
    audio = synthesise_wav("tell me a joke about dogs")
    with skill_server(Behaviour(speech="Dogs are great.")) as skill, api(home.settings) as client:
        owner = bearer(home.owner_token)
        refused = client.post("/v1/skills", headers=owner, content=manifest("jokes", skill).encode())
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "skill-host-refused"  # 127.0.0.1
        reply = client.post("/v1/skills", headers=owner, content=manifest("jokes", skill).encode(), params={"allow_private_host": "true"})
        assert reply.status_code == 201 and reply.json()["private_host_approved"] is True, reply.text
        listed = client.get("/v1/skills", headers=owner).json()["items"]
        assert listed[0]["enabled"] is False and listed[0]["declared_fields"] == ["intent", "slots"]
        enabled = client.post("/v1/skills/jokes/enable", headers=owner, json={})
        assert enabled.json()["receives"] == ["intent", "slots"]

        sent = upload(client, home.device_token, audio, member="owner")
        assert sent.status_code == 201, sent.text
        assert sent.json()["response"] == "Dogs are great."
        item_id = sent.json()["id"]
        shares = client.get("/v1/shares", headers=owner).json()["items"]
        assert [(s["skill"], s["interaction_id"]) for s in shares] == [("jokes", item_id)]

        deleted = client.post("/v1/deletions", headers=owner, json={"scope": "items", "ids": [item_id]})
        assert deleted.status_code == 201, deleted.text
        deadline = time.monotonic() + 10
        while client.get("/v1/shares", headers=owner).json()["items"][0]["deletion"]["status"] != "confirmed":
            assert time.monotonic() < deadline, "the server's courier did not deliver the deletion request"
            time.sleep(0.05)
        assert len(skill.forgets()) == 1
        signature = client.get("/v1/skills-signature").json()
        forget = skill.forgets()[0]
        assert wire.verify(signature["public_key"], skill.forget_url, forget.body, forget.headers)
