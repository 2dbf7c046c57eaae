"""Deletion requests to skills: retried until acknowledged, overdue after the deadline, durable across
a restart, and sent for every kind of deletion (items, range, everything, retention, disable+forget)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

from homes import Home
from sharing_helpers import deliver_until, delete_items, install, say
from skill_server import Behaviour, manifest, skill_server

from echoless.privacy import deletion, receipts
from echoless.sharing import ledger, notices, skills, wire
from echoless.vault.db import utcnow


def _statuses(home: Home, job_id: str) -> list[str]:
    return [t["status"] for t in receipts.for_deletion(home.vault, home.owner, job_id)["third_parties"]]


def test_a_skill_that_fails_several_times_then_acknowledges_is_retried_until_confirmed(skill_home: Home) -> None:
    home = skill_home
    with skill_server(Behaviour(forget_failures=3)) as skill:
        install(home, manifest("jokes", skill))
        skills.enable(home.vault, home.owner, "jokes")
        item_id, _ = say(home, home.owner, "tell me a joke about cats")
        job = delete_items(home, home.owner, [item_id])
        assert _statuses(home, job.id) == ["asked"]
        deliver_until(home, lambda: _statuses(home, job.id) == ["confirmed"])
        assert len(skill.forgets()) == 4  # three failures, then the acknowledgement
        assert len({f.body for f in skill.forgets()}) == 1  # the same request each time
        (request,) = ledger.requests(home.vault, home.owner)
        assert request["attempts"] == 4 and request["status"] == "confirmed"
        assert receipts.verify_document(receipts.for_deletion(home.vault, home.owner, job.id), receipts.instance_public_key(home.vault))


def test_a_skill_that_never_acknowledges_is_overdue_and_blocks_nothing(overdue_home: Home) -> None:
    home = overdue_home
    with skill_server(Behaviour(forget="never")) as dead, skill_server(Behaviour(speech="Quote.")) as good:
        install(home, manifest("jokes", dead))
        install(home, manifest("quotes", good, sentences=["give me a quote about {topic}"]))
        skills.enable(home.vault, home.owner, "jokes")
        skills.enable(home.vault, home.owner, "quotes")
        first, _ = say(home, home.owner, "tell me a joke about cats")
        job = delete_items(home, home.owner, [first])
        notices.deliver_due(home.vault)
        assert _statuses(home, job.id) == ["asked"]
        time.sleep(1.1)
        notices.deliver_due(home.vault)
        assert _statuses(home, job.id) == ["overdue"]
        assert ledger.shares(home.vault, home.owner)[0]["deletion"]["status"] == "overdue"
        # Nothing else waits for it: other shares, deletions and their requests go through.
        second, answer = say(home, home.owner, "give me a quote about dogs")
        assert answer.response == "Quote."
        other = delete_items(home, home.owner, [second])
        deliver_until(home, lambda: _statuses(home, other.id) == ["confirmed"])
        assert _statuses(home, job.id) == ["overdue"]  # still retried, still overdue
        assert len(dead.forgets()) >= 2


def test_a_restart_in_the_middle_of_the_retry_loop_loses_no_deletion_request(skill_home: Home) -> None:
    home = skill_home
    with skill_server(Behaviour(forget="never")) as skill:
        install(home, manifest("jokes", skill))
        skills.enable(home.vault, home.owner, "jokes")
        item_id, _ = say(home, home.owner, "tell me a joke about cats")
        job = delete_items(home, home.owner, [item_id])
        notices.deliver_due(home.vault)
        assert len(skill.forgets()) == 1 and _statuses(home, job.id) == ["asked"]
        home.vault.close()  # the process "dies" with the request unacknowledged

        skill.behaviour.forget = "ack"
        env = {**os.environ, "ECHOLESS_HOME": str(home.settings.home), "ECHOLESS_SHARE_RETRY_BASE_SECONDS": "0"}
        if home.settings.database_url:
            env.update(ECHOLESS_DATABASE_URL=home.settings.database_url, ECHOLESS_KEYRING_URL=home.settings.keyring_url or "")
        code = (
            "from echoless.settings import Settings; from echoless.root import open_vault\n"
            "from echoless.sharing import notices\n"
            "vault = open_vault(Settings()); print(notices.deliver_due(vault)); vault.close()\n"
        )
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "'confirmed': 1" in done.stdout
        assert len(skill.forgets()) == 2 and skill.forgets()[0].body == skill.forgets()[1].body
        from echoless.root import open_vault

        home.vault = open_vault(home.settings)
        assert _statuses(home, job.id) == ["confirmed"]


def test_every_kind_of_deletion_follows_the_data(skill_home: Home) -> None:
    home, vault = skill_home, skill_home.vault
    member, _ = home.add_member("sam", retention={"audio": "forever", "text": "forever", "action": "forever"})
    with skill_server() as skill:
        install(home, manifest("jokes", skill))
        skills.enable(vault, member, "jokes")
        old_user = wire.member_pseudonym(vault, member.id, member.key_id, skills.find(vault, member.household_id, "jokes").id)
        a, _ = say(home, member, "tell me a joke about cats")
        b, _ = say(home, member, "tell me a joke about dogs")
        c, _ = say(home, member, "tell me a joke about computers")
        # a range
        ranged = deletion.purge(vault, deletion.delete_range(vault, member, utcnow() - timedelta(hours=1), None).id)
        assert len(ranged.item_ids) == 3
        deliver_until(home, lambda: len(skill.forgets()) == 1)
        assert sorted(skill.forgets()[0].json()["interactions"]) == sorted(
            s["pseudonymous_interaction_id"] for s in ledger.shares(vault, member)
        )
        # retention
        d, _ = say(home, member, "tell me a joke about cats")
        deletion.expire(vault, [(member.id, [d], ["audio", "text", "action"])])
        deliver_until(home, lambda: len(skill.forgets()) == 2)
        assert skill.forgets()[1].json()["scope"] == "interactions"
        # everything: the pseudonym is resolved before the member key dies, then it is gone for good
        say(home, member, "tell me a joke about dogs")
        everything = deletion.purge(vault, deletion.delete_all(vault, member).id)
        deliver_until(home, lambda: len(skill.forgets()) == 3)
        assert skill.forgets()[2].json() == {"request": skill.forgets()[2].json()["request"], "scope": "all", "user": old_user}
        deliver_until(home, lambda: [t["status"] for t in receipts.for_deletion(vault, member, everything.id)["third_parties"]] == ["confirmed"])
        member = home.member(member.id)
        _, again = say(home, member, "tell me a joke about cats")
        assert skill.asks()[-1].json()["user"] != old_user  # a new key, a new pseudonym
        # disabling with "ask them to delete"
        skills.disable(vault, member, "jokes", forget=True)
        deliver_until(home, lambda: len(skill.forgets()) == 4)
        assert skill.forgets()[3].json()["scope"] == "all"
        assert skills.match_text(vault, member, "tell me a joke about cats") is None
        assert all(s["deletion"]["status"] == "confirmed" for s in ledger.shares(vault, member))
        assert len(ledger.shares(vault, member)) == 6 and {a, b, c}
