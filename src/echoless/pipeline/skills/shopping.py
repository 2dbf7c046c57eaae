"""The shopping list: HassShoppingListAddItem, HassShoppingListCompleteItem (Home Assistant's names)
and EcholessShoppingListGetItems (HA's English intents have no "what's on my list")."""

from __future__ import annotations

from typing import Any

from echoless.pipeline.home import HomeState
from echoless.pipeline.skills.responses import join_names, render
from echoless.pipeline.skills.result import ActionResult, done, failed


def add_item(slots: dict[str, Any], home: HomeState) -> ActionResult:
    intent = "HassShoppingListAddItem"
    name = str(slots.get("item", "")).strip()
    if not name:
        return failed(intent, slots, "no item named", "Sorry, what should I add to the shopping list?")
    item = home.add_item(name)
    response = render(intent, "item_added", f"Added {item.name}", slots={**slots, "item": item.name})
    return done(intent, slots, f"added {item.name} to the shopping list", response)


def complete_item(slots: dict[str, Any], home: HomeState) -> ActionResult:
    intent = "HassShoppingListCompleteItem"
    name = str(slots.get("item", "")).strip()
    item = home.complete_item(name) if name else None
    if item is None:
        return failed(intent, slots, "item not on the shopping list", f"Sorry, {name or 'that'} is not on your shopping list.")
    response = render(intent, "item_completed", f"Checked off {item.name}", slots={**slots, "item": item.name})
    return done(intent, slots, f"checked off {item.name} on the shopping list", response)


def get_items(slots: dict[str, Any], home: HomeState) -> ActionResult:
    intent = "EcholessShoppingListGetItems"
    names = [i.name for i in home.open_items()]
    if not names:
        return done(intent, slots, "shopping list read: empty", "Your shopping list is empty.")
    return done(intent, slots, f"shopping list read: {len(names)} item{'' if len(names) == 1 else 's'}", f"On your shopping list: {join_names(names)}.")
