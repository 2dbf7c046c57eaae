"""Acting on a connected Home Assistant: an understood intent becomes service calls on the exposed entities
it names (by name, by area, or the whole home), and the answer is HA's response template, naming the device
("Turned on the kitchen light"). State questions are answered from HA's state.

Home Assistant receives the service call only: the entity ids and the service's data, never the words."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from echoless.pipeline.hass_home import Entity, Link, View
from echoless.pipeline.skills.responses import join_names, naming, render, render_error, spoken
from echoless.pipeline.skills.result import ActionResult, done, failed
from echoless.pipeline.understand import IntentMatch

_LOGGER = logging.getLogger(__name__)

_ON_OFF = {"HassTurnOn": "turn_on", "HassTurnOff": "turn_off"}
_COVER = {"HassTurnOn": "open_cover", "HassTurnOff": "close_cover"}
_MEDIA = {"HassMediaPause": "media_pause", "HassMediaUnpause": "media_play", "HassMediaNext": "media_next_track",
          "HassMediaPrevious": "media_previous_track"}
NO_UNLOCK = "For safety, I can't unlock doors by voice yet."


_spoken = spoken


def _targets(view: View, slots: dict[str, Any], domains: set[str] | None, here: str | None) -> tuple[list[Entity], str | None]:
    """The exposed entities a request names, or ([], an error answer). An area that came from where the
    device stands widens to the whole home when nothing of the kind is there (HA does the same)."""
    name, area = slots.get("name"), slots.get("area")
    if name:
        entity = view.find_entity(str(name))
        if entity is None:
            return [], render_error("no_entity", entity=name)
        if area and area != here and (view.find_area(str(area)) is None or view.find_area(str(area)).name != entity.area):  # type: ignore[union-attr]
            return [], render_error("no_entity_in_area", entity=name, area=area)
        return [entity], None
    wanted = domains if domains is not None else ({str(slots["domain"])} if slots.get("domain") else None)
    if area:
        if view.find_area(str(area)) is None:
            return [], render_error("no_area", area=area)
        found = view.in_area(str(area), wanted)
        if found or area != here:
            return (found, None) if found else ([], render_error("no_domain_in_area", domain=_domain_word(slots, wanted), area=area))
    found = view.in_area(None, wanted)
    return (found, None) if found else ([], render_error("no_domain", domain=_domain_word(slots, wanted)))


def _domain_word(slots: dict[str, Any], wanted: set[str] | None) -> str:
    return str(slots.get("domain") or (sorted(wanted)[0] if wanted else "device")).replace("_", " ")


def _named(response: str, entities: list[Entity], slots: dict[str, Any]) -> str:
    """HA's generic answer, made to name what was acted on."""
    one = entities[0] if slots.get("name") and len(entities) == 1 else None
    return naming(response, name=one.name if one else None, domain=one.domain if one else None,
                  area=str(slots["area"]) if slots.get("area") else None)


def _summary(entities: list[Entity]) -> str:
    return join_names([e.name for e in entities])


