"""Improving the assistant (opt-in, off by default). A member who opts in contributes each new
interaction as a sample: its audio (if kept), transcript and understood intent, each encrypted under a
key derived from the source part's own data key, with lineage to the source. A reviewer (a member the owner
granted the role) sees only contributed samples, each view recorded in the audit log, and may correct
a sample's intent. Withdrawing consent removes all of the member's samples; deleting the source
removes its sample and annotations (lineage.forget). `export` writes a dataset of live samples only."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from collections.abc import Mapping

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from echoless.terms import Role
from echoless.derived import lineage
from echoless.derived.keys import aad, part_key
from echoless.derived.models import CorpusAnnotation, CorpusSample, Lineage
from echoless.errors import BadRequest, ErrorCode, Forbidden, NotFound
from echoless.vault import audit
from echoless.vault import accounts, crypto, interactions
from echoless.vault.accounts import new_id
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.keyring import KeyDestroyed
from echoless.vault.models import Interaction, Member

_LOGGER = logging.getLogger(__name__)
CONSENT = "contribute"  # member.settings flag; absent means no
HUMAN_REVIEW = "human_review"  # member.settings flag: a person may read my samples; a separate consent, absent means no
REVIEWER = "reviewer"  # member.settings flag, granted by the owner
EXTENSIONS = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/flac": "flac", "audio/ogg": "ogg", "audio/mpeg": "mp3",
              "audio/webm": "webm", "audio/mp4": "m4a"}


def contributes(settings: dict | None) -> bool:
    """Whether a member's settings opt in to the corpus."""
    return (settings or {}).get(CONSENT) is True


def is_reviewer(member: Member) -> bool:
    return (member.settings or {}).get(REVIEWER) is True


def reviewable(settings: dict | None) -> bool:
    """Whether a person may read a member's samples: they contribute, and agreed to human review too."""
    return contributes(settings) and (settings or {}).get(HUMAN_REVIEW) is True


def set_consent(vault: Vault, member: Member, contribute: bool, *, human_review: bool | None = None) -> int:
    """Opt in or out (and, apart, agree to or refuse human review). Opting out withdraws consent: every
    sample of the member is removed now. Children cannot contribute. Returns the samples removed."""
    current = accounts.get_member(vault, member.id)
    if current.role == Role.CHILD and (contribute or human_review):
        raise Forbidden("a child profile cannot contribute samples", code=ErrorCode.CHILD_CANNOT_CONTRIBUTE)
    review = bool(human_review) if human_review is not None else (current.settings or {}).get(HUMAN_REVIEW, False)
    accounts.update_member_settings(vault, member.id, {**current.settings, CONSENT: bool(contribute),
                                                       HUMAN_REVIEW: bool(review and contribute)})
    if contribute:
        return 0
    with vault.data.read() as session:
        ids = list(session.scalars(select(CorpusSample.id).where(CorpusSample.member_id == member.id)))
    done = lineage.drop_samples(vault, ids)
    vault.data.compact(vault.stores.deleting_tables())
    return done.samples


def grant_reviewer(vault: Vault, owner: Member, name_or_id: str, granted: bool = True) -> Member:
    if owner.role != Role.OWNER:
        raise Forbidden("only the household owner grants the reviewer role", code=ErrorCode.OWNER_ONLY)
    target = accounts.find_member(vault, owner.household_id, name_or_id)
    return accounts.update_member_settings(vault, target.id, {**target.settings, REVIEWER: bool(granted)})


# Each part of a sample is sealed under a key derived from its source part's data key (audio, text,
# action); an annotation under its source's action key. A sample dies with its source's keys.
SAMPLE_PARTS = {"audio": "audio", "transcript": "text", "intent": "action"}


def _source_keys(vault: Vault, sample: CorpusSample) -> dict[str, bytes]:
    """The sample's source part keys (a part that is gone is absent)."""
    try:
        return vault.keyring.part_keys(sample.member_id, sample.key_id, sample.source_id)
    except KeyDestroyed:
        return {}


