"""Understanding commands for a connected Home Assistant (no HA needed: its view is fixed): at least 20
sentences for each device intent, and at least 95% exact intent and slots over all of them."""

from __future__ import annotations

import json

import pytest

from echoless.pipeline.home import HomeState
from echoless.pipeline.understand import get_understander
from hass_intent_cases import ALL_CASES, HERE, VIEW, Case


def _failures(cases: list[Case]) -> list[dict]:
    understander = get_understander(connected=True)
    failures = []
    for text, intent, slots in cases:
        match = understander.understand(text, HomeState(), view=VIEW, area=HERE)
        got = (match.name, match.slots) if match else (None, {})
        if got[0] != intent or any(got[1].get(k) != v for k, v in slots.items()):
            failures.append({"said": text, "expected": [intent, slots], "got": list(got)})
    return failures


@pytest.mark.parametrize("intent", ["HassTurnOn", "HassTurnOff", "HassLightSet", "HassGetState"])
def test_each_device_intent_has_twenty_sentences_and_95_percent(intent: str) -> None:
    cases = ALL_CASES[intent]
    assert len(cases) >= 20
    failures = _failures(cases)
    assert 1 - len(failures) / len(cases) >= 0.95, json.dumps(failures, indent=1)


def test_all_commands_95_percent_exact() -> None:
    """Covers, climate, media, fans, scenes, scripts and weather too (fewer sentences each so far)."""
    cases = [case for group in ALL_CASES.values() for case in group]
    failures = _failures(cases)
    assert 1 - len(failures) / len(cases) >= 0.95, json.dumps(failures, indent=1)


def test_the_simulated_home_keeps_its_own_understanding() -> None:
    """Without a connection nothing changes: the simulated home's intents do not grow HA's domains."""
    assert "HassSetPosition" not in get_understander().intent_names
    assert "HassSetPosition" in get_understander(connected=True).intent_names
