"""The derived stores (PRIVACY_MODEL §1 "derived data", §3.3, §3.4): the search index, learned vocabulary,
the opt-in corpus, analytics and the lineage that ties every artefact to its sources. Each artefact is
registered in the lineage when it is derived (inside the interaction's own transaction); deletion walks
the lineage (the lineage store's shred and purge), so whatever a deleted item taught goes with it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from sqlalchemy import select

from echoless.derived import corpus, lineage, search, vocabulary
from echoless.derived.keys import aad, derived_key
from echoless.derived.models import CorpusAnnotation, CorpusSample, DailyCount, Lineage, SearchToken, VocabularyEntry
from echoless.vault import crypto
from echoless.vault.instance import Vault
from echoless.vault.keyring import KeyDestroyed
from echoless.vault.models import DeletionJob
from echoless.vault.store import DeletionRule, Scan, Store, TableSpec
from echoless.vault.stores import strings

MIN_NEEDLE = 8


class SearchStore(Store):
    name = "search"
    tables = (
        TableSpec(SearchToken, DeletionRule.INTERACTION_PART, "keyed tokens of one interaction's text",
                  {"token": "HMAC under the member's search key (HKDF of the member key)"}),
    )

    def record(self, session, vault, member, row, new) -> None:  # type: ignore[no-untyped-def]
        search.index(session, vault, member, row, new)


class VocabularyStore(Store):
    name = "vocabulary"
    tables = (
        TableSpec(VocabularyEntry, DeletionRule.INTERACTION_PART, "dies with the last interaction that taught it", {
            "word": "the member's vocabulary key (HKDF of the member key)",
            "ref": "HMAC under the member's vocabulary key",
        }),
    )

    def record(self, session, vault, member, row, new) -> None:  # type: ignore[no-untyped-def]
        vocabulary.learn(session, vault, member, row, new)

    def verify(self, vault: Vault, scan: Scan) -> None:
        keys = _Keys(vault)
        with vault.data.read() as session:
            words = list(session.scalars(select(VocabularyEntry)))
        for w in words:
            _check(scan, "vocabulary_entries", w.id, keys.get(w.member_id, w.key_id, "vocabulary"), w.word,
                   aad("vocabulary", w.member_id, w.id, "word"))


class CorpusStore(Store):
    name = "corpus"
    tables = (
        TableSpec(CorpusSample, DeletionRule.INTERACTION_PART, "dies with its source or the member's consent", {
            "audio": "the member's corpus key (HKDF of the member key)",
            "transcript": "the member's corpus key", "intent": "the member's corpus key",
        }),
        TableSpec(CorpusAnnotation, DeletionRule.INTERACTION_PART, "dies with its sample's source",
                  {"intent": "the sample member's corpus key"}),
    )

    def record(self, session, vault, member, row, new) -> None:  # type: ignore[no-untyped-def]
        corpus.contribute(session, vault, member, row, new)

    def verify(self, vault: Vault, scan: Scan) -> None:
        keys = _Keys(vault)
        with vault.data.read() as session:
            samples = {s.id: s for s in session.scalars(select(CorpusSample))}
            notes = list(session.scalars(select(CorpusAnnotation)))
        for s in samples.values():
            key = keys.get(s.member_id, s.key_id, "corpus")
            for part, blob in (("transcript", s.transcript), ("intent", s.intent)):
                if blob is not None:
                    _check(scan, "corpus_samples", s.id, key, blob, aad("sample", s.member_id, s.id, part))
        for n in notes:
            s = samples.get(n.sample_id)
            if s is None:
                scan.report.add("corpus_annotations", "orphan-derived", "an annotation of a sample that is gone", n.id)
                continue
            _check(scan, "corpus_annotations", n.id, keys.get(s.member_id, s.key_id, "corpus"), n.intent,
                   aad("annotation", s.member_id, n.id, "intent"))


class StatsStore(Store):
    name = "stats"
    tables = (
        TableSpec(DailyCount, DeletionRule.CONTENT_FREE,
                  "counts without content or member ids; small counts are suppressed when shown"),
    )


class LineageStore(Store):
    """Walks the lineage on deletion: at shred (in the journal's transaction, so derived data is gone
    when the request returns) and again at purge (a resumed job, or an artefact written meanwhile)."""

    name = "lineage"
    tables = (TableSpec(Lineage, DeletionRule.INTERACTION_PART, "links to an interaction; removed with it"),)

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


class _Keys:
    """Derived keys for the verifier, each derived once (None: its member key is destroyed)."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._keys: dict[tuple[str, str, str], bytes | None] = {}

    def get(self, member_id: str, key_id: str, purpose: str) -> bytes | None:
        if (member_id, key_id, purpose) not in self._keys:
            try:
                self._keys[(member_id, key_id, purpose)] = derived_key(self.vault, member_id, key_id, purpose)
            except KeyDestroyed:
                self._keys[(member_id, key_id, purpose)] = None
        return self._keys[(member_id, key_id, purpose)]


def _check(scan: Scan, store: str, ref: str, key: bytes | None, blob: bytes, associated: bytes) -> None:
    """A derived artefact must decrypt under a live key; its plaintext joins the byte scan's needles."""
    if key is None:
        scan.report.add(store, "deleted-residue", "a derived artefact under a destroyed member key", ref)
        return
    try:
        plaintext = crypto.decrypt(key, blob, associated)
    except crypto.DecryptionFailed:
        scan.report.add(store, "undecryptable", "a derived artefact does not decrypt", ref)
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
