"""Built-in skills: act on an understood intent against the household's simulated home.

`act(match, home, now=...)` mutates `home` in place and returns an `ActionResult`.
Privacy intents (`PRIVACY_INTENTS`, all named Echoless*) are not acted on here: the privacy layer
handles them, so `act` raises `NotABuiltinIntent` for them (check `is_builtin` / `is_privacy_intent`
first). `now` should be timezone-aware and in the household's local time (the clock skill speaks it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from echoless.errors import EcholessError, ErrorCode
from echoless.pipeline.home import HomeState
from echoless.pipeline.skills import clock, home as home_skill, shopping, timers
from echoless.pipeline.skills.responses import render
from echoless.pipeline.skills.result import ActionResult, done, failed
from echoless.pipeline.understand import IntentMatch

_LOGGER = logging.getLogger(__name__)

NOT_UNDERSTOOD = "Sorry, I didn't understand that."
NO_WEATHER = "Sorry, no weather source is configured, so I can't tell you the weather."

PRIVACY_INTENTS: frozenset[str] = frozenset(
    {
        "EcholessDeleteLast",
        "EcholessFalseActivation",
        "EcholessDeleteToday",
        "EcholessDeleteThisWeek",
        "EcholessDeleteAll",
        "EcholessConfirm",
        "EcholessCancel",
        "EcholessWhatDidYouHear",
        "EcholessWhyDidYouDoThat",
        "EcholessWhatDoYouKnow",
        "EcholessStopSaving",
        "EcholessStartSaving",
    }
)


class NotABuiltinIntent(EcholessError):
    """`act` was given an intent it does not handle (a privacy intent, or an unknown one)."""

    code = ErrorCode.INTENT_NOT_BUILTIN


def _weather(m: IntentMatch, h: HomeState, now: datetime) -> ActionResult:
    return failed(m.name, m.slots, "weather not available", NO_WEATHER)


def _nevermind(m: IntentMatch, h: HomeState, now: datetime) -> ActionResult:
    # HA's response is empty: nothing to say. Callers skip speech for an empty response.
    return done(m.name, m.slots, "nothing done", render(m.name, "default", ""))


_Handler = Callable[[IntentMatch, HomeState, datetime], ActionResult]

_HANDLERS: dict[str, _Handler] = {
    "HassTurnOn": lambda m, h, n: home_skill.turn(m.name, m.slots, h, m.response),
    "HassTurnOff": lambda m, h, n: home_skill.turn(m.name, m.slots, h, m.response),
    "HassLightSet": lambda m, h, n: home_skill.light_set(m.slots, h),
    "HassGetState": lambda m, h, n: home_skill.get_state(m.slots, h, m.response),
    "HassStartTimer": lambda m, h, n: timers.start(m.slots, h, n),
    "HassCancelTimer": lambda m, h, n: timers.cancel(m.slots, h),
    "HassCancelAllTimers": lambda m, h, n: timers.cancel_all(m.slots, h),
    "HassPauseTimer": lambda m, h, n: timers.pause(m.slots, h, n),
    "HassUnpauseTimer": lambda m, h, n: timers.unpause(m.slots, h, n),
    "HassIncreaseTimer": lambda m, h, n: timers.adjust(m.name, m.slots, h, n),
    "HassDecreaseTimer": lambda m, h, n: timers.adjust(m.name, m.slots, h, n),
    "HassTimerStatus": lambda m, h, n: timers.status(m.slots, h, n),
    "HassShoppingListAddItem": lambda m, h, n: shopping.add_item(m.slots, h),
    "HassShoppingListCompleteItem": lambda m, h, n: shopping.complete_item(m.slots, h),
    "EcholessShoppingListGetItems": lambda m, h, n: shopping.get_items(m.slots, h),
    "HassGetCurrentTime": lambda m, h, n: clock.current_time(m.slots, n),
    "HassGetCurrentDate": lambda m, h, n: clock.current_date(m.slots, n),
    "HassGetWeather": _weather,
    "EcholessWeather": _weather,
    "HassNevermind": _nevermind,
}

BUILTIN_INTENTS: frozenset[str] = frozenset(_HANDLERS)


def is_builtin(intent_name: str) -> bool:
    """True when `act` handles this intent."""
    return intent_name in _HANDLERS


def is_privacy_intent(intent_name: str) -> bool:
    return intent_name in PRIVACY_INTENTS


def act(match: IntentMatch | None, home: HomeState, *, now: datetime) -> ActionResult:
    """Run the built-in skill for `match` on `home` (mutated in place).

    None -> not understood (intent None, success False). Raises NotABuiltinIntent for privacy
    intents and unknown names.
    """
    if match is None:
        return ActionResult(intent=None, slots={}, success=False, summary="not understood", response=NOT_UNDERSTOOD)
    handler = _HANDLERS.get(match.name)
    if handler is None:
        kind = "privacy" if match.name in PRIVACY_INTENTS else "unknown"
        raise NotABuiltinIntent(f"{kind} intent {match.name} is not acted on by the built-in skills")
    result = handler(match, home, now)
    _LOGGER.debug("acted on an intent: success=%s", result.success)  # never its name (what was asked)
    return result


__all__ = [
    "ActionResult",
    "BUILTIN_INTENTS",
    "NotABuiltinIntent",
    "PRIVACY_INTENTS",
    "act",
    "is_builtin",
    "is_privacy_intent",
]
