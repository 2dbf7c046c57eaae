"""Logs carry no intent names, at any level (issue 14, finding 12): which intent matched is what the
member asked for. A spoken request and a skill request go through the real API with DEBUG logging."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

import pytest

from apiclient import api, upload
from homes import Home
from voice import say, with_demo_home

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sharing"))
from skill_server import manifest, skill_server  # noqa: E402

from echoless.sharing import skills  # noqa: E402
from echoless.sharing.manifest import parse  # noqa: E402

INTENT_NAME = re.compile(r"\b(Hass|Echoless)[A-Z]\w+|TellJoke")


def test_no_intent_name_reaches_the_logs(sqlite_home: Home, caplog: pytest.LogCaptureFixture) -> None:
    home = sqlite_home
    with_demo_home(home)
    light, joke = say("turn on the kitchen light"), say("tell me a joke about cats")  # the synthesiser logs its own text
    with skill_server() as skill:
        skills.install(home.vault, home.owner, parse(manifest("jokes", skill)), allow_private_host=True)
        skills.enable(home.vault, home.owner, "jokes")
        caplog.set_level(logging.DEBUG)
        with api(home.settings) as client:
            switched = upload(client, home.device_token, light, member="owner").json()
            told = upload(client, home.device_token, joke, member="owner").json()
    assert switched["intent"] == "HassTurnOn" and told["intent"] == "skill:jokes"
    assert caplog.records, "the run logs something at DEBUG"
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        assert not INTENT_NAME.search(text), (record.name, record.getMessage())
