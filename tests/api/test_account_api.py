"""PRIVACY_MODEL §4 over the API: a member changes their own password and makes their own tokens; the
owner adds an adult with an invitation (never a password, never a token) and may reset their access,
which the adult sees in /v1/me until they acknowledge it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apiclient import bearer
from homes import Home
from hub import PASSWORD, Hub, cheap_passwords, open_hub  # noqa: F401
from invites import redeem
from echoless.vault import accounts, audit


@pytest.fixture
def hub(sqlite_home: Home, cheap_passwords: None) -> Iterator[Hub]:  # noqa: F811
    with open_hub(sqlite_home) as opened:
        yield opened


def test_a_member_changes_their_own_password(hub: Hub) -> None:
    c = hub.use(None)
    bob = bearer(hub.tokens["bob"])
    wrong = c.put("/v1/me/password", headers=bob, json={"current_password": "not it", "new_password": "bob's new password"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "wrong-password"
    short = c.put("/v1/me/password", headers=bob, json={"current_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 422
    device = c.put("/v1/me/password", headers=bearer(hub.home.device_token), json={"current_password": PASSWORD, "new_password": "a device's choice"})
    assert device.status_code == 403
    assert hub.sign_in("bob", PASSWORD).status_code == 303
    done = c.put("/v1/me/password", headers=bob, json={"current_password": PASSWORD, "new_password": "bob's new password"})
    assert done.status_code == 200 and done.json() == {"changed": True}
    assert hub.use("bob").get("/history", follow_redirects=False).status_code == 303  # his sign-ins ended
    assert hub.sign_in("bob", PASSWORD).status_code == 401
    assert hub.sign_in("bob", "bob's new password").status_code == 303
    # through a Privacy Hub session (with its CSRF header), that very session stays
    c = hub.use("bob")
    change = {"current_password": "bob's new password", "new_password": "and another one"}
    assert c.put("/v1/me/password", json=change).status_code == 403  # no CSRF header
    assert c.put("/v1/me/password", json=change, headers={"X-CSRF-Token": hub.csrf["bob"]}).status_code == 200
    assert c.get("/v1/me").json()["name"] == "bob"


def test_tokens_are_made_by_their_member(hub: Hub) -> None:
    c = hub.use(None)
    owner, bob = bearer(hub.tokens["owner"]), bearer(hub.tokens["bob"])
    household = hub.members["owner"].household_id
    made = c.post("/v1/me/tokens", headers=bob)
    assert made.status_code == 201 and made.json()["token"].startswith("elm_")
    new_token = made.json()["token"]
    assert c.get("/v1/me", headers=bearer(new_token)).json()["name"] == "bob"
    assert made.json()["id"] in {t["id"] for t in c.get("/v1/me/tokens", headers=bob).json()["tokens"]}
    bobs = accounts.tokens(hub.home.vault, household, hub.members["bob"].id)
    # the owner's requests make and revoke the owner's tokens only; bob's are out of reach
    assert c.post("/v1/me/tokens", headers=owner, params={"member": "bob"}).status_code == 201
    assert accounts.tokens(hub.home.vault, household, hub.members["bob"].id) == bobs
    assert c.delete(f"/v1/me/tokens/{made.json()['id']}", headers=owner).status_code == 404
    assert c.get("/v1/me", headers=bearer(new_token)).status_code == 200
    assert {t["subject"] for t in c.get("/v1/me/tokens", headers=owner).json()["tokens"]} == {"owner"}
    assert c.delete(f"/v1/me/tokens/{made.json()['id']}", headers=bob).json()["revoked_at"] is not None
    assert c.get("/v1/me", headers=bearer(new_token)).status_code == 401


def test_the_owner_adds_an_adult_with_an_invitation(hub: Hub) -> None:
    c = hub.use(None)
    owner = bearer(hub.tokens["owner"])
    with_password = c.post("/v1/household/members", headers=owner, json={"name": "eve", "role": "adult", "password": "chosen by owner"})
    assert with_password.status_code == 422  # there is no such field
    added = c.post("/v1/household/members", headers=owner, json={"name": "eve", "role": "adult"})
    assert added.status_code == 201
    body = added.json()
    assert "token" not in body and body["sign_in"] == "invited" and body["invitation"]["path"].startswith("/invite/")
    eve = accounts.find_member(hub.home.vault, hub.members["owner"].household_id, "eve")
    assert eve.password_hash is None
    assert all(t.revoked_at for t in accounts.tokens(hub.home.vault, eve.household_id, eve.id))
    assert redeem(hub, "eve", body["invitation"]["path"], "eve's own password").status_code == 303
    listed = {m["name"]: m for m in c.get("/v1/household/members", headers=owner).json()["members"]}
    assert listed["eve"]["sign_in"] == "password" and listed["kid"]["parents"] == ["owner"]
    assert c.post("/v1/household/members/eve/invitation", headers=owner).status_code == 409  # she has a password now
    for who in ("bob", "kid"):
        member = bearer(hub.tokens[who])
        assert c.post("/v1/household/members", headers=member, json={"name": "mallory"}).status_code == 403
        assert c.post("/v1/household/members/eve/reset", headers=member).status_code == 403
        assert c.get("/v1/household/members", headers=member).status_code == 403


def test_a_reset_is_in_the_audit_log_and_shown_until_acknowledged(hub: Hub) -> None:
    c = hub.use(None)
    owner, bob = bearer(hub.tokens["owner"]), bearer(hub.tokens["bob"])
    assert c.post("/v1/household/members/owner/reset", headers=owner).json()["error"]["code"] == "reset-self"
    assert c.post("/v1/household/members/kid/reset", headers=owner).json()["error"]["code"] == "child-no-sign-in"
    reset = c.post("/v1/household/members/bob/reset", headers=owner)
    assert reset.status_code == 201 and reset.json()["member"] == "bob"
    assert c.get("/v1/me", headers=bob).status_code == 401  # his token is revoked
    assert hub.sign_in("bob", PASSWORD).status_code == 401  # his password too
    bob_id = hub.members["bob"].id
    kinds = [e.kind for e in audit.entries(hub.home.vault) if e.subject == bob_id]
    assert kinds[-2:] == [audit.ACCESS_RESET, audit.INVITATION_ISSUED]
    assert redeem(hub, "bob", reset.json()["path"], "bob's new password").status_code == 303
    made = hub.use("bob").post("/v1/me/tokens", headers={"X-CSRF-Token": hub.csrf["bob"]}).json()["token"]
    me = c.get("/v1/me", headers=bearer(made)).json()
    assert len(me["access_resets"]) == 1
    events = c.get("/v1/me/access-events", headers=bearer(made)).json()["events"]
    assert [e["kind"] for e in events][:3] == [audit.INVITATION_REDEEMED, audit.INVITATION_ISSUED, audit.ACCESS_RESET]
    assert c.post("/v1/me/access-resets/acknowledge", headers=bearer(made)).json() == {"acknowledged": 1}
    assert c.get("/v1/me", headers=bearer(made)).json()["access_resets"] == []
