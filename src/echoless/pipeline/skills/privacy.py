"""Privacy by voice: "delete what I just said", "that wasn't for you", "delete everything I said
today / this week / ever" (the last one only when allowed, and after a spoken yes), "what did you
hear?", "why did you do that?", "what do you know about me?", "stop/start saving my recordings".

None of these utterances is recorded as an interaction: a deletion request leaves only a content-free
audit entry, and a question about one's data must not copy that data into a new item.

What a request may reach depends on where it came from (PRIVACY_MODEL §4). With the member's own token
(no device) it reaches their whole history. From a device it reads back and deletes only what that device
recorded for that member (or in its shared history) in the last few minutes (ECHOLESS_VOICE_WINDOW_MINUTES):
the conversation at hand, never older history, since whoever stands at a shared device, or holds a device
token, is not necessarily that member. "Delete everything I said today / this week / ever" and the
recording settings act on a member's history only from that member's personal device. Whatever is out of
reach is answered with where to do it instead: the Privacy Hub or the member's own token."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from echoless.derived import vocabulary
from echoless.pipeline.outcome import Outcome
from echoless.pipeline.skills import unlock
from echoless.pipeline.understand import IntentMatch
from echoless.privacy import deletion, preferences
from echoless.vault import audit
from echoless.vault import retention
from echoless.sharing import ledger as sharing_ledger
from echoless.vault import accounts, devices, interactions
from echoless.vault.instance import Vault
from echoless.vault.models import Member

_LOGGER = logging.getLogger(__name__)
CONFIRM_WINDOW = timedelta(seconds=60)
PENDING = "pending_confirmation"
ELSEWHERE = "sign in to the Privacy Hub or use your own token"


@dataclass(frozen=True)
class Reach:
    """What a spoken request may reach: everything (with the member's own token: no device), or what the
    device recorded since `since`. `personal`: no device, or the member's own personal device."""

    device_id: str | None
    since: datetime | None
    minutes: float
    personal: bool

    @property
    def limited(self) -> bool:
        return self.device_id is not None

    @property
    def window(self) -> str:
        return f"{self.minutes:g} minute{'' if self.minutes == 1 else 's'}"


def reach_of(vault: Vault, member: Member, device_id: str | None, now: datetime) -> Reach:
    minutes = vault.settings.voice_window_minutes
    device = devices.get(vault, device_id)
    if device is None:
        return Reach(None, None, minutes, personal=True)
    return Reach(device.id, now - timedelta(minutes=minutes), minutes, personal=devices.is_personal_for(device, member))


def _recent(vault: Vault, member: Member, reach: Reach) -> interactions.InteractionView | None:
    return interactions.last(vault, member, device_id=reach.device_id, since=reach.since)


def _quiet(response: str) -> Outcome:
    return Outcome(response=response, action=None, record=False)


def _voice_deletion(vault: Vault, job_id: str) -> None:
    audit.append(vault, audit.VOICE_DELETION, subject=job_id)


def _delete_last(vault: Vault, member: Member, reach: Reach, reply: str) -> Outcome:
    last = _recent(vault, member, reach)
    if last is None and reach.limited:
        return _quiet(f"I can only delete what was said to this device in the last {reach.window}, and I kept "
                      f"nothing of that. To delete anything older, {ELSEWHERE}.")
    if last is None:
        return _quiet("There is nothing to delete.")
    job = deletion.delete_items(vault, member, [last.id])
    _voice_deletion(vault, job.id)
    return _quiet(reply)


def _delete_since(vault: Vault, member: Member, since: datetime, what: str) -> Outcome:
    job = deletion.delete_range(vault, member, since, None)
    _voice_deletion(vault, job.id)
    count = len(job.item_ids)
    if count == 0:
        return _quiet(f"You haven't said anything to me {what} that I kept.")
    noun = "thing" if count == 1 else "things"
    return _quiet(f"Deleted everything you said {what}: {count} {noun}.")


def _not_from_here(reach: Reach, what: str) -> Outcome:
    return _quiet(f"From a shared device I can only delete what was said to it in the last {reach.window}. To {what}, "
                  f"use your personal device, or {ELSEWHERE}.")


def _ask_delete_all(vault: Vault, member: Member, reach: Reach, now: datetime) -> Outcome:
    if not preferences.of(member).voice_delete_all:
        return _quiet(
            "Deleting everything by voice is turned off. You can turn it on in your settings, "
            "or delete everything from the Privacy Hub."
        )
    pending = {"action": "delete-all", "until": (now + CONFIRM_WINDOW).timestamp(), "device": reach.device_id}
    settings = {**member.settings, PENDING: pending}
    accounts.update_member_settings(vault, member.id, settings)
    return _quiet("This will delete everything you have ever said to me, and it cannot be undone. Say yes to confirm.")


def _confirm(vault: Vault, member: Member, reach: Reach, now: datetime) -> Outcome:
    pending = member.settings.get(PENDING)
    _clear_pending(vault, member)
    expired = not pending or pending.get("until", 0) < now.timestamp()
    if expired or pending.get("device") != reach.device_id:  # confirmed where it was asked, nowhere else
        return _quiet("There is nothing to confirm.")
    if pending.get("action") == unlock.ACTION:  # a door of the connected home (skills/unlock.py)
        response, action = unlock.confirm(vault, member, pending)
        return Outcome(response=response, action=action)
    job = deletion.delete_all(vault, member)
    _voice_deletion(vault, job.id)
    return _quiet("Done. Everything you have said to me is deleted.")


def _clear_pending(vault: Vault, member: Member) -> None:
    if PENDING in member.settings:
        settings = {k: v for k, v in member.settings.items() if k != PENDING}
        accounts.update_member_settings(vault, member.id, settings)


def _out_of_reach(reach: Reach) -> Outcome:
    return _quiet(f"I can only read back what was said to this device in the last {reach.window}, and I kept nothing "
                  f"of that. For anything older, {ELSEWHERE}.")


def _what_did_you_hear(vault: Vault, member: Member, reach: Reach) -> Outcome:
    last = _recent(vault, member, reach)
    if (last is None or not last.transcript) and reach.limited:
        return _out_of_reach(reach)
    if last is None or not last.transcript:
        return _quiet("I don't have anything you said saved.")
    return _quiet(f"I heard: {last.transcript}")


def _why(vault: Vault, member: Member, reach: Reach) -> Outcome:
    last = _recent(vault, member, reach)
    if (last is None or not last.action) and reach.limited:
        return _out_of_reach(reach)
    if last is None or not last.action:
        return _quiet("I don't have a record of my last action.")
    intent = last.action.get("intent")
    result = last.action.get("result")
    heard = f'I heard "{last.transcript}"' if last.transcript else "From what I heard"
    if not intent:
        return _quiet(f"{heard}, but I didn't understand it, so I did nothing.")
    return _quiet(f"{heard}, which I understood as {_intent_words(intent)}, so: {result}.")


def _intent_words(intent: str) -> str:
    words = intent.removeprefix("Hass").removeprefix("Echoless")
    return "".join(f" {c.lower()}" if c.isupper() else c for c in words).strip()


def _what_this_device_kept(vault: Vault, member: Member, reach: Reach) -> Outcome:
    kept = interactions.summary(vault, member, device_id=reach.device_id, since=reach.since)
    noun = "request" if kept.items == 1 else "requests"
    return _quiet(f"From this device in the last {reach.window} I kept {kept.items} {noun}. To hear everything I "
                  f"keep about you, {ELSEWHERE}.")


def _what_do_you_know(vault: Vault, member: Member, reach: Reach | None = None) -> Outcome:
    """Everything kept about the member (no `reach`, or no device: their own token); from a device, only the count
    of what it heard in the window."""
    if reach is not None and reach.limited:  # counts, settings, skills and learned words span the whole history
        return _what_this_device_kept(vault, member, reach)
    kept = interactions.summary(vault, member)
    prefs = preferences.of(member)
    parts = [
        f"I keep {kept.items} of your requests: {kept.with_audio} with recordings, "
        f"{kept.with_text} with transcripts, and {kept.with_action} with action records."
    ]
    if kept.oldest is not None:
        parts.append(f"The oldest is from {kept.oldest.astimezone():%B %d, %Y}.")
    names = {"audio": "recordings", "text": "transcripts and answers", "action": "action records"}
    kept_for = ", ".join(f"{names[p]} {retention.LABELS[c]}" for p, c in prefs.retention.items())
    parts.append(f"Your settings keep {kept_for}.")
    parts.extend(sharing_ledger.knowledge_line(vault, member))  # which skills received data (names only)
    parts.extend(vocabulary.knowledge_line(vault, member))  # how many words were learned, never which
    return _quiet(" ".join(parts))


def _saving(vault: Vault, member: Member, reach: Reach, saving: bool) -> Outcome:
    if not reach.personal:
        return _quiet(f"I can change your recording settings only from your personal device. Otherwise, {ELSEWHERE}.")
    prefs = preferences.set_saving_recordings(vault, member, saving)
    if saving:
        return _quiet(f"Okay, I'll save your recordings for {retention.LABELS[prefs.retention['audio']]}.")
    return _quiet("Okay, I won't save your recordings from now on.")


def handle(vault: Vault, member: Member, match: IntentMatch, now: datetime, device_id: str | None = None) -> Outcome:
    """Answer one privacy intent of `member`, heard on `device_id` (None: with the member's own token)."""
    member = accounts.get_member(vault, member.id)
    name = match.name
    if name != "EcholessConfirm" and PENDING in member.settings:
        _clear_pending(vault, member)  # anything but "yes" drops a pending confirmation
        member = accounts.get_member(vault, member.id)
    reach = reach_of(vault, member, device_id, now)
    local_midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if name == "EcholessDeleteLast":
        return _delete_last(vault, member, reach, "Okay, I deleted what you just said.")
    if name == "EcholessFalseActivation":
        return _delete_last(vault, member, reach, "Sorry about that. I deleted it.")
    if name in _WIDE and not reach.personal:
        return _not_from_here(reach, _WIDE[name])
    if name == "EcholessDeleteToday":
        return _delete_since(vault, member, local_midnight, "today")
    if name == "EcholessDeleteThisWeek":
        return _delete_since(vault, member, local_midnight - timedelta(days=now.weekday()), "this week")
    if name == "EcholessDeleteAll":
        return _ask_delete_all(vault, member, reach, now)
    if name == "EcholessConfirm":
        return _confirm(vault, member, reach, now)
    if name == "EcholessCancel":
        return _quiet("Okay.")
    if name == "EcholessWhatDidYouHear":
        return _what_did_you_hear(vault, member, reach)
    if name == "EcholessWhyDidYouDoThat":
        return _why(vault, member, reach)
    if name == "EcholessWhatDoYouKnow":
        return _what_do_you_know(vault, member, reach)
    if name in ("EcholessStopSaving", "EcholessStartSaving"):
        return _saving(vault, member, reach, name == "EcholessStartSaving")
    return _quiet("Sorry, I can't do that yet.")


# What only the member's personal device (or their own token) may ask by voice.
_WIDE = {
    "EcholessDeleteToday": "delete everything you said today",
    "EcholessDeleteThisWeek": "delete everything you said this week",
    "EcholessDeleteAll": "delete everything",
    "EcholessConfirm": "delete everything",
}
