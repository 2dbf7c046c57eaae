"""Personalisation helps and forgets, measured with the real recogniser on synthesised requests
(the quick half of bench/personalisation.py, figure 8)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for bench/
from bench.personalisation import measure  # noqa: E402


def test_learned_words_lower_the_word_error_rate_and_are_forgotten() -> None:
    try:
        result = measure(quick=True, log=lambda _line: None)
    except Exception as exc:  # noqa: BLE001
        if "SynthesisUnavailable" in type(exc).__name__:
            pytest.skip("no speech synthesis")
        raise
    assert {"kombucha", "Siobhan", "Tiffany", "gochujang"} <= set(result["learned"])
    assert result["wer_with"] < result["wer_without"], result["pairs"]
    assert result["after_delete"] == []
