"""One run of the voice pipeline: decode → trim → recognise → understand → act → answer → record.
A typed request enters at "understand" (its text checked instead of heard) and goes the same way on.
Each step emits a typed event; errors emit an `error` event and raise, and nothing is stored."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from echoless.content import Content
from echoless.derived import vocabulary
from echoless.errors import EcholessError, RunFailed
from echoless.pipeline import events as ev
from echoless.pipeline.outcome import Outcome
from echoless.pipeline.audio import DecodedAudio, decode_audio, trim_silence, with_lead_in
from echoless.pipeline.prompt import recognition_prompt
from echoless.pipeline.recognise import Recogniser, Transcript, get_recogniser
from echoless.pipeline import hass_home
from echoless.pipeline.hass_client import CommandFailed, HomeUnreachable
from echoless.pipeline.skills import act, is_privacy_intent, privacy, unlock
from echoless.pipeline.skills.hass import HassSkill
from echoless.pipeline.skills.result import ActionResult
from echoless.pipeline.speak import synthesise
from echoless.pipeline import typed
from echoless.pipeline.understand import IntentMatch, get_understander
from echoless.settings import Settings
from echoless.terms import Source
from echoless.sharing import invoke as sharing_invoke, skills as sharing
from echoless.vault import accounts, interactions
from echoless.pipeline import homes
from echoless.vault.instance import Vault
from echoless.vault.models import Device, Member

_LOGGER = logging.getLogger(__name__)

HOME_RECIPIENT = "home-assistant"  # an action's recipient when the household's Home Assistant carried it out


@dataclass
class RunResult:
    id: str | None
    transcript: Content
    intent: str | None
    slots: dict[str, Any]
    action: dict[str, Any] | None
    response: Content
    events: list[ev.Event] = field(default_factory=list)
    speech: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "stored": self.id is not None,
            "transcript": self.transcript,
            "intent": self.intent,
            "slots": self.slots,
            "action": self.action,
            "response": self.response,
            "events": [e.to_json() for e in self.events],
        }


def local_now() -> datetime:
    return datetime.now().astimezone()


def decode(settings: Settings, audio: bytes) -> DecodedAudio:
    return decode_audio(audio, max_bytes=settings.max_audio_bytes, max_seconds=settings.max_audio_seconds)


def hear(
    settings: Settings, audio: bytes, *, prompt: str | None = None, recogniser: Recogniser | None = None
) -> tuple[DecodedAudio, Transcript]:
    """Decode, trim the silence, recognise (with the recogniser given, else the one the settings name)."""
    decoded = decode(settings, audio)
    speech = with_lead_in(trim_silence(decoded.samples))
    return decoded, (recogniser or get_recogniser(settings)).transcribe(speech, initial_prompt=prompt)


@dataclass(frozen=True)
class Heard:
    """What a run understands: the words, and the recording they came from (None when typed)."""

    text: Content
    audio: bytes | None = None
    audio_type: str | None = None


Take = Callable[[Callable[..., None]], Heard]  # reads the request in, publishing what it emits


def run(
    vault: Vault,
    member: Member,
    device_id: str | None,
    audio: bytes,
    *,
    speak: bool = False,
    emit: Callable[[ev.Event], None] | None = None,
    prompt: str | None = None,
    source: Source = Source.SPOKEN,
) -> RunResult:
    """A spoken request: decode, trim, recognise (stt-end), then understand, act, answer and record it."""

    def listen(publish: Callable[..., None]) -> Heard:
        words = prompt
        if words is None:
            words = recognition_prompt(homes.load(vault, member.household_id),
                                       extra_words=[*_connected_words(vault, member.household_id),
                                                    *vocabulary.prompt_words(vault, member)])
        decoded, transcript = hear(vault.settings, audio, prompt=words, recogniser=vault.runtime.recogniser())
        publish(ev.STT_END, text=transcript.text, audio_seconds=decoded.duration, elapsed=transcript.elapsed)
        return Heard(Content(transcript.text), audio, decoded.content_type)

    return _run(vault, member, device_id, listen, source=source, speak=speak, emit=emit)


def _connected_words(vault: Vault, household_id: str) -> list[str]:
    """The names a connected Home Assistant exposes (entities, aliases, areas): the recogniser's prompt."""
    link = hass_home.link(vault, household_id)
    view = link.snapshot() if link is not None else None
    return [n for e in view.entities for n in e.names()] + [a.name for a in view.areas] if view is not None else []


