"""The Privacy Hub: the owner connects and disconnects Home Assistant on the Household page (the token never
shown back); a member's Skills & shares page says that Home Assistant receives actions and keeps its own
state history, and for how long."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import hass
from homes import Home
from hub import Hub, cheap_passwords, open_hub  # noqa: F401 - cheap_passwords is a fixture


@pytest.fixture
def hub(sqlite_home: Home, cheap_passwords: None) -> Iterator[Hub]:  # noqa: F811
    with open_hub(sqlite_home) as opened:
        yield opened


def test_owner_connects_on_the_household_page_and_members_are_told(hub: Hub, home_assistant: hass.HomeAssistant) -> None:
    ha = home_assistant
    bob = hub.use("bob")
    assert "Home Assistant" not in bob.get("/shares").text  # nothing connected: nothing to tell
    c = hub.use("owner")
    csrf = hub.csrf["owner"]
    wrong = c.post("/household/home", data={"url": ha.url, "token": "not-it", "csrf_token": csrf})
    assert wrong.status_code == 400 and "did not accept the access token" in wrong.text
    made = c.post("/household/home", data={"url": ha.url, "token": ha.token, "keep_days": "30", "csrf_token": csrf},
                  follow_redirects=False)
    assert made.status_code == 303
    page = c.get("/household")
    assert "Connected to Home Assistant" in page.text and ha.url in page.text and ha.token not in page.text
    told = hub.use("bob").get("/shares").text
    assert "keeps its own history of your home's states for 30 days" in told
    assert hub.use("bob").post("/household/home/disconnect", data={"csrf_token": hub.csrf["bob"]},
                               follow_redirects=False).status_code == 403
    c = hub.use("owner")
    assert c.post("/household/home/disconnect", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert "Not connected" in c.get("/household").text
