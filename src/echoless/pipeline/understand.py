"""Understanding: text in, an intent with typed slots out.

hassil matches the text against Home Assistant's English intents (only those echoless acts on, so
recognition stays fast) merged with echoless's own templates (`intents/echoless_en.yaml`). The
Intents object is built once per process; the household's slot lists (device names, areas) are built
per call from its `HomeState`, which is cheap.

Never log the text or the slots: they are user content.
"""

from __future__ import annotations

import copy
import logging
import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml
from hassil import Intents, RecognizeResult, recognize_best
from hassil.intents import SlotList, TextSlotList, TextSlotValue
from hassil.expression import TextChunk
from hassil.util import merge_dict
from home_assistant_intents import get_intents

from echoless.pipeline.hass_home import View
from echoless.pipeline.home import Device, HomeState

_LOGGER = logging.getLogger(__name__)

LANGUAGE = "en"

#: Home Assistant intents that echoless's built-in skills act on.
HA_INTENTS: frozenset[str] = frozenset(
    {
        "HassTurnOn",
        "HassTurnOff",
        "HassLightSet",
        "HassGetState",
        "HassStartTimer",
        "HassCancelTimer",
        "HassCancelAllTimers",
        "HassPauseTimer",
        "HassUnpauseTimer",
        "HassIncreaseTimer",
        "HassDecreaseTimer",
        "HassTimerStatus",
        "HassShoppingListAddItem",
        "HassShoppingListCompleteItem",
        "HassGetCurrentTime",
        "HassGetCurrentDate",
        "HassGetWeather",
        "HassNevermind",
    }
)

#: Home Assistant intents echoless acts on when the household has connected its Home Assistant.
HA_CONNECTED_INTENTS: frozenset[str] = HA_INTENTS | frozenset(
    {
        "HassSetPosition",
        "HassClimateGetTemperature",
        "HassClimateSetTemperature",
        "HassMediaPause",
        "HassMediaUnpause",
        "HassMediaNext",
        "HassMediaPrevious",
        "HassSetVolume",
        "HassFanSetSpeed",
        "HassListAddItem",
        "HassListCompleteItem",
    }
)

#: Device domains the simulated home has.
_DOMAINS = frozenset({"light", "switch"})
#: Template blocks (by HA's slot_combination) that need things the simulated home lacks.
_UNSUPPORTED_COMBINATION_WORDS = ("floor", "color", "temperature", "cover", "command", "scene", "script", "button")
#: The domains echoless acts on in a connected Home Assistant (2024.1: areas, no floors).
HA_DOMAINS = frozenset({"light", "switch", "fan", "cover", "climate", "media_player", "lock", "scene", "script",
                        "weather", "input_boolean", "todo"})
_HA_UNSUPPORTED_WORDS = ("floor", "button", "valve", "command", "device_class")

#: Slot names that hold a duration part; their total in seconds goes in "seconds" / "start_seconds".
_DURATION_GROUPS = {
    "seconds": ("hours", "minutes", "seconds"),
    "start_seconds": ("start_hours", "start_minutes", "start_seconds"),
}


@dataclass(frozen=True)
class IntentMatch:
    """A recognised intent.

    `slots` are typed: int for numbers (brightness 0-100, hours, minutes), int seconds under
    "seconds" (the whole duration to start/add/remove) and "start_seconds" (the duration a timer
    was started with, to pick a timer); str for names, areas, items, states, domains.
    `response` is the response key of the matched template block (HA's, e.g. "one_yesno").
    """

    name: str
    slots: dict[str, Any] = field(default_factory=dict)
    response: str = "default"

    def __repr__(self) -> str:  # slots are content
        return f"IntentMatch(name={self.name!r}, slots=<{len(self.slots)} slots>, response={self.response!r})"


def _block_supported(block: dict[str, Any], domains: frozenset[str] = _DOMAINS,
                     unsupported: tuple[str, ...] = _UNSUPPORTED_COMBINATION_WORDS) -> bool:
    combination = str((block.get("metadata") or {}).get("slot_combination", ""))
    if any(word in combination for word in unsupported):
        return False
    named: set[str] = set()
    fixed = (block.get("slots") or {}).get("domain")
    if fixed is not None:
        named.update([fixed] if isinstance(fixed, str) else fixed)
    required = (block.get("requires_context") or {}).get("domain")
    if required is not None:
        named.update([required] if isinstance(required, str) else required)
    return not named or bool(named & domains)


