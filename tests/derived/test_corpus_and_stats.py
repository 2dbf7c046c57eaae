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
from echoless.derived.models import DailyCount
from echoless.errors import Forbidden, NotFound
from echoless.privacy import deletion, verifier
from echoless.vault import audit

SHOP = {"intent": "HassShoppingListAddItem", "slots": {"item": "kombucha"}, "success": True, "result": "added"}


def _manifest(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def test_contributing_is_off_by_default_and_only_reviewers_see_samples(home: Home) -> None:
    v, me = home.vault, home.owner
    sam, _ = home.add_member("sam", retention={"audio": "forever", "text": "forever", "action": "forever"})
    say(v, sam, "add kombucha to my shopping list", action=SHOP, audio=True)
    corpus.grant_reviewer(v, me, me.id)
    assert corpus.list_samples(v, me) == []  # sam did not opt in
    corpus.set_consent(v, sam, True)
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
        corpus.set_consent(v, who, True)
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


def test_counts_per_day_without_people_and_small_counts_suppressed(home: Home) -> None:
    v = home.vault
    for _ in range(6):
        stats.count_run(v, "HassTurnOn", True, 0.4)
    stats.count_run(v, "HassTurnOff", False, 3.0)
    with v.data.read() as session:
        rows = list(session.scalars(select(DailyCount)))
    assert all(home.owner.id not in (r.day, r.intent) for r in rows) and all("Hass" not in r.intent for r in rows)
    [day] = root.stats_report(v)["days"]
    assert day["requests"] == 7 and day["intents"]["HassTurnOn"] == 6
    assert day["intents"]["HassTurnOff"] is None and day["failed"] is None  # 1 < k = 5
    assert day["latency_ms"]["≤500"] == 6 and day["latency_ms"]["≤5000"] is None
    assert day["latency_p50_ms"] == 500
    assert root.stats_report(v, k=10)["days"][0]["requests"] is None


def test_stats_and_consent_through_the_api(home: Home) -> None:
    v = home.vault
    sam, sam_token = home.add_member("sam")
    for _ in range(5):
        stats.count_run(v, None, False, 12.0)
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
