"""Utterances as a person would say them, with the intent and (a subset of) the typed slots that
understanding must produce against `demo_home()`. Also synthesised to speech for recogniser tests.

Each case: (text, expected_intent, expected_slots_subset).
"""

from __future__ import annotations

from typing import Any

IntentCase = tuple[str, str, dict[str, Any]]

DEVICE_CASES: list[IntentCase] = [
    ("turn off the kitchen light", "HassTurnOff", {"name": "kitchen light"}),
    ("turn on the kitchen light", "HassTurnOn", {"name": "kitchen light", "domain": "light"}),
    ("switch on the coffee maker", "HassTurnOn", {"name": "coffee maker", "domain": "switch"}),
    ("switch off the coffee maker please", "HassTurnOff", {"name": "coffee maker"}),
    ("could you turn on the living room lamp", "HassTurnOn", {"name": "living room lamp"}),
    ("turn the bedroom light off", "HassTurnOff", {"name": "bedroom light"}),
    ("turn off the lights in the kitchen", "HassTurnOff", {"area": "kitchen", "domain": "light"}),
    ("turn on the living room lights", "HassTurnOn", {"area": "living room", "domain": "light"}),
    ("bedroom lights on", "HassTurnOn", {"area": "bedroom", "domain": "light"}),
    ("turn off all the lights", "HassTurnOff", {"domain": "light"}),
    ("set the bedroom light to 40 percent", "HassLightSet", {"name": "bedroom light", "brightness": 40}),
    ("set the kitchen light brightness to seventy five percent", "HassLightSet", {"name": "kitchen light", "brightness": 75}),
    ("dim the living room lamp to 20 percent", "HassLightSet", {"name": "living room lamp", "brightness": 20}),
    ("set the brightness in the kitchen to 50 percent", "HassLightSet", {"area": "kitchen", "brightness": 50}),
    ("set the bedroom light to maximum brightness", "HassLightSet", {"name": "bedroom light", "brightness": 100}),
    ("turn down the kitchen light to 10 percent", "HassLightSet", {"name": "kitchen light", "brightness": 10}),
    ("dim the bedroom lights to thirty percent", "HassLightSet", {"area": "bedroom", "brightness": 30}),
    ("is the living room lamp on", "HassGetState", {"name": "living room lamp", "state": "on"}),
    ("is the coffee maker off", "HassGetState", {"name": "coffee maker", "state": "off"}),
    ("are any lights on", "HassGetState", {"domain": "light", "state": "on"}),
    ("which lights are on", "HassGetState", {"domain": "light", "state": "on"}),
    ("are all the lights off in the bedroom", "HassGetState", {"domain": "light", "state": "off", "area": "bedroom"}),
]

TIMER_CASES: list[IntentCase] = [
    ("set a timer for 10 minutes", "HassStartTimer", {"minutes": 10, "seconds": 600}),
    ("set a timer for ten minutes", "HassStartTimer", {"seconds": 600}),
    ("set a 5 minute pizza timer", "HassStartTimer", {"minutes": 5, "seconds": 300, "name": "pizza"}),
    ("start a timer for one hour and thirty minutes", "HassStartTimer", {"hours": 1, "minutes": 30, "seconds": 5400}),
    ("set a timer for half an hour", "HassStartTimer", {"seconds": 1800}),
    ("timer for 45 seconds", "HassStartTimer", {"seconds": 45}),
    ("set a timer for two minutes and thirty seconds", "HassStartTimer", {"minutes": 2, "seconds": 150}),
    ("set a timer named eggs for 8 minutes", "HassStartTimer", {"name": "eggs", "seconds": 480}),
    ("create a 20 minute timer", "HassStartTimer", {"seconds": 1200}),
    ("how much time is left on my timer", "HassTimerStatus", {}),
    ("how long is left on the pizza timer", "HassTimerStatus", {"name": "pizza"}),
    ("timer status", "HassTimerStatus", {}),
    ("cancel my timer", "HassCancelTimer", {}),
    ("stop the pizza timer", "HassCancelTimer", {"name": "pizza"}),
    ("cancel the 10 minute timer", "HassCancelTimer", {"start_minutes": 10, "start_seconds": 600}),
    ("cancel all timers", "HassCancelAllTimers", {}),
    ("pause the timer", "HassPauseTimer", {}),
    ("pause my pizza timer", "HassPauseTimer", {"name": "pizza"}),
    ("resume the timer", "HassUnpauseTimer", {}),
    ("continue the pizza timer", "HassUnpauseTimer", {"name": "pizza"}),
    ("add 5 minutes to my timer", "HassIncreaseTimer", {"minutes": 5, "seconds": 300}),
    ("add two minutes to the pizza timer", "HassIncreaseTimer", {"name": "pizza", "seconds": 120}),
    ("increase the timer by 30 seconds", "HassIncreaseTimer", {"seconds": 30}),
    ("take 1 minute off the timer", "HassDecreaseTimer", {"seconds": 60}),
    ("remove three minutes from the pizza timer", "HassDecreaseTimer", {"name": "pizza", "seconds": 180}),
    ("decrease my timer by 10 seconds", "HassDecreaseTimer", {"seconds": 10}),
]

