"""The derived stores (PRIVACY_MODEL §1 "derived data", §3.3, §3.4): the search index, learned vocabulary,
the opt-in corpus, analytics and the lineage that ties every artefact to its sources. Each artefact is
registered in the lineage when it is derived (inside the interaction's own transaction); deletion walks
the lineage (the lineage store's shred and purge), so whatever a deleted item taught goes with it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from sqlalchemy import delete, select

from echoless.derived import corpus, lineage, search, stats, vocabulary
from echoless.derived.keys import aad, part_key
from echoless.derived.models import (
    CorpusAnnotation, CorpusSample, DailyCount, Lineage, SearchEpoch, SearchPosting, SearchSlot, StatsContribution,
    VocabularyEntry,
)
from echoless.vault import crypto
from echoless.vault.instance import Vault
from echoless.vault.keyring import KeyDestroyed
from echoless.vault.models import DeletionJob, Interaction
from echoless.vault.store import DeletionRule, Restore, Scan, Store, TableSpec
from echoless.vault.stores import strings

MIN_NEEDLE = 8


class SearchStore(Store):
    name = "search"
    tables = (
        TableSpec(SearchPosting, DeletionRule.INTERACTION_PART, "keyed word prefixes of an epoch, each with its slots",
                  {"entries": "tokens: HMAC under its epoch's key (keyring epoch_keys, wrapped by the member key), each with a slot bitmap"},
                  restore=Restore.REBUILT),
        TableSpec(SearchSlot, DeletionRule.INTERACTION_PART, "which interaction holds a slot of an epoch, and its time",
                  restore=Restore.REBUILT),
        TableSpec(SearchEpoch, DeletionRule.USER, "a partition of a member's history for the index; ids and counts only",
                  restore=Restore.REBUILT),
    )

    def record(self, session, vault, member, row, new, keys) -> None:  # type: ignore[no-untyped-def]
        search.index(session, vault, member, row, new)

    def shred(self, session, vault: Vault, jobs: list[DeletionJob]) -> None:  # type: ignore[no-untyped-def]
        search.rekey(session, vault, jobs)

    def shredded(self, vault: Vault, jobs: list[DeletionJob]) -> None:
        search.destroy_retired(vault)

    def purge(self, vault: Vault, jobs: list[DeletionJob]) -> Mapping[str, Mapping[str, int]]:
        counts = {}
        for job in jobs:
            if job.key_ids:
                with vault.data.write() as session:
                    epochs = search.forget_under_keys(session, job.member_id, list(job.key_ids))
                counts[job.id] = {"search_epochs": epochs, "epoch_keys": vault.keyring.destroy_epoch_keys_under(job.key_ids)}
        search.destroy_retired(vault)  # a crash after the rebuild, before its old key went
        return counts

    def restored(self, vault: Vault, items: set[str], counts: dict[str, int]) -> None:
        counts["search_items_indexed"] = search.reindex_missing(vault)

    def verify(self, vault: Vault, scan: Scan) -> None:
        with vault.data.read() as session:
            epochs = session.execute(select(SearchEpoch.id, SearchEpoch.epoch_key_id, SearchEpoch.retired)).all()
            used = set(session.scalars(select(SearchPosting.epoch_id).distinct()))  # a full scan: the verifier reads everything anyway
            used |= set(session.scalars(select(SearchSlot.epoch_id).distinct()))
        existing = vault.keyring.epoch_key_ids()
        current = {key_id for _e, key_id, _r in epochs}
        for epoch_id in sorted(used - {e for e, _k, _r in epochs}):
            scan.report.add("search_postings", "orphan-derived", "postings or slots of an epoch that is gone", epoch_id)
        for epoch_id, key_id, retired in epochs:
            if key_id not in existing and epoch_id in used:
                scan.report.add("search_epochs", "undecryptable", "an epoch's key is missing", epoch_id)
            for old in set(retired) & set(existing):
                scan.report.add("keyring", "deleted-residue", "a retired epoch key is still in the keyring", old)
        for key_id, epoch_id in sorted(existing.items()):
            if key_id not in current and not any(key_id in r for _e, _k, r in epochs):
                scan.report.add("keyring", "orphan-key", "an epoch key that no epoch uses", key_id)


class VocabularyStore(Store):
    name = "vocabulary"
    tables = (
        TableSpec(VocabularyEntry, DeletionRule.INTERACTION_PART, "one lesson of one request; dies with its part", {
            "word": "HKDF('vocabulary') of the source part's data key (text or action)",
        }, restore=Restore.REBUILT),
    )

    def record(self, session, vault, member, row, new, keys) -> None:  # type: ignore[no-untyped-def]
        vocabulary.learn(session, vault, member, row, new, keys)

    def restored(self, vault: Vault, items: set[str], counts: dict[str, int]) -> None:
        counts["words_learned"] = vocabulary.learn_again(vault, items)

    def verify(self, vault: Vault, scan: Scan) -> None:
        keys = _PartKeys(vault)
        with vault.data.read() as session:
            words = list(session.scalars(select(VocabularyEntry)))
        for w in words:
            _check(scan, "vocabulary_entries", w.id, keys.get(w.member_id, w.key_id, w.item_id, w.part, "vocabulary"),
                   w.word, aad("vocabulary", w.member_id, w.id, "word"))


class CorpusStore(Store):
    name = "corpus"
    tables = (
        TableSpec(CorpusSample, DeletionRule.INTERACTION_PART, "dies with its source or the member's consent", {
            "audio": "HKDF('corpus') of the source's audio data key",
            "transcript": "HKDF('corpus') of the source's text data key",
            "intent": "HKDF('corpus') of the source's action data key",
        }, restore=Restore.CONTENT, item_column="source_id"),
        TableSpec(CorpusAnnotation, DeletionRule.INTERACTION_PART, "dies with its sample's source",
                  {"intent": "HKDF('annotation') of the source's action (else text) data key"},
                  restore=Restore.CONTENT, parent=("corpus_samples", "sample_id")),
    )

    def record(self, session, vault, member, row, new, keys) -> None:  # type: ignore[no-untyped-def]
        corpus.contribute(session, vault, member, row, new, keys)

    def restored(self, vault: Vault, items: set[str], counts: dict[str, int]) -> None:
        counts["samples_withdrawn"] = corpus.mend_restored(vault, items)

    def verify(self, vault: Vault, scan: Scan) -> None:
        keys = _PartKeys(vault)
        with vault.data.read() as session:
            samples = {s.id: s for s in session.scalars(select(CorpusSample))}
            notes = list(session.scalars(select(CorpusAnnotation)))
        for s in samples.values():
            for field, blob in (("audio", s.audio), ("transcript", s.transcript), ("intent", s.intent)):
                if blob is not None:
                    key = keys.get(s.member_id, s.key_id, s.source_id, corpus.SAMPLE_PARTS[field], "corpus")
                    _check(scan, "corpus_samples", s.id, key, blob, aad("sample", s.member_id, s.id, field), needles=field != "audio")
        for n in notes:
            s = samples.get(n.sample_id)
            if s is None:
                scan.report.add("corpus_annotations", "orphan-derived", "an annotation of a sample that is gone", n.id)
                continue
            _check(scan, "corpus_annotations", n.id, keys.annotation(s), n.intent, aad("annotation", s.member_id, n.id, "intent"))


class StatsStore(Store):
    """Analytics at rest only as counts of groups that k distinct members contributed to; until then each
    run's contribution is sealed under its interaction's action key and dies with it."""

    name = "stats"
    tables = (
        TableSpec(DailyCount, DeletionRule.CONTENT_FREE,
                  "counts without content or member ids, each from at least k distinct members"),
        TableSpec(StatsContribution, DeletionRule.INTERACTION_PART, "one run's analytics until its group reaches k members",
                  {"sealed": "HKDF('stats') of the interaction's action data key"}),
    )

    def record(self, session, vault, member, row, new, keys) -> None:  # type: ignore[no-untyped-def]
        stats.contribute(session, vault, row, new, keys)

    def purge(self, vault: Vault, jobs: list[DeletionJob]) -> Mapping[str, Mapping[str, int]]:
        counts = {}
        with vault.data.write() as session:
            for job in jobs:
                if job.key_ids:
                    doomed = select(Interaction.id).where(Interaction.member_id == job.member_id, Interaction.key_id.in_(job.key_ids))
                    gone = session.execute(delete(StatsContribution).where(StatsContribution.item_id.in_(doomed))).rowcount
                elif "action" in job.parts:
                    ids = list(job.item_ids)
                    gone = sum(session.execute(delete(StatsContribution).where(StatsContribution.item_id.in_(ids[i : i + 500]))).rowcount
                               for i in range(0, len(ids), 500))
                else:
                    continue
                counts[job.id] = {"analytics_contributions": gone}
        return counts


class LineageStore(Store):
    """Walks the lineage on deletion: at shred (in the journal's transaction, so derived data is gone
    when the request returns) and again at purge (a resumed job, or an artefact written meanwhile)."""

    name = "lineage"
    tables = (TableSpec(Lineage, DeletionRule.INTERACTION_PART, "links to an interaction; removed with it",
                        restore=Restore.REBUILT),)

    def shred(self, session, vault: Vault, jobs: list[DeletionJob]) -> None:  # type: ignore[no-untyped-def]
        # "Delete everything" leaves its derived data to the purge: the member key it dies with is destroyed.
        lineage.forget_in(session, [job for job in jobs if not job.key_ids])

    def purge(self, vault: Vault, jobs: list[DeletionJob]) -> Mapping[str, Mapping[str, int]]:
        counts = {}
        with vault.data.write() as session:
            for job in jobs:
                counts[job.id] = lineage.forget_in(session, [job]).as_counts()
        return counts

    def verify(self, vault: Vault, scan: Scan) -> None:
        for problem in lineage.problems(vault):
            detail = ("a derived artefact whose source is gone" if problem.kind == "orphan-derived"
                      else "a derived artefact with no registered source")
            scan.report.add(problem.store, problem.kind, detail, problem.ref)


class _PartKeys:
    """Derived keys for the verifier, from each source part's data key (None: that key is destroyed)."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._parts: dict[str, dict[str, bytes]] = {}

    def get(self, member_id: str, key_id: str, item_id: str, part: str, purpose: str) -> bytes | None:
        if item_id not in self._parts:
            try:
                self._parts[item_id] = self.vault.keyring.part_keys(member_id, key_id, item_id)
            except KeyDestroyed:
                self._parts[item_id] = {}
        data_key = self._parts[item_id].get(part)
        return None if data_key is None else part_key(data_key, purpose)

    def annotation(self, sample: CorpusSample) -> bytes | None:
        self.get(sample.member_id, sample.key_id, sample.source_id, "action", "annotation")  # loads the item's keys
        return corpus.annotation_key(self._parts.get(sample.source_id, {}))


def _check(scan: Scan, store: str, ref: str, key: bytes | None, blob: bytes, associated: bytes, *, needles: bool = True) -> None:
    """A derived artefact must decrypt under a live key; its plaintext joins the byte scan's needles."""
    if key is None:
        scan.report.add(store, "deleted-residue", "a derived artefact whose source keys are destroyed", ref)
        return
    try:
        plaintext = crypto.decrypt(key, blob, associated)
    except crypto.DecryptionFailed:
        scan.report.add(store, "undecryptable", "a derived artefact does not decrypt", ref)
        return
    if not needles:
        return
    for value in _fragments(plaintext):
        if len(value) >= MIN_NEEDLE:
            scan.needles[value] = ref


def _fragments(plaintext: bytes) -> Iterator[bytes]:
    try:
        value = json.loads(plaintext)
    except (ValueError, UnicodeDecodeError):
        yield plaintext
        return
    for text in strings(value):
        yield text.encode()
