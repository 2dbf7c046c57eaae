"""The fixture's Home Assistant is real: onboarded, its entities placed and exposed, and it acts."""

from __future__ import annotations

import hass


def test_home_assistant_is_onboarded_with_areas_and_exposure(home_assistant: hass.HomeAssistant) -> None:
    areas = {a["name"] for a in home_assistant.command({"type": "config/area_registry/list"})}
    assert {"Kitchen", "Living Room", "Bedroom"} <= areas
    exposed = home_assistant.command({"type": "homeassistant/expose_entity/list"})["exposed_entities"]
    assert exposed["light.kitchen_light"]["conversation"] is True
    assert exposed["light.kitchen_lights"]["conversation"] is False  # the demo's, not ours
    entries = {e["entity_id"]: e for e in home_assistant.command({"type": "config/entity_registry/list"})}
    kitchen = next(a["area_id"] for a in home_assistant.command({"type": "config/area_registry/list"}) if a["name"] == "Kitchen")
    assert entries["light.kitchen_light"]["area_id"] == kitchen


def test_a_service_call_changes_a_template_light(home_assistant: hass.HomeAssistant) -> None:
    home_assistant.call("light", "turn_on", entity_id="light.bedroom_light", brightness=128)
    state = home_assistant.wait_state("light.bedroom_light", lambda s: s["state"] == "on")
    assert state["state"] == "on" and state["attributes"]["friendly_name"] == "Bedroom light"
    home_assistant.call("light", "turn_off", entity_id="light.bedroom_light")
    assert home_assistant.wait_state("light.bedroom_light", lambda s: s["state"] == "off")["state"] == "off"