SHOPPING_CASES: list[IntentCase] = [
    ("add oat milk to my shopping list", "HassShoppingListAddItem", {"item": "oat milk"}),
    ("add eggs to the shopping list", "HassShoppingListAddItem", {"item": "eggs"}),
    ("put bread on my shopping list", "HassShoppingListAddItem", {"item": "bread"}),
    ("add washing up liquid to the list", "HassShoppingListAddItem", {"item": "washing up liquid"}),
    ("check off eggs on my shopping list", "HassShoppingListCompleteItem", {"item": "eggs"}),
    ("remove bread from the shopping list", "HassShoppingListCompleteItem", {"item": "bread"}),
    ("what's on my shopping list", "EcholessShoppingListGetItems", {}),
    ("read me my shopping list", "EcholessShoppingListGetItems", {}),
    ("what do I need to buy", "EcholessShoppingListGetItems", {}),
]

OTHER_CASES: list[IntentCase] = [
    ("what time is it", "HassGetCurrentTime", {}),
    ("what's the time", "HassGetCurrentTime", {}),
    ("what is the date today", "HassGetCurrentDate", {}),
    ("what's today's date", "HassGetCurrentDate", {}),
    ("never mind", "HassNevermind", {}),
    ("what's the weather like", "HassGetWeather", {}),
    ("what is the weather", "HassGetWeather", {}),
    ("will it rain tomorrow", "EcholessWeather", {}),
    ("what's the weather forecast for the weekend", "EcholessWeather", {}),
    ("do I need an umbrella today", "EcholessWeather", {}),
]

PRIVACY_CASES: list[IntentCase] = [
    ("delete what I just said", "EcholessDeleteLast", {}),
    ("forget that", "EcholessDeleteLast", {}),
    ("delete my last request", "EcholessDeleteLast", {}),
    ("erase the last thing I said", "EcholessDeleteLast", {}),
    ("that wasn't for you", "EcholessFalseActivation", {}),
    ("I wasn't talking to you", "EcholessFalseActivation", {}),
    ("I was not talking to you", "EcholessFalseActivation", {}),
    ("delete everything I said today", "EcholessDeleteToday", {}),
    ("delete today's recordings", "EcholessDeleteToday", {}),
    ("forget everything from today", "EcholessDeleteToday", {}),
    ("delete everything I said this week", "EcholessDeleteThisWeek", {}),
    ("delete my recordings from this week", "EcholessDeleteThisWeek", {}),
    ("delete everything I've ever said", "EcholessDeleteAll", {}),
    ("delete all my recordings", "EcholessDeleteAll", {}),
    ("erase everything you know about me", "EcholessDeleteAll", {}),
    ("yes", "EcholessConfirm", {}),
    ("yes please", "EcholessConfirm", {}),
    ("confirm", "EcholessConfirm", {}),
    ("do it", "EcholessConfirm", {}),
    ("go ahead", "EcholessConfirm", {}),
    ("no", "EcholessCancel", {}),
    ("no thanks", "EcholessCancel", {}),
    ("cancel", "EcholessCancel", {}),
    ("what did you hear", "EcholessWhatDidYouHear", {}),
    ("what did you just hear", "EcholessWhatDidYouHear", {}),
    ("what did you think I said", "EcholessWhatDidYouHear", {}),
    ("why did you do that", "EcholessWhyDidYouDoThat", {}),
    ("why did you turn that off", "EcholessWhyDidYouDoThat", {}),
    ("what do you know about me", "EcholessWhatDoYouKnow", {}),
    ("what data do you have about me", "EcholessWhatDoYouKnow", {}),
    ("stop saving my recordings", "EcholessStopSaving", {}),
    ("don't save my voice recordings anymore", "EcholessStopSaving", {}),
    ("start saving my recordings", "EcholessStartSaving", {}),
    ("you can keep my recordings", "EcholessStartSaving", {}),
]

INTENT_CASES: list[IntentCase] = DEVICE_CASES + TIMER_CASES + SHOPPING_CASES + OTHER_CASES + PRIVACY_CASES

#: The privacy requests in the words of someone typing (understood like their spoken twins; not in the
#: spoken set: nobody says "what I just typed").
TYPED_CASES: list[IntentCase] = [
    ("delete what I just typed", "EcholessDeleteLast", {}),
    ("erase the last thing I typed", "EcholessDeleteLast", {}),
    ("delete the last thing I wrote", "EcholessDeleteLast", {}),
    ("delete everything I typed today", "EcholessDeleteToday", {}),
    ("delete everything I've typed this week", "EcholessDeleteThisWeek", {}),
    ("delete everything I've ever typed", "EcholessDeleteAll", {}),
    ("what did I just type", "EcholessWhatDidYouHear", {}),
]

#: Text that must not be understood as anything.
NOT_UNDERSTOOD: list[str] = [
    "the quick brown fox jumps over the lazy dog",
    "turn off the garage door",
    "play some jazz music",
    "tell me a joke about penguins",
    "",
]


QUESTION_WORDS = ("what", "what's", "is", "are", "which", "how", "will", "do", "could", "why")


def as_written(text: str) -> str:
    """A case as someone types it: a capital, a question mark or full stop, a newline, stray spaces."""
    ending = "?" if text.split()[0] in QUESTION_WORDS else "."
    first, _, rest = (text[0].upper() + text[1:]).partition(" ")
    return f" {first}\n{rest}{ending}  " if rest else f" {first}{ending}"
