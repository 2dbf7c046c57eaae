"""PRIVACY_MODEL §4 on the pages: the owner adds an adult with a one-time invitation, never a password;
the adult chooses their own; every member changes their own; tokens are made by the member; an owner's
reset revokes everything of the adult's and is shown to them at their next sign-in until acknowledged."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from apiclient import bearer
from hub import PASSWORD, Hub
from invites import invitation_path, redeem
from echoless.vault import accounts, audit, credentials
from echoless.vault.models import Token


def _kinds(hub: Hub, name: str) -> list[str]:
    member = accounts.find_member(hub.home.vault, hub.members["owner"].household_id, name)
    return [e.kind for e in audit.entries(hub.home.vault) if e.subject == member.id]


def _add(hub: Hub, name: str, role: str = "adult"):  # type: ignore[no-untyped-def]
    return hub.use("owner").post("/household/members", data={"name": name, "role": role, "csrf_token": hub.csrf["owner"]})


def test_the_owner_cannot_choose_an_adults_password(hub: Hub) -> None:
    c = hub.use("owner")
    page = c.get("/household").text
    assert 'name="password"' not in page  # no field for it
    refused = c.post("/household/members", data={"name": "eve", "role": "adult", "password": "chosen by owner", "csrf_token": hub.csrf["owner"]})
    assert refused.status_code == 400 and "choose" in refused.text
    household = hub.members["owner"].household_id
    assert "eve" not in {m.name for m in accounts.members(hub.home.vault, household)}
    added = _add(hub, "eve")
    assert added.status_code == 201 and "/invite/" in added.text
    eve = accounts.find_member(hub.home.vault, household, "eve")
    assert eve.password_hash is None
    assert hub.sign_in("eve", "chosen by owner").status_code == 401
    assert "invited (until" in hub.use("owner").get("/household").text


def test_an_invitation_lets_the_adult_set_their_password_once(hub: Hub) -> None:
    path = invitation_path(_add(hub, "eve").text)
    code = path.rsplit("/", 1)[1]
    c = hub.use(None)
    assert c.get("/v1/me", headers=bearer(code)).status_code == 401  # an invitation is no token
    form = c.get(path)
    assert form.status_code == 200 and "Welcome, eve" in form.text
    assert redeem(hub, "eve", path, "eve's own password", confirm="something else").status_code == 400
    assert redeem(hub, "eve", path, "short").status_code == 400
    done = redeem(hub, "eve", path, "eve's own password")
    assert done.status_code == 303 and done.headers["location"] == "/history"
    assert hub.use("eve").get("/history").status_code == 200  # signed in as eve
    again = hub.use(None).get(path)
    assert again.status_code == 404 and "cannot be used" in again.text
    assert redeem(hub, "eve", path, "the owner's guess").status_code == 404
    assert hub.sign_in("eve", "eve's own password").status_code == 303
    assert hub.sign_in("eve", "the owner's guess").status_code == 401
    assert _kinds(hub, "eve") == [audit.MEMBER_ADDED, audit.INVITATION_ISSUED, audit.INVITATION_REDEEMED]
    assert "Invitation used to set a password" in hub.use("eve").get("/account").text


def test_an_invitation_expires(hub: Hub) -> None:
    path = invitation_path(_add(hub, "eve").text)
    late = hub.home.settings.invitation_hours + 0.1
    with hub.home.vault.data.write() as session:
        for row in session.scalars(select(Token).where(Token.kind == "invite")):
            row.created_at -= timedelta(hours=late)
    assert hub.use(None).get(path).status_code == 404
    assert redeem(hub, "eve", path, "eve's own password").status_code == 404
    eve = accounts.find_member(hub.home.vault, hub.members["owner"].household_id, "eve")
    assert eve.password_hash is None
    # a new invitation replaces an old one; a member who has a password is reset instead
    c = hub.use("owner")
    first = invitation_path(c.post(f"/household/members/{eve.id}/invitation", data={"csrf_token": hub.csrf["owner"]}).text)
    second = invitation_path(c.post(f"/household/members/{eve.id}/invitation", data={"csrf_token": hub.csrf["owner"]}).text)
    assert hub.use(None).get(first).status_code == 404
    assert redeem(hub, "eve", second, "eve's own password").status_code == 303
    assert hub.use("owner").post(f"/household/members/{eve.id}/invitation", data={"csrf_token": hub.csrf["owner"]}).status_code == 409


def test_a_member_changes_their_own_password(hub: Hub) -> None:
    hub.sign_in("bob")
    other_browser = hub.cookies["bob"]
    hub.sign_in("bob")
    c = hub.use("bob")
    assert 'action="/account/password"' in c.get("/account").text
    form = {"current": "not my password", "password": "bob's new password", "confirm": "bob's new password", "csrf_token": hub.csrf["bob"]}
    wrong = c.post("/account/password", data=form)
    assert wrong.status_code == 403 and "not right" in wrong.text
    mismatch = c.post("/account/password", data={**form, "current": PASSWORD, "confirm": "typo"})
    assert mismatch.status_code == 400
    assert c.post("/account/password", data={**form, "csrf_token": "forged", "current": PASSWORD}).status_code == 403
    done = c.post("/account/password", data={**form, "current": PASSWORD}, follow_redirects=False)
    assert done.status_code == 303
    assert c.get("/history").status_code == 200  # this sign-in stays
    hub.client.cookies.clear()
    hub.client.cookies.set("echoless_session", other_browser)
    assert hub.client.get("/history", follow_redirects=False).status_code == 303  # the other one ended
    assert hub.sign_in("bob", PASSWORD).status_code == 401
    assert hub.sign_in("bob", "bob's new password").status_code == 303
    assert audit.PASSWORD_CHANGED in _kinds(hub, "bob")


def test_the_owner_cannot_mint_an_adults_token_from_the_pages(hub: Hub) -> None:
    household = hub.members["owner"].household_id
    bob = hub.members["bob"]
    before = accounts.tokens(hub.home.vault, household, bob.id)
    c = hub.use("owner")
    page = c.get("/household").text
    minting = re.findall(r'action="([^"]*/tokens?)"', page)
    assert minting and all(a.startswith("/household/devices/") for a in minting)  # only devices get tokens here
    for path in (f"/household/members/{bob.id}/token", f"/household/members/{bob.id}/tokens", "/household/tokens"):
        assert c.post(path, data={"csrf_token": hub.csrf["owner"]}).status_code in (404, 405), path
    made = c.post("/settings/tokens", data={"csrf_token": hub.csrf["owner"], "member": "bob"})
    assert made.status_code == 201
    assert accounts.tokens(hub.home.vault, household, bob.id) == before  # the owner's own token, not bob's
    assert len(accounts.tokens(hub.home.vault, household, hub.members["owner"].id)) == 2


def test_a_reset_revokes_and_is_shown_to_the_adult_until_acknowledged(hub: Hub) -> None:
    bob = hub.members["bob"]
    c = hub.use("owner")
    confirm = c.get(f"/household/members/{bob.id}/reset")
    assert confirm.status_code == 200 and "will be told" in confirm.text
    reset = c.post(f"/household/members/{bob.id}/reset", data={"csrf_token": hub.csrf["owner"]})
    assert reset.status_code == 201
    path = invitation_path(reset.text)
    assert hub.use("bob").get("/history", follow_redirects=False).status_code == 303  # bob's sign-in ended
    assert hub.use(None).get("/v1/interactions", headers=bearer(hub.tokens["bob"])).status_code == 401  # his token too
    assert hub.sign_in("bob", PASSWORD).status_code == 401  # and his password
    assert audit.ACCESS_RESET in _kinds(hub, "bob")
    # whoever redeems the invitation, bob's next sign-in shows the reset, prominently, until acknowledged
    first = redeem(hub, "bob", path, "bob's new password")
    assert first.status_code == 303 and first.headers["location"] == "/account"
    account = hub.use("bob").get("/account").text
    assert "reset your access" in account and "Access reset by the household" in account
    assert 'id="access-reset-banner"' in hub.use("bob").get("/history").text
    again = hub.sign_in("bob", "bob's new password")
    assert again.status_code == 303 and again.headers["location"] == "/account"
    c = hub.use("bob")
    assert c.post("/account/acknowledge", data={"csrf_token": hub.csrf["bob"]}, follow_redirects=False).status_code == 303
    assert 'id="access-reset-banner"' not in c.get("/history").text
    assert hub.sign_in("bob", "bob's new password").headers["location"] == "/history"
    assert "Access reset by the household" in hub.use("bob").get("/account").text  # the record stays
    assert _kinds(hub, "bob")[-3:] == [audit.INVITATION_ISSUED, audit.INVITATION_REDEEMED, audit.ACCESS_RESET_ACKNOWLEDGED]
    assert credentials.pending_resets(accounts.get_member(hub.home.vault, bob.id)) == []


def test_only_the_owner_resets_and_never_themselves_or_a_child(hub: Hub) -> None:
    owner, kid = hub.members["owner"], hub.members["kid"]
    c = hub.use("bob")
    assert c.post(f"/household/members/{owner.id}/reset", data={"csrf_token": hub.csrf["bob"]}).status_code == 403
    c = hub.use("owner")
    assert c.post(f"/household/members/{owner.id}/reset", data={"csrf_token": hub.csrf["owner"]}).status_code == 409
    assert c.post(f"/household/members/{kid.id}/reset", data={"csrf_token": hub.csrf["owner"]}).status_code == 409
    assert c.post(f"/household/members/{hub.members['bob'].id}/reset", data={}).status_code == 403  # no CSRF token
    assert hub.use("bob").get("/history").status_code == 200
    assert _kinds(hub, "bob").count(audit.ACCESS_RESET) == 0