def run_text(
    vault: Vault,
    member: Member,
    device_id: str | None,
    text: str,
    *,
    speak: bool = False,
    emit: Callable[[ev.Event], None] | None = None,
    source: Source = Source.TYPED,
    now: datetime | None = None,
) -> RunResult:
    """A typed request: the text is checked (pipeline/typed.py), not recognised — no stt-* event — then
    understood, acted on, answered and recorded like a spoken one, at the server's time."""

    def read(publish: Callable[..., None]) -> Heard:
        return Heard(Content(typed.clean(text, vault.settings.max_text_chars)))

    return _run(vault, member, device_id, read, source=source, speak=speak, emit=emit, now=now)


def _run(
    vault: Vault,
    member: Member,
    device_id: str | None,
    take: Take,
    *,
    source: Source,
    speak: bool,
    emit: Callable[[ev.Event], None] | None,
    now: datetime | None = None,
) -> RunResult:
    events: list[ev.Event] = []

    def publish(event_type: str, **data: Any) -> None:
        event = ev.Event(event_type, data)
        events.append(event)
        if emit is not None:
            emit(event)

    publish(ev.RUN_START, member=member.id, device=device_id, source=str(source))
    started = time.perf_counter()
    try:
        heard = take(publish)
        now = now or local_now()
        link = hass_home.link(vault, member.household_id)  # None: the simulated home acts
        view = (link.snapshot() or hass_home.View()) if link is not None else None
        here = device_area(vault, device_id)
        with homes.edit(vault, member.household_id) as home:
            match = get_understander(connected=view is not None).understand(heard.text, home, view=view, area=here)
            # Built-in and privacy intents keep priority; an enabled third-party skill is tried only after.
            skill = sharing.match_text(vault, member, heard.text) if match is None else None
            if skill is not None:
                match = IntentMatch(name=skill.intent_name, slots=dict(skill.slots), response=skill.intent)
            publish(ev.INTENT_END, intent=match.name if match else None, slots=match.slots if match else {})
            connected = HassSkill(link, view, here, _unlock_asker(vault, member, device_id, now)) \
                if link is not None and view is not None else None
            outcome = _act(vault, member, device_id, match, home, now, connected) if skill is None else None
        if skill is not None:  # outside the household's lock: a slow skill holds nothing up
            outcome = _ask_skill(vault, member, skill, heard.text)
        publish(ev.ACTION_END, action=outcome.action)
        spoken = synthesise(outcome.response) if speak and outcome.response and vault.settings.speech else None
        if speak:
            publish(ev.TTS_END, content_type="audio/wav" if spoken else None, size=len(spoken) if spoken else 0)
        item_id = None
        if outcome.record:
            row = interactions.record(
                vault,
                member,
                device_id,
                interactions.NewInteraction(
                    audio=heard.audio,
                    audio_type=heard.audio_type,
                    transcript=heard.text,
                    response=outcome.response,
                    action=outcome.action,
                    run=interactions.RunFacts(match.name if match else None, _succeeded(match, outcome),
                                              time.perf_counter() - started),
                    source=source,
                ),
            )
            item_id = row.id if row is not None else None
        if outcome.share_id is not None:
            sharing_invoke.link(vault, outcome.share_id, item_id)
        publish(ev.RUN_END, id=item_id)
    except EcholessError as exc:
        publish(ev.ERROR, code=exc.code, message=exc.message)
        raise
    except Exception as exc:  # a bug in a skill or a store: a typed error, logged once, never its message
        _LOGGER.error("pipeline run failed: %s\n%s", type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__)))
        failure = RunFailed("something went wrong while handling the request")
        publish(ev.ERROR, code=failure.code, message=failure.message)
        raise failure from exc
    return RunResult(
        id=item_id,
        transcript=heard.text,
        intent=match.name if match else None,
        slots=match.slots if match else {},
        action=outcome.action,
        response=Content(outcome.response),
        events=events,
        speech=spoken,
    )


