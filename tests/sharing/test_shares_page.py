"""The Privacy Hub page: what a skill would receive before enabling it, enabling, and the ledger."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from homes import Home
from hub import Hub, cheap_passwords, open_hub  # noqa: F401
from sharing_helpers import install, say
from skill_server import manifest, skill_server

from echoless.sharing import skills


@pytest.fixture
def hub(sqlite_home: Home, cheap_passwords: None) -> Iterator[Hub]:  # noqa: F811
    with open_hub(sqlite_home) as opened:
        yield opened


def test_the_page_shows_what_a_skill_receives_and_the_ledger(hub: Hub) -> None:
    home = hub.home
    with skill_server() as skill:
        install(home, manifest("jokes", skill, fields=["intent", "slots", "transcript"]))
        browser = hub.use("bob")
        page = browser.get("/shares")
        assert page.status_code == 200
        assert "It would receive: <strong>intent, slots</strong>" in page.text and "only sent if you allow it" in page.text
        enabled = browser.post("/shares/skills/jokes/enable", data={"csrf_token": hub.csrf["bob"]}, follow_redirects=False)
        assert enabled.status_code == 303
        assert [s.name for s, _ in skills.enabled(home.vault, hub.members["bob"])] == ["jokes"]
        assert browser.post("/shares/skills/jokes/disable", data={}, follow_redirects=False).status_code == 403  # no CSRF token
        say(home, hub.members["bob"], "tell me a joke about cats")
        page = browser.get("/shares")
        assert "jokes (Jokes Ltd)" in page.text and "kept by the skill" in page.text
        assert "cats" not in page.text.split("What I shared")[1]  # the ledger is content-free
        assert "jokes (Jokes Ltd)" not in hub.use("kid").get("/shares").text
