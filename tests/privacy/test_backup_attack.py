"""Deleted means unreadable in every backup too (PRIVACY_MODEL §2, §3.10; issue 13): with the master key,
the current keyring and a backup made before a deletion, nothing of the deleted item can be read or
confirmed by dictionary — learned words, search tokens, contributed samples — after one deletion, a
range, "delete everything" and retention expiry; and a data home of the first scheme is upgraded so
that its old backups lose the same. Each case also recovers something it should (the attack works)."""

from __future__ import annotations

import base64
import shutil
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from attacker import attack, keyring_keys
from homes import Home, set_retention
from samples import tone_wav
from echoless import root
from echoless.derived import corpus, search, vocabulary
from echoless.privacy import backup, deletion
from echoless.settings import Settings
from echoless.vault import accounts, interactions
from echoless.vault.db import utcnow

FIXTURE = Path(__file__).parents[1] / "fixtures" / "v1-home.zip"
DOOMED = ["Okonkwo", "chlamydia"]
CALL = {"intent": "Call", "slots": {"name": "Okonkwo"}}
SHOP = {"intent": "HassShoppingListAddItem", "slots": {"item": "quinoa"}}


def say(vault, member, transcript: str, action: dict, audio: bool = True) -> str:  # type: ignore[no-untyped-def]
    new = interactions.NewInteraction(audio=tone_wav(0.2), audio_type="audio/wav", transcript=transcript,
                                      response="Okay.", action=action)
    return interactions.record(vault, member, None, new).id


def _master(settings: Settings) -> bytes:
    return base64.b64decode(settings.resolved_master_key_file.read_text().strip())


def _keyring(settings: Settings) -> Path:
    return Path(settings.resolved_keyring_url.removeprefix("sqlite:///"))


def _steal(settings: Settings, backup_file: Path, extra: list[str] = ()):  # type: ignore[no-untyped-def]
    return attack(backup_file, _keyring(settings), _master(settings), [*DOOMED, "quinoa", *extra])


def _history(home: Home) -> tuple[str, str, Path]:
    v = home.vault
    me = set_retention(v, home.owner, {"audio": "forever", "text": "forever", "action": "forever"})
    corpus.set_consent(v, me, True)
    me = home.member(me.id)
    doomed = say(v, me, "call Okonkwo about the chlamydia test results", action=CALL, audio=True)
    kept = say(v, me, "add quinoa to my shopping list", action=SHOP, audio=True)
    assert {"Okonkwo", "chlamydia", "quinoa"} <= {w for w, _ in vocabulary.learned(v, me)}
    return doomed, kept, backup.make(v).path


@pytest.mark.parametrize("how", ["item", "range", "retention"])
def test_a_deletion_after_a_backup_leaves_nothing_readable_in_it(sqlite_home: Home, how: str) -> None:
    home = sqlite_home
    doomed, kept, old = _history(home)
    me = home.member(home.owner.id)
    before = _steal(home.settings, old)
    assert all(before.holds(w) for w in DOOMED), "the attack must work while the item is kept"
    if how == "item":
        deletion.delete_items(home.vault, me, [doomed])
    elif how == "range":
        with home.vault.data.read() as session:
            created = session.get(interactions.Interaction, doomed).created_at
        deletion.delete_range(home.vault, me, created, created + timedelta(microseconds=1))
    else:
        deletion.expire(home.vault, [(me.id, [doomed], ["audio", "text", "action"])])
    after = _steal(home.settings, old)
    assert not [w for w in DOOMED if after.holds(w)], "a deleted item is readable from an old backup"
    assert after.holds("quinoa")  # what is kept stays readable to whoever holds the keys
    assert root.verify(home.vault, backups=[old]).clean


def test_delete_everything_leaves_nothing_readable_in_an_old_backup(sqlite_home: Home) -> None:
    home = sqlite_home
    _doomed, _kept, old = _history(home)
    deletion.delete_all(home.vault, home.member(home.owner.id))
    after = _steal(home.settings, old)
    assert not [w for w in [*DOOMED, "quinoa"] if after.holds(w)]


