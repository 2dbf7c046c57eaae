"""Durable deletion across the purge's steps (PRIVACY_MODEL §3.5, §3.8): a process is SIGKILLed just before
each store of the registry purges (and inside the transaction that marks the job purged); after a
restart nothing derived from the deleted item outlives the crash, the job ends purged with exactly one
receipt, and the verifier is clean."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from echoless import root
from echoless.derived import corpus
from echoless.derived.models import CorpusSample, Lineage, SearchPosting, SearchSlot, VocabularyEntry
from echoless.privacy import housekeeping
from echoless.settings import Settings
from echoless.vault import interactions
from echoless.vault.interactions import NewInteraction
from echoless.vault.models import DeletionJob, Interaction
from echoless.vault.records import ReceiptRow
from homes import open_home

# Where the kill lands: before each store's purge, and inside the transaction that marks the job purged.
POINTS = [("purge", name) for name in ("keyring", "lineage", "blobs", "interactions", "home")] + [("purged", "receipts")]

KILLER = textwrap.dedent('''
    import os, signal, sys
    from echoless import root
    from echoless.privacy import deletion
    from echoless.settings import Settings
    from echoless.vault import accounts
    from echoless.vault.store import Registry, Store

    step, before, scope, item = sys.argv[1:5]

    class Killer(Store):
        name = "killer"

    def die(*_):
        os.kill(os.getpid(), signal.SIGKILL)

    setattr(Killer, step, die)
    vault = root.open_vault(Settings())
    stores = list(vault.stores)
    at = next(i for i, s in enumerate(stores) if s.name == before)
    vault.stores = Registry([*stores[:at], Killer(), *stores[at:]])
    owner = accounts.find_member(vault, accounts.default_household(vault).id, "owner")
    if scope == "all":
        deletion.delete_all(vault, owner)
    else:
        deletion.delete_items(vault, owner, [item])
    print("survived")
''')


def _count(vault, query) -> int:  # type: ignore[no-untyped-def]
    with vault.data.read() as session:
        return session.scalar(select(func.count()).select_from(query.subquery()))


@pytest.mark.parametrize("scope", ["items", "all"])
@pytest.mark.parametrize(("step", "before"), POINTS)
def test_a_kill_between_purge_steps_leaves_no_derived_data(tmp_path: Path, step: str, before: str, scope: str) -> None:
    settings = Settings(home=tmp_path / "data")
    home = open_home(settings, "sqlite")
    corpus.set_consent(home.vault, home.owner, True)
    owner = home.member(home.owner.id)
    doomed = interactions.record(home.vault, owner, None, NewInteraction(
        audio=b"RIFF-not-really-audio" * 40, audio_type="audio/wav", transcript="call Okonkwo about the kombucha",
        response="Calling Okonkwo", action={"intent": "Call", "slots": {"name": "Okonkwo"}},
    ))
    home.vault.close()

    env = {**os.environ, "ECHOLESS_HOME": str(settings.home), "ECHOLESS_LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-c", KILLER, step, before, scope, doomed.id], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]

    vault = root.open_vault(settings)
    try:
        with vault.data.read() as session:
            job = session.scalars(select(DeletionJob)).one()
        assert job.state != "purged", "the kill came before the purge was committed"
        housekeeping.startup(vault)  # what a restarted server does first
        with vault.data.read() as session:
            job = session.get(DeletionJob, job.id)
        assert job.state == "purged"
        assert _count(vault, select(ReceiptRow).where(ReceiptRow.deletion_id == job.id)) == 1
        assert _count(vault, select(Interaction)) == 0
        assert _count(vault, select(SearchSlot)) == 0
        assert _count(vault, select(SearchPosting)) == 0
        assert _count(vault, select(VocabularyEntry)) == 0
        assert _count(vault, select(CorpusSample)) == 0
        assert _count(vault, select(Lineage)) == 0
        assert list(vault.blobs.list("audio")) == []
        report = root.verify(vault, extra_needles=[b"Okonkwo", b"kombucha"])
        assert report.clean, report.to_json()
    finally:
        vault.close()
