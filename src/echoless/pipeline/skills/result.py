"""The outcome of acting on an intent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ActionResult:
    """`summary` is the action record (short, factual); `response` is what the assistant says.
    Both carry user content (names, items): never log them."""

    intent: str | None
    slots: dict[str, Any] = field(default_factory=dict)
    success: bool = True
    summary: str = ""
    response: str = ""

    def __repr__(self) -> str:
        return f"ActionResult(intent={self.intent!r}, success={self.success!r}, <content masked>)"


def failed(intent: str | None, slots: dict[str, Any], summary: str, response: str) -> ActionResult:
    return ActionResult(intent=intent, slots=dict(slots), success=False, summary=summary, response=response)


def done(intent: str, slots: dict[str, Any], summary: str, response: str) -> ActionResult:
    return ActionResult(intent=intent, slots=dict(slots), success=True, summary=summary, response=response)
