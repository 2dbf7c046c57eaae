"""Response text: Home Assistant's English response templates (shipped in home_assistant_intents),
rendered in a sandbox with the slots; echoless's own short sentences where HA has none."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from home_assistant_intents import get_intents
from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment

_LOGGER = logging.getLogger(__name__)
_ENV = SandboxedEnvironment(autoescape=False)


@lru_cache(maxsize=1)
def _responses() -> dict[str, Any]:
    data = get_intents("en")
    return data["responses"] if data else {"intents": {}, "errors": {}}


@lru_cache(maxsize=256)
def _compiled(kind: str, intent: str, key: str) -> Template | None:
    table = _responses()["errors"] if kind == "error" else _responses()["intents"].get(intent, {})
    source = table.get(key)
    return None if source is None else _ENV.from_string(source)


def _tidy(text: str) -> str:
    return " ".join(text.split())


def has_response(intent: str, key: str) -> bool:
    return _compiled("intent", intent, key) is not None


def render(intent: str, key: str, fallback: str = "", **context: Any) -> str:
    """Render HA's response `key` of `intent` with `context` (slots=..., state=..., query=...)."""
    template = _compiled("intent", intent, key) or _compiled("intent", intent, "default")
    if template is None:
        return fallback
    try:
        return _tidy(template.render(**context)) or fallback
    except Exception:  # a template that does not fit our context must not break the answer
        _LOGGER.warning("a response template failed to render")  # no intent name: it says what was asked
        return fallback


def render_error(key: str, fallback: str = "Sorry, I couldn't do that.", **context: Any) -> str:
    template = _compiled("error", "", key)
    if template is None:
        return fallback
    try:
        return _tidy(template.render(**context)) or fallback
    except Exception:
        _LOGGER.warning("error template %s failed to render", key)
        return fallback


def join_names(names: list[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


#: How HA's default answers name a domain ("Turned on the light"): echoless names the device instead.
GENERIC = {
    "light": "the light", "switch": "the switch", "fan": "the fan", "climate": "the thermostat",
    "input_boolean": "the switch", "media_player": "the media player",
}


def spoken(name: str) -> str:
    """A name inside a sentence: "Kitchen Window" → "kitchen window" ("TV" and "iPad" stay)."""
    return " ".join(w.lower() if w[:1].isupper() and w[1:].islower() else w for w in name.split())


def naming(response: str, *, name: str | None = None, domain: str | None = None, area: str | None = None) -> str:
    """HA's generic answer made to name what was acted on: "Turned on the light" → "Turned on the kitchen
    light"; "Opening" → "Opening the garage door"; "Turned off the lights" → "… in the kitchen"."""
    if name:
        generic = GENERIC.get(domain or "")
        if generic and response.endswith(generic):
            return response[: -len(generic)] + f"the {spoken(name)}"
        if len(response.split()) == 1:  # "Opening", "Locking", "Activated", "Paused"
            return f"{response} {name if domain in ('scene', 'script') else 'the ' + spoken(name)}"
        return response
    if area and (response.endswith("the lights") or response.endswith("the fans")):
        return f"{response} in the {spoken(area)}"
    return response
