"""A skill that is down, slow, answers garbage or an error: the member hears a short fallback, the
outcome is recorded, nothing crashes. Pseudonyms differ per skill; a forged request is detectable."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from homes import Home
from sharing_helpers import install, say
from skill_server import Behaviour, dead_base, manifest, skill_server
from speech_synth import synthesise_wav

from echoless.pipeline import run as pipeline
from echoless.privacy import receipts
from echoless.sharing import invoke, ledger, skills, wire
from echoless.vault.signing import public_key_text


def test_a_skill_that_is_down_gives_the_fallback_from_real_audio(skill_home: Home) -> None:
    home = skill_home
    install(home, manifest("jokes", base=dead_base()))
    skills.enable(home.vault, home.owner, "jokes")
    result = pipeline.run(home.vault, home.owner, home.device.id, synthesise_wav("tell me a joke about cats"))
    assert result.response == invoke.fallback("jokes")
    assert result.action is not None and result.action["success"] is False and result.id is not None
    assert ledger.shares(home.vault, home.owner)[0]["outcome"] == "unreachable"


@pytest.mark.parametrize(("answer", "outcome"), [("slow", "timeout"), ("garbage", "bad-answer"), ("status-500", "bad-status")])
def test_a_slow_or_garbled_skill_gives_the_fallback(sqlite_home: Home, answer: str, outcome: str) -> None:
    home = sqlite_home
    home.vault.settings.share_timeout_seconds = 0.5
    with skill_server(Behaviour(answer=answer, slow_seconds=2.0)) as skill:
        install(home, manifest("jokes", skill))
        skills.enable(home.vault, home.owner, "jokes")
        started = time.monotonic()
        item_id, result = say(home, home.owner, "tell me a joke about cats")
        assert time.monotonic() - started < 1.5  # the timeout holds
        assert result.response == invoke.fallback("jokes") and result.outcome == outcome
        (share,) = ledger.shares(home.vault, home.owner)
        assert share["outcome"] == outcome and share["interaction_id"] == item_id


def test_two_skills_get_different_pseudonyms_and_a_forged_request_is_detectable(skill_home: Home) -> None:
    home, vault = skill_home, skill_home.vault
    other, _ = home.add_member("sam")
    with skill_server() as jokes, skill_server() as quotes:
        install(home, manifest("jokes", jokes))
        install(home, manifest("quotes", quotes, sentences=["give me a quote about {topic}"]))
        for member in (home.owner, other):
            skills.enable(vault, member, "jokes")
            skills.enable(vault, member, "quotes")
            say(home, member, "tell me a joke about cats")
            say(home, member, "give me a quote about cats")
            say(home, member, "tell me a joke about dogs")
        users_jokes = [r.json()["user"] for r in jokes.asks()]
        users_quotes = [r.json()["user"] for r in quotes.asks()]
        assert users_jokes[0] == users_jokes[1] != users_jokes[2] == users_jokes[3]  # stable per (member, skill)
        assert set(users_jokes).isdisjoint(users_quotes)  # unlinkable across skills
        assert len({r.json()["interaction"] for r in jokes.asks()}) == 4  # a fresh interaction id each time

        published = receipts.instance_public_key(vault)
        genuine = jokes.asks()[0]
        assert wire.verify(published, jokes.ask_url, genuine.body, genuine.headers)
        tampered = genuine.body.replace(b"cats", b"dogs")
        assert not wire.verify(published, jokes.ask_url, tampered, genuine.headers)
        assert not wire.verify(published, quotes.ask_url, genuine.body, genuine.headers)  # replayed to another skill
        forger = Ed25519PrivateKey.generate()
        forged = wire.sign(forger, jokes.ask_url, genuine.body)
        assert not wire.verify(published, jokes.ask_url, genuine.body, forged)
        assert forged[wire.KEY] == public_key_text(forger.public_key())  # the header key alone proves nothing
        stale = wire.sign(vault.signing_key, jokes.ask_url, genuine.body, now=time.time() - 3600)
        assert not wire.verify(published, jokes.ask_url, genuine.body, stale)
        assert base64.b64decode(genuine.headers[wire.SIGNATURE])