def _seal(keys: Mapping[str, bytes], field: str, member_id: str, sample_id: str, data: bytes) -> bytes:
    return crypto.encrypt(part_key(keys[SAMPLE_PARTS[field]], "corpus"), data, aad("sample", member_id, sample_id, field))


def _unseal(keys: Mapping[str, bytes], field: str, sample: CorpusSample, blob: bytes | None) -> bytes | None:
    data_key = keys.get(SAMPLE_PARTS[field])
    if blob is None or data_key is None:
        return None
    return crypto.decrypt(part_key(data_key, "corpus"), blob, aad("sample", sample.member_id, sample.id, field))


_CONSENT = select(Member.settings, Member.household_id, Member.role).where(Member.id == bindparam("member_id"))


def contribute(
    session: Session, vault: Vault, member: Member, row: Interaction, new: interactions.NewInteraction, keys: Mapping[str, bytes]
) -> str | None:
    """Record hook (inside the row's transaction): a sample of the new interaction when its member opted in."""
    settings, household_id, role = session.connection().execute(_CONSENT, {"member_id": member.id}).one()
    if not contributes(settings) or role == Role.CHILD:
        return None
    sample_id = new_id()
    sample = CorpusSample(id=sample_id, household_id=household_id, member_id=row.member_id, key_id=row.key_id,
                          source_id=row.id, created_at=row.created_at)
    parts = []
    if row.audio_type is not None and new.audio is not None and "audio" in keys:
        sample.audio_type = row.audio_type
        sample.audio = _seal(keys, "audio", row.member_id, sample_id, new.audio)
        parts.append("audio")
    if row.transcript is not None and new.transcript is not None and "text" in keys:
        sample.transcript = _seal(keys, "transcript", row.member_id, sample_id, new.transcript.encode())
        parts.append("text")
    if row.action is not None and new.action is not None and "action" in keys:
        understood = {"intent": new.action.get("intent"), "slots": new.action.get("slots") or {}}
        sample.intent = _seal(keys, "intent", row.member_id, sample_id, json.dumps(understood).encode())
        parts.append("action")
    if not parts:
        return None
    session.add(sample)
    lineage.register(session, "sample", sample_id, [row], parts, first_time=True)
    return sample_id


def reviews_of(vault: Vault, member: Member) -> list[dict[str, Any]]:
    """Each time a person viewed one of the member's samples (from the audit log): shown to the member."""
    with vault.data.read() as session:
        mine = set(session.scalars(select(CorpusSample.id).where(CorpusSample.member_id == member.id)))
    return [{"sample": e.subject, "viewed_at": e.at.isoformat()} for e in audit.entries(vault)
            if e.kind == audit.SAMPLE_VIEWED and e.subject in mine]


# The reviewer's view ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    id: str
    created_at: datetime
    audio_type: str | None
    transcript: str | None
    intent: dict[str, Any] | None
    corrected: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at.isoformat(), "audio": self.audio_type,
                "transcript": self.transcript, "intent": self.intent, "corrected": self.corrected}


def _live_samples(session: Any, household_id: str | None = None, *, for_people: bool = False) -> list[CorpusSample]:
    """Samples whose source is kept and whose member still contributes (nothing deleted or withdrawn);
    `for_people`: only those whose member also agreed to human review (what a reviewer may see)."""
    stmt = (
        select(CorpusSample)
        .join(Interaction, Interaction.id == CorpusSample.source_id)
        .join(Member, Member.id == CorpusSample.member_id)
        .where(Interaction.deleted_at.is_(None), Interaction.key_id == CorpusSample.key_id, Member.key_id == CorpusSample.key_id)
        .order_by(CorpusSample.created_at.desc(), CorpusSample.id)
    )
    if household_id is not None:
        stmt = stmt.where(CorpusSample.household_id == household_id)
    registered = {a for (a,) in session.execute(select(Lineage.artefact_id).where(Lineage.kind == "sample"))}
    members = {m.id: m for m in session.scalars(select(Member))}
    allowed = reviewable if for_people else contributes
    return [s for s in session.scalars(stmt) if s.id in registered and allowed(members[s.member_id].settings)]


