"""Lineage (PRIVACY_MODEL §3.4): every derived artefact records the interactions it came from, and the
parts of them it used. Deletion walks it: a deleted source takes its search tokens, every sample and
annotation made from it, and each learned word that no other live source still teaches. `forget` runs
from the deletion journal's shred and purge hooks (idempotent, so a resumed job runs it again), and
from a restore. `problems` lists artefacts whose source is gone or was never registered (the verifier)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from echoless.derived.models import CorpusAnnotation, CorpusSample, Lineage, SearchSlot, VocabularyEntry
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.keyring import PARTS
from echoless.vault.models import DeletionJob, Interaction

_LOGGER = logging.getLogger(__name__)
BATCH = 500
KINDS = ("search", "vocabulary", "sample", "annotation")
_INSERT = insert(Lineage.__table__)


def register(
    session: Session, kind: str, artefact_id: str, sources: Iterable[Interaction], parts: Iterable[str],
    *, first_time: bool = False,
) -> None:
    """Record that `artefact_id` was derived from `sources`. `first_time`: the artefact or the sources were
    made in this transaction, so no earlier registration can exist (skips a lookup per source on the
    recording path)."""
    assert kind in KINDS
    now = utcnow()
    used = ",".join(sorted(set(parts)))
    rows = [
        {"kind": kind, "artefact_id": artefact_id, "source_id": source.id, "member_id": source.member_id,
         "key_id": source.key_id, "parts": used, "created_at": now}
        for source in sources
        if first_time or session.get(Lineage, (kind, artefact_id, source.id)) is None
    ]
    if rows:
        session.connection().execute(_INSERT, rows)


def source_alive(session: Session, item_id: str) -> Interaction | None:
    """The interaction, if it is kept and visible (not hidden by a deletion in flight)."""
    row = session.get(Interaction, item_id)
    return row if row is not None and row.deleted_at is None else None


@dataclass
class Forgotten:
    search_items: int = 0
    words: int = 0
    samples: int = 0
    annotations: int = 0

    def as_counts(self) -> dict[str, int]:
        return {"search_items": self.search_items, "words": self.words, "samples": self.samples, "annotations": self.annotations}


def forget(vault: Vault, jobs: list[DeletionJob]) -> Forgotten:
    """Remove whatever was derived from what the jobs delete, in one transaction. Safe to run any number
    of times."""
    if not jobs:
        return Forgotten()
    with vault.data.write() as session:
        return forget_in(session, jobs)


def forget_in(session: Session, jobs: list[DeletionJob]) -> Forgotten:
    """`forget` inside the caller's transaction (the deletion journal's, at shred time)."""
    done = Forgotten()
    for job in jobs:
        if job.key_ids:
            _forget_under_keys(session, job.member_id, list(job.key_ids), done)
        else:
            partial = set(job.parts) != set(PARTS)
            ids = list(job.item_ids)
            for start in range(0, len(ids), BATCH):
                _forget_sources(session, ids[start : start + BATCH], set(job.parts) if partial else None, done)
    if any(done.as_counts().values()):
        _LOGGER.info("derived data forgotten for %d deletion(s): %s", len(jobs), done.as_counts())
    return done


def _forget_under_keys(session: Session, member_id: str, key_ids: list[str], done: Forgotten) -> None:
    # The tokens themselves go with their epochs (the search store's purge).
    done.search_items += session.execute(
        delete(Lineage).where(Lineage.kind == "search", Lineage.member_id == member_id, Lineage.key_id.in_(key_ids))
    ).rowcount
    session.execute(delete(Lineage).where(Lineage.member_id == member_id, Lineage.key_id.in_(key_ids)))
    done.words += session.execute(
        delete(VocabularyEntry).where(VocabularyEntry.member_id == member_id, VocabularyEntry.key_id.in_(key_ids))
    ).rowcount
    sample_ids = list(session.scalars(
        select(CorpusSample.id).where(CorpusSample.member_id == member_id, CorpusSample.key_id.in_(key_ids))
    ))
    _drop_samples(session, sample_ids, done)


def _forget_sources(session: Session, ids: list[str], parts: set[str] | None, done: Forgotten) -> None:
    table = Lineage.__table__
    rows = session.execute(select(table.c.kind, table.c.artefact_id, table.c.source_id, table.c.parts).where(table.c.source_id.in_(ids))).all()
    if parts is not None:  # retention took some parts: only what was derived from those parts goes
        rows = [r for r in rows if set(r.parts.split(",")) & parts]
    if not rows:
        return
    touched: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for row in rows:
        touched[row.kind].add(row.artefact_id)
    session.execute(
        table.delete().where(
            table.c.kind == bindparam("k"), table.c.artefact_id == bindparam("a"), table.c.source_id == bindparam("s")
        ),
        [{"k": r.kind, "a": r.artefact_id, "s": r.source_id} for r in rows],
    )
    if touched["search"]:
        gone = list(touched["search"])
        session.execute(delete(SearchSlot).where(SearchSlot.item_id.in_(gone)))  # its postings went with the epoch's rebuild
        done.search_items += len(gone)
    for word_id in touched["vocabulary"]:
        if session.scalars(select(Lineage.source_id).where(Lineage.kind == "vocabulary", Lineage.artefact_id == word_id).limit(1)).first() is None:
            done.words += session.execute(delete(VocabularyEntry).where(VocabularyEntry.id == word_id)).rowcount
    _drop_samples(session, list(touched["sample"]), done)
    if touched["annotation"]:
        done.annotations += session.execute(delete(CorpusAnnotation).where(CorpusAnnotation.id.in_(list(touched["annotation"])))).rowcount


def _drop_samples(session: Session, sample_ids: list[str], done: Forgotten) -> None:
    """A sample and its annotations, with their lineage."""
    for start in range(0, len(sample_ids), BATCH):
        chunk = sample_ids[start : start + BATCH]
        notes = list(session.scalars(select(CorpusAnnotation.id).where(CorpusAnnotation.sample_id.in_(chunk))))
        session.execute(delete(Lineage).where(Lineage.kind == "annotation", Lineage.artefact_id.in_(notes)))
        done.annotations += session.execute(delete(CorpusAnnotation).where(CorpusAnnotation.id.in_(notes))).rowcount
        session.execute(delete(Lineage).where(Lineage.kind == "sample", Lineage.artefact_id.in_(chunk)))
        done.samples += session.execute(delete(CorpusSample).where(CorpusSample.id.in_(chunk))).rowcount


def drop_samples(vault: Vault, sample_ids: list[str]) -> Forgotten:
    done = Forgotten()
    with vault.data.write() as session:
        _drop_samples(session, sample_ids, done)
    return done


# The verifier's view ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    store: str  # the table
    kind: str  # orphan-derived (its source is gone) | unregistered-derived (no source recorded)
    ref: str  # the artefact's opaque id


def problems(vault: Vault) -> list[Problem]:
    """Artefacts whose registered source is gone (or hidden by a deletion), and artefacts with none."""
    found: list[Problem] = []
    with vault.data.read() as session:
        live = set(session.scalars(select(Interaction.id).where(Interaction.deleted_at.is_(None))))
        lineage: dict[tuple[str, str], set[str]] = {}
        for kind, artefact, source in session.execute(select(Lineage.kind, Lineage.artefact_id, Lineage.source_id)):
            lineage.setdefault((kind, artefact), set()).add(source)
        artefacts = {
            "search": ("search_slots", set(session.scalars(select(SearchSlot.item_id)))),
            "vocabulary": ("vocabulary_entries", set(session.scalars(select(VocabularyEntry.id)))),
            "sample": ("corpus_samples", set(session.scalars(select(CorpusSample.id)))),
            "annotation": ("corpus_annotations", set(session.scalars(select(CorpusAnnotation.id)))),
        }
    for kind, (table, ids) in artefacts.items():
        for artefact in sorted(ids):
            sources = lineage.get((kind, artefact))
            if not sources:
                found.append(Problem(table, "unregistered-derived", artefact))
            elif kind == "vocabulary":
                if not sources & live:  # a word lives while any of its sources lives
                    found.append(Problem(table, "orphan-derived", artefact))
            elif not sources <= live:
                found.append(Problem(table, "orphan-derived", artefact))
    for (kind, artefact), sources in sorted(lineage.items()):
        if artefact not in artefacts[kind][1]:
            continue
        if kind == "vocabulary":
            dead = sources - live
            if dead and sources & live:  # a dead link that deletion should have walked
                found.append(Problem("derived_lineage", "orphan-derived", artefact))
    return found
