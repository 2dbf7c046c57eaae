"""HassGetCurrentTime, HassGetCurrentDate: spoken from `now` (pass the household's local time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from echoless.pipeline.skills.responses import render
from echoless.pipeline.skills.result import ActionResult, done


def current_time(slots: dict[str, Any], now: datetime) -> ActionResult:
    fallback = now.strftime("%I:%M %p").lstrip("0")
    response = render("HassGetCurrentTime", "default", fallback, slots={**slots, "time": now.time()})
    return done("HassGetCurrentTime", slots, "time told", response)


def current_date(slots: dict[str, Any], now: datetime) -> ActionResult:
    fallback = now.strftime("%B %d, %Y")
    response = render("HassGetCurrentDate", "default", fallback, slots={**slots, "date": now.date()})
    return done("HassGetCurrentDate", slots, "date told", response)
