"""Retention: per part, applied by the sweep; shortening applies to existing history; children capped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apiclient import api, bearer, upload
from homes import Home
from echoless.errors import BadRequest
from echoless.privacy import preferences, sweeper
from echoless.vault.retention import DEFAULTS, expiry
from echoless.vault import interactions
from samples import tone_wav


def _at(client, home: Home, when: datetime) -> str:  # type: ignore[no-untyped-def]
    record = {"transcript": f"said at {when:%H}", "response": "ok", "action": {"result": "done"}, "created_at": when.isoformat()}
    return upload(client, home.owner_token, tone_wav(0.1), record=record).json()["id"]


def test_defaults_are_the_privacy_models() -> None:
    assert DEFAULTS == {"audio": "dont_save", "text": "30d", "action": "30d"}
    created = datetime(2026, 1, 1, tzinfo=UTC)
    assert expiry(created, "30d") == created + timedelta(days=30)
    assert expiry(created, "forever") is None and expiry(created, "dont_save") == created


def test_a_new_member_keeps_no_audio_by_default(home: Home) -> None:
    member, token = home.add_member("newcomer")
    with api(home.settings) as client:
        item = upload(client, token, tone_wav(0.2), record={"transcript": "hello there"}).json()["id"]
        shown = client.get(f"/v1/interactions/{item}", headers=bearer(token)).json()
        settings = client.get("/v1/settings", headers=bearer(token)).json()
    assert shown["audio"] is None and shown["transcript"] == "hello there"
    assert settings["retention"] == DEFAULTS and settings["saving_recordings"] is False
    assert list(home.vault.blobs.list("audio")) == []


def test_sweep_expires_parts_and_whole_items(home: Home) -> None:
    now = datetime.now(UTC)
    with api(home.settings) as client:
        owner = bearer(home.owner_token)
        old = _at(client, home, now - timedelta(days=10))
        recent = _at(client, home, now - timedelta(hours=1))
        reply = client.put("/v1/settings", headers=owner, json={"retention": {"audio": "1d", "text": "7d", "action": "30d"}})
        assert reply.status_code == 200, reply.text
        sweeper.expire_due(home.vault)
        old_view = client.get(f"/v1/interactions/{old}", headers=owner).json()
        recent_view = client.get(f"/v1/interactions/{recent}", headers=owner).json()
    assert old_view["audio"] is None and old_view["transcript"] is None and old_view["action"] == {"result": "done"}
    assert recent_view["audio"] is not None and recent_view["transcript"] == "said at " + recent_view["transcript"][-2:]
    assert list(home.vault.blobs.list("audio")) == [recent]
    # shortening the action retention to 1 day removes the rest of the old item at the next sweep
    preferences.update(home.vault, home.member(home.owner.id), retention_changes={"action": "1d"})
    counts = sweeper.expire_due(home.vault)
    assert counts["expired_items"] == 1
    ids = [i.id for i in interactions.history(home.vault, home.owner).items]
    assert ids == [recent]


def test_child_profiles_are_capped_at_30_days(home: Home) -> None:
    child, token = home.add_member("kid", role="child")
    with pytest.raises(BadRequest):
        preferences.update(home.vault, child, retention_changes={"text": "3m"})
    with api(home.settings) as client:
        refused = client.put("/v1/settings", headers=bearer(token), json={"retention": {"audio": "forever"}})
        allowed = client.put("/v1/settings", headers=bearer(token), json={"retention": {"audio": "7d"}})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid-retention"
    assert allowed.status_code == 200 and allowed.json()["retention"]["audio"] == "7d"


def test_unknown_choice_is_refused(home: Home) -> None:
    with api(home.settings) as client:
        reply = client.put("/v1/settings", headers=bearer(home.owner_token), json={"retention": {"audio": "a while"}})
    # the choices are in the schema (issue 14, the API contract): refused as the schema refuses, naming them
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "invalid-request"
    assert "forever" in reply.json()["error"]["message"]
