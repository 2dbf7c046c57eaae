"""Improving the assistant (opt-in corpus, reviewers, export) and analytics without people."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from apiclient import api, bearer
from helpers import say
from homes import Home
from echoless import root
from echoless.derived import corpus, stats
from echoless.derived.models import StatsContribution, DailyCount
from echoless.errors import BadRequest, Forbidden, NotFound
from echoless.privacy import deletion, verifier
from echoless.vault import audit, interactions

SHOP = {"intent": "HassShoppingListAddItem", "slots": {"item": "kombucha"}, "success": True, "result": "added"}


def _manifest(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def test_contributing_is_off_by_default_and_only_reviewers_see_samples(home: Home) -> None:
    v, me = home.vault, home.owner
    sam, _ = home.add_member("sam", retention={"audio": "forever", "text": "forever", "action": "forever"})
    say(v, sam, "add kombucha to my shopping list", action=SHOP, audio=True)
    corpus.grant_reviewer(v, me, me.id)
    assert corpus.list_samples(v, me) == []  # sam did not opt in
    corpus.set_consent(v, sam, True, human_review=True)
    say(v, sam, "add kombucha to my shopping list please", action=SHOP, audio=True)
    with pytest.raises(Forbidden):
        corpus.list_samples(v, sam)  # not a reviewer
    with pytest.raises(Forbidden):
        corpus.grant_reviewer(v, sam, sam.id)  # only the owner grants the role
    [listed] = corpus.list_samples(v, me)
    assert "transcript" not in listed
    before = len([e for e in audit.entries(v) if e.kind == audit.SAMPLE_VIEWED])
    seen = corpus.view_sample(v, me, listed["id"])
    assert seen.transcript == "add kombucha to my shopping list please" and seen.intent["intent"] == SHOP["intent"]
    assert corpus.sample_audio(v, me, listed["id"])[0].startswith(b"RIFF")
    viewed = [e for e in audit.entries(v) if e.kind == audit.SAMPLE_VIEWED]
    assert len(viewed) == before + 2 and viewed[-1].subject == listed["id"]
    corpus.annotate(v, me, listed["id"], "HassShoppingListAddItem", {"item": "kombucha tea"})
    assert corpus.view_sample(v, me, listed["id"]).corrected == {"intent": "HassShoppingListAddItem", "slots": {"item": "kombucha tea"}}
    assert verifier.verify(v, extra_needles=[b"kombucha tea"]).clean


def test_export_never_holds_a_deleted_or_withdrawn_sample(home: Home, tmp_path: Path) -> None:
    v, me = home.vault, home.owner
    sam, _ = home.add_member("sam", retention={"audio": "forever", "text": "forever", "action": "forever"})
    for who in (me, sam):
        corpus.set_consent(v, who, True, human_review=True)
    kept = say(v, me, "add kombucha to my shopping list", action=SHOP, audio=True)
    gone = say(v, me, "call Siobhan", audio=True)
    say(v, sam, "turn on the Tiffany lamp", audio=True)
    corpus.grant_reviewer(v, me, me.id)
    sample_of_gone = [s["id"] for s in corpus.list_samples(v, me)]
    corpus.annotate(v, me, sample_of_gone[1], "CallPerson")  # newest first: [sam's, gone's, kept's]
    out = tmp_path / "dataset"
    assert corpus.export(v, out) == 3
    job = deletion.delete_items(v, me, [gone])
    deletion.purge(v, job.id)
    assert corpus.set_consent(v, sam, False) == 1
    assert corpus.export(v, out) == 1
    [line] = _manifest(out)
    assert line["transcript"] == "add kombucha to my shopping list" and line["intent"] == SHOP["intent"]
    assert [p.name for p in (out / "audio").iterdir()] == [Path(line["audio"]).name]
    with pytest.raises(NotFound):
        corpus.view_sample(v, me, sample_of_gone[1])
    assert kept and verifier.verify(v).clean


def ran(home: Home, member, intent: str | None, success: bool = True, seconds: float = 0.4) -> str:  # type: ignore[no-untyped-def]
    """A recorded request as the pipeline records it: its action record and the run's facts."""
    new = interactions.NewInteraction(transcript="please do it", response="Done.", action={"intent": intent, "success": success},
                                      run=interactions.RunFacts(intent, success, seconds))
    return interactions.record(home.vault, member, None, new).id


