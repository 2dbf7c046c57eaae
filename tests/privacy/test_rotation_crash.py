"""SIGKILL across the new steps of key lineage (issue 13): a search epoch's rebuild, the destruction of
its old key, and a member-key rotation's steps. After a restart nothing is lost, nothing deleted can be
read, old keys are gone, and the verifier is clean."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from echoless import root
from echoless.derived import search, vocabulary
from echoless.settings import Settings
from echoless.vault import accounts, interactions
from echoless.vault.interactions import NewInteraction
from homes import open_home, set_retention

KILLER = textwrap.dedent('''
    import os, signal, sys
    from echoless import root
    from echoless.derived import search
    from echoless.privacy import deletion, rotation
    from echoless.settings import Settings
    from echoless.vault import accounts

    target, item = sys.argv[1:3]
    module, name, when = target.split(":")
    original = getattr({"search": search, "rotation": rotation}[module], name)

    def killing(*args, **kwargs):
        if when == "after":
            original(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)

    setattr({"search": search, "rotation": rotation}[module], name, killing)
    vault = root.open_vault(Settings())
    owner = accounts.find_member(vault, accounts.default_household(vault).id, "owner")
    if module == "rotation":
        rotation.rotate(vault, owner.id)
    else:
        deletion.delete_items(vault, owner, [item])
    print("survived")
''')
POINTS = ["search:_rebuild:after", "search:destroy_retired:before", "rotation:_rewrap:after",
          "rotation:_move_rows:before", "rotation:_finish:before"]


@pytest.mark.parametrize("point", POINTS)
def test_a_kill_in_a_rekey_or_a_rotation_loses_nothing(tmp_path: Path, point: str) -> None:
    settings = Settings(home=tmp_path / "data")
    home = open_home(settings, "sqlite")
    owner = set_retention(home.vault, home.owner, {"audio": "forever", "text": "forever", "action": "forever"})
    texts = ["water the begonias on Tuesday", "call Okonkwo about the kombucha", "buy quinoa and lentils"]
    ids = [interactions.record(home.vault, owner, None, NewInteraction(transcript=t, response="Okay.")).id for t in texts]
    old_key = owner.key_id
    home.vault.close()

    env = {**os.environ, "ECHOLESS_HOME": str(settings.home), "ECHOLESS_LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-c", KILLER, point, ids[1]], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]

    # finishes an interrupted rotation; a leftover old key goes at once (no grace: nothing else writes here)
    vault = root.open_vault(settings.model_copy(update={"reconcile_grace_seconds": 0.0}))
    try:
        from echoless.privacy import housekeeping

        housekeeping.startup(vault)  # finishes an interrupted deletion
        me = accounts.find_member(vault, accounts.default_household(vault).id, "owner")
        kept = {i.id: i.transcript for i in interactions.history(vault, me).items}
        expected = {i: t for i, t in zip(ids, texts)}
        deleted = point == "search:destroy_retired:before"  # killed after the journal committed
        if deleted:
            del expected[ids[1]]
        assert kept == expected, "an item was lost or a deleted one came back"
        assert [i.id for i in search.search(vault, me, "begon").items] == [ids[0]]
        assert (search.search(vault, me, "okonkwo").items == []) == deleted
        if point.startswith("rotation"):
            assert me.key_id != old_key and old_key not in vault.keyring.owner_key_ids(me.id)
            assert "Okonkwo" in dict(vocabulary.learned(vault, me))
        report = root.verify(vault, extra_needles=[b"Okonkwo"] if deleted else [])
        assert report.clean, report.to_json()
    finally:
        vault.close()
