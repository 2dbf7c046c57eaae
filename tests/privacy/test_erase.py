"""Shredding verified, not assumed (issue 13, item 5): on SQLite a key is gone when its row is deleted
and the checkpoint folded the WAL in and truncated it. While a reader holds an old snapshot of the
keyring the checkpoint is blocked: the deletion says "erase pending", is retried, and no receipt claims
the key is gone until the erase is verified."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import select

from homes import Home
from echoless.privacy import deletion, receipts
from echoless.vault import interactions
from echoless.vault.interactions import NewInteraction
from echoless.vault.keyring import DataKey


def _keyring_bytes(home: Home) -> bytes:
    path = Path(home.settings.resolved_keyring_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def test_a_blocked_checkpoint_never_yields_a_receipt_that_says_the_key_is_gone(sqlite_home: Home) -> None:
    home, v = sqlite_home, sqlite_home.vault
    item = interactions.record(v, home.owner, None, NewInteraction(transcript="a secret to forget", response="ok")).id
    with v.keyring.db.read() as session:
        wrapped = list(session.scalars(select(DataKey.wrapped).where(DataKey.item_id == item)))
    reader = sqlite3.connect(home.settings.resolved_keyring_url.removeprefix("sqlite:///"), isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM data_keys").fetchone()  # an old snapshot, held
    try:
        job = deletion.delete_items(v, home.owner, [item])
        job = deletion.get_job(v, home.owner, job.id)
        assert job.state == "shredded" and job.erased_at is None
        assert deletion.job_json(job)["erase"] == "pending"
        assert receipts.list_for(v, home.owner) == []  # nothing claims the key is gone
        assert any(w in _keyring_bytes(home) for w in wrapped)  # and indeed it is not, yet
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    deletion.resume(v)  # what the job runner does on its next pass
    job = deletion.get_job(v, home.owner, job.id)
    assert job.state == "purged" and job.erased_at is not None
    (doc,) = [receipts.get(v, home.owner, r["receipt_id"]) for r in receipts.list_for(v, home.owner)]
    assert doc["erased_at"] == job.erased_at.isoformat() and "truncated" in doc["erase"]
    assert not any(w in _keyring_bytes(home) for w in wrapped)


def test_an_unblocked_deletion_is_erased_at_the_shred(sqlite_home: Home) -> None:
    home, v = sqlite_home, sqlite_home.vault
    item = interactions.record(v, home.owner, None, NewInteraction(transcript="another secret", response="ok")).id
    job = deletion.delete_items(v, home.owner, [item])
    assert job.erased_at is not None and job.erased_at == job.shredded_at