def test_text_retention_takes_the_words_learned_from_the_text(sqlite_home: Home) -> None:
    home = sqlite_home
    doomed, _kept, old = _history(home)
    deletion.expire(home.vault, [(home.owner.id, [doomed], ["text"])])  # the action record stays
    after = _steal(home.settings, old)
    assert not after.holds("chlamydia")  # only in the transcript
    assert after.holds("Okonkwo")  # still kept in the action record's slots, as the member chose


def _unpack_v1(tmp_path: Path) -> tuple[Settings, dict[str, str]]:
    folder = tmp_path / "v1"
    with zipfile.ZipFile(FIXTURE) as archive:
        archive.extractall(folder)
    for name in ("master.key", "signing.key"):
        (folder / name).chmod(0o600)
    ids = dict(line.split() for line in (folder / "ids.txt").read_text().splitlines())
    return Settings(home=folder), ids


def test_a_first_scheme_home_is_upgraded_and_its_old_backup_loses_what_is_deleted(tmp_path: Path) -> None:
    settings, ids = _unpack_v1(tmp_path)
    old = settings.home / "backups" / "before.echoless-backup"
    kept_copy = tmp_path / "before.echoless-backup"
    shutil.copy(old, kept_copy)
    before = _steal(settings, kept_copy, ["begonias"])
    assert all(before.holds(w) for w in DOOMED), "under the first scheme the member key reads the backup's words"

    vault = root.open_vault(settings)  # migrates and rotates every member key
    try:
        owner = accounts.find_member(vault, accounts.default_household(vault).id, "owner")
        assert {"Okonkwo", "quinoa", "begonias"} <= {w for w, _ in vocabulary.learned(vault, owner)}  # learned again
        assert [i.id for i in search.search(vault, owner, "begon").items] == [ids["kept2"]]  # indexed again
        assert interactions.get(vault, owner, ids["doomed"]).transcript.startswith("call Okonkwo")
        corpus.set_consent(vault, owner, True, human_review=True)
        reviewer = corpus.grant_reviewer(vault, owner, owner.id)
        assert len(corpus.list_samples(vault, reviewer)) == 3  # samples sealed again under their parts' keys
        deletion.delete_items(vault, owner, [ids["doomed"]])
        after = _steal(settings, kept_copy, ["begonias"])
        assert not [w for w in DOOMED if after.holds(w)], "the old backup still gives away a deleted item"
        assert after.holds("quinoa")  # the kept item itself, under its data key
        report = root.verify(vault, backups=[kept_copy])
        assert report.clean, report.to_json()
    finally:
        vault.close()
    again = root.open_vault(settings)  # the upgrade runs once
    again.close()


def test_the_attacker_reads_the_current_keyring(sqlite_home: Home) -> None:
    owners, data, epochs = keyring_keys(_keyring(sqlite_home.settings), _master(sqlite_home.settings))
    assert sqlite_home.owner.key_id in owners and sqlite_home.owner.household_id in owners


def test_the_verifier_reports_a_backup_whose_deleted_item_still_has_keys(sqlite_home: Home) -> None:
    home = sqlite_home
    doomed, _kept, old = _history(home)
    from sqlalchemy import select

    from echoless.vault.keyring import DataKey

    with home.vault.keyring.db.read() as session:
        saved = [dict(item_id=k.item_id, part=k.part, key_id=k.key_id, wrapped=k.wrapped, created_at=k.created_at)
                 for k in session.scalars(select(DataKey).where(DataKey.item_id == doomed))]
    deletion.delete_items(home.vault, home.member(home.owner.id), [doomed])
    assert root.verify(home.vault, backups=[old]).clean
    with home.vault.keyring.db.write() as session:  # a keyring that kept the deleted item's keys (a defect)
        session.add_all(DataKey(**row) for row in saved)
    kinds = {(f.store, f.kind) for f in root.verify(home.vault, backups=[old]).findings}
    assert ("backups", "deleted-residue") in kinds and ("keyring", "deleted-residue") in kinds
    assert _steal(home.settings, old).holds("Okonkwo")  # which is exactly what the attacker would use
