"""What acting on an utterance produced (a skill's answer, the privacy intents' answers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Outcome:
    """The answer, the action record, and whether to record the interaction."""

    response: str
    action: dict[str, Any] | None
    record: bool = True
    share_id: str | None = None  # a third-party skill got a share; linked to the interaction once recorded