def test_counts_rest_only_when_k_members_made_them_and_small_ones_die_with_their_source(home: Home) -> None:
    v = home.vault
    people = [home.owner] + [home.add_member(f"p{n}")[0] for n in range(4)]
    for person in people:  # five distinct members: the group may rest
        ran(home, person, "HassTurnOn")
    lonely = ran(home, home.owner, "HassTurnOff", success=False, seconds=3.0)  # one member: it may not
    [day] = root.stats_report(v)["days"]
    with v.data.read() as session:
        rows = list(session.scalars(select(DailyCount)))
        waiting = list(session.scalars(select(StatsContribution)))
    assert [(r.count, r.outcome) for r in rows] == [(5, "ok")] and [w.item_id for w in waiting] == [lonely]
    assert all(home.owner.id not in (r.day, r.intent) for r in rows) and all("Hass" not in r.intent for r in rows)
    assert day["requests"] == 5 and day["intents"] == {"HassTurnOn": 5}  # a name below k is not even listed
    assert day["latency_ms"]["≤500"] == 5 and day["failed"] is None
    assert root.stats_report(v, k=10)["days"][0]["requests"] is None
    deletion.delete_items(v, home.member(home.owner.id), [lonely])  # the lonely contribution dies with its source
    with v.data.read() as session:
        assert list(session.scalars(select(StatsContribution))) == []
    assert verifier.verify(v).clean


def test_stats_and_consent_through_the_api(home: Home) -> None:
    v = home.vault
    sam, sam_token = home.add_member("sam")
    for person in [home.owner, sam] + [home.add_member(f"p{n}")[0] for n in range(3)]:
        ran(home, person, None, success=False, seconds=12.0)
    v.close()
    with api(home.settings) as client:
        body = client.get("/v1/stats", headers=bearer(home.owner_token)).json()
        assert body["k"] == 5 and body["days"][0]["failed"] == 5
        assert client.get("/v1/stats", headers=bearer(sam_token)).status_code == 403
        assert client.put("/v1/corpus/consent", json={"contribute": True}, headers=bearer(sam_token)).json()["contribute"]
        assert client.get("/v1/corpus/samples", headers=bearer(sam_token)).status_code == 403
        ok = client.put("/v1/household/reviewers/sam", json={"reviewer": True}, headers=bearer(home.owner_token))
        assert ok.json() == {"member": "sam", "reviewer": True}
        assert client.get("/v1/corpus/samples", headers=bearer(sam_token)).json() == {"samples": []}
        assert client.get("/v1/vocabulary", headers=bearer(sam_token)).json() == {"words": []}


def test_the_dataset_is_private_and_follows_no_link(home: Home, tmp_path: Path) -> None:
    v, me = home.vault, home.owner
    corpus.set_consent(v, me, True)
    say(v, home.member(me.id), "add kombucha to my shopping list", action=SHOP, audio=True)
    out = tmp_path / "dataset"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere.jsonl"
    (out / "manifest.jsonl").symlink_to(elsewhere)  # a planted link must not receive the plaintext
    assert corpus.export(v, out) == 1
    assert not elsewhere.exists() and not (out / "manifest.jsonl").is_symlink()
    assert {oct(p.stat().st_mode & 0o777) for p in out.rglob("*") if p.is_file()} == {"0o600"}
    assert oct(out.stat().st_mode & 0o777) == "0o700"
    link = tmp_path / "linked"
    link.symlink_to(out)
    with pytest.raises(BadRequest):
        corpus.export(v, link)
