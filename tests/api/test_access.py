"""PRIVACY_MODEL §4 over the API: member vs member, owner vs adult, owner vs child, device token,
signed out, and a Privacy Hub session cookie without its CSRF header. Each refusal changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apiclient import bearer
from homes import Home
from hub import Hub, cheap_passwords, open_hub  # noqa: F401
from echoless.vault import sessions


@pytest.fixture
def hub(sqlite_home: Home, cheap_passwords: None) -> Iterator[Hub]:
    with open_hub(sqlite_home) as opened:
        yield opened


def _not_found(reply) -> None:  # type: ignore[no-untyped-def]
    assert reply.status_code == 404, reply.text
    assert reply.json()["error"]["code"] == "not-found"


def test_member_cannot_see_or_delete_another_members_item(hub: Hub) -> None:
    item = hub.record("bob", "bob's secret")
    c = hub.use(None)
    for who in ("owner", "kid"):
        _not_found(c.get(f"/v1/interactions/{item}", headers=bearer(hub.tokens[who])))
        _not_found(c.get(f"/v1/interactions/{item}/audio", headers=bearer(hub.tokens[who])))
        _not_found(c.delete(f"/v1/interactions/{item}", headers=bearer(hub.tokens[who])))
        assert c.get("/v1/interactions", headers=bearer(hub.tokens[who])).json()["items"] == []
    assert hub.visible("bob") == {item}


def test_owner_asking_for_an_adult_answers_like_a_missing_member(hub: Hub) -> None:
    item = hub.record("bob", "bob's secret")
    c = hub.use(None)
    owner = bearer(hub.tokens["owner"])
    bob_reply = c.get("/v1/interactions", headers=owner, params={"member": "bob"})
    nobody_reply = c.get("/v1/interactions", headers=owner, params={"member": "nobody-at-all"})
    _not_found(bob_reply)
    assert bob_reply.json() == nobody_reply.json()
    by_id = c.get("/v1/interactions", headers=owner, params={"member": hub.members["bob"].id})
    assert by_id.status_code == 404 and by_id.json() == nobody_reply.json()
    _not_found(c.get(f"/v1/interactions/{item}", headers=owner, params={"member": "bob"}))
    _not_found(c.get(f"/v1/interactions/{item}/audio", headers=owner, params={"member": "bob"}))
    _not_found(c.delete(f"/v1/interactions/{item}", headers=owner, params={"member": "bob"}))
    assert hub.visible("bob") == {item}


def test_owner_reviews_and_deletes_a_childs_history(hub: Hub) -> None:
    first, second = hub.record("kid", "play a song"), hub.record("kid", "what time is it")
    c = hub.use(None)
    owner = bearer(hub.tokens["owner"])
    listed = c.get("/v1/interactions", headers=owner, params={"member": "kid"})
    assert listed.status_code == 200 and {i["id"] for i in listed.json()["items"]} == {first, second}
    shown = c.get(f"/v1/interactions/{first}", headers=owner, params={"member": "kid"})
    assert shown.status_code == 200 and shown.json()["transcript"] == "play a song"
    assert c.get(f"/v1/interactions/{first}/audio", headers=owner, params={"member": "kid"}).status_code == 200
    deleted = c.delete(f"/v1/interactions/{first}", headers=owner, params={"member": "kid"})
    assert deleted.status_code == 200 and deleted.json()["scope"] == "items"
    assert hub.visible("kid") == {second}
    # without `member`, the owner's own (empty) history: a child's item is not the owner's
    _not_found(c.get(f"/v1/interactions/{second}", headers=owner))


def test_adults_and_children_cannot_reach_anyone_else(hub: Hub) -> None:
    kid_item, owner_item = hub.record("kid", "kid item"), hub.record("owner", "owner item")
    c = hub.use(None)
    _not_found(c.get("/v1/interactions", headers=bearer(hub.tokens["bob"]), params={"member": "kid"}))
    _not_found(c.delete(f"/v1/interactions/{kid_item}", headers=bearer(hub.tokens["bob"]), params={"member": "kid"}))
    _not_found(c.get("/v1/interactions", headers=bearer(hub.tokens["kid"]), params={"member": "owner"}))
    _not_found(c.delete(f"/v1/interactions/{owner_item}", headers=bearer(hub.tokens["kid"]), params={"member": "owner"}))
    assert hub.visible("kid") == {kid_item} and hub.visible("owner") == {owner_item}


def test_device_token_and_signed_out(hub: Hub) -> None:
    item = hub.record("kid", "kid item")
    c = hub.use(None)
    device = bearer(hub.home.device_token)
    for reply in (
        c.get("/v1/interactions", headers=device, params={"member": "kid"}),
        c.get(f"/v1/interactions/{item}", headers=device, params={"member": "kid"}),
        c.delete(f"/v1/interactions/{item}", headers=device, params={"member": "kid"}),
    ):
        assert reply.status_code == 403 and reply.json()["error"]["code"] == "forbidden"
    for reply in (c.get("/v1/interactions"), c.delete(f"/v1/interactions/{item}", params={"member": "kid"})):
        assert reply.status_code == 401 and reply.json()["error"]["code"] == "unauthorized"
    assert hub.visible("kid") == {item}


def test_revoked_tokens_stop_working(hub: Hub) -> None:
    c = hub.use(None)
    assert c.get("/v1/interactions", headers=bearer(hub.tokens["bob"])).status_code == 200
    from echoless.vault import accounts

    (token,) = accounts.tokens(hub.home.vault, hub.members["bob"].household_id, hub.members["bob"].id)
    accounts.revoke_token(hub.home.vault, hub.members["bob"].household_id, token.id)
    assert c.get("/v1/interactions", headers=bearer(hub.tokens["bob"])).status_code == 401
    accounts.revoke_tokens_of(hub.home.vault, hub.home.device.id)
    assert c.post("/v1/interactions", headers=bearer(hub.home.device_token), files={"audio": ("a.wav", b"x")}).status_code == 401


def test_session_cookie_on_the_api_needs_csrf_to_change_anything(hub: Hub) -> None:
    item = hub.record("bob", "bob item")
    c = hub.use("bob")
    assert [i["id"] for i in c.get("/v1/interactions").json()["items"]] == [item]
    refused = c.delete(f"/v1/interactions/{item}")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf-failed"
    wrong = c.delete(f"/v1/interactions/{item}", headers={sessions.CSRF_HEADER: hub.csrf["owner"]})
    assert wrong.status_code == 403
    assert hub.visible("bob") == {item}
    done = c.delete(f"/v1/interactions/{item}", headers={sessions.CSRF_HEADER: hub.csrf["bob"]})
    assert done.status_code == 200 and hub.visible("bob") == set()
    c.cookies.set(sessions.COOKIE, "not-a-session")
    assert c.get("/v1/interactions").status_code == 401
