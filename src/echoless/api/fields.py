"""Field types the request models share, each as strict as what the server accepts, so that the OpenAPI
says it (tests/api/test_contract.py checks that schema-valid requests are accepted and others refused)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

# A name has something in it besides white space, and no NUL (PostgreSQL cannot store one). Python counts
# U+001C..U+001F as white space (str.split, str.strip) where the schema's `\s` does not, so they are named.
NAME_PATTERN = r"^[^\x00]*[^\s\x00\x1c-\x1f][^\x00]*$"
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=NAME_PATTERN)]

_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_only(value: Any) -> Any:
    if isinstance(value, (int, float)) or (isinstance(value, str) and not _ISO_TIME.match(value)):
        raise ValueError("expected an ISO 8601 date and time (e.g. 2026-05-01T08:00:00Z)")
    return value


# A time a client sends: an ISO 8601 date and time only (pydantic alone also takes a number as a Unix time,
# which the schema's `date-time` does not allow).
IsoTime = Annotated[datetime, BeforeValidator(_iso_only)]
