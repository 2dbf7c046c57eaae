"""Transport hardening (issue 14, finding 12): security headers on every page and API answer, pages
that need no inline script, and a `Secure` session cookie behind a TLS-terminating proxy — believed
only from a trusted proxy."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from apiclient import api
from homes import Home
from hub import PASSWORD, Hub, csrf_in
from echoless.vault import accounts, sessions
from echoless.web.account import SIGNIN_COOKIE

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "echoless" / "web" / "templates"
PROXY = ("10.0.0.5", 60000)
STRANGER = ("203.0.113.9", 40000)


def _hardened(headers: object, *, csp: bool = True) -> None:
    h = dict(headers)  # type: ignore[call-overload]
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"
    if csp:
        policy = h["content-security-policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy


def test_every_page_and_answer_is_hardened(hub: Hub) -> None:
    c = hub.use(None)
    for reply in (c.get("/"), c.get("/static/hub.css"), c.get("/no-such-page"), c.get("/v1/interactions"), c.get("/healthz")):
        _hardened(reply.headers)
    c = hub.use("owner")
    for path in ("/history", "/settings", "/try", "/shares", "/household", "/receipts", "/export"):
        reply = c.get(path)
        assert reply.status_code == 200, path
        _hardened(reply.headers)
    _hardened(c.get("/docs").headers, csp=False)  # Swagger UI comes from a CDN: no CSP there, the rest still


def test_the_pages_need_no_inline_script_or_style() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"{template.name}: inline <script>"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{template.name}: inline event handler"
        assert not re.search(r"\sstyle\s*=|<style", text), f"{template.name}: inline style"
        assert "javascript:" not in text


def _sign_in_cookie(client: TestClient, headers: dict[str, str]) -> str:
    page = client.get("/", headers=headers)
    signin_cookie, token = page.headers["set-cookie"], csrf_in(page.text)
    client.cookies.clear()  # a Secure cookie is not sent back over the test's plain http: send it by hand
    reply = client.post("/sign-in", data={"name": "owner", "password": PASSWORD, "csrf_token": token},
                        headers={**headers, "Cookie": f"{SIGNIN_COOKIE}={token}"}, follow_redirects=False)
    client.cookies.clear()
    assert reply.status_code == 303, reply.text
    session = next(h for h in reply.headers.get_list("set-cookie") if h.startswith(sessions.COOKIE + "="))
    return signin_cookie + "\n" + session


def test_the_session_cookie_is_secure_behind_a_trusted_tls_proxy(sqlite_home: Home, cheap_passwords: None) -> None:
    accounts.set_password(sqlite_home.vault, sqlite_home.owner.id, PASSWORD)
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.7"}
    with api(sqlite_home.settings.model_copy(update={"trusted_proxies": "10.0.0.0/8"})) as app:
        proxied = TestClient(app.app, client=PROXY)
        stranger = TestClient(app.app, client=STRANGER)
        cookies = _sign_in_cookie(proxied, https)
        assert cookies.count("; Secure") == 2  # the sign-in form's cookie and the session cookie
        assert "; Secure" not in _sign_in_cookie(proxied, {"X-Forwarded-Proto": "http"})
        assert "; Secure" not in _sign_in_cookie(stranger, https)  # anyone can send the header: ignored
    with api(sqlite_home.settings) as app:  # no trusted proxies configured: ignored from everyone
        assert "; Secure" not in _sign_in_cookie(TestClient(app.app, client=PROXY), https)
