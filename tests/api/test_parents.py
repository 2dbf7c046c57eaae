"""PRIVACY_MODEL §4: a child profile's parents — the adults or owners named when it is made (else the
owner who makes it) — and only they review and delete its history and settings. Anyone else asking
gets exactly the answer for a member that does not exist. Through the API and the pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apiclient import bearer
from homes import KEEP_EVERYTHING, Home
from hub import PASSWORD, Hub, cheap_passwords, open_hub  # noqa: F401
from echoless import root
from echoless.vault import accounts


@pytest.fixture
def hub(sqlite_home: Home, cheap_passwords: None) -> Iterator[Hub]:  # noqa: F811
    with open_hub(sqlite_home) as opened:
        alice, token = opened.home.add_member("alice", "adult", KEEP_EVERYTHING)
        accounts.set_password(opened.home.vault, alice.id, PASSWORD)
        opened.members["alice"], opened.tokens["alice"] = alice, token
        assert opened.sign_in("alice").status_code == 303
        yield opened


def _add_child(hub: Hub, name: str, parents: list[str]) -> dict:
    reply = hub.use(None).post("/v1/household/members", headers=bearer(hub.tokens["owner"]),
                               json={"name": name, "role": "child", "parents": parents})
    assert reply.status_code == 201, reply.text
    _register(hub, name)
    return reply.json()


def _register(hub: Hub, name: str) -> None:
    """The test records for the child as an import with a token of its own (the operator's, from the shell)."""
    hub.members[name] = accounts.find_member(hub.home.vault, hub.members["owner"].household_id, name)
    hub.tokens[name] = accounts.new_member_token(hub.home.vault, hub.members[name].id)


def test_parents_and_only_parents_review_a_childs_history(hub: Hub) -> None:
    made = _add_child(hub, "tom", ["bob", "alice"])
    assert made["parents"] == ["bob", "alice"] and "invitation" not in made and "token" not in made
    item = hub.record("tom", "read me a story")
    c = hub.use(None)
    nobody = c.get("/v1/interactions", headers=bearer(hub.tokens["owner"]), params={"member": "no-such-member"})
    for parent in ("bob", "alice"):
        listed = c.get("/v1/interactions", headers=bearer(hub.tokens[parent]), params={"member": "tom"})
        assert listed.status_code == 200 and [i["id"] for i in listed.json()["items"]] == [item]
        assert c.get(f"/v1/interactions/{item}", headers=bearer(hub.tokens[parent]), params={"member": "tom"}).status_code == 200
        assert c.get("/v1/settings", headers=bearer(hub.tokens[parent]), params={"member": "tom"}).json()["child_profile"] is True
    for outsider in ("owner", "kid"):  # the owner is not one of tom's parents
        for reply in (
            c.get("/v1/interactions", headers=bearer(hub.tokens[outsider]), params={"member": "tom"}),
            c.get("/v1/interactions", headers=bearer(hub.tokens[outsider]), params={"member": made["id"]}),
            c.get(f"/v1/interactions/{item}", headers=bearer(hub.tokens[outsider]), params={"member": "tom"}),
            c.delete(f"/v1/interactions/{item}", headers=bearer(hub.tokens[outsider]), params={"member": "tom"}),
            c.get("/v1/settings", headers=bearer(hub.tokens[outsider]), params={"member": "tom"}),
            c.put("/v1/settings", headers=bearer(hub.tokens[outsider]), params={"member": "tom"}, json={"retention": {"text": "1d"}}),
            c.post("/v1/deletions", headers=bearer(hub.tokens[outsider]), params={"member": "tom"}, json={"scope": "all"}),
        ):
            assert reply.status_code == 404 and reply.json() == nobody.json(), reply.text
    assert hub.visible("tom") == {item}
    # a parent changes the child's settings (within the child limit) and deletes its history
    bob = bearer(hub.tokens["bob"])
    assert c.put("/v1/settings", headers=bob, params={"member": "tom"}, json={"retention": {"text": "forever"}}).status_code == 400
    assert c.put("/v1/settings", headers=bob, params={"member": "tom"}, json={"retention": {"text": "7d"}}).json()["retention"]["text"] == "7d"
    assert c.get("/v1/settings", headers=bob).json()["retention"]["text"] == "forever"  # bob's own are untouched
    done = c.post("/v1/deletions", headers=bearer(hub.tokens["alice"]), params={"member": "tom"}, json={"scope": "all"})
    assert done.status_code == 201 and hub.visible("tom") == set()
    assert c.get(f"/v1/deletions/{done.json()['id']}", headers=bearer(hub.tokens["alice"]), params={"member": "tom"}).status_code == 200
    assert c.get("/v1/me", headers=bob).json()["children"] == ["tom"]


def test_parents_on_the_pages(hub: Hub) -> None:
    c = hub.use("owner")
    page = c.get("/household").text
    assert 'name="parent"' in page
    added = c.post("/household/members", data={"name": "tom", "role": "child", "parent": [hub.members["alice"].id], "csrf_token": hub.csrf["owner"]},
                   follow_redirects=False)
    assert added.status_code == 303
    _register(hub, "tom")
    item = hub.record("tom", "read me a story")
    history = hub.use("alice").get("/history")
    assert '<option value="tom"' in history.text  # alice may switch to tom's history
    shown = hub.use("alice").get("/history", params={"member": "tom"})
    assert shown.status_code == 200 and "read me a story" in shown.text
    for outsider in ("owner", "bob"):
        c = hub.use(outsider)
        assert '<option value="tom"' not in c.get("/history").text
        assert c.get("/history", params={"member": "tom"}).status_code == 404
        assert c.get(f"/history/{item}/audio", params={"member": "tom"}).status_code == 404
        reply = c.post("/delete", data={"scope": "all", "member": "tom", "csrf_token": hub.csrf[outsider]}, follow_redirects=False)
        assert reply.status_code == 404
    assert "?member=tom" not in hub.use("owner").get("/household").text
    assert hub.visible("tom") == {item}
    # the child's settings, on the Settings page: its parents only
    settings = hub.use("alice").get("/settings", params={"member": "tom"})
    assert settings.status_code == 200 and "tom&#39;s privacy settings" in settings.text and "/settings/tokens" not in settings.text
    change = {"audio": "dont_save", "text": "7d", "action": "7d", "member": "tom"}
    for outsider in ("owner", "bob"):
        assert hub.use(outsider).get("/settings", params={"member": "tom"}).status_code == 404
        assert hub.use(outsider).post("/settings", data={**change, "csrf_token": hub.csrf[outsider]}).status_code == 404
    assert accounts.get_member(hub.home.vault, hub.members["tom"].id).settings["retention"]["text"] != "7d"
    saved = hub.use("alice").post("/settings", data={**change, "csrf_token": hub.csrf["alice"]}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/settings?saved=1&member=tom"
    assert accounts.get_member(hub.home.vault, hub.members["tom"].id).settings["retention"]["text"] == "7d"
    assert accounts.get_member(hub.home.vault, hub.members["alice"].id).settings["retention"]["text"] == "forever"
    done = hub.use("alice").post("/delete", data={"scope": "all", "member": "tom", "csrf_token": hub.csrf["alice"]}, follow_redirects=False)
    assert done.status_code == 303 and hub.visible("tom") == set()


def test_the_owner_who_makes_a_child_profile_is_its_parent_by_default(hub: Hub) -> None:
    made = _add_child(hub, "tom", [])
    assert made["parents"] == ["owner"]
    c = hub.use(None)
    assert c.get("/v1/interactions", headers=bearer(hub.tokens["owner"]), params={"member": "tom"}).status_code == 200
    assert c.get("/v1/interactions", headers=bearer(hub.tokens["bob"]), params={"member": "tom"}).status_code == 404


def test_who_can_be_a_parent(hub: Hub) -> None:
    c = hub.use(None)
    owner = bearer(hub.tokens["owner"])
    for body in ({"name": "tom", "role": "child", "parents": ["kid"]},
                 {"name": "tom", "role": "child", "parents": ["nobody"]},
                 {"name": "tom", "role": "adult", "parents": ["bob"]}):
        reply = c.post("/v1/household/members", headers=owner, json=body)
        expected = (422, "invalid-request") if body["role"] == "adult" else (400, "invalid-parent")  # the schema: no parents
        assert (reply.status_code, reply.json()["error"]["code"]) == expected, body
    assert "tom" not in {m.name for m in accounts.members(hub.home.vault, hub.members["owner"].household_id)}


def test_a_removed_parent_is_no_longer_one(hub: Hub) -> None:
    _add_child(hub, "tom", ["bob"])
    household = hub.members["owner"].household_id
    root.remove_member(hub.home.vault, household, "bob")
    tom = accounts.find_member(hub.home.vault, household, "tom")
    assert tom.settings["parents"] == []
    c = hub.use(None)  # with no parent left, the household's owners stand in
    assert c.get("/v1/interactions", headers=bearer(hub.tokens["owner"]), params={"member": "tom"}).status_code == 200
    assert c.get("/v1/interactions", headers=bearer(hub.tokens["alice"]), params={"member": "tom"}).status_code == 404
