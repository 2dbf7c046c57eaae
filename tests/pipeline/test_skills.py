"""Acting: each built-in skill changes the simulated home as said, with HA's response texts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from echoless.pipeline.home import HomeState, demo_home
from echoless.pipeline.skills import (
    BUILTIN_INTENTS,
    PRIVACY_INTENTS,
    ActionResult,
    NotABuiltinIntent,
    act,
    is_builtin,
    is_privacy_intent,
)
from echoless.pipeline.skills.timers import announcement, fired_timers, next_deadline
from echoless.pipeline.understand import IntentMatch, get_understander

NOW = datetime(2026, 3, 5, 14, 7, tzinfo=timezone.utc)


@pytest.fixture
def home() -> HomeState:
    return demo_home()


def say(text: str, home: HomeState, now: datetime = NOW) -> ActionResult:
    match = get_understander().understand(text, home)
    assert match is not None, "not understood"
    return act(match, home, now=now)


def device(home: HomeState, name: str):  # noqa: ANN201
    found = home.find_device(name)
    assert found is not None
    return found


# -- devices -----------------------------------------------------------------------------------
def test_turn_on_and_off_by_name(home: HomeState) -> None:
    result = say("turn on the kitchen light", home)
    assert result.success and device(home, "kitchen light").on
    assert result.intent == "HassTurnOn" and result.summary == "kitchen light on"
    assert result.response == "Turned on the kitchen light"  # HA's answer, naming the device
    result = say("turn off the kitchen light", home)
    assert not device(home, "kitchen light").on
    assert result.summary == "kitchen light off" and result.response == "Turned off the kitchen light"
    result = say("switch on the coffee maker", home)
    assert device(home, "coffee maker").on and result.response == "Turned on the coffee maker"


def test_turn_off_by_area_only_touches_that_area(home: HomeState) -> None:
    for d in home.devices:
        d.on = True
    result = say("turn off the lights in the kitchen", home)
    assert result.success and result.summary == "lights in kitchen off"
    assert result.response == "Turned off the lights in the kitchen"
    assert not device(home, "kitchen light").on
    assert device(home, "coffee maker").on  # a switch, not a light
    assert device(home, "bedroom light").on and device(home, "living room lamp").on
    say("turn off all the lights", home)
    assert not any(d.on for d in home.devices if d.kind == "light")


def test_brightness(home: HomeState) -> None:
    result = say("set the bedroom light to 40 percent", home)
    light = device(home, "bedroom light")
    assert result.success and light.brightness == 40 and light.on
    assert result.summary == "bedroom light brightness 40%" and result.response == "Brightness set"
    say("set the brightness in the kitchen to 0 percent", home)
    assert device(home, "kitchen light").brightness == 0 and not device(home, "kitchen light").on
    say("turn on the kitchen light", home)
    assert device(home, "kitchen light").brightness == 100


def test_get_state(home: HomeState) -> None:
    result = say("is the living room lamp on", home)
    assert result.success and result.response == "No, off"
    say("turn on the living room lamp", home)
    assert say("is the living room lamp on", home).response == "Yes"
    assert say("which lights are on", home).response == "living room lamp"
    assert say("are any lights on", home).response == "Yes, living room lamp"
    assert say("are all the lights off in the bedroom", home).response == "Yes"
    assert home == _with_lamp_on()  # asking changes nothing


def _with_lamp_on() -> HomeState:
    home = demo_home()
    device(home, "living room lamp").on = True
    return home


def test_missing_device_is_a_polite_failure(home: HomeState) -> None:
    result = act(IntentMatch("HassTurnOn", {"name": "garage door"}), home, now=NOW)
    assert not result.success and "garage door" in result.response
    assert home == demo_home()
    result = act(IntentMatch("HassTurnOn", {"area": "bedroom", "domain": "switch"}), home, now=NOW)
    assert not result.success and result.response.startswith("Sorry")


# -- timers ------------------------------------------------------------------------------------
def test_timer_lifecycle(home: HomeState) -> None:
    result = say("set a timer for 10 minutes", home)
    assert result.success and result.summary == "timer 10 min started"
    assert result.response == "Timer set for 10 minutes"
    (timer,) = home.timers
    assert timer.total_seconds == 600 and timer.ends_at == NOW + timedelta(minutes=10)
    assert next_deadline(home) == NOW + timedelta(minutes=10)

    later = NOW + timedelta(minutes=4)
    assert say("how much time is left on my timer", home, later).response == "6 minutes left."
    result = say("pause the timer", home, later)
    assert result.summary == "timer 10 min paused" and result.response == "Timer paused"
    assert not timer.is_active and timer.remaining_seconds == 360
    assert next_deadline(home) is None
    assert fired_timers(home, NOW + timedelta(hours=1)) == []  # paused timers never fire

    resumed = NOW + timedelta(minutes=30)
    assert say("resume the timer", home, resumed).response == "Timer resumed"
    assert timer.ends_at == resumed + timedelta(minutes=6)

    result = say("add 5 minutes to my timer", home, resumed)
    assert result.response == "5 minutes added to timer"
    assert timer.ends_at == resumed + timedelta(minutes=11) and timer.total_seconds == 900
    result = say("take 1 minute off the timer", home, resumed)
    assert result.response == "1 minute removed from timer"
    assert timer.ends_at == resumed + timedelta(minutes=10)

    assert fired_timers(home, resumed + timedelta(minutes=9)) == []
    fired = fired_timers(home, resumed + timedelta(minutes=10, seconds=1))
    assert fired == [timer] and home.timers == []
    assert announcement(timer) == "Your 10 minute timer is done."


def test_named_timers_and_cancel(home: HomeState) -> None:
    result = say("set a 5 minute pizza timer", home)
    assert result.summary == "pizza timer 5 min started"
    assert result.response == "Timer set for 5 minutes named pizza"
    say("set a timer for 20 minutes", home)
    assert len(home.timers) == 2
    say("pause my pizza timer", home)
    pizza = next(t for t in home.timers if t.name == "pizza")
    assert not pizza.is_active and all(t.is_active for t in home.timers if t is not pizza)
    result = say("cancel the 20 minute timer", home)
    assert result.summary == "timer 20 min cancelled" and result.response == "Timer cancelled"
    assert home.timers == [pizza]
    assert announcement(pizza) == "Your pizza timer is done."
    result = say("stop the pizza timer", home)
    assert result.success and home.timers == []
    result = say("cancel my timer", home)
    assert not result.success and result.response == "Sorry, I couldn't find that timer"


def test_timer_status_with_several_timers(home: HomeState) -> None:
    say("set a 5 minute pizza timer", home)
    say("set a timer for 1 hour", home)
    result = say("how much time is left on my timer", home, NOW + timedelta(seconds=30))
    assert result.response == "2 running timers. 4 minutes and 30 seconds left on 5 minute pizza timer."
    assert say("timer status", empty := HomeState()).response == "No timers."
    assert empty.timers == []


def test_cancel_all_timers(home: HomeState) -> None:
    say("set a timer for 3 minutes", home)
    say("set a timer for 4 minutes", home)
    result = say("cancel all timers", home)
    assert result.response == "Canceled 2 timers." and result.summary == "2 timers cancelled"
    assert home.timers == []


def test_fired_timers_in_order(home: HomeState) -> None:
    late = home.start_timer(120, NOW)
    early = home.start_timer(60, NOW)
    keep = home.start_timer(600, NOW)
    assert next_deadline(home) == early.ends_at
    assert fired_timers(home, NOW + timedelta(minutes=5)) == [early, late]
    assert home.timers == [keep]


# -- shopping list -----------------------------------------------------------------------------
def test_shopping_list(home: HomeState) -> None:
    result = say("add oat milk to my shopping list", home)
    assert result.success and result.summary == "added oat milk to the shopping list"
    assert result.response == "Added oat milk"
    say("put bread on my shopping list", home)
    assert [(i.name, i.complete) for i in home.shopping_list] == [("oat milk", False), ("bread", False)]
    result = say("check off bread on my shopping list", home)
    assert result.response == "Checked off bread" and home.find_item("bread").complete  # type: ignore[union-attr]
    result = say("what's on my shopping list", home)
    assert result.response == "On your shopping list: oat milk."
    say("check off oat milk on my shopping list", home)
    assert say("read me my shopping list", home).response == "Your shopping list is empty."
    result = say("remove cheese from the shopping list", home)
    assert not result.success and "not on your shopping list" in result.response


# -- clock, weather, nevermind -----------------------------------------------------------------
def test_clock(home: HomeState) -> None:
    assert say("what time is it", home).response == "2:07 PM"
    assert say("what time is it", home, NOW.replace(hour=0, minute=5)).response == "12:05 AM"
    assert say("what is the date today", home).response == "March 5th, 2026"


def test_weather_is_honest(home: HomeState) -> None:
    for text in ("what's the weather like", "will it rain tomorrow"):
        result = say(text, home)
        assert not result.success and "no weather source is configured" in result.response


def test_nevermind(home: HomeState) -> None:
    result = say("never mind", home)
    assert result.success and result.response == "" and home == demo_home()


# -- the interface -----------------------------------------------------------------------------
def test_not_understood(home: HomeState) -> None:
    result = act(None, home, now=NOW)
    assert result == ActionResult(None, {}, False, "not understood", "Sorry, I didn't understand that.")


def test_privacy_intents_are_not_acted_on(home: HomeState) -> None:
    for name in PRIVACY_INTENTS:
        assert name.startswith("Echoless") and is_privacy_intent(name) and not is_builtin(name)
        with pytest.raises(NotABuiltinIntent) as info:
            act(IntentMatch(name, {}), home, now=NOW)
        assert info.value.code == "intent-not-builtin"
    with pytest.raises(NotABuiltinIntent):
        act(IntentMatch("HassVacuumStart", {}), home, now=NOW)
    assert home == demo_home()


def test_every_builtin_has_a_case() -> None:
    assert all(is_builtin(name) for name in BUILTIN_INTENTS)
    assert not BUILTIN_INTENTS & PRIVACY_INTENTS


def test_results_mask_content_and_logs_stay_clean(home: HomeState, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        result = say("add pickled walnuts to my shopping list", home)
        say("set a timer named walnuts for 3 minutes", home)
        fired_timers(home, NOW + timedelta(hours=1))
    assert "walnuts" not in repr(result)
    assert not any("walnuts" in r.getMessage() for r in caplog.records)
