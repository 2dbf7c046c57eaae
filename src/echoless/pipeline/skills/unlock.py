"""Unlocking a lock of the connected home: only an adult (or the owner), only from their own personal device,
and only after they say "yes" to a spoken question on that same device within a minute. The pending question
is kept where the privacy intents keep theirs (the member's settings), so anything else said drops it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from echoless.pipeline import hass_home
from echoless.pipeline.hass_client import CommandFailed, HomeUnreachable
from echoless.pipeline.hass_home import Entity
from echoless.pipeline.skills.responses import spoken
from echoless.pipeline.skills.result import ActionResult, done, failed
from echoless.terms import Role
from echoless.vault import accounts, devices
from echoless.vault.instance import Vault
from echoless.vault.models import Member

ACTION = "unlock"
NOT_HERE = "For safety, I only unlock doors for an adult, from their own personal device."


def ask(vault: Vault, member: Member, device_id: str | None, entities: list[Entity], slots: dict[str, Any], *,
        now: datetime, pending_key: str, window_seconds: float) -> ActionResult:
    """Ask for a spoken confirmation, or refuse (a child, a shared device, a request without a device)."""
    device = devices.get(vault, device_id)
    if member.role not in (Role.OWNER, Role.ADULT) or not devices.is_personal_for(device, member):
        return failed("HassTurnOff", slots, "unlock refused", NOT_HERE)
    pending = {"action": ACTION, "entities": [e.entity_id for e in entities], "until": now.timestamp() + window_seconds,
               "device": device_id}
    accounts.update_member_settings(vault, member.id, {**member.settings, pending_key: pending})
    names = " and ".join(f"the {spoken(e.name)}" for e in entities)
    return done("HassTurnOff", slots, "unlock asked", f"Do you want me to unlock {names}? Say yes to confirm.")


def confirm(vault: Vault, member: Member, pending: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Unlock what was asked (the caller checked the device and the time): the answer and the action record."""
    link = hass_home.link(vault, member.household_id)
    entity_ids = [str(e) for e in pending.get("entities", [])]
    action: dict[str, Any] = {"intent": "HassTurnOff", "slots": {}, "success": False, "result": "unlock",
                              "recipient": "home-assistant"}
    if link is None:
        return "Your home is no longer connected.", {**action, "result": "home not connected"}
    try:
        link.call("lock", "unlock", entity_ids)
    except HomeUnreachable:
        return hass_home.UNREACHABLE, {**action, "result": "home unreachable"}
    except CommandFailed as exc:
        return "Sorry, your home could not do that.", {**action, "result": f"home refused ({exc.ha_code})"}
    view = link.snapshot(wait=0)
    names = [e.name for e in (view.entities if view else ()) if e.entity_id in entity_ids] or ["door"]
    return f"Unlocking the {spoken(' and '.join(names))}", {**action, "success": True, "result": f"{' and '.join(names)} unlocked"}