class HassSkill:
    """One request against one household's Home Assistant."""

    def __init__(self, link: Link, view: View, here: str | None,
                 ask_unlock: Callable[[list[Entity], dict[str, Any]], ActionResult] | None = None) -> None:
        self.link, self.view, self.here = link, view, here
        self.ask_unlock = ask_unlock  # None: unlocking is refused (no member and device to check)

    def act(self, match: IntentMatch) -> ActionResult | None:
        """The result, or None when the intent is not one the connected home handles (timers, the clock…)."""
        handler = _HANDLERS.get(match.name)
        return None if handler is None else handler(self, match)

    def turn(self, m: IntentMatch) -> ActionResult:
        entities, error = _targets(self.view, m.slots, None, self.here)
        if error is not None:
            return failed(m.name, m.slots, "device not found", error)
        on = m.name == "HassTurnOn"
        if not on and any(e.domain == "lock" for e in entities):
            locks = [e for e in entities if e.domain == "lock"]
            if self.ask_unlock is None or len(locks) != len(entities):
                return failed(m.name, m.slots, "unlock refused", NO_UNLOCK)
            return self.ask_unlock(locks, m.slots)
        for domain in sorted({e.domain for e in entities}):
            ids = [e.entity_id for e in entities if e.domain == domain]
            if domain == "cover":
                self.link.call("cover", _COVER[m.name], ids)
            elif domain == "lock":
                self.link.call("lock", "lock", ids)
            elif domain in ("scene", "script"):
                self.link.call(domain, "turn_on", ids)
            else:
                self.link.call("homeassistant", _ON_OFF[m.name], ids)
        response = render(m.name, m.response, "Done", slots=m.slots, state={"domain": entities[0].domain})
        word = "on" if on else "off"
        return done(m.name, m.slots, f"{_summary(entities)} {word}", _named(response, entities, m.slots))

    def light_set(self, m: IntentMatch) -> ActionResult:
        entities, error = _targets(self.view, m.slots, {"light"}, self.here)
        if error is not None:
            return failed(m.name, m.slots, "light not found", error)
        data: dict[str, Any] = {}
        if "brightness" in m.slots:
            data["brightness_pct"] = max(0, min(100, int(m.slots["brightness"])))
            key = "brightness"
        elif "color" in m.slots:
            data["color_name"] = str(m.slots["color"])
            key = "color"
        else:
            return failed(m.name, m.slots, "light setting not supported", render_error("feature_not_supported"))
        self.link.call("light", "turn_on", [e.entity_id for e in entities], data)
        response = render(m.name, key, "Done", slots=m.slots)
        if m.slots.get("name") and len(entities) == 1:
            response = f"{response} for the {_spoken(entities[0].name)}"
        return done(m.name, m.slots, f"{_summary(entities)} {key} {data.popitem()[1]}", response)

    def get_state(self, m: IntentMatch) -> ActionResult:
        entities, error = _targets(self.view, m.slots, None, self.here)
        if error is not None:
            return failed(m.name, m.slots, "device not found", error)
        wanted = m.slots.get("state")
        matched = [e for e in entities if wanted is None or e.state == wanted]
        unmatched = [e for e in entities if e not in matched]
        query = {"matched": [{"name": e.name} for e in matched], "unmatched": [{"name": e.name} for e in unmatched]}
        first = entities[0]
        state = {"state": first.state, "state_with_unit": _state_text(first), "domain": first.domain}
        key = m.response if m.response in ("one", "one_yesno", "any", "all", "which", "how_many") else "default"
        if key == "default" and m.slots.get("name"):
            key = "one_yesno" if wanted else "one"
        fallback = join_names([f"{e.name} is {_state_text(e)}" for e in entities])
        response = render(m.name, key, fallback, slots={**m.slots, "name": first.name}, state=state, query=query)
        return done(m.name, m.slots, "state asked: " + "; ".join(f"{e.name} {_state_text(e)}" for e in entities), response)

    def set_position(self, m: IntentMatch) -> ActionResult:
        entities, error = _targets(self.view, m.slots, {"cover"}, self.here)
        if error is not None:
            return failed(m.name, m.slots, "cover not found", error)
        position = max(0, min(100, int(m.slots.get("position", 0))))
        self.link.call("cover", "set_cover_position", [e.entity_id for e in entities], {"position": position})
        response = render(m.name, "default", "Position set", slots=m.slots)
        if len(entities) == 1:
            response = f"{response} for the {_spoken(entities[0].name)}"
        return done(m.name, m.slots, f"{_summary(entities)} position {position}%", response)

    def climate_get(self, m: IntentMatch) -> ActionResult:
        entities, error = _targets(self.view, m.slots, {"climate"}, self.here)
        if error is not None:
            return failed(m.name, m.slots, "thermostat not found", error)
        entity = entities[0]
        current = entity.attributes.get("current_temperature")
        degrees = _number(current if current is not None else entity.state)
        response = f"It's {degrees} {'degree' if degrees == 1 else 'degrees'} in the {_spoken(entity.area or entity.name)}"
        return done(m.name, m.slots, f"temperature asked: {entity.name} {degrees}", response)

    def climate_set(self, m: IntentMatch) -> ActionResult:
        entities, error = _targets(self.view, m.slots, {"climate"}, self.here)
        if error is not None:
            return failed(m.name, m.slots, "thermostat not found", error)
        temperature = m.slots.get("temperature")
        self.link.call("climate", "set_temperature", [entities[0].entity_id], {"temperature": temperature})
        response = render(m.name, "default", "Temperature set", slots=m.slots)
        return done(m.name, m.slots, f"{entities[0].name} temperature {temperature}", response)

    def media(self, m: IntentMatch) -> ActionResult:
        entities, error = _targets(self.view, m.slots, {"media_player"}, self.here)
        if error is not None:
            return failed(m.name, m.slots, "media player not found", error)
        ids = [e.entity_id for e in entities]
        if m.name == "HassSetVolume":
            level = max(0, min(100, int(m.slots.get("volume_level", 0))))
            self.link.call("media_player", "volume_set", ids, {"volume_level": level / 100})
            response, what = render(m.name, "default", "Volume set", slots=m.slots), f"volume {level}%"
        else:
            self.link.call("media_player", _MEDIA[m.name], ids)
            response, what = render(m.name, "default", "Done", slots=m.slots), _MEDIA[m.name].removeprefix("media_")
        return done(m.name, m.slots, f"{_summary(entities)} {what}", response)

    def fan_speed(self, m: IntentMatch) -> ActionResult:
        entities, error = _targets(self.view, m.slots, {"fan"}, self.here)
        if error is not None:
            return failed(m.name, m.slots, "fan not found", error)
        percentage = max(0, min(100, int(m.slots.get("percentage", 0))))
        self.link.call("fan", "set_percentage", [e.entity_id for e in entities], {"percentage": percentage})
        response = render(m.name, "default", "Speed set", slots=m.slots)
        if len(entities) == 1:
            response = f"{response} for the {_spoken(entities[0].name)}"
        return done(m.name, m.slots, f"{_summary(entities)} speed {percentage}%", response)

    def todo(self, m: IntentMatch) -> ActionResult | None:
        """To-do lists are HA's todo entities (the shopping list among them); without one exposed, the
        shopping list stays echoless's own (None: the built-in skill acts)."""
        lists = [e for e in self.view.entities if e.domain == "todo"]
        if m.slots.get("name"):
            wanted = self.view.find_entity(str(m.slots["name"]))
            lists = [wanted] if wanted is not None and wanted.domain == "todo" else []
            if not lists:
                return failed(m.name, m.slots, "list not found", render_error("no_entity", entity=m.slots["name"]))
        else:
            lists = [e for e in lists if "shopping" in e.name.casefold() or "shopping" in e.entity_id] or []
        if not lists:
            return None
        item = str(m.slots.get("item", "")).strip()
        if not item:
            return failed(m.name, m.slots, "no item", render_error("feature_not_supported"))
        adding = m.name in ("HassShoppingListAddItem", "HassListAddItem")
        if adding:
            self.link.call("todo", "add_item", [lists[0].entity_id], {"item": item})
        else:
            self.link.call("todo", "update_item", [lists[0].entity_id], {"item": item, "status": "completed"})
        key = "item_added" if adding else "item_completed"
        response = render(m.name, key, "Done", slots=m.slots)
        return done(m.name, m.slots, f"{'added to' if adding else 'checked off'} {lists[0].name}", response)

    def weather(self, m: IntentMatch) -> ActionResult:
        found = [e for e in self.view.entities if e.domain == "weather"]
        if m.slots.get("name"):
            found = [e for e in found if e.name.casefold() == str(m.slots["name"]).casefold()] or found
        if not found:
            return failed(m.name, m.slots, "weather not available", render_error("no_domain", domain="weather"))
        entity = found[0]
        state = {"state": entity.state, "attributes": dict(entity.attributes), "entity_id": entity.entity_id}
        fallback = f"{_number(entity.attributes.get('temperature'))} degrees and {entity.state}"
        response = render("HassGetWeather", "default", fallback, slots=m.slots, state=state)
        return done(m.name, m.slots, f"weather asked: {entity.name}", response)


