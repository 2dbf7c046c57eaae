"""Installed skills: the household owner installs, each member enables for themselves, and an
utterance is matched against the templates of the skills the speaking member enabled.

Priority: built-in intents (the home, timers, lists, clock, and every privacy intent) are matched
first; a skill is tried only when no built-in intent matched. So a skill can never capture "delete
what I just said" or "turn off the light", and installing a skill cannot change what those do. Between
two enabled skills that both match, the one whose name sorts first wins (stable and predictable).

Where a skill may be reached is checked at install and at every call (`hosts`): never a link-local or
metadata address; a loopback or private-network host only when the owner approved it at install
(`allow_private_host`), an approval recorded with the skill and given again with each new manifest.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from typing import Any

from hassil import Intents, recognize_best
from sqlalchemy import delete, select

from echoless.terms import Role
from echoless.errors import BadRequest, Conflict, ErrorCode, Forbidden, NotFound
from echoless.sharing import hosts
from echoless.sharing import manifest as manifests
from echoless.sharing import notices
from echoless.sharing.records import SkillEnablement, SkillRow
from echoless.vault.accounts import new_id
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Member

_LOGGER = logging.getLogger(__name__)
PREFIX = "skill:"


@dataclass(frozen=True)
class Skill:
    id: str
    name: str
    publisher: str
    version: str
    manifest: manifests.Manifest
    approved_hosts: tuple[str, ...] = ()  # loopback/private hosts the owner allowed at install

    def to_json(self, *, enabled: bool | None = None, transcript_approved: bool | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "publisher": self.publisher,
            "version": self.version,
            "description": self.manifest.description,
            "endpoint": self.manifest.endpoint,
            "deletion_endpoint": self.manifest.deletion_endpoint,
            "privacy_policy": self.manifest.privacy_policy,
            "declared_fields": list(self.manifest.fields),
            "free_text_intents": self.manifest.free_text_intents,  # reach a member only with the transcript approved
            "sentences": [s for spec in self.manifest.intents.values() for s in spec.sentences],
            "private_host_approved": bool(self.approved_hosts),
        }
        if enabled is not None:
            doc["enabled"] = enabled
            doc["receives"] = receives(self, bool(transcript_approved)) if enabled else receives(self, False)
            doc["transcript_approved"] = bool(transcript_approved)
        return doc


def receives(skill: Skill, transcript_approved: bool) -> list[str]:
    """The fields this skill gets from a member: intent and slots, the transcript only if declared and approved."""
    return [f for f in skill.manifest.fields if f != "transcript" or transcript_approved]


def _skill(row: SkillRow) -> Skill:
    doc = dict(row.manifest)
    approved = tuple(doc.pop(hosts.APPROVED_KEY, ()))
    return Skill(row.id, row.name, row.publisher, row.version, manifests.from_data(doc), approved)


def _check_hosts(manifest: manifests.Manifest, approved: tuple[str, ...]) -> None:
    """Refuse an endpoint that resolves out of bounds now; one that does not resolve yet is checked
    at every call instead."""
    for url in (manifest.endpoint, manifest.deletion_endpoint):
        try:
            addresses = hosts.resolve(url)
        except OSError:
            continue
        try:
            hosts.check(url, addresses, approved)
        except hosts.HostRefused as exc:
            raise BadRequest(f"{manifest.name}: {exc}", code=ErrorCode.SKILL_HOST_REFUSED) from None


def _require_owner(member: Member) -> None:
    if member.role != Role.OWNER:
        raise Forbidden("only the household owner installs or removes skills")


def install(vault: Vault, owner: Member, manifest: manifests.Manifest, *, upgrade: bool = True,
            allow_private_host: bool = False) -> Skill:
    """Install a skill (or, with the same name, replace its manifest: the skill id and pseudonyms stay).
    `allow_private_host`: the owner allows the endpoints' hosts to be loopback or private-network ones."""
    _require_owner(owner)
    manifests.require_declared(manifest)  # a free-text slot is the transcript: it must be declared
    approved = tuple(sorted({hosts.hostname(manifest.endpoint), hosts.hostname(manifest.deletion_endpoint)})) if allow_private_host else ()
    _check_hosts(manifest, approved)
    with vault.data.write() as session:
        row = session.scalars(
            select(SkillRow).where(SkillRow.household_id == owner.household_id, SkillRow.name == manifest.name)
        ).first()
        if row is not None and not upgrade:
            raise Conflict(f"a skill named {manifest.name!r} is already installed", code=ErrorCode.SKILL_EXISTS)
        if row is None:
            row = SkillRow(id=new_id(), household_id=owner.household_id, name=manifest.name, installed_at=utcnow())
            session.add(row)
        row.publisher = manifest.publisher
        row.version = manifest.version
        row.manifest = {**manifest.to_json(), **({hosts.APPROVED_KEY: list(approved)} if approved else {})}
        skill = _skill(row)
    _LOGGER.info("skill %s installed (version %s)", skill.id, skill.version)
    return skill


