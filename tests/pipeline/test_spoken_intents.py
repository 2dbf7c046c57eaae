"""The intent test set, spoken: every case synthesised to speech, heard by the real recogniser and
understood against the demo home. At least 90% must give the exact intent and slots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echoless.pipeline.home import demo_home
from echoless.pipeline.prompt import recognition_prompt
from echoless.pipeline.run import hear
from echoless.pipeline.understand import get_understander
from echoless.settings import Settings
from intent_cases import INTENT_CASES

REPO = Path(__file__).resolve().parents[2]
REPORT = REPO / "test-artifacts" / "spoken_intents.json"


def test_spoken_intent_set_is_at_least_90_percent_exact() -> None:
    speech_synth = pytest.importorskip("speech_synth")
    settings = Settings()
    understander = get_understander()
    assert len(INTENT_CASES) >= 60
    failures = []
    for text, intent, slots in INTENT_CASES:
        _, transcript = hear(settings, speech_synth.synthesise_wav(text), prompt=recognition_prompt(demo_home()))
        match = understander.understand(transcript.text, demo_home())
        got_intent = match.name if match else None
        got_slots = match.slots if match else {}
        exact = got_intent == intent and all(got_slots.get(k) == v for k, v in slots.items())
        if not exact:
            failures.append({"said": text, "heard": str(transcript.text), "expected": intent, "got": got_intent,
                             "expected_slots": slots, "got_slots": got_slots})
    accuracy = 1 - len(failures) / len(INTENT_CASES)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps({"cases": len(INTENT_CASES), "accuracy": accuracy, "failures": failures}, indent=2, default=str))
    assert accuracy >= 0.9, json.dumps(failures, indent=1, default=str)
