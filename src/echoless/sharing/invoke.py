"""Calling a skill: only the declared fields, under the per-skill pseudonym, signed; never audio.

A free-text (wildcard) slot carries the member's own words: such an intent reaches a skill only when it
declared `transcript` and the member approved it, and the ledger records the share as a transcript.

The request body is canonical JSON (see `wire`):
    {"intent": "<the skill's intent name>", "interaction": "<pseudonymous interaction id>",
     "slots": {...}, "user": "<pseudonymous user id>"}        + "transcript" only if declared and approved
The skill answers 2xx with JSON `{"speech": "<text to say>"}` (at most 1,000 characters).
Anything else (a timeout, a refused connection, another status, a body that is not that shape) gives
a short spoken fallback; the outcome is recorded in the ledger, never the content.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from echoless.content import Content
from echoless.vault import audit
from echoless.sharing import wire
from echoless.sharing.records import ShareRow
from echoless.sharing.skills import SkillMatch, receives
from echoless.vault.accounts import new_id
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Member

_LOGGER = logging.getLogger(__name__)
MAX_SPEECH_CHARS = 1000
ANSWERED = "answered"
OUTCOMES = ("sending", ANSWERED, "timeout", "unreachable", "bad-answer", "bad-status")


def fallback(skill_name: str) -> str:
    return f"Sorry, the {skill_name} skill isn't answering right now. Please try again later."


@dataclass(frozen=True)
class Invocation:
    share_id: str
    outcome: str
    response: Content

    @property
    def ok(self) -> bool:
        return self.outcome == ANSWERED


def request_body(match: SkillMatch, user: str, interaction: str, transcript: str | None) -> bytes:
    fields = receives(match.skill, match.transcript_approved)
    if match.free_text and "transcript" not in fields:  # never reached (skills.match_text); never sent either
        raise ValueError("a free-text intent reaches a skill only with the transcript approved")
    doc: dict[str, Any] = {"user": user, "interaction": interaction}
    if "intent" in fields:
        doc["intent"] = match.intent
    if "slots" in fields:
        doc["slots"] = dict(match.slots)
    if "transcript" in fields and transcript is not None:
        doc["transcript"] = str(transcript)
    return wire.body_bytes(doc)


def shared_fields(match: SkillMatch, body: bytes) -> list[str]:
    """What the ledger records as sent: the body's fields, and `transcript` for a free-text slot (its value is
    the member's words, whatever the field is called)."""
    sent = json.loads(body).keys() - {"user", "interaction"}
    return sorted(sent | ({"transcript"} if match.free_text else set()))


def _speech(status: int, raw: bytes) -> str | None:
    if not 200 <= status < 300:
        return None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    speech = doc.get("speech") if isinstance(doc, dict) else None
    if not isinstance(speech, str) or not speech.strip() or len(speech) > MAX_SPEECH_CHARS:
        return None
    return speech.strip()


def invoke(vault: Vault, member: Member, match: SkillMatch, transcript: str | None) -> Invocation:
    """Record the share (before anything leaves), send it, and return what to say."""
    skill = match.skill
    user = wire.member_pseudonym(vault, member.id, member.key_id, skill.id)
    interaction = secrets.token_hex(16)
    body = request_body(match, user, interaction, transcript)
    share_id = new_id()
    with vault.data.write() as session:
        session.add(ShareRow(
            id=share_id, member_id=member.id, key_id=member.key_id, skill_id=skill.id, skill_name=skill.name,
            recipient=f"{skill.name} ({skill.publisher})", deletion_endpoint=skill.manifest.deletion_endpoint,
            manifest_version=skill.version, fields=shared_fields(match, body),
            interaction_id=None, pseudo_interaction_id=interaction, sent_at=utcnow(), outcome="sending",
        ))
        audit.append_in(session, audit.SHARE_SENT, subject=share_id)
    outcome, speech = "unreachable", None
    try:
        status, raw = wire.post_signed(vault, skill.manifest.endpoint, body, vault.settings.share_timeout_seconds, approved=skill.approved_hosts)
        speech = _speech(status, raw)
        outcome = ANSWERED if speech is not None else ("bad-status" if not 200 <= status < 300 else "bad-answer")
    except httpx.TimeoutException:
        outcome = "timeout"
    except (httpx.HTTPError, ValueError, OSError):
        outcome = "unreachable"
    with vault.data.write() as session:
        row = session.get(ShareRow, share_id)
        row.outcome = outcome
    if outcome != ANSWERED:
        _LOGGER.warning("skill %s did not answer: %s", skill.id, outcome)
    return Invocation(share_id, outcome, Content(speech if speech is not None else fallback(skill.name)))


def link(vault: Vault, share_id: str, interaction_id: str | None) -> None:
    """Tie a share to the interaction it was part of, once that is recorded."""
    if interaction_id is None:
        return
    with vault.data.write() as session:
        row = session.get(ShareRow, share_id)
        if row is not None:
            row.interaction_id = interaction_id


def action(match: SkillMatch, invocation: Invocation) -> dict[str, Any]:
    """The interaction's action record: {intent: "skill:<name>", ...} (encrypted like any action)."""
    return {
        "intent": f"skill:{match.skill.name}",
        "slots": dict(match.slots),
        "success": invocation.ok,
        "result": f"asked the {match.skill.name} skill ({match.intent})" if invocation.ok
        else f"the {match.skill.name} skill did not answer ({invocation.outcome})",
    }
