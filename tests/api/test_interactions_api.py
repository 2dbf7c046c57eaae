"""The HTTP API: round trip, who may see what (PRIVACY_MODEL §4), bad input (§5), one error shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from apiclient import purged, api, bearer, upload
from homes import Home
from echoless import root
from echoless.vault.keyring import DataKey, OwnerKey
from echoless.vault.models import Interaction
from samples import speech, tone_wav


def _state(home: Home) -> tuple[list[str], int, int, int]:
    blobs = sorted(p.name for p in home.settings.resolved_blob_dir.rglob("*") if p.is_file())
    with home.vault.data.read() as session:
        rows = session.scalar(select(func.count()).select_from(Interaction))
    with home.vault.keyring.db.read() as session:
        keys = session.scalar(select(func.count()).select_from(DataKey))
        owners = session.scalar(select(func.count()).select_from(OwnerKey))
    return blobs, rows, keys, owners


def _error(reply, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "status"}
    assert body["error"]["code"] == code and body["error"]["status"] == status and body["error"]["message"]


def test_round_trip_record_list_show_audio(home: Home) -> None:
    audio = speech("jfk_ask_not_44k_stereo.flac").read_bytes()
    with api(home.settings) as client:
        reply = upload(client, home.owner_token, audio, filename="jfk.flac",
                       record={"transcript": "ask not", "response": "noted", "action": {"intent": "none", "result": "nothing"}})
        assert reply.status_code == 201, reply.text
        item_id = reply.json()["id"]
        owner = bearer(home.owner_token)
        listed = client.get("/v1/interactions", headers=owner).json()
        assert [i["id"] for i in listed["items"]] == [item_id] and listed["next_cursor"] is None
        shown = client.get(f"/v1/interactions/{item_id}", headers=owner).json()
        assert shown["transcript"] == "ask not" and shown["response"] == "noted"
        assert shown["action"] == {"intent": "none", "result": "nothing"}
        assert shown["device"] is None and shown["audio"]["content_type"] == "audio/flac"  # imported with the member's token
        fetched = client.get(f"/v1/interactions/{item_id}/audio", headers=owner)
        assert fetched.status_code == 200 and fetched.content == audio
        assert fetched.headers["content-type"] == "audio/flac"


def test_paging_and_filters(home: Home) -> None:
    with api(home.settings) as client:
        ids = [
            upload(client, home.owner_token, tone_wav(0.1),
                   record={"transcript": f"t{i}", "created_at": f"2026-05-0{i + 1}T10:00:00+00:00"}).json()["id"]
            for i in range(5)
        ]
        # the operator's import (`echoless record`) may name a device: two items heard on the kitchen speaker
        for i in range(2):
            root.import_recording(home.vault, home.owner, home.device.id, tone_wav(0.1), transcript=f"k{i}", response=None,
                                  action=None, created_at=datetime(2026, 4, 1 + i, 10, tzinfo=UTC))
        owner = bearer(home.owner_token)
        page = client.get("/v1/interactions", headers=owner, params={"limit": 2}).json()
        assert [i["id"] for i in page["items"]] == [ids[4], ids[3]]
        page2 = client.get("/v1/interactions", headers=owner, params={"limit": 2, "cursor": page["next_cursor"]}).json()
        assert [i["id"] for i in page2["items"]] == [ids[2], ids[1]]
        ranged = client.get("/v1/interactions", headers=owner, params={"since": "2026-05-02T00:00:00Z", "until": "2026-05-04T00:00:00Z"}).json()
        assert [i["id"] for i in ranged["items"]] == [ids[2], ids[1]]
        by_device = client.get("/v1/interactions", headers=owner, params={"device": "kitchen speaker"}).json()
        assert [i["transcript"] for i in by_device["items"]] == ["k1", "k0"]
        _error(client.get("/v1/interactions", headers=owner, params={"cursor": "garbage!"}), 400, "invalid-cursor")


def test_access_rules(home: Home) -> None:
    _, bob_token = home.add_member("bob")
    with api(home.settings) as client:
        item_id = upload(client, home.owner_token, tone_wav(0.1), record={"transcript": "mine"}).json()["id"]
        _error(client.get("/v1/interactions"), 401, "unauthorized")
        _error(client.get("/v1/interactions", headers=bearer("elm_nonsense")), 401, "unauthorized")
        _error(client.get("/v1/interactions", headers=bearer(home.device_token)), 403, "forbidden")
        _error(client.get(f"/v1/interactions/{item_id}", headers=bearer(home.device_token)), 403, "forbidden")
        bob = bearer(bob_token)
        assert client.get("/v1/interactions", headers=bob).json()["items"] == []
        for method, path in (("get", f"/v1/interactions/{item_id}"), ("get", f"/v1/interactions/{item_id}/audio"), ("delete", f"/v1/interactions/{item_id}")):
            theirs = getattr(client, method)(path, headers=bob)
            missing = getattr(client, method)(path.replace(item_id, "0" * 32), headers=bob)
            assert theirs.status_code == missing.status_code == 404
            assert theirs.json() == missing.json()
        _error(client.post("/v1/deletions", headers=bob, json={"scope": "items", "ids": [item_id]}), 404, "not-found")
        assert client.get(f"/v1/interactions/{item_id}", headers=bearer(home.owner_token)).status_code == 200
        # a member token records only for its own member
        _error(upload(client, bob_token, tone_wav(0.1), member="owner", record={"transcript": "x"}), 400, "member-mismatch")


@pytest.mark.parametrize(
    ("audio", "fields", "status", "code"),
    [
        (b"", {"record": {"transcript": "x"}}, 422, "audio-empty"),
        (b"this is not audio at all, just text" * 20, {"record": {"transcript": "x"}}, 422, "audio-unsupported-format"),
        (tone_wav(0.2), {"record": "{not json"}, 400, "invalid-json"),
        (tone_wav(0.2), {"record": {"transcript": 5}}, 400, "invalid-record"),
        (tone_wav(0.2), {"record": {"surprise": "x"}}, 400, "invalid-record"),
        (tone_wav(0.2), {"member": "nobody", "record": {"transcript": "x"}}, 400, "member-mismatch"),
        (tone_wav(40.0), {"record": {"transcript": "x"}}, 422, "audio-too-long"),
    ],
    ids=["empty", "not-audio", "malformed-json", "wrong-type", "unknown-field", "another-member", "too-long"],
)
def test_bad_input_is_refused_and_leaves_nothing(home: Home, audio: bytes, fields: dict, status: int, code: str) -> None:
    before = _state(home)
    with api(home.settings) as client:
        _error(upload(client, home.owner_token, audio, **fields), status, code)
    assert _state(home) == before


def test_too_large_upload_is_refused(tmp_path: Path, home: Home) -> None:
    small = home.settings.model_copy(update={"max_audio_bytes": 10_000})
    before = _state(home)
    with api(small) as client:
        _error(upload(client, home.owner_token, tone_wav(1.0), record={"transcript": "x"}), 413, "audio-too-large")
    assert _state(home) == before


def test_missing_file_field_uses_the_error_shape(home: Home) -> None:
    with api(home.settings) as client:
        reply = client.post("/v1/interactions", headers=bearer(home.device_token), data={"member": "owner"})
    _error(reply, 422, "invalid-request")
    assert "audio" in reply.json()["error"]["message"]


def test_deletion_range_and_state(home: Home) -> None:
    with api(home.settings) as client:
        ids = [
            upload(client, home.owner_token, tone_wav(0.1),
                   record={"transcript": f"t{i}", "created_at": f"2026-06-0{i + 1}T10:00:00+00:00"}).json()["id"]
            for i in range(4)
        ]
        owner = bearer(home.owner_token)
        _error(client.post("/v1/deletions", headers=owner, json={"scope": "range"}), 400, "invalid-range")
        _error(client.post("/v1/deletions", headers=owner, json={"scope": "sometimes"}), 422, "invalid-request")
        job = client.post("/v1/deletions", headers=owner, json={"scope": "range", "since": "2026-06-02T00:00:00Z", "until": "2026-06-04T00:00:00Z"}).json()
        assert job["state"] == "shredded" and job["items"] == 2 and job["shredded_at"]
        followed = purged(client, home.owner_token, job["id"])
        assert followed["state"] == "purged" and followed["counts"]["interactions"] == 2
        left = [i["id"] for i in client.get("/v1/interactions", headers=owner).json()["items"]]
        assert left == [ids[3], ids[0]]


def test_openapi_documents_the_api(home: Home) -> None:
    with api(home.settings) as client:
        spec = client.get("/openapi.json").json()
    assert {"/v1/interactions", "/v1/interactions/{item_id}", "/v1/interactions/{item_id}/audio", "/v1/deletions"} <= set(spec["paths"])
    assert json.dumps(spec)


def test_openapi_still_describes_the_upload_form(sqlite_home: Home) -> None:
    """The route reads its body itself (after authentication), yet the page documents its form fields."""
    with api(sqlite_home.settings) as client:
        spec = client.get("/openapi.json").json()
    body = spec["paths"]["/v1/interactions"]["post"]["requestBody"]
    schema = body["content"]["multipart/form-data"]["schema"]
    assert body["required"] is True and schema["required"] == ["audio"]
    assert set(schema["properties"]) == {"audio", "member", "record"}
    assert all(field["description"] for field in schema["properties"].values())
    assert "speak" in {p["name"] for p in spec["paths"]["/v1/interactions"]["post"]["parameters"]}
