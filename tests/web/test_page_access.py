"""PRIVACY_MODEL §4 on the pages: member vs member, owner vs adult, owner vs child, device token,
signed out, CSRF missing. Each refusal has its exact status and changes nothing."""

from __future__ import annotations

import pytest

from apiclient import bearer
from hub import Hub
from echoless.vault import accounts


def test_signed_out_gets_sent_to_sign_in_and_cannot_post(hub: Hub) -> None:
    item = hub.record("bob", "bob item")
    c = hub.use(None)
    for path in ("/history", "/settings", "/receipts", "/export", "/try", "/household", f"/history/{item}/audio", f"/delete?ids={item}"):
        reply = c.get(path, follow_redirects=False)
        assert reply.status_code == 303 and reply.headers["location"].startswith("/?next=%2F"), path
    for path, data in (("/delete", {"scope": "all"}), ("/settings", {"audio": "forever", "text": "forever", "action": "forever"}),
                       ("/household/members", {"name": "eve"}), ("/export", {}), ("/sign-out", {})):
        assert c.post(path, data=data, follow_redirects=False).status_code == 401, path
    assert c.post("/try/run", files={"audio": ("a.webm", b"x")}).status_code == 401
    assert hub.visible("bob") == {item}
    assert len(accounts.members(hub.home.vault, hub.members["bob"].household_id)) == 3


def test_a_device_token_is_not_a_sign_in(hub: Hub) -> None:
    item = hub.record("bob", "bob item")
    c = hub.use(None)
    device = bearer(hub.home.device_token)
    assert c.get("/history", headers=device, follow_redirects=False).status_code == 303
    assert c.post("/delete", headers=device, data={"scope": "all", "member": "bob"}, follow_redirects=False).status_code == 401
    member_token = bearer(hub.tokens["bob"])
    assert c.post("/delete", headers=member_token, data={"scope": "all"}, follow_redirects=False).status_code == 401
    assert hub.visible("bob") == {item}


@pytest.mark.parametrize("token", [None, "forged", "owner"])
def test_csrf_missing_or_wrong_changes_nothing(hub: Hub, token: str | None) -> None:
    item = hub.record("bob", "bob item")
    c = hub.use("bob")
    data: dict[str, str] = {"scope": "items", "ids": item}
    if token:
        data["csrf_token"] = hub.csrf.get(token, token)  # another member's real token is wrong here too
    assert c.post("/delete", data=data, follow_redirects=False).status_code == 403
    settings = {"audio": "dont_save", "text": "1d", "action": "1d", **({"csrf_token": data["csrf_token"]} if token else {})}
    assert c.post("/settings", data=settings, follow_redirects=False).status_code == 403
    assert c.post("/settings/tokens", data={k: v for k, v in data.items() if k == "csrf_token"}).status_code == 403
    assert c.post("/try/run", files={"audio": ("a.webm", b"x")}, headers={"X-CSRF-Token": data.get("csrf_token", "")}).status_code == 403
    assert hub.visible("bob") == {item}
    assert c.get("/settings").text.count('value="forever" selected') == 3  # bob's settings unchanged


def test_member_vs_member_on_pages(hub: Hub) -> None:
    owner_item = hub.record("owner", "owner item")
    c = hub.use("bob")
    assert c.get(f"/history/{owner_item}/audio").status_code == 404
    assert c.get("/delete", params={"scope": "items", "ids": owner_item}).status_code == 404
    reply = c.post("/delete", data={"scope": "items", "ids": owner_item, "csrf_token": hub.csrf["bob"]}, follow_redirects=False)
    assert reply.status_code == 404
    assert "owner item" not in c.get("/history").text
    assert hub.visible("owner") == {owner_item}


def test_owner_cannot_open_an_adults_history(hub: Hub) -> None:
    bob_item = hub.record("bob", "bob's private words")
    c = hub.use("owner")
    for reply in (
        c.get("/history", params={"member": "bob"}),
        c.get(f"/history/{bob_item}/audio", params={"member": "bob"}),
        c.get("/delete", params={"scope": "all", "member": "bob"}),
    ):
        assert reply.status_code == 404 and "bob&#39;s private words" not in reply.text
    missing = c.get("/history", params={"member": "nobody"})
    assert missing.status_code == 404
    for scope in ("all", "items"):
        reply = c.post("/delete", data={"scope": scope, "ids": bob_item, "member": "bob", "csrf_token": hub.csrf["owner"]}, follow_redirects=False)
        assert reply.status_code == 404
    assert hub.visible("bob") == {bob_item}
    page = c.get("/household").text
    assert "?member=bob" not in page and "?member=kid" in page


def test_owner_reviews_and_deletes_a_childs_history_on_pages(hub: Hub) -> None:
    kid_item = hub.record("kid", "play the dinosaur song")
    c = hub.use("owner")
    page = c.get("/history", params={"member": "kid"})
    assert page.status_code == 200 and "play the dinosaur song" in page.text and "kid&#39;s voice history" in page.text
    assert c.get(f"/history/{kid_item}/audio", params={"member": "kid"}).status_code == 200
    confirm = c.get("/delete", params={"scope": "items", "ids": kid_item, "member": "kid"})
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    done = c.post("/delete", data={"scope": "items", "ids": kid_item, "member": "kid", "csrf_token": hub.csrf["owner"]}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?member=kid")
    assert hub.visible("kid") == set()
    assert c.get(done.headers["location"]).status_code == 200
    # the child itself cannot look at anyone else, and an adult cannot look at the child
    assert hub.use("kid").get("/history", params={"member": "owner"}).status_code == 404
    assert hub.use("bob").get("/history", params={"member": "kid"}).status_code == 404


def test_household_is_for_the_owner_only(hub: Hub) -> None:
    for who in ("bob", "kid"):
        c = hub.use(who)
        assert c.get("/household").status_code == 403
        reply = c.post("/household/members", data={"name": "eve", "role": "adult", "csrf_token": hub.csrf[who]})
        assert reply.status_code == 403
        reply = c.post(f"/household/members/{hub.members['owner'].id}/remove", data={"csrf_token": hub.csrf[who]})
        assert reply.status_code == 403
        reply = c.post("/household/devices", data={"name": "x", "csrf_token": hub.csrf[who]})
        assert reply.status_code == 403
    from echoless.vault import accounts

    household = hub.members["owner"].household_id
    assert {m.name for m in accounts.members(hub.home.vault, household)} == {"owner", "bob", "kid"}
    assert [d.name for d in accounts.devices(hub.home.vault, household)] == ["kitchen speaker"]


def test_own_token_revocation_only_reaches_own_tokens(hub: Hub) -> None:
    from echoless.vault import accounts

    household = hub.members["owner"].household_id
    (owner_token,) = accounts.tokens(hub.home.vault, household, hub.members["owner"].id)
    c = hub.use("bob")
    reply = c.post(f"/settings/tokens/{owner_token.id}/revoke", data={"csrf_token": hub.csrf["bob"]})
    assert reply.status_code == 404
    assert accounts.tokens(hub.home.vault, household, hub.members["owner"].id)[0].revoked_at is None
