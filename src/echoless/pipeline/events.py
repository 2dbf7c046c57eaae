"""The pipeline's typed event stream. The HTTP answer, the WebSocket and the CLI all carry these."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

RUN_START = "run-start"
STT_END = "stt-end"
INTENT_END = "intent-end"
ACTION_END = "action-end"
TTS_END = "tts-end"
ERROR = "error"
RUN_END = "run-end"
TIMER_FIRED = "timer-fired"
EVENT_TYPES = (RUN_START, STT_END, INTENT_END, ACTION_END, TTS_END, ERROR, RUN_END, TIMER_FIRED)


@dataclass(frozen=True)
class Event:
    type: str
    data: dict[str, Any] = field(default_factory=dict)
    timestamp: float = field(default_factory=time.time)

    def __repr__(self) -> str:  # data may hold content
        return f"Event(type={self.type!r})"

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "timestamp": self.timestamp, "data": self.data}
