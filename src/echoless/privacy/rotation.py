"""Member-key rotation, and the upgrade to derived data under each part's own keys (PRIVACY_MODEL §3.10).

Before scheme 2, learned words, search tokens and corpus samples were keyed under keys derived from the
member key, so a backup made before a deletion kept them readable for whoever holds the master key and
the keyring. The upgrade rotates every member key: each item's data keys (and each search epoch key) are
wrapped again under a new member key, corpus samples are sealed again under their source parts' keys,
learned words and search tokens are made again from the kept interactions (migration 0007 dropped the
old ones), and the old member key is destroyed — so every old backup's derived data dies with it.

Each member's rotation is resumable: the new key is recorded first (instance_state
`rot:<member>`), the keyring rows are wrapped again in batches (rows already under the new key are
skipped), one data transaction moves every row to the new key, then the old key is destroyed."""

from __future__ import annotations

import logging
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select, update

from echoless.derived import corpus, search, vocabulary
from echoless.derived.keys import aad, part_key
from echoless.derived.models import CorpusAnnotation, CorpusSample, Lineage, SearchEpoch, VocabularyEntry
from echoless.privacy import deletion
from echoless.sharing import wire
from echoless.sharing.records import ShareRow
from echoless.vault import crypto
from echoless.vault.accounts import new_id
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.interactions import plaintext_of
from echoless.vault.keyring import DataKey, EpochKey, _data_aad, _epoch_aad
from echoless.vault.models import InstanceState, Interaction, Member

_LOGGER = logging.getLogger(__name__)
SCHEME = "derived_scheme"
CURRENT = "2"
BATCH = 500
SAMPLE_PARTS = {"audio": "audio", "transcript": "text", "intent": "action"}


def scheme(vault: Vault) -> str:
    with vault.data.read() as session:
        row = session.get(InstanceState, SCHEME)
    return row.value if row is not None else CURRENT


def upgrade(vault: Vault) -> int:
    """Finish any rotation a crash interrupted, and bring derived data to the current scheme by rotating
    every member key; returns the members rotated."""
    with vault.data.read() as session:
        interrupted = [row.name.removeprefix("rot:") for row in
                       session.scalars(select(InstanceState).where(InstanceState.name.like("rot:%")))]
    if scheme(vault) == CURRENT:
        for member_id in interrupted:
            rotate(vault, member_id)
        return len(interrupted)
    deletion.resume(vault)  # no deletion half done while keys move
    with vault.data.read() as session:
        members = list(session.scalars(select(Member)))
        done = set(session.scalars(select(InstanceState.name).where(InstanceState.name.like("scheme2:%"))))
    for member in members:
        if f"scheme2:{member.id}" not in done:
            rotate(vault, member.id, from_v1=True)
    _destroy_old_member_keys(vault, members)
    with vault.data.write() as session:
        session.merge(InstanceState(name=SCHEME, value=CURRENT))
        session.execute(InstanceState.__table__.delete().where(InstanceState.name.like("scheme2:%")))
    _LOGGER.info("derived data upgraded: %d member keys rotated", len(members))
    return len(members)


def _destroy_old_member_keys(vault: Vault, members: list[Member]) -> None:
    """A crash after a rotation's data transaction leaves the old key: destroy every member key that is
    not the member's current one (no deletion is pending: `upgrade` resumed them first)."""
    with vault.data.read() as session:
        current = {m.id: m.key_id for m in session.scalars(select(Member))}
    for member in members:
        stale = [k for k in vault.keyring.owner_key_ids(member.id) if k != current.get(member.id)]
        for key_id in stale:
            _finish(vault, member.id, key_id)


def rotate(vault: Vault, member_id: str, *, from_v1: bool = False) -> str:
    """Wrap the member's keys again under a new member key, move every row to it, destroy the old one."""
    with vault.data.read() as session:
        member = session.get(Member, member_id)
        pending = session.get(InstanceState, f"rot:{member_id}")
    old = member.key_id
    new = pending.value if pending is not None else _begin(vault, member_id)
    _rewrap(vault, member_id, old, new)
    _carry_pseudonyms(vault, member_id, old, new)
    with vault.data.write() as session:
        _move_rows(session, vault, member_id, old, new, from_v1=from_v1)
    _finish(vault, member_id, old)
    return new


def _begin(vault: Vault, member_id: str) -> str:
    new = new_id()
    vault.keyring.create_owner_key(member_id, new)
    with vault.data.write() as session:
        session.add(InstanceState(name=f"rot:{member_id}", value=new))
    return new


