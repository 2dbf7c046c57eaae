"""Commands for a connected Home Assistant, in the style of HA's own intent tests: a sentence, the intent,
and the slots it must give. The home is `VIEW` (the test Home Assistant's exposed entities and areas);
`HERE` is where the device that hears them stands, for sentences that depend on it ("lights on in here")."""

from __future__ import annotations

from typing import Any

from echoless.pipeline.hass_home import Area, Entity, View

HERE = "Kitchen"
VIEW = View(
    areas=(Area("kitchen", "Kitchen"), Area("living_room", "Living Room", ("lounge",)), Area("bedroom", "Bedroom")),
    entities=(
        Entity("light.kitchen_light", "Kitchen light", "Kitchen", "off"),
        Entity("light.living_room_lamp", "Living room lamp", "Living Room", "off"),
        Entity("light.bedroom_light", "Bedroom light", "Bedroom", "on"),
        Entity("switch.coffee_maker", "Coffee maker", "Kitchen", "off"),
        Entity("switch.fan_heater", "Fan heater", "Bedroom", "off", aliases=("little heater",)),
        Entity("cover.kitchen_window", "Kitchen Window", "Kitchen", "open"),
        Entity("fan.living_room_fan", "Living Room Fan", "Living Room", "on"),
        Entity("climate.hvac", "Hvac", "Living Room", "cool"),
        Entity("lock.front_door", "Front Door", None, "locked"),
        Entity("media_player.living_room", "Living Room", None, "playing"),
        Entity("weather.demo_weather_south", "Demo Weather South", None, "sunny"),
        Entity("scene.romantic_lights", "Romantic lights", None, "unknown"),
        Entity("script.good_night", "Good night", None, "off"),
        Entity("todo.shopping_list", "Shopping List", None, "0"),
    ),
)

Case = tuple[str, str, dict[str, Any]]

_LIGHTS = [("kitchen light", "Kitchen light"), ("living room lamp", "Living room lamp"), ("bedroom light", "Bedroom light")]
_SWITCHES = [("coffee maker", "Coffee maker"), ("fan heater", "Fan heater"), ("little heater", "Fan heater")]


def _by_name(phrases: list[str], names: list[tuple[str, str]], intent: str, **slots: Any) -> list[Case]:
    return [(p.format(name=said), intent, {"name": name, **slots}) for p in phrases for said, name in names]


TURN_ON: list[Case] = [
    *_by_name(["turn on the {name}", "switch on the {name}", "turn the {name} on", "{name} on", "please turn on the {name}"],
              _LIGHTS + _SWITCHES, "HassTurnOn"),
    ("turn on the lights in the living room", "HassTurnOn", {"area": "Living Room", "domain": "light"}),
    ("turn on the bedroom lights", "HassTurnOn", {"area": "Bedroom", "domain": "light"}),
    ("turn on the lights in the lounge", "HassTurnOn", {"area": "Living Room", "domain": "light"}),
    ("lights on in the bedroom", "HassTurnOn", {"area": "Bedroom", "domain": "light"}),
    ("turn on the lights", "HassTurnOn", {"area": HERE, "domain": "light"}),
    ("lights on in here", "HassTurnOn", {"area": HERE, "domain": "light"}),
    ("turn the lights on in here", "HassTurnOn", {"area": HERE, "domain": "light"}),
    ("turn on the lights in here", "HassTurnOn", {"area": HERE, "domain": "light"}),
    ("turn on all the lights", "HassTurnOn", {"domain": "light"}),
    ("open the kitchen window", "HassTurnOn", {"name": "Kitchen Window", "domain": "cover"}),
    ("lock the front door", "HassTurnOn", {"name": "Front Door", "domain": "lock"}),
    ("turn on the living room fan", "HassTurnOn", {"name": "Living Room Fan", "domain": "fan"}),
]