def _reviewer(vault: Vault, who: Member) -> Member:
    current = accounts.get_member(vault, who.id)
    if not is_reviewer(current):
        raise Forbidden("only a reviewer sees contributed samples", code=ErrorCode.REVIEWER_ONLY)
    return current


def list_samples(vault: Vault, reviewer: Member) -> list[dict[str, Any]]:
    """Ids and times only: the list shows no content (a view does, and is audited)."""
    reviewer = _reviewer(vault, reviewer)
    with vault.data.read() as session:
        samples = _live_samples(session, reviewer.household_id, for_people=True)
        annotated = set(session.scalars(select(CorpusAnnotation.sample_id)))
    return [{"id": s.id, "created_at": s.created_at.isoformat(), "has_audio": s.audio is not None, "annotated": s.id in annotated}
            for s in samples]


ANNOTATION_PARTS = ("action", "text")  # a correction is keyed under its source's action key, else its text key


def annotation_key(keys: Mapping[str, bytes]) -> bytes | None:
    part = next((p for p in ANNOTATION_PARTS if p in keys), None)
    return None if part is None else part_key(keys[part], "annotation")


def _open(vault: Vault, sample: CorpusSample, notes: list[CorpusAnnotation]) -> Sample:
    keys = _source_keys(vault, sample)

    def text(field: str, blob: bytes | None) -> str | None:
        plain = _unseal(keys, field, sample, blob)
        return None if plain is None else plain.decode()

    intent = text("intent", sample.intent)
    latest = max(notes, key=lambda n: n.created_at) if notes else None
    note_key = annotation_key(keys)
    corrected = (json.loads(crypto.decrypt(note_key, latest.intent, aad("annotation", sample.member_id, latest.id, "intent")))
                 if latest and note_key else None)
    return Sample(sample.id, sample.created_at, sample.audio_type, text("transcript", sample.transcript),
                  json.loads(intent) if intent else None, corrected)


def _find(vault: Vault, reviewer: Member, sample_id: str) -> tuple[CorpusSample, list[CorpusAnnotation]]:
    with vault.data.read() as session:
        found = [s for s in _live_samples(session, reviewer.household_id, for_people=True) if s.id == sample_id]
        notes = list(session.scalars(select(CorpusAnnotation).where(CorpusAnnotation.sample_id == sample_id)))
    if not found:
        raise NotFound("no such sample")
    return found[0], notes


def view_sample(vault: Vault, reviewer: Member, sample_id: str) -> Sample:
    reviewer = _reviewer(vault, reviewer)
    sample, notes = _find(vault, reviewer, sample_id)
    audit.append(vault, audit.SAMPLE_VIEWED, subject=sample.id)
    return _open(vault, sample, notes)


def sample_audio(vault: Vault, reviewer: Member, sample_id: str) -> tuple[bytes, str]:
    reviewer = _reviewer(vault, reviewer)
    sample, _notes = _find(vault, reviewer, sample_id)
    if sample.audio is None:
        raise NotFound("this sample has no audio", code=ErrorCode.NO_AUDIO)
    audit.append(vault, audit.SAMPLE_VIEWED, subject=sample.id)
    audio = _unseal(_source_keys(vault, sample), "audio", sample, sample.audio)
    if audio is None:
        raise NotFound("this sample has no audio", code=ErrorCode.NO_AUDIO)
    return audio, sample.audio_type or ""


