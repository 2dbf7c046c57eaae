"""Personalisation that forgets: words learned from a member's requests bias recognition, and are
forgotten — from the vocabulary, from "what do you know about me" and from the prompt — once the
interactions that taught them are deleted."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import say
from homes import Home
from samples import tone_wav
from echoless.content import Content
from echoless.derived import vocabulary
from echoless.pipeline import run as pipeline
from echoless.pipeline.recognise import Transcript
from echoless.privacy import deletion, verifier
from echoless.pipeline.skills import privacy

SHOP = {"intent": "HassShoppingListAddItem", "slots": {"item": "quinoa and kombucha"}, "success": True, "result": "added"}


def test_candidates_are_slot_values_and_capitalised_or_rare_words() -> None:
    words = dict(vocabulary.candidates("add quinoa and kombucha to my shopping list", SHOP))
    assert set(words) == {"quinoa", "kombucha"} and words["quinoa"] == "action"
    assert [w for w, _ in vocabulary.candidates("call Siobhan please", None)] == ["Siobhan"]
    assert [w for w, _ in vocabulary.candidates("turn on the Tiffany lamp", None)] == ["Tiffany"]
    assert vocabulary.candidates("set a timer for ten minutes", None) == []


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Runs the real pipeline with a stand-in recogniser that records the prompt it was given."""
    prompts: list[str | None] = []

    def hear(settings: Any, audio: bytes, *, prompt: str | None = None, **_: Any) -> tuple[Any, Transcript]:
        prompts.append(prompt)
        return pipeline.decode(settings, audio), Transcript(Content("what time is it"), 1.0, 0.01)

    monkeypatch.setattr(pipeline, "hear", hear)
    return prompts


def test_learned_words_bias_recognition_until_their_sources_are_deleted(home: Home, heard: list[str | None]) -> None:
    v, me = home.vault, home.owner
    first = say(v, me, "add quinoa and kombucha to my shopping list", action=SHOP)
    second = say(v, me, "call Siobhan")
    third = say(v, me, "call Siobhan again")
    assert dict(vocabulary.learned(v, me)) == {"Siobhan": 2, "quinoa": 1, "kombucha": 1}
    pipeline.run(v, me, None, tone_wav(1.0))
    assert "kombucha" in heard[-1] and "Siobhan" in heard[-1]
    known = privacy._what_do_you_know(v, me).response
    assert "learned 3 words" in known and "kombucha" not in known

    job = deletion.delete_items(v, me, [first])
    assert "kombucha" not in dict(vocabulary.learned(v, me))  # forgotten at once, before the purge
    deletion.purge(v, job.id)
    pipeline.run(v, me, None, tone_wav(1.0))
    assert "kombucha" not in heard[-1] and "quinoa" not in heard[-1] and "Siobhan" in heard[-1]
    assert "learned 1 word " in privacy._what_do_you_know(v, me).response

    job = deletion.delete_items(v, me, [second])  # one of the two teachers of "Siobhan": still known
    deletion.purge(v, job.id)
    assert dict(vocabulary.learned(v, me)) == {"Siobhan": 1}
    job = deletion.delete_items(v, me, [third])
    deletion.purge(v, job.id)
    assert vocabulary.learned(v, me) == []
    pipeline.run(v, me, None, tone_wav(1.0))
    assert "Siobhan" not in heard[-1]
    assert "learned" not in privacy._what_do_you_know(v, me).response
    assert verifier.verify(v, extra_needles=[b"kombucha", b"Siobhan"]).clean


def test_delete_everything_forgets_every_word(home: Home) -> None:
    v, me = home.vault, home.owner
    say(v, me, "call Siobhan")
    job = deletion.delete_all(v, me)
    assert vocabulary.learned(v, home.member(me.id)) == []
    deletion.purge(v, job.id)
    assert verifier.verify(v).clean


def test_words_are_stored_encrypted(home: Home) -> None:
    say(home.vault, home.owner, "turn on the Tiffany lamp")
    report = verifier.verify(home.vault, extra_needles=[b"Tiffany"])
    assert report.clean