TURN_OFF: list[Case] = [
    *_by_name(["turn off the {name}", "switch off the {name}", "turn the {name} off", "{name} off", "please turn off the {name}"],
              _LIGHTS + _SWITCHES, "HassTurnOff"),
    ("turn off the lights in the living room", "HassTurnOff", {"area": "Living Room", "domain": "light"}),
    ("turn off the kitchen lights", "HassTurnOff", {"area": "Kitchen", "domain": "light"}),
    ("lights off in the bedroom", "HassTurnOff", {"area": "Bedroom", "domain": "light"}),
    ("turn off the lights", "HassTurnOff", {"area": HERE, "domain": "light"}),
    ("lights off in here", "HassTurnOff", {"area": HERE, "domain": "light"}),
    ("turn off all the lights", "HassTurnOff", {"domain": "light"}),
    ("turn off all lights", "HassTurnOff", {"domain": "light"}),
    ("close the kitchen window", "HassTurnOff", {"name": "Kitchen Window", "domain": "cover"}),
    ("turn off the living room fan", "HassTurnOff", {"name": "Living Room Fan", "domain": "fan"}),
]

LIGHT_SET: list[Case] = [
    *[(p.format(name=said, n=n), "HassLightSet", {"name": name, "brightness": n})
      for p in ("set the {name} to {n} percent", "set the {name} brightness to {n} percent", "{name} to {n}%",
                "dim the {name} to {n} percent")
      for said, name in _LIGHTS for n in (20, 75)],
    *[(p.format(name=said, c=c), "HassLightSet", {"name": name, "color": c})
      for p in ("set the {name} to {c}", "make the {name} {c}", "turn the {name} {c}")
      for said, name in _LIGHTS for c in ("red", "blue")],
    ("set the brightness in the bedroom to 30 percent", "HassLightSet", {"area": "Bedroom", "brightness": 30}),
    ("set the living room lights to 60 percent", "HassLightSet", {"area": "Living Room", "brightness": 60}),
]

GET_STATE: list[Case] = [
    *_by_name(["is the {name} on", "is the {name} off", "is {name} on"], _LIGHTS + _SWITCHES, "HassGetState"),
    *_by_name(["what is the {name}", "what's the state of the {name}"], _LIGHTS, "HassGetState"),
    ("are any lights on", "HassGetState", {"domain": "light", "state": "on"}),
    ("are all the lights off", "HassGetState", {"domain": "light", "state": "off"}),
    ("which lights are on", "HassGetState", {"domain": "light", "state": "on"}),
    ("how many lights are on", "HassGetState", {"domain": "light", "state": "on"}),
    ("is the front door locked", "HassGetState", {"name": "Front Door", "state": "locked"}),
]

OTHER: list[Case] = [
    ("set the kitchen window to 40 percent", "HassSetPosition", {"name": "Kitchen Window", "position": 40}),
    ("open the kitchen window to 70 percent", "HassSetPosition", {"name": "Kitchen Window", "position": 70}),
    ("set the temperature to 21 degrees", "HassClimateSetTemperature", {"temperature": 21}),
    ("set the temperature in the living room to 19 degrees", "HassClimateSetTemperature", {"temperature": 19, "area": "Living Room"}),
    ("what is the temperature", "HassClimateGetTemperature", {}),
    ("what's the temperature in the living room", "HassClimateGetTemperature", {"area": "Living Room"}),
    ("pause", "HassMediaPause", {}),
    ("pause the living room", "HassMediaPause", {"name": "Living Room"}),
    ("resume", "HassMediaUnpause", {}),
    ("next track", "HassMediaNext", {}),
    ("skip this song", "HassMediaNext", {}),
    ("set the volume to 30 percent", "HassSetVolume", {"volume_level": 30}),
    ("set the living room fan speed to 50 percent", "HassFanSetSpeed", {"name": "Living Room Fan", "percentage": 50}),
    ("what's the weather like", "HassGetWeather", {}),
    ("what is the weather", "HassGetWeather", {}),
    ("add oat milk to my shopping list", "HassShoppingListAddItem", {"item": "oat milk"}),
    ("put bread on the shopping list", "HassShoppingListAddItem", {"item": "bread"}),
    ("check off bread from my shopping list", "HassShoppingListCompleteItem", {"item": "bread"}),
    ("activate romantic lights", "HassTurnOn", {"name": "Romantic lights", "domain": "scene"}),
    ("run the good night script", "HassTurnOn", {"name": "Good night", "domain": "script"}),
]

ALL_CASES: dict[str, list[Case]] = {"HassTurnOn": TURN_ON, "HassTurnOff": TURN_OFF, "HassLightSet": LIGHT_SET,
                                    "HassGetState": GET_STATE, "other": OTHER}
