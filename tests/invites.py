"""Invitations in tests: the link the owner is shown once, and redeeming it in a fresh browser."""

from __future__ import annotations

import re
from typing import Any

from hub import Hub, csrf_in
from echoless.vault import sessions

_LINK = re.compile(r'<code class="token" id="invitation-link">[^<]*?(/invite/[A-Za-z0-9_-]+)</code>')


def invitation_path(html: str) -> str:
    found = _LINK.search(html)
    assert found, "no invitation link in the page"
    return found.group(1)


def redeem(hub: Hub, name: str, path: str, password: str, confirm: str | None = None) -> Any:
    """Open the invitation signed out, set the password; on success `name` is signed in (hub.use(name))."""
    c = hub.use(None)
    page = c.get(path)
    if page.status_code != 200:
        return page
    reply = c.post(path, data={"password": password, "confirm": password if confirm is None else confirm,
                               "csrf_token": csrf_in(page.text)}, follow_redirects=False)
    if reply.status_code == 303:
        hub.cookies[name] = reply.cookies[sessions.COOKIE]
        hub.csrf[name] = csrf_in(hub.use(name).get("/account").text)
    return reply
