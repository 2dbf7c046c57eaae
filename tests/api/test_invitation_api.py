"""An invitation is redeemed through the API as well as the page: the invited member sets their own password
with POST /v1/invitations/{code} and gets a token of their own; the invitation works once (issue 14, finding 2)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apiclient import bearer
from homes import Home
from hub import Hub, cheap_passwords, open_hub  # noqa: F401
from echoless.vault import accounts, audit


@pytest.fixture
def hub(sqlite_home: Home, cheap_passwords: None) -> Iterator[Hub]:  # noqa: F811
    with open_hub(sqlite_home) as opened:
        yield opened


def test_an_invited_adult_sets_their_password_through_the_api(hub: Hub) -> None:
    c = hub.use(None)
    added = c.post("/v1/household/members", headers=bearer(hub.tokens["owner"]), json={"name": "eve"})
    assert added.status_code == 201, added.text
    code = added.json()["invitation"]["code"]
    assert c.post(f"/v1/invitations/{code}", json={"password": "short"}).status_code == 422  # too short: nothing used
    reply = c.post(f"/v1/invitations/{code}", json={"password": "eve's own password"})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body["name"] == "eve" and body["role"] == "adult" and body["token"].startswith("elm_")
    assert c.get("/v1/me", headers=bearer(body["token"])).json()["name"] == "eve"
    eve = accounts.find_member(hub.home.vault, hub.members["owner"].household_id, "eve")
    assert accounts.check_password(hub.home.vault, eve.household_id, "eve", "eve's own password") is not None
    kinds = [e["kind"] for e in c.get("/v1/me/access-events", headers=bearer(body["token"])).json()["events"]]
    assert kinds[0] == audit.INVITATION_REDEEMED
    again = c.post(f"/v1/invitations/{code}", json={"password": "someone else's password"})
    assert again.status_code == 404 and again.json()["error"]["code"] == "invalid-invitation"
    assert accounts.check_password(hub.home.vault, eve.household_id, "eve", "eve's own password") is not None


def test_an_unknown_invitation_is_not_found(hub: Hub) -> None:
    reply = hub.use(None).post("/v1/invitations/not-a-real-code", json={"password": "a long enough password"})
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "invalid-invitation"