def uninstall(vault: Vault, owner: Member, name_or_id: str) -> Skill:
    """Remove a skill; members' enablements go. Shares and pending deletion notices stay (the ledger)."""
    _require_owner(owner)
    skill = find(vault, owner.household_id, name_or_id)
    with vault.data.write() as session:
        session.execute(delete(SkillEnablement).where(SkillEnablement.skill_id == skill.id))
        session.execute(delete(SkillRow).where(SkillRow.id == skill.id))
    return skill


def installed(vault: Vault, household_id: str) -> list[Skill]:
    with vault.data.read() as session:
        rows = session.scalars(select(SkillRow).where(SkillRow.household_id == household_id).order_by(SkillRow.name))
        return [_skill(row) for row in rows]


def find(vault: Vault, household_id: str, name_or_id: str) -> Skill:
    with vault.data.read() as session:
        row = session.scalars(
            select(SkillRow).where(
                SkillRow.household_id == household_id, (SkillRow.name == name_or_id) | (SkillRow.id == name_or_id)
            )
        ).first()
    if row is None:
        raise NotFound("no such skill")
    return _skill(row)


def get(vault: Vault, skill_id: str) -> Skill | None:
    with vault.data.read() as session:
        row = session.get(SkillRow, skill_id)
    return _skill(row) if row is not None else None


def enable(vault: Vault, member: Member, name_or_id: str, *, allow_transcript: bool = False) -> Skill:
    skill = find(vault, member.household_id, name_or_id)
    with vault.data.write() as session:
        row = session.get(SkillEnablement, (member.id, skill.id))
        if row is None:
            row = SkillEnablement(member_id=member.id, skill_id=skill.id, enabled_at=utcnow())
            session.add(row)
        row.transcript_approved = bool(allow_transcript and skill.manifest.wants_transcript)
    return skill


def disable(vault: Vault, member: Member, name_or_id: str, *, forget: bool = False) -> Skill:
    """Stop using a skill; with `forget`, also ask it to delete everything it got from this member."""
    skill = find(vault, member.household_id, name_or_id)
    with vault.data.write() as session:
        session.execute(
            delete(SkillEnablement).where(SkillEnablement.member_id == member.id, SkillEnablement.skill_id == skill.id)
        )
    if forget:

        notices.ask_to_forget(vault, member, skill)
    return skill


def enabled(vault: Vault, member: Member) -> list[tuple[Skill, bool]]:
    """The member's enabled skills (sorted by name) with whether the transcript was approved."""
    with vault.data.read() as session:
        rows = session.execute(
            select(SkillRow, SkillEnablement.transcript_approved)
            .join(SkillEnablement, SkillEnablement.skill_id == SkillRow.id)
            .where(SkillEnablement.member_id == member.id, SkillRow.household_id == member.household_id)
            .order_by(SkillRow.name)
        ).all()
        return [(_skill(row), bool(approved)) for row, approved in rows]


def for_member(vault: Vault, member: Member) -> list[dict[str, Any]]:
    """Every installed skill, with whether this member enabled it and what it would receive."""
    on = {skill.id: approved for skill, approved in enabled(vault, member)}
    return [s.to_json(enabled=s.id in on, transcript_approved=on.get(s.id, False)) for s in installed(vault, member.household_id)]


# Matching --------------------------------------------------------------------------------------
_cache_lock = threading.Lock()
_intents_cache: dict[str, Intents | None] = {}


def _intents(skill: Skill, *, free_text: bool) -> Intents | None:
    """The skill's templates; without `free_text`, only its intents without a free-text slot (None: none)."""
    key = hashlib.sha256(f"{skill.id}|{free_text}|{manifests.dumps(skill.manifest)}".encode()).hexdigest()
    with _cache_lock:
        if key not in _intents_cache:
            templates = skill.manifest.hassil_dict(free_text=free_text)
            _intents_cache[key] = Intents.from_dict(templates) if templates["intents"] else None
        return _intents_cache[key]


@dataclass(frozen=True)
class SkillMatch:
    skill: Skill
    intent: str
    slots: dict[str, Any]
    transcript_approved: bool
    free_text: bool = False  # the intent has a free-text slot: what fills it is the transcript (finding 4)

    @property
    def intent_name(self) -> str:
        """How the run names this skill's intent: the prefix keeps it apart from built-in intents."""
        return PREFIX + self.skill.name

    def __repr__(self) -> str:  # slots are content
        return f"SkillMatch(skill={self.skill.name!r}, intent={self.intent!r}, slots=<{len(self.slots)}>)"


def match_text(vault: Vault, member: Member, text: str) -> SkillMatch | None:
    """The first enabled skill (by name) whose templates match the text; None when none does. A skill's
    free-text intents are tried only for a member who approved that skill's receiving the transcript."""
    if not text or not text.strip():
        return None
    cleaned = str(text).strip().rstrip(".!?")
    for skill, approved in enabled(vault, member):
        free_text = approved and skill.manifest.wants_transcript
        intents = _intents(skill, free_text=free_text)
        result = recognize_best(cleaned, intents) if intents is not None else None
        if result is not None:
            slots = {name: _plain(entity.value) for name, entity in result.entities.items()}
            return SkillMatch(skill, result.intent.name, slots, approved, result.intent.name in skill.manifest.free_text_intents)
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
