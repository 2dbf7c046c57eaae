"""Lineage (PRIVACY_MODEL §3.4): every derived artefact records its sources; the verifier reports any
artefact whose source is gone or was never registered. One seeded defect of each kind."""

from __future__ import annotations

from sqlalchemy import select, insert

from helpers import say
from homes import Home
from echoless.derived import corpus, lineage
from echoless.derived.models import SearchEpoch, CorpusAnnotation, CorpusSample, Lineage, SearchSlot, VocabularyEntry
from echoless.privacy import deletion, verifier
from echoless.vault.accounts import new_id
from echoless.vault.db import utcnow

SHOP = {"intent": "HassShoppingListAddItem", "slots": {"item": "kombucha"}, "success": True, "result": "added"}


def _findings(home: Home) -> set[tuple[str, str, str]]:
    return {(f.store, f.kind, f.ref) for f in verifier.verify(home.vault).findings}


def test_every_artefact_is_registered_and_the_verifier_is_clean(home: Home) -> None:
    v, me = home.vault, home.owner
    corpus.set_consent(v, me, True, human_review=True)
    corpus.grant_reviewer(v, me, me.id)
    item = say(v, me, "add kombucha to my shopping list", action=SHOP, audio=True)
    sample = corpus.list_samples(v, me)[0]["id"]
    corpus.annotate(v, me, sample, "HassShoppingListAddItem", {"item": "kombucha tea"})
    with v.data.read() as session:
        kinds = {row.kind for row in session.query(Lineage).filter(Lineage.source_id == item)}
    assert kinds == {"search", "vocabulary", "sample", "annotation"}
    assert verifier.verify(v).clean


def test_seeded_defects_of_each_kind_are_reported(home: Home) -> None:
    v, me = home.vault, home.owner
    doomed = say(v, me, "call Siobhan", action={"intent": None})  # before opting in: no sample
    corpus.set_consent(v, me, True, human_review=True)
    corpus.grant_reviewer(v, me, me.id)
    kept = say(v, me, "add kombucha to my shopping list", action=SHOP)
    sample = corpus.list_samples(v, me)[0]["id"]
    note = corpus.annotate(v, me, sample, "HassShoppingListAddItem")
    now = utcnow()
    never = new_id()
    word, orphan_sample, orphan_note = new_id(), new_id(), new_id()
    with v.data.write() as session:
        # 1. an index slot for an item that was never registered (and never existed)
        epoch = session.scalars(select(SearchEpoch.id).where(SearchEpoch.member_id == me.id)).first()
        session.execute(insert(SearchSlot), [{"epoch_id": epoch, "slot": 200, "created_at": now, "item_id": never}])
        # 2. a vocabulary entry with no lineage at all
        session.add(VocabularyEntry(id=word, member_id=me.id, key_id=me.key_id, item_id=kept, part="text", word=b"\x01" + b"0" * 40, created_at=now))
        # 3. a sample whose registered source will be deleted behind the lineage's back
        session.add(CorpusSample(id=orphan_sample, household_id=me.household_id, member_id=me.id, key_id=me.key_id,
                                 source_id=doomed, created_at=now))
        session.add(Lineage(kind="sample", artefact_id=orphan_sample, source_id=doomed, member_id=me.id, key_id=me.key_id,
                            parts="text", created_at=now))
        # 4. an annotation with no registered source
        session.add(CorpusAnnotation(id=orphan_note, sample_id=sample, reviewer_id=me.id, intent=b"\x01" + b"0" * 40, created_at=now))
    # the deletion of `doomed` runs without the derived hooks (as a bug would), leaving the sample
    from echoless.vault.store import Registry

    registry = v.stores
    v.stores = Registry([store for store in registry if store.name not in ("lineage", "search")])
    try:
        job = deletion.delete_items(v, me, [doomed])
        deletion.purge(v, job.id)
    finally:
        v.stores = registry
    found = _findings(home)
    assert ("search_slots", "unregistered-derived", never) in found
    assert ("vocabulary_entries", "unregistered-derived", word) in found
    assert ("corpus_samples", "orphan-derived", orphan_sample) in found
    assert ("corpus_annotations", "unregistered-derived", orphan_note) in found
    assert ("search_slots", "orphan-derived", doomed) in found  # the hooks did not run: its tokens stayed
    assert not [f for f in found if f[2] in (kept, sample, note)], found
    # Walking the lineage of the missed deletion again clears what it can reach
    lineage.forget(v, [job])
    after = _findings(home)
    assert ("search_slots", "orphan-derived", doomed) not in after
    assert ("corpus_samples", "orphan-derived", orphan_sample) not in after