def load_echoless_templates() -> dict[str, Any]:
    text = resources.files("echoless.pipeline").joinpath("intents/echoless_en.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def build_intents_dict(*, ha: bool = True, echoless: bool = True, ha_names: frozenset[str] = HA_INTENTS,
                       connected: bool = False) -> dict[str, Any]:
    """The merged template dict: HA's (restricted to `ha_names` and our domains) plus ours. `connected`: the
    domains and intents of a connected Home Assistant instead of the simulated home's."""
    if connected:
        ha_names = ha_names | HA_CONNECTED_INTENTS
    domains, unsupported = (HA_DOMAINS, _HA_UNSUPPORTED_WORDS) if connected else (_DOMAINS, _UNSUPPORTED_COMBINATION_WORDS)
    source = get_intents(LANGUAGE)
    if source is None:  # pragma: no cover - the package always ships English
        raise RuntimeError("home-assistant-intents has no English intents")
    merged: dict[str, Any] = {
        "language": LANGUAGE,
        "intents": {},
        "lists": copy.deepcopy(source["lists"]),
        "expansion_rules": dict(source["expansion_rules"]),
        "skip_words": list(source["skip_words"]),
    }
    if ha:
        for name in sorted(ha_names):
            blocks = [copy.deepcopy(b) for b in source["intents"][name]["data"] if _block_supported(b, domains, unsupported)]
            if blocks:
                merged["intents"][name] = {"data": blocks}
    if echoless:
        ours = load_echoless_templates()
        if not ha:
            ours = {**ours, "intents": {k: v for k, v in ours["intents"].items() if k.startswith("Echoless")}}
        merge_dict(merged, {k: v for k, v in ours.items() if k != "language"})
    return merged


def _text_list(values: list[tuple[str, Any, dict[str, Any] | None]]) -> TextSlotList:
    return TextSlotList(
        name=None,
        values=[TextSlotValue(text_in=TextChunk(text), value_out=out, context=ctx) for text, out, ctx in values],
    )


def home_slot_lists(home: HomeState) -> dict[str, SlotList]:
    """hassil slot lists for one household: device names (with their domain as context), areas."""
    return {
        "name": _text_list([(d.name, d.name, {"domain": d.kind}) for d in home.devices]),
        "area": _text_list([(a, a, None) for a in home.areas]),
        "floor": _text_list([]),
    }


def view_slot_lists(view: View) -> dict[str, SlotList]:
    """hassil slot lists for a connected Home Assistant: exposed entities' names and aliases (their domain as
    context, as HA's own agent gives it), areas' names and aliases."""
    names = [(n, e.name, {"domain": e.domain}) for e in view.entities for n in e.names()]
    areas = [(n, a.name, None) for a in view.areas for n in a.names()]
    return {"name": _text_list(names), "area": _text_list(areas), "floor": _text_list([])}


def _typed(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _slots(result: RecognizeResult) -> dict[str, Any]:
    slots: dict[str, Any] = {name: _typed(entity.value) for name, entity in result.entities.items()}
    domain = result.context.get("domain")
    if "domain" not in slots and isinstance(domain, str):
        slots["domain"] = domain  # from the matched device (HA keeps it in the match context)
    for total_key, parts in _DURATION_GROUPS.items():
        if any(p in slots for p in parts):
            hours, minutes, seconds = (slots.get(p, 0) for p in parts)
            try:
                slots[total_key] = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
            except (TypeError, ValueError):
                _LOGGER.debug("duration slot was not a number")
                slots.pop(total_key, None)
    return slots


class Understander:
    """Matches text against a fixed set of hassil intents; thread-safe after construction."""

    def __init__(self, intents: Intents) -> None:
        self._intents = intents

    @classmethod
    def from_dict(cls, intents_dict: dict[str, Any]) -> Understander:
        return cls(Intents.from_dict(intents_dict))

    @property
    def intent_names(self) -> frozenset[str]:
        return frozenset(self._intents.intents)

    def understand(self, text: str, home: HomeState, *, view: View | None = None, area: str | None = None) -> IntentMatch | None:
        """Match `text` against the simulated `home`'s names, or a connected Home Assistant's `view`; `area` is
        where the device that heard it stands ("lights on in here")."""
        if not text or not text.strip():
            return None
        result = recognize_best(
            str(text).strip().rstrip(".!?"),
            self._intents,
            slot_lists=view_slot_lists(view) if view is not None else home_slot_lists(home),
            intent_context={"area": {"value": area, "text": area}} if area else None,
            best_slot_name="name",
        )
        if result is None:
            _LOGGER.debug("no intent matched")
            return None
        _LOGGER.debug("an intent matched")  # never its name: which intent is what the member asked
        return IntentMatch(name=result.intent.name, slots=_slots(result), response=result.response or "default")


_WARM_UP = (
    "turn off the warm up light",
    "set the warm up light to 40 percent",
    "set a timer for 10 minutes",
    "what time is it",
)
_WARM_UP_HOME = HomeState(areas=["warm up room"], devices=[Device("warm up light", "light", "warm up room")])
_lock = threading.Lock()
_understanders: dict[bool, Understander] = {}


def get_understander(connected: bool = False) -> Understander:
    """The process-wide Understander for the simulated home, or (`connected`) for a connected Home Assistant
    (hassil's Intents take a while to build, so once each)."""
    with _lock:
        if connected not in _understanders:
            understander = Understander.from_dict(build_intents_dict(connected=connected))
            # hassil compiles templates lazily; warm up so the first real request is fast.
            for sentence in _WARM_UP:
                understander.understand(sentence, _WARM_UP_HOME)
            _understanders[connected] = understander
            _LOGGER.info("intents loaded: %d", len(understander.intent_names))
        return _understanders[connected]
