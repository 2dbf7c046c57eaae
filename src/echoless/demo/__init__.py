"""The demo household: its home (areas, lights, a switch) and spoken requests to fill its history.
The clips were synthesised with piper and the `joe` voice (dataset CC0; see scripts/make_demo_clips.py)."""

from __future__ import annotations

from pathlib import Path

CLIPS_DIR = Path(__file__).parent / "clips"

# name -> what the clip says, in the order the demo plays them
CLIPS = {
    "01_kitchen_light_on": "turn on the kitchen light",
    "02_lamp_brightness": "set the living room lamp to 40 percent",
    "03_shopping_bananas": "put bananas on my shopping list",
    "04_timer_pasta": "set a timer for 10 minutes",
    "05_coffee_on": "switch on the coffee maker",
    "06_bedroom_state": "is the bedroom light on",
    "07_time": "what time is it",
    "08_weather": "what's the weather like today",
}


def clip(name: str) -> bytes:
    return (CLIPS_DIR / f"{name}.ogg").read_bytes()