def _succeeded(match: IntentMatch | None, outcome: Outcome) -> bool:
    return match is not None and (outcome.action or {}).get("success", True) is not False


def _unlock_asker(vault: Vault, member: Member, device_id: str | None, now: datetime) -> Callable[..., ActionResult]:
    """Unlocking asks for a spoken "yes" on the member's personal device (skills/unlock.py)."""
    def ask(entities: list[Any], slots: dict[str, Any]) -> ActionResult:
        return unlock.ask(vault, accounts.get_member(vault, member.id), device_id, entities, slots, now=now,
                          pending_key=privacy.PENDING, window_seconds=privacy.CONFIRM_WINDOW.total_seconds())
    return ask


def device_area(vault: Vault, device_id: str | None) -> str | None:
    """Where the device that heard the request stands ("lights on in here"), if it was placed in an area."""
    if device_id is None:
        return None
    with vault.data.read() as session:
        device = session.get(Device, device_id)
    return device.area if device is not None else None


def _act(vault: Vault, member: Member, device_id: str | None, match: IntentMatch | None, home: Any, now: datetime,
         connected: HassSkill | None = None) -> Outcome:
    if match is not None and is_privacy_intent(match.name):
        return privacy.handle(vault, member, match, now, device_id)  # a device's reach is limited
    recipient = None
    try:
        result = connected.act(match) if connected is not None and match is not None else None
        recipient = HOME_RECIPIENT if result is not None else None
    except HomeUnreachable:
        result = ActionResult(match.name if match else None, dict(match.slots) if match else {}, False,
                              "home unreachable", hass_home.UNREACHABLE)
    except CommandFailed as exc:
        result = ActionResult(match.name if match else None, dict(match.slots) if match else {}, False,
                              f"home refused ({exc.ha_code})", "Sorry, your home could not do that.")
        recipient = HOME_RECIPIENT
    if result is None:
        result = act(match, home, now=now)
    action = {
        "intent": result.intent,
        "slots": result.slots,
        "success": result.success,
        "result": result.summary,
    }
    if recipient is not None:
        action["recipient"] = recipient  # the service call went to the household's Home Assistant (§6)
    return Outcome(response=result.response, action=action)


def _ask_skill(vault: Vault, member: Member, skill: sharing.SkillMatch, text: str) -> Outcome:
    invocation = sharing_invoke.invoke(vault, member, skill, text)
    return Outcome(response=invocation.response, action=sharing_invoke.action(skill, invocation), share_id=invocation.share_id)


def import_interaction(
    vault: Vault,
    member: Member,
    device_id: str | None,
    audio: bytes,
    *,
    transcript: str | None,
    response: str | None,
    action: dict[str, Any] | None,
    created_at: datetime | None = None,
) -> str | None:
    """The import path: audio plus text the caller already has; the audio is checked, not recognised."""
    decoded = decode(vault.settings, audio)
    row = interactions.record(
        vault,
        member,
        device_id,
        interactions.NewInteraction(
            audio=audio,
            audio_type=decoded.content_type,
            transcript=transcript,
            response=response,
            action=action,
            created_at=created_at,
            source=Source.IMPORTED,
        ),
    )
    return row.id if row is not None else None


def transcribe(
    vault: Vault, member: Member, device_id: str | None, audio: bytes, *, source: Source = Source.SPOKEN
) -> tuple[str | None, Content]:
    """Hear a request and record it (audio and transcript, under the member's retention) without acting on
    it: the peer that asked only for the transcript understands and acts itself. (id, transcript)."""
    prompt = recognition_prompt(homes.load(vault, member.household_id), extra_words=vocabulary.prompt_words(vault, member))
    decoded, transcript = hear(vault.settings, audio, prompt=prompt, recogniser=vault.runtime.recogniser())
    row = interactions.record(vault, member, device_id, interactions.NewInteraction(
        audio=audio, audio_type=decoded.content_type, transcript=transcript.text, source=source,
    ))  # no run facts: analytics count requests understood or not, and this one was not for echoless to understand
    return (row.id if row is not None else None), Content(transcript.text)
