"""Backups that cannot resurrect: back up, delete, restore — what was deleted is neither visible nor
decryptable; what was kept is intact; the verifier scans backups too."""

from __future__ import annotations

import zipfile

import pytest

from helpers import say
from homes import Home
from echoless.derived import search, vocabulary
from echoless.privacy import backup
from echoless.errors import NotFound
from echoless.privacy import deletion, verifier
from echoless.vault import crypto, interactions
from echoless.vault.keyring import KeyDestroyed


def test_backup_holds_no_keys_and_no_plaintext(home: Home) -> None:
    say(home.vault, home.owner, "remind me about the Hippopotamus parade", audio=True)
    info = backup.make(home.vault)
    assert info.path.parent == home.settings.home / "backups"
    with zipfile.ZipFile(info.path) as archive:
        names = archive.namelist()
        assert not any("owner_keys" in n or "data_keys" in n for n in names)
        assert "manifest.json" in names and any(n.startswith("blobs/audio/") for n in names)
    assert b"Hippopotamus" not in info.path.read_bytes()
    report = verifier.verify(home.vault, extra_needles=[b"Hippopotamus"])
    assert report.clean and report.scanned.get("backups", 0) > 0


def test_back_up_delete_restore_nothing_deleted_comes_back(home: Home, tmp_path) -> None:  # type: ignore[no-untyped-def]
    v, me = home.vault, home.owner
    sam, _ = home.add_member("sam", retention={"audio": "forever", "text": "forever", "action": "forever"})
    kept = say(v, me, "turn on the Tiffany lamp", audio=True)
    gone = say(v, me, "call Siobhan about the Hippopotamus", audio=True,
               action={"intent": "Call", "slots": {"name": "Siobhan"}, "success": True, "result": "ok"})
    sams = say(v, sam, "add kombucha to my shopping list", audio=True)
    outside = tmp_path / "elsewhere.echoless-backup"
    backup.make(v, outside)
    job = deletion.delete_items(v, me, [gone])
    deletion.purge(v, job.id)
    everything = deletion.delete_all(v, sam)
    deletion.purge(v, everything.id)

    done = backup.restore(v, outside)
    assert done.jobs_replayed >= 2
    me, sam = home.member(me.id), home.member(sam.id)
    assert [i.id for i in interactions.history(v, me).items] == [kept]
    assert interactions.get(v, me, kept).transcript == "turn on the Tiffany lamp"
    assert interactions.audio(v, me, kept)[0]
    with pytest.raises(NotFound):
        interactions.get(v, me, gone)
    assert interactions.history(v, sam).items == []
    assert vocabulary.learned(v, me) == [("Tiffany", 1)]
    assert search.search(v, me, "siobhan").items == [] and [i.id for i in search.search(v, me, "tiff").items] == [kept]
    # In the backup file the deleted items' ciphertext is still there, but no key for it exists anywhere
    assert not v.keyring.part_keys(me.id, me.key_id, gone)
    with pytest.raises(KeyDestroyed):
        v.keyring.owner_key(sam.id, everything.key_ids[0])
    assert sams not in v.keyring.data_key_item_ids()
    report = verifier.verify(v, backups=[outside], extra_needles=[b"Hippopotamus", b"kombucha to my"])
    assert report.clean, report.to_json()
    assert report.scanned["backups"] >= outside.stat().st_size


def test_the_verifier_reports_a_backup_that_could_resurrect(home: Home, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    v, me = home.vault, home.owner
    gone = say(v, me, "call Siobhan")
    path = tmp_path / "b.echoless-backup"
    backup.make(v, path)
    # A deletion whose keys were not destroyed (a defect): the backup's copy is decryptable
    with monkeypatch.context() as defect:
        defect.setattr(v.keyring, "destroy_data_keys_of", lambda groups, **_: [0 for _ in groups])
        job = deletion.delete_items(v, me, [gone])
    kinds = {(f.store, f.kind, f.ref) for f in verifier.verify(v, backups=[path]).findings}
    assert ("backups", "deleted-residue", gone) in kinds
    deletion.purge(v, job.id)


def test_restore_refuses_a_file_that_is_not_a_backup(home: Home, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bogus = tmp_path / "x.echoless-backup"
    bogus.write_bytes(b"not a zip")
    from echoless.errors import BadRequest

    with pytest.raises(BadRequest):
        backup.restore(home.vault, bogus)
    assert crypto  # imported for readers: restored rows are ciphertext
