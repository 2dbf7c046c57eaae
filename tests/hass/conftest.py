"""One real Home Assistant per test session (tests/hass.py): made, started and onboarded once."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import hass  # noqa: E402


@pytest.fixture(scope="session")
def home_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[hass.HomeAssistant]:
    instance = hass.launch(tmp_path_factory.mktemp("home-assistant"))
    yield instance
    instance.stop()
