"""Restores merge, never roll back (PRIVACY_MODEL §3.2, issue 13): a restore brings back only items that
are missing now, whose keys exist and that no deletion covered; it never takes members, passwords,
consent, retention or the journal from a backup; items recorded after the backup survive; the search
index and learned words are made again, never restored; a restore runs alone (a lease in the database)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import delete

from apiclient import api
from helpers import say
from homes import Home, set_retention
from echoless import root
from echoless.derived import corpus, search, vocabulary
from echoless.errors import Conflict, NotFound
from echoless.privacy import backup, deletion
from echoless.sharing import manifest, skills
from echoless.vault import accounts, interactions
from echoless.vault.models import Interaction

KEEP = {"audio": "forever", "text": "forever", "action": "forever"}
JOKES = json.dumps({
    "name": "jokes", "publisher": "Jokes Ltd", "version": "1.0", "endpoint": "http://127.0.0.1:9/ask",
    "deletion_endpoint": "http://127.0.0.1:9/forget", "privacy_policy": "http://127.0.0.1:9/privacy",
    "fields": ["intent", "slots"], "intents": {"TellJoke": {"sentences": ["tell me a joke about {topic}"]}},
    "lists": {"topic": {"values": ["cats"]}},
})


def _lose(home: Home, item: str) -> None:
    """Data loss: the row and blob go, the keys stay (what a restore is for)."""
    with home.vault.data.write() as session:
        session.execute(delete(Interaction).where(Interaction.id == item))
    home.vault.blobs.delete("audio", item)


def test_a_restore_brings_back_lost_items_and_never_rolls_back_state(home: Home) -> None:
    v = home.vault
    me = set_retention(v, home.owner, KEEP)
    accounts.set_password(v, me.id, "the old password")
    corpus.set_consent(v, me, True)
    skills.install(v, home.owner, manifest.parse(JOKES), allow_private_host=True)
    skills.enable(v, home.member(me.id), "jokes")
    lost = say(v, home.member(me.id), "remind me to water the begonias", audio=True)
    gone = say(v, home.member(me.id), "call Okonkwo tomorrow", audio=True)
    old = backup.make(v).path

    accounts.set_password(v, me.id, "the new password")
    set_retention(v, home.member(me.id), {"audio": "7d", "text": "30d", "action": "30d"})
    corpus.set_consent(v, home.member(me.id), False)  # withdrawn: every sample goes
    skills.disable(v, home.member(me.id), "jokes")
    deletion.delete_items(v, home.member(me.id), [gone])
    later = say(v, home.member(me.id), "add quinoa to my shopping list")
    _lose(home, lost)

    done = backup.restore(v, old)
    me = home.member(me.id)
    assert done.items == 1 and done.skipped == {"deleted": 1}
    assert {i.id for i in interactions.history(v, me).items} == {lost, later}  # back, and the newer one stays
    assert interactions.audio(v, me, lost)[0].startswith(b"RIFF")
    with pytest.raises(NotFound):
        interactions.get(v, me, gone)
    assert accounts.check_password(v, me.household_id, me.name, "the new password") is not None
    assert accounts.check_password(v, me.household_id, me.name, "the old password") is None
    assert me.settings["retention"]["audio"] == "7d" and not corpus.contributes(me.settings)
    assert skills.enabled(v, me) == []  # the skill stays disabled
    reviewer = corpus.grant_reviewer(v, me, me.id)
    assert corpus.list_samples(v, reviewer) == []  # the withdrawal holds
    assert [i.id for i in search.search(v, me, "begon").items] == [lost]  # indexed again
    assert "begonias" in dict(vocabulary.learned(v, me))  # learned again
    assert search.search(v, me, "okonkwo").items == []
    assert root.verify(v, backups=[old]).clean


def test_a_restore_refuses_while_a_server_holds_the_data(sqlite_home: Home) -> None:
    old = backup.make(sqlite_home.vault).path
    with api(sqlite_home.settings):
        with pytest.raises(Conflict) as refused:
            backup.restore(sqlite_home.vault, old)
    assert refused.value.code == "lease-held" and "server" in refused.value.message
    backup.restore(sqlite_home.vault, old)  # the server stopped: its lease is gone


def test_a_first_format_backup_restores_content_only_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "v1"
    with zipfile.ZipFile(Path(__file__).parents[1] / "fixtures" / "v1-home.zip") as archive:
        archive.extractall(folder)
    for name in ("master.key", "signing.key"):
        (folder / name).chmod(0o600)
    ids = dict(line.split() for line in (folder / "ids.txt").read_text().splitlines())
    old = tmp_path / "before.echoless-backup"
    shutil.copy(folder / "backups" / "before.echoless-backup", old)
    from echoless.settings import Settings

    vault = root.open_vault(Settings(home=folder))
    try:
        owner = accounts.find_member(vault, accounts.default_household(vault).id, "owner")
        with vault.data.write() as session:
            session.execute(delete(Interaction).where(Interaction.id == ids["kept2"]))
        done = backup.restore(vault, old)
        assert done.items == 1 and done.warnings and done.format == "echoless-backup/1"
        assert interactions.get(vault, owner, ids["kept2"]).transcript == "remind me to water the begonias"
        assert [i.id for i in search.search(vault, owner, "begonias").items] == [ids["kept2"]]
        assert root.verify(vault, backups=[old]).clean
    finally:
        vault.close()


def test_the_cli_restores_and_says_what_it_skipped(sqlite_home: Home) -> None:
    import json
    import os
    import subprocess
    import sys

    v = sqlite_home.vault
    me = set_retention(v, sqlite_home.owner, KEEP)
    lost = say(v, me, "remind me to water the begonias", audio=True)
    old = backup.make(v).path
    _lose(sqlite_home, lost)
    v.close()
    env = {**os.environ, "ECHOLESS_HOME": str(sqlite_home.settings.home), "ECHOLESS_LOG_LEVEL": "WARNING"}
    plain = subprocess.run([sys.executable, "-m", "echoless.cli", "restore", str(old)], env=env, capture_output=True, text=True, timeout=120)
    assert plain.returncode == 0, plain.stderr
    assert "Brought back 1 interaction(s)" in plain.stdout and "stay as they are now" in plain.stdout
    again = subprocess.run([sys.executable, "-m", "echoless.cli", "restore", str(old), "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert json.loads(again.stdout)["skipped"] == {"present": 1}
    sqlite_home.vault = root.open_vault(sqlite_home.settings)
