from __future__ import annotations

from collections.abc import Iterator

import pytest

from homes import Home
from hub import Hub, cheap_passwords, open_hub  # noqa: F401


@pytest.fixture
def hub(sqlite_home: Home, cheap_passwords: None) -> Iterator[Hub]:  # noqa: F811
    with open_hub(sqlite_home) as opened:
        yield opened
