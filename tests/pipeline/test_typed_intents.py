"""The intent test set, typed (and the privacy requests in typed words): every case run through the typed path (root.ask_text: the text checked, then
understood, acted on, answered and recorded) against the demo home; and every case as people write it
(capitalised, with a full stop or question mark, a newline, stray spaces) checked and understood the way
the typed path reads it. Every one must be exact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from homes import Home
from intent_cases import INTENT_CASES, TYPED_CASES, as_written
from voice import with_demo_home

from echoless import root
from echoless.pipeline import homes, typed
from echoless.pipeline.understand import get_understander

REPO = Path(__file__).resolve().parents[2]
REPORT = REPO / "test-artifacts" / "typed_intents.json"


def _exact(got: str | None, got_slots: dict[str, object], intent: str, slots: dict[str, object]) -> bool:
    return got == intent and all(got_slots.get(k) == v for k, v in slots.items())


@pytest.fixture
def demo(sqlite_home: Home) -> Home:
    with_demo_home(sqlite_home)
    return sqlite_home


def test_typed_intent_set_is_exact(demo: Home) -> None:
    failures = []
    for text, intent, slots in INTENT_CASES + TYPED_CASES:
        result = root.ask_text(demo.vault, demo.owner, text)
        assert [e.type for e in result.events][:2] == ["run-start", "intent-end"]
        assert result.events[0].data["source"] == "typed"
        written = as_written(text)
        match = get_understander().understand(typed.clean(written, 1000), homes.load(demo.vault, demo.owner.household_id))
        for given, got, got_slots in ((text, result.intent, result.slots),
                                      (written, match.name if match else None, match.slots if match else {})):
            if not _exact(got, got_slots, intent, slots):
                failures.append({"typed": given, "expected": intent, "got": got, "expected_slots": slots, "got_slots": got_slots})
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps({"cases": len(INTENT_CASES + TYPED_CASES), "failures": failures}, indent=2, default=str))
    assert not failures, json.dumps(failures, indent=1, default=str)
