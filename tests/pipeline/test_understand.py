"""Understanding: every case in intent_cases.py, typed slots, no collisions, speed, no content in logs."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import pytest
from hassil import Intents, recognize, recognize_all
from hassil.sample import sample_intents
from home_assistant_intents import get_intents

sys.path.insert(0, str(Path(__file__).parent))

from intent_cases import INTENT_CASES, NOT_UNDERSTOOD, PRIVACY_CASES, TYPED_CASES  # noqa: E402

from echoless.content import Content  # noqa: E402
from echoless.pipeline.home import HomeState, add_area, add_device, demo_home  # noqa: E402
from echoless.pipeline.skills import BUILTIN_INTENTS, PRIVACY_INTENTS  # noqa: E402
from echoless.pipeline.understand import (  # noqa: E402
    HA_INTENTS,
    IntentMatch,
    Understander,
    home_slot_lists,
    build_intents_dict,
    get_understander,
)


@pytest.fixture(scope="module")
def understander() -> Understander:
    return get_understander()


@pytest.fixture(scope="module")
def ha_only() -> Intents:
    """Every Home Assistant English intent, unfiltered: the collision reference."""
    return Intents.from_dict(get_intents("en"))


@pytest.fixture(scope="module")
def echoless_only() -> Intents:
    return Intents.from_dict(build_intents_dict(ha=False))


def _ok(match: IntentMatch | None, intent: str, slots: dict[str, object]) -> bool:
    return match is not None and match.name == intent and all(match.slots.get(k) == v for k, v in slots.items())


@pytest.mark.parametrize(("text", "intent", "slots"), INTENT_CASES, ids=[c[0] for c in INTENT_CASES])
def test_case(understander: Understander, text: str, intent: str, slots: dict[str, object]) -> None:
    match = understander.understand(text, demo_home())
    assert match is not None, "not understood"
    assert match.name == intent
    for key, value in slots.items():
        assert match.slots.get(key) == value, key
        assert type(match.slots[key]) is type(value), key


def test_accuracy_is_total(understander: Understander) -> None:
    home = demo_home()
    wrong = [text for text, intent, slots in INTENT_CASES if not _ok(understander.understand(text, home), intent, slots)]
    assert wrong == []
    assert len(INTENT_CASES) >= 70


def test_cases_cover_every_intent() -> None:
    covered = {intent for _, intent, _ in INTENT_CASES}
    assert BUILTIN_INTENTS | PRIVACY_INTENTS <= covered
    assert HA_INTENTS <= BUILTIN_INTENTS


@pytest.mark.parametrize("text", NOT_UNDERSTOOD)
def test_unknown_text_is_none(understander: Understander, text: str) -> None:
    assert understander.understand(text, demo_home()) is None


def test_spoken_style_text(understander: Understander) -> None:
    home = demo_home()
    assert _ok(understander.understand("Turn off the kitchen light.", home), "HassTurnOff", {"name": "kitchen light"})
    assert _ok(understander.understand("Yes, please.", home), "EcholessConfirm", {})
    assert _ok(understander.understand("Set the bedroom light to 40%.", home), "HassLightSet", {"brightness": 40})
    assert _ok(understander.understand("Set a five-minute pizza timer.", home), "HassStartTimer", {"seconds": 300})
    assert _ok(understander.understand(Content("What time is it?"), home), "HassGetCurrentTime", {})


def test_typed_slots(understander: Understander) -> None:
    home = demo_home()
    timer = understander.understand("set a timer for 1 hour 5 minutes and 10 seconds", home)
    assert timer is not None and timer.slots["seconds"] == 3910
    assert timer.slots["hours"] == 1 and timer.slots["minutes"] == 5
    assert all(isinstance(timer.slots[k], int) for k in ("hours", "minutes", "seconds"))
    light = understander.understand("set the kitchen light to 35 percent", home)
    assert light is not None and light.slots["brightness"] == 35 and light.slots["domain"] == "light"
    item = understander.understand("add oat milk to my shopping list", home)
    assert item is not None and item.slots == {"item": "oat milk"}


def test_slot_lists_come_from_the_home(understander: Understander) -> None:
    home = HomeState()
    add_area(home, "garden")
    add_device(home, "porch light", "light", "garden")
    add_device(home, "fountain", "switch", "garden")
    assert _ok(understander.understand("turn on the porch light", home), "HassTurnOn", {"name": "porch light"})
    assert _ok(understander.understand("turn off the fountain", home), "HassTurnOff", {"name": "fountain"})
    assert _ok(understander.understand("turn off the lights in the garden", home), "HassTurnOff", {"area": "garden"})
    assert understander.understand("turn on the porch light", demo_home()) is None
    assert understander.understand("turn off the kitchen light", home) is None


def test_echoless_templates_do_not_collide_with_home_assistant(ha_only: Intents, echoless_only: Intents) -> None:
    """Sample our privacy/own sentences (spread over every template) and check that no HA intent
    matches them, and that each matches only its own Echoless intent."""
    lists = home_slot_lists(demo_home())
    names = {n for n in echoless_only.intents if n.startswith("Echoless")}
    by_intent: dict[str, list[str]] = {}
    for name, text in sample_intents(echoless_only, intent_names=names):
        by_intent.setdefault(name, []).append(text)
    assert set(by_intent) == names
    checked = 0
    for name, texts in by_intent.items():
        step = max(1, len(texts) // 40)
        for text in texts[::step]:
            assert recognize(text, ha_only, slot_lists=lists) is None, (name, text)
            matched = {r.intent.name for r in recognize_all(text, echoless_only, slot_lists=lists)}
            assert matched == {name}, (name, text, matched)
            checked += 1
    assert checked > 300


def test_privacy_cases_are_not_home_assistant_intents(ha_only: Intents) -> None:
    lists = home_slot_lists(demo_home())
    for text, _intent, _slots in PRIVACY_CASES + TYPED_CASES:
        assert recognize(text, ha_only, slot_lists=lists) is None, text


def test_home_assistant_cases_are_not_echoless_intents(echoless_only: Intents) -> None:
    lists = home_slot_lists(demo_home())
    for text, intent, _slots in INTENT_CASES:
        if intent.startswith("Hass"):
            assert recognize(text, echoless_only, slot_lists=lists) is None, text


def test_understanding_is_fast(understander: Understander) -> None:
    home = demo_home()
    texts = [text for text, _, _ in INTENT_CASES]
    for text in texts:  # hassil compiles lazily: the first pass warms every template
        understander.understand(text, home)
    start = time.perf_counter()
    for text in texts:
        understander.understand(text, home)
    mean_ms = (time.perf_counter() - start) / len(texts) * 1000
    assert mean_ms < 25, f"{mean_ms:.1f} ms per sentence"


def test_get_understander_is_cached() -> None:
    assert get_understander() is get_understander()


def test_no_content_in_logs(understander: Understander, caplog: pytest.LogCaptureFixture) -> None:
    secret = "add pickled walnuts to my shopping list"
    with caplog.at_level(logging.DEBUG):
        match = understander.understand(secret, demo_home())
        assert match is not None
        assert "walnuts" not in repr(match)
    assert not any("walnuts" in r.getMessage() or "walnuts" in str(r.args) for r in caplog.records)
