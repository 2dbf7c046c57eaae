"""Devices: HassTurnOn, HassTurnOff, HassLightSet (brightness), HassGetState — by name or by area."""

from __future__ import annotations

import logging
from typing import Any

from echoless.pipeline.home import Device, HomeState
from echoless.pipeline.skills.responses import join_names, naming, render, render_error
from echoless.pipeline.skills.result import ActionResult, done, failed

_LOGGER = logging.getLogger(__name__)


def _targets(home: HomeState, slots: dict[str, Any]) -> tuple[list[Device], str | None]:
    """The devices a request names, or ([], error response)."""
    name, area, domain = slots.get("name"), slots.get("area"), slots.get("domain")
    if name:
        device = home.find_device(str(name))
        if device is None:
            return [], render_error("no_entity", entity=name)
        if area and (device.area is None or home.find_area(str(area)) != device.area):
            return [], render_error("no_entity_in_area", entity=name, area=area)
        return [device], None
    if area:
        if home.find_area(str(area)) is None:
            return [], render_error("no_area", area=area)
        devices = home.devices_in(str(area), domain)
        if not devices:
            return [], render_error("no_domain_in_area", domain=domain or "device", area=area)
        return devices, None
    devices = home.devices_in(None, domain)
    if not devices:
        return [], render_error("no_domain", domain=domain or "device")
    return devices, None


def _what(slots: dict[str, Any], devices: list[Device]) -> str:
    """How the action record names the target: "kitchen light", "lights in kitchen", "all lights"."""
    if slots.get("name"):
        return devices[0].name
    plural = f"{slots.get('domain') or 'device'}s"
    return f"{plural} in {slots['area']}" if slots.get("area") else f"all {plural}"


def turn(intent: str, slots: dict[str, Any], home: HomeState, response_key: str) -> ActionResult:
    on = intent == "HassTurnOn"
    devices, error = _targets(home, slots)
    if error is not None:
        return failed(intent, slots, "device not found", error)
    for device in devices:
        device.on = on
        if on and device.kind == "light" and device.brightness == 0:
            device.brightness = 100
    word = "on" if on else "off"
    key = response_key if response_key in ("lights_area", "light_all") else "default"
    response = render(intent, key, f"Turned {word} {_what(slots, devices)}.", slots=slots, state={"domain": devices[0].kind})
    response = naming(response, name=devices[0].name if slots.get("name") else None, domain=devices[0].kind,
                      area=str(slots["area"]) if slots.get("area") else None)
    return done(intent, slots, f"{_what(slots, devices)} {word}", response)


def light_set(slots: dict[str, Any], home: HomeState) -> ActionResult:
    intent = "HassLightSet"
    if "brightness" not in slots:
        return failed(intent, slots, "light setting not supported", render_error("feature_not_supported"))
    brightness = max(0, min(100, int(slots["brightness"])))
    devices, error = _targets(home, {**slots, "domain": "light"})
    if error is not None:
        return failed(intent, slots, "light not found", error)
    lights = [d for d in devices if d.kind == "light"]
    if not lights:
        return failed(intent, slots, "not a light", render_error("feature_not_supported"))
    for light in lights:
        light.brightness = brightness
        light.on = brightness > 0
    response = render(intent, "brightness", "Brightness set.", slots=slots)
    return done(intent, slots, f"{_what({**slots, 'domain': 'light'}, lights)} brightness {brightness}%", response)


def _state_text(device: Device) -> str:
    if device.kind == "light" and device.on and device.brightness < 100:
        return f"on at {device.brightness} percent"
    return "on" if device.on else "off"


def get_state(slots: dict[str, Any], home: HomeState, response_key: str) -> ActionResult:
    intent = "HassGetState"
    devices, error = _targets(home, slots)
    if error is not None:
        return failed(intent, slots, "device not found", error)
    wanted = slots.get("state")
    matched = [d for d in devices if wanted is None or ("on" if d.on else "off") == wanted]
    unmatched = [d for d in devices if d not in matched]
    query = {"matched": [{"name": d.name} for d in matched], "unmatched": [{"name": d.name} for d in unmatched]}
    first = devices[0]
    state = {"state": "on" if first.on else "off", "state_with_unit": _state_text(first), "domain": first.kind}
    key = response_key if response_key in ("one", "one_yesno", "any", "all", "which", "how_many") else "default"
    if key == "default" and slots.get("name"):
        key = "one_yesno" if wanted else "one"
    fallback = join_names([f"{d.name} is {_state_text(d)}" for d in devices])
    response = render(intent, key, fallback, slots=slots, state=state, query=query)
    summary = "; ".join(f"{d.name} {_state_text(d)}" for d in devices)
    return done(intent, slots, f"state asked: {summary}", response)
