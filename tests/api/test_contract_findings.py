"""What the API contract (tests/api/test_contract.py) found, each pinned through the real API: undeclared
methods answered without `Allow`, a body that is not UTF-8 answered with an unstable code, numbers taken as
times and as booleans, an unknown member in a path answered 422, and a throttled password check without
`Retry-After`."""

from __future__ import annotations

import pytest

from apiclient import api, bearer
from homes import Home
from hub import cheap_passwords  # noqa: F401
from echoless.vault import accounts


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("TRACE", "/readyz", "GET"),
    ("PATCH", "/v1/skills", "GET, POST"),  # two routes share the path: both are named
    ("PUT", "/v1/me/tokens", "GET, POST"),
])
def test_an_undeclared_method_is_answered_405_with_allow(sqlite_home: Home, method: str, path: str, allowed: str) -> None:
    with api(sqlite_home.settings) as client:
        reply = client.request(method, path, headers=bearer(sqlite_home.owner_token))
    assert reply.status_code == 405 and reply.headers["allow"] == allowed
    assert reply.json()["error"]["code"] == "method-not-allowed"


def test_a_page_answers_an_undeclared_method_with_allow(sqlite_home: Home) -> None:
    with api(sqlite_home.settings) as client:
        reply = client.request("DELETE", "/settings")
    assert reply.status_code == 405 and reply.headers["allow"] == "GET, POST"


def test_a_json_body_that_is_not_utf8_is_a_422(sqlite_home: Home) -> None:
    headers = {**bearer(sqlite_home.owner_token), "Content-Type": "application/json"}
    with api(sqlite_home.settings) as client:
        reply = client.put("/v1/corpus/consent", headers=headers, content=b"\xff\xfe{\x80}")
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "invalid-request"


@pytest.mark.parametrize("until", ["0.5", "1700000000", "yesterday"])
def test_a_time_is_iso_8601_not_a_number(sqlite_home: Home, until: str) -> None:
    with api(sqlite_home.settings) as client:
        reply = client.get("/v1/interactions", headers=bearer(sqlite_home.owner_token), params={"until": until})
        body = {"scope": "range", "until": 1700000000}
        deletion = client.post("/v1/deletions", headers=bearer(sqlite_home.owner_token), json=body)
        fine = client.get("/v1/interactions", headers=bearer(sqlite_home.owner_token), params={"until": "2026-01-01T00:00:00Z"})
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "invalid-request"
    assert deletion.status_code == 422 and deletion.json()["error"]["code"] == "invalid-request"
    assert fine.status_code == 200


@pytest.mark.parametrize("value", ["yes", 1, "true"])
def test_a_boolean_is_a_boolean(sqlite_home: Home, value: object) -> None:
    with api(sqlite_home.settings) as client:
        reply = client.put("/v1/corpus/consent", headers=bearer(sqlite_home.owner_token),
                           json={"contribute": False, "human_review": value})
        settings = client.put("/v1/settings", headers=bearer(sqlite_home.owner_token), json={"voice_delete_all": value})
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "invalid-request"
    assert settings.status_code == 422


def test_an_unknown_member_in_a_path_is_not_found(sqlite_home: Home) -> None:
    owner = bearer(sqlite_home.owner_token)
    with api(sqlite_home.settings) as client:
        for reply in (client.post("/v1/household/members/nobody/invitation", headers=owner),
                      client.put("/v1/household/reviewers/nobody", headers=owner, json={"reviewer": True})):
            assert reply.status_code == 404 and reply.json()["error"]["code"] == "unknown-member", reply.text


@pytest.mark.parametrize("name", ["", "   ", "\x1c\x1d"])
def test_a_name_with_nothing_in_it_is_refused_by_the_schema(sqlite_home: Home, name: str) -> None:
    owner = bearer(sqlite_home.owner_token)
    with api(sqlite_home.settings) as client:
        for path, body in (("/v1/home/areas", {"name": name}), ("/v1/home/devices", {"name": name, "kind": "light"}),
                           ("/v1/household/members", {"name": name}),
                           ("/v1/household/devices", {"name": name, "kind": "shared"})):
            reply = client.post(path, headers=owner, json=body)
            assert reply.status_code == 422 and reply.json()["error"]["code"] == "invalid-request", (path, reply.text)


def test_a_throttled_password_check_says_when_to_retry(sqlite_home: Home, cheap_passwords: None) -> None:
    accounts.set_password(sqlite_home.vault, sqlite_home.owner.id, "correct horse battery")
    body = {"current_password": "wrong wrong wrong", "new_password": "another long password"}
    with api(sqlite_home.settings) as client:
        replies = [client.put("/v1/me/password", headers=bearer(sqlite_home.owner_token), json=body) for _ in range(8)]
    assert {r.status_code for r in replies} == {403, 429}
    throttled = next(r for r in replies if r.status_code == 429)
    assert throttled.json()["error"]["code"] == "too-many-attempts" and int(throttled.headers["retry-after"]) > 0


def test_a_nul_character_is_refused_on_every_database(home: Home) -> None:
    """PostgreSQL cannot store a NUL in text: a name or id with one was a 500 and a traceback there."""
    owner = bearer(home.owner_token)
    with api(home.settings) as client:
        for reply in (client.post("/v1/household/members", headers=owner, json={"name": "a\x00b"}),
                      client.post("/v1/household/devices", headers=owner, json={"name": "d\x00", "kind": "shared"}),
                      client.get("/v1/interactions/ab%00", headers=owner),
                      client.get("/v1/interactions", headers=owner, params={"device": "x\x00"}),
                      client.get("/v1/settings", headers=owner, params={"member": "x\x00"}),
                      client.delete("/v1/me/tokens/a%00", headers=owner)):
            assert reply.status_code == 422 and reply.json()["error"]["code"] == "invalid-request", reply.text
        assert client.get("/v1/me", headers=owner).status_code == 200