def annotate(vault: Vault, reviewer: Member, sample_id: str, intent: str, slots: dict[str, Any] | None = None) -> str:
    """A reviewer's correction of the sample's intent; lives with the sample's source."""
    reviewer = _reviewer(vault, reviewer)
    if not intent or len(intent) > 80:
        raise BadRequest("name the corrected intent", code=ErrorCode.INVALID_INTENT)
    sample, _notes = _find(vault, reviewer, sample_id)
    note_id = new_id()
    key = annotation_key(_source_keys(vault, sample))
    if key is None:
        raise NotFound("no such sample")
    body = json.dumps({"intent": intent, "slots": slots or {}}).encode()
    with vault.data.write() as session:
        source = lineage.source_alive(session, sample.source_id)
        if source is None or session.get(CorpusSample, sample.id) is None:
            raise NotFound("no such sample")
        session.add(CorpusAnnotation(id=note_id, sample_id=sample.id, reviewer_id=reviewer.id, created_at=utcnow(),
                                     intent=crypto.encrypt(key, body, aad("annotation", sample.member_id, note_id, "intent"))))
        lineage.register(session, "annotation", note_id, [source], ["text", "action"])
    return note_id


def _private(path: Path) -> Path:
    """The path, made a fresh 0600 file that is not a symbolic link (ready to be written)."""
    if path.is_symlink():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    os.close(fd)
    return path


def export(vault: Vault, out: Path) -> int:
    """Write the dataset: audio/<sample>.<ext> and manifest.jsonl (one line per sample). Only live
    samples of members who still contribute; the folder is plaintext by design, so keep it outside
    the data home. Returns the number of samples written. The folders are 0700 and the files 0600, and
    no symbolic link is followed (a link placed there cannot send the plaintext elsewhere)."""
    for folder in (out, out / "audio"):
        if folder.is_symlink():
            raise BadRequest(f"{folder} is a symbolic link; name a real folder", code=ErrorCode.OUTPUT_IS_SYMLINK)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
    for stale in (out / "audio").iterdir():  # an earlier export may hold samples deleted since
        if stale.is_file() or stale.is_symlink():
            stale.unlink()
    with vault.data.read() as session:
        samples = _live_samples(session)
        notes: dict[str, list[CorpusAnnotation]] = {}
        for note in session.scalars(select(CorpusAnnotation)):
            notes.setdefault(note.sample_id, []).append(note)
    count = 0
    with _private(out / "manifest.jsonl").open("w") as manifest:
        for row in reversed(samples):  # oldest first
            sample = _open(vault, row, notes.get(row.id, []))
            audio_file = None
            audio = _unseal(_source_keys(vault, row), "audio", row, row.audio)
            if audio is not None:
                audio_file = f"audio/{row.id}.{EXTENSIONS.get(row.audio_type or '', 'bin')}"
                _private(out / audio_file).write_bytes(audio)
            line = {"id": row.id, "audio": audio_file, "transcript": sample.transcript,
                    "intent": (sample.corrected or sample.intent or {}).get("intent"),
                    "slots": (sample.corrected or sample.intent or {}).get("slots", {}), "corrected": sample.corrected is not None}
            manifest.write(json.dumps(line) + "\n")
            count += 1
    _LOGGER.info("corpus exported: %s samples", count)
    return count


def mend_restored(vault: Vault, item_ids: set[str]) -> int:
    """After a restore: register the lineage of the samples it brought back, and remove those of members
    who do not contribute now (a withdrawal is never rolled back). Returns the samples removed."""
    with vault.data.write() as session:
        samples = list(session.scalars(select(CorpusSample).where(CorpusSample.source_id.in_(sorted(item_ids)))))
        members = {m.id: m for m in session.scalars(select(Member))}
        withdrawn = [s.id for s in samples if s.member_id not in members or not contributes(members[s.member_id].settings)]
        for sample in samples:
            if sample.id in withdrawn:
                continue
            source = session.get(Interaction, sample.source_id)
            parts = [part for field, part in SAMPLE_PARTS.items() if getattr(sample, field) is not None]
            lineage.register(session, "sample", sample.id, [source], parts)
            for note in session.scalars(select(CorpusAnnotation).where(CorpusAnnotation.sample_id == sample.id)):
                lineage.register(session, "annotation", note.id, [source], ["text", "action"])
    if withdrawn:
        lineage.drop_samples(vault, withdrawn)
    return len(withdrawn)