def _rewrap(vault: Vault, member_id: str, old: str, new: str) -> None:
    old_key, new_key = vault.keyring.owner_key(member_id, old), vault.keyring.owner_key(member_id, new)
    while True:
        with vault.keyring.db.write() as session:
            rows = list(session.scalars(select(DataKey).where(DataKey.key_id == old).limit(BATCH)))
            for row in rows:
                key = crypto.unwrap_key(old_key, row.wrapped, _data_aad(row.item_id, row.part, old))
                row.wrapped, row.key_id = crypto.wrap_key(new_key, key, _data_aad(row.item_id, row.part, new)), new
            epochs = list(session.scalars(select(EpochKey).where(EpochKey.owner_key_id == old).limit(BATCH)))
            for row in epochs:
                key = crypto.unwrap_key(old_key, row.wrapped, _epoch_aad(row.epoch_id, row.id, old))
                row.wrapped, row.owner_key_id = crypto.wrap_key(new_key, key, _epoch_aad(row.epoch_id, row.id, new)), new
        if not rows and not epochs:
            return


def _carry_pseudonyms(vault: Vault, member_id: str, old: str, new: str) -> None:
    """Skills know the member by a pseudonym derived from the old key: keep it, under the new one, so a
    later deletion request still names the member as the skill knows them."""
    with vault.data.read() as session:
        skills = set(session.scalars(select(ShareRow.skill_id).where(ShareRow.member_id == member_id, ShareRow.key_id == old)))
    for skill_id in sorted(skills):
        vault.keyring.keep_pseudonym(member_id, new, skill_id, wire.member_pseudonym(vault, member_id, old, skill_id))


def _move_rows(session: Any, vault: Vault, member_id: str, old: str, new: str, *, from_v1: bool) -> None:
    for model in (Interaction, VocabularyEntry, CorpusSample, Lineage, SearchEpoch, ShareRow):
        session.execute(update(model).where(model.member_id == member_id, model.key_id == old).values(key_id=new))
    if from_v1:
        _reseal_corpus(session, vault, member_id, old, new)
        _rederive(session, vault, member_id, new)
        session.add(InstanceState(name=f"scheme2:{member_id}", value="done"))
    session.execute(update(Member).where(Member.id == member_id).values(key_id=new))
    session.execute(InstanceState.__table__.delete().where(InstanceState.name == f"rot:{member_id}"))


def _v1_key(vault: Vault, member_id: str, key_id: str, purpose: str) -> bytes:
    """The scheme-1 key of a derived store: HKDF of the member key (kept only to read old rows once)."""
    owner = vault.keyring.owner_key(member_id, key_id)
    info = f"echoless-derived|{purpose}|{member_id}|{key_id}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(owner)


def _reseal_corpus(session: Any, vault: Vault, member_id: str, old: str, new: str) -> None:
    v1 = _v1_key(vault, member_id, old, "corpus")
    samples = list(session.scalars(select(CorpusSample).where(CorpusSample.member_id == member_id, CorpusSample.key_id == new)))
    for sample in samples:
        keys = vault.keyring.part_keys(member_id, new, sample.source_id)
        for field in ("audio", "transcript", "intent"):
            sealed = getattr(sample, field)
            if sealed is None:
                continue
            plain = crypto.decrypt(v1, sealed, aad("sample", member_id, sample.id, field))
            data_key = keys.get(SAMPLE_PARTS[field])
            resealed = None if data_key is None else crypto.encrypt(part_key(data_key, "corpus"), plain, aad("sample", member_id, sample.id, field))
            setattr(sample, field, resealed)
        for note in session.scalars(select(CorpusAnnotation).where(CorpusAnnotation.sample_id == sample.id)):
            plain = crypto.decrypt(v1, note.intent, aad("annotation", member_id, note.id, "intent"))
            key = corpus.annotation_key(keys)
            if key is not None:
                note.intent = crypto.encrypt(key, plain, aad("annotation", member_id, note.id, "intent"))
            else:
                session.delete(note)


def _rederive(session: Any, vault: Vault, member_id: str, new: str) -> None:
    """Learned words and search tokens, made again from the member's kept interactions."""
    member = session.get(Member, member_id)
    rows = list(session.scalars(select(Interaction).where(
        Interaction.member_id == member_id, Interaction.key_id == new, Interaction.deleted_at.is_(None),
    ).order_by(Interaction.created_at)))
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        keys = vault.keyring.part_keys_many(member_id, new, [r.id for r in chunk])
        texts = []
        for row in chunk:
            plain = plaintext_of(row, keys.get(row.id, {}))
            if plain is not None:
                if row.transcript is not None or row.response is not None:
                    texts.append((row, " ".join(t for t in (plain.transcript, plain.response) if t)))
                vocabulary.learn(session, vault, member, row, plain, keys.get(row.id, {}))
        search.index_many(session, vault, texts)


def _finish(vault: Vault, member_id: str, old: str) -> None:
    vault.keyring.destroy_epoch_keys_under([old])
    vault.keyring.destroy_pseudonyms_under([old])
    vault.keyring.destroy_owner_keys([old])
    _LOGGER.info("member key rotated at %s", utcnow().isoformat())
