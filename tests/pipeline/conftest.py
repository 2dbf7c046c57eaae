from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for `import audio_fixtures` (tests/ is not a package)

from echoless.pipeline.recognise import Recogniser, get_recogniser  # noqa: E402
from echoless.settings import load_settings  # noqa: E402


@pytest.fixture(scope="session")
def recogniser() -> Recogniser:
    """The bundled model, loaded once for the whole session through the process-wide cache."""
    return get_recogniser(load_settings())
