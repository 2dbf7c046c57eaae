"""The recogniser's initial prompt for a household: a short request in the assistant's style that
names the household's own devices and areas. Whisper takes the prompt as context, so the names it
would otherwise miss ("living room lamp", not "living room, Lance") come out right."""

from __future__ import annotations

from echoless.pipeline.home import HomeState

STYLE = "Turn off the light, set a timer for 5 minutes, add bread to my shopping list, delete what I just said."
MAX_NAMES = 24


def recognition_prompt(home: HomeState, extra_words: list[str] | None = None) -> str:
    names = [d.name for d in home.devices] + list(home.areas) + list(extra_words or [])
    unique = list(dict.fromkeys(names))[:MAX_NAMES]
    return f"{STYLE} {', '.join(unique)}." if unique else STYLE
