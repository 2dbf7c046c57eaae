"""Retention choices per part (PRIVACY_MODEL §1) and the arithmetic that turns them into expiry times."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from echoless.errors import BadRequest, ErrorCode

# The parts a member sets retention for; "text" covers the transcript and the response.
RETENTION_PARTS = ("audio", "text", "action")

CHOICES: dict[str, timedelta | None] = {
    "dont_save": timedelta(0),
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "3m": timedelta(days=91),
    "18m": timedelta(days=548),
    "forever": None,  # until I delete
}
LABELS = {
    "dont_save": "don't save",
    "1d": "1 day",
    "7d": "7 days",
    "30d": "30 days",
    "3m": "3 months",
    "18m": "18 months",
    "forever": "until I delete",
}
DEFAULTS = {"audio": "dont_save", "text": "30d", "action": "30d"}
CHILD_LIMIT = timedelta(days=30)


class RetentionError(BadRequest):
    code = ErrorCode.INVALID_RETENTION


def retention_of(settings: dict[str, Any]) -> dict[str, str]:
    return {**DEFAULTS, **settings.get("retention", {})}


def validate(retention: dict[str, str], *, child: bool) -> dict[str, str]:
    unknown = set(retention) - set(RETENTION_PARTS)
    if unknown:
        raise RetentionError(f"unknown retention part(s): {', '.join(sorted(unknown))}; parts are {', '.join(RETENTION_PARTS)}")
    for part, choice in retention.items():
        if choice not in CHOICES:
            raise RetentionError(f"{choice!r} is not a retention choice for {part}; choose one of {', '.join(CHOICES)}")
        span = CHOICES[choice]
        if child and (span is None or span > CHILD_LIMIT):
            raise RetentionError(f"a child profile keeps {part} at most 30 days")
    return retention


def saves(choice: str) -> bool:
    return choice != "dont_save"


def expiry(created_at: datetime, choice: str) -> datetime | None:
    span = CHOICES[choice]
    return None if span is None else created_at + span


def _span(choice: str) -> timedelta:
    span = CHOICES[choice]
    return timedelta.max if span is None else span


def strictest(choices: list[dict[str, str]], *, child: bool) -> dict[str, str]:
    """Per part, the shortest of several members' choices (a shared device's history is kept no longer
    than any member it serves would keep their own); with a child among them, 30 days at most."""
    if not choices:
        return dict(DEFAULTS)
    kept = {part: min((c[part] for c in choices), key=_span) for part in RETENTION_PARTS}
    if child:
        kept = {part: choice if _span(choice) <= CHILD_LIMIT else "30d" for part, choice in kept.items()}
    return kept