def _number(value: Any) -> Any:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() else round(number, 1)


def _state_text(entity: Entity) -> str:
    brightness = entity.attributes.get("brightness")
    if entity.domain == "light" and entity.state == "on" and isinstance(brightness, (int, float)) and brightness < 255:
        return f"on at {round(brightness * 100 / 255)} percent"
    unit = entity.attributes.get("unit_of_measurement")
    return f"{entity.state} {unit}" if unit else entity.state


_HANDLERS: dict[str, Callable[[HassSkill, IntentMatch], ActionResult | None]] = {
    "HassShoppingListAddItem": HassSkill.todo,
    "HassShoppingListCompleteItem": HassSkill.todo,
    "HassListAddItem": HassSkill.todo,
    "HassListCompleteItem": HassSkill.todo,
    "HassTurnOn": HassSkill.turn,
    "HassTurnOff": HassSkill.turn,
    "HassLightSet": HassSkill.light_set,
    "HassGetState": HassSkill.get_state,
    "HassSetPosition": HassSkill.set_position,
    "HassClimateGetTemperature": HassSkill.climate_get,
    "HassClimateSetTemperature": HassSkill.climate_set,
    "HassMediaPause": HassSkill.media,
    "HassMediaUnpause": HassSkill.media,
    "HassMediaNext": HassSkill.media,
    "HassMediaPrevious": HassSkill.media,
    "HassSetVolume": HassSkill.media,
    "HassFanSetSpeed": HassSkill.fan_speed,
    "HassGetWeather": HassSkill.weather,
    "EcholessWeather": HassSkill.weather,
}
