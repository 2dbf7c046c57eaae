"""Signing in: argon2 passwords, hashed server-side sessions in HttpOnly SameSite cookies, a CSRF
token on the sign-in form, and a throttle per (name, address) and per address that survives a restart."""

from __future__ import annotations

from sqlalchemy import select

from apiclient import api
from homes import Home
from hub import PASSWORD, Hub, csrf_in
from echoless.settings import Settings
from echoless.vault import sessions
from echoless.vault.models import Member, SignInThrottle, WebSession


def _sessions(hub: Hub) -> int:
    with hub.home.vault.data.read() as session:
        return len(list(session.scalars(select(WebSession))))


def test_sign_in_sets_a_hardened_cookie_and_stores_only_a_hash(hub: Hub) -> None:
    reply = hub.sign_in("bob")
    assert reply.status_code == 303 and reply.headers["location"] == "/history"
    cookie = next(h for h in reply.headers.get_list("set-cookie") if h.startswith(sessions.COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # 127.0.0.1: plain http
    raw = hub.cookies["bob"]
    disk = b"".join(p.read_bytes() for p in hub.home.settings.home.rglob("*") if p.is_file())
    assert raw.encode() not in disk and PASSWORD.encode() not in disk
    with hub.home.vault.data.read() as session:
        stored = session.get(Member, hub.members["bob"].id).password_hash
    assert stored.startswith("$argon2id$")
    page = hub.use("bob").get("/history")
    assert page.status_code == 200 and "Your voice history" in page.text


def test_secure_flag_default_and_override() -> None:
    assert Settings(host="127.0.0.1").resolved_cookie_secure is False
    assert Settings(host="0.0.0.0").resolved_cookie_secure is True
    assert Settings(host="0.0.0.0", cookie_secure=False).resolved_cookie_secure is False
    assert Settings(host="127.0.0.1", cookie_secure=True).resolved_cookie_secure is True


def test_secure_cookie_when_configured(sqlite_home: Home, cheap_passwords: None) -> None:
    from fastapi.testclient import TestClient

    from echoless.api.app import create_app
    from echoless.vault import accounts

    accounts.set_password(sqlite_home.vault, sqlite_home.owner.id, PASSWORD)
    settings = sqlite_home.settings.model_copy(update={"cookie_secure": True})
    with TestClient(create_app(settings), base_url="https://testserver") as c:
        page = c.get("/")
        assert "; Secure" in page.headers["set-cookie"]
        reply = c.post("/sign-in", data={"name": "owner", "password": PASSWORD, "csrf_token": csrf_in(page.text)}, follow_redirects=False)
        cookie = next(h for h in reply.headers.get_list("set-cookie") if h.startswith(sessions.COOKIE + "="))
        assert reply.status_code == 303 and "; Secure" in cookie and "HttpOnly" in cookie


def test_wrong_password_and_unknown_name_answer_alike(hub: Hub) -> None:
    before = _sessions(hub)
    wrong = hub.sign_in("bob", "not the password")
    unknown = hub.sign_in("nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "don&#39;t match" in wrong.text and "don&#39;t match" in unknown.text
    assert sessions.COOKIE not in wrong.cookies and _sessions(hub) == before


def test_sign_in_form_needs_its_csrf_token(hub: Hub) -> None:
    c = hub.use(None)
    before = _sessions(hub)
    c.get("/")
    reply = c.post("/sign-in", data={"name": "bob", "password": PASSWORD}, follow_redirects=False)
    assert reply.status_code == 403 and _sessions(hub) == before
    reply = c.post("/sign-in", data={"name": "bob", "password": PASSWORD, "csrf_token": "forged"}, follow_redirects=False)
    assert reply.status_code == 403 and _sessions(hub) == before


def test_throttle_per_name_and_address_survives_a_restart(hub: Hub) -> None:
    for _ in range(sessions.PAIR_FREE):
        assert hub.sign_in("bob", "guess-guess").status_code == 401
    blocked = hub.sign_in("bob")  # even the right password, from this address, for now
    assert blocked.status_code == 429 and 0 < int(blocked.headers["retry-after"]) <= sessions.FIRST_DELAY.total_seconds()
    assert hub.sign_in("owner").status_code == 303  # another name from the same address still works
    with api(hub.home.settings) as restarted:  # a new app on the same data home
        page = restarted.get("/")
        again = restarted.post("/sign-in", data={"name": "bob", "password": PASSWORD, "csrf_token": csrf_in(page.text)}, follow_redirects=False)
        assert again.status_code == 429
    with hub.home.vault.data.read() as session:
        keys = [row.key_hash for row in session.scalars(select(SignInThrottle))]
    assert keys and all("bob" not in k and "testclient" not in k for k in keys)


def test_throttle_per_address(hub: Hub) -> None:
    for i in range(sessions.ADDRESS_FREE):  # the fixture's three good sign-ins gave their attempts back
        assert hub.sign_in(f"someone-{i}", "guess-guess").status_code == 401
    blocked = hub.sign_in("kid")
    assert blocked.status_code == 429 and "try again in 2 seconds" in blocked.text


def test_delays_grow_and_end() -> None:
    assert sessions.delay(sessions.PAIR_FREE - 1, sessions.PAIR_FREE).total_seconds() == 0
    waits = [sessions.delay(n, sessions.PAIR_FREE).total_seconds() for n in range(sessions.PAIR_FREE, sessions.PAIR_FREE + 12)]
    assert waits[0] == sessions.FIRST_DELAY.total_seconds() and waits == sorted(waits)
    assert waits[-1] == sessions.MAX_DELAY.total_seconds() and sessions.MAX_DELAY < sessions.QUIET


def test_sign_out_ends_the_session(hub: Hub) -> None:
    c = hub.use("bob")
    assert c.post("/sign-out", data={}, follow_redirects=False).status_code == 403  # no CSRF token
    assert c.get("/history", follow_redirects=False).status_code == 200
    out = c.post("/sign-out", data={"csrf_token": hub.csrf["bob"]}, follow_redirects=False)
    assert out.status_code == 303
    stale = hub.use("bob").get("/history", follow_redirects=False)
    assert stale.status_code == 303 and stale.headers["location"].startswith("/?next=")


def test_signed_in_visitor_skips_the_sign_in_page(hub: Hub) -> None:
    reply = hub.use("bob").get("/", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/history"


def test_next_is_kept_and_only_local(hub: Hub) -> None:
    c = hub.use(None)
    page = c.get("/?next=/settings")
    ok = c.post("/sign-in", data={"name": "bob", "password": PASSWORD, "csrf_token": csrf_in(page.text), "next": "/settings"}, follow_redirects=False)
    assert ok.headers["location"] == "/settings"
    c.cookies.clear()
    page = c.get("/")
    evil = c.post("/sign-in", data={"name": "bob", "password": PASSWORD, "csrf_token": csrf_in(page.text), "next": "//evil.example/"}, follow_redirects=False)
    assert evil.headers["location"] == "/history"


def test_cli_password_helpers_validate(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    import pytest

    from echoless.cli.household import read_password_stdin
    from echoless.errors import BadRequest

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(BadRequest):
        read_password_stdin()
    monkeypatch.setattr("sys.stdin", io.StringIO("long enough password\n"))
    assert read_password_stdin() == "long enough password"
