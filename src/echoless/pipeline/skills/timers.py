"""Timers: start, cancel, pause, resume, add/remove time, status; and the two pure functions the
server uses to fire real timers: `fired_timers(home, now)` and `next_deadline(home)`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from echoless.pipeline.home import HomeState, Timer
from echoless.pipeline.skills.responses import render, render_error
from echoless.pipeline.skills.result import ActionResult, done, failed

_LOGGER = logging.getLogger(__name__)


def format_duration(seconds: float) -> str:
    """Short form for action records: "1 h 30 min", "10 min", "45 s"."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s" if secs else ""]
    return " ".join(p for p in parts if p) or "0 s"


def spoken_duration(seconds: float, *, adjective: bool = False) -> str:
    """For speech: "1 hour and 30 minutes", "5 seconds"; as an adjective: "5 second" (a 5 second timer)."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n} {unit}{'s' if n != 1 and not adjective else ''}" for n, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")) if n]
    if not parts:
        return "0 seconds"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _label(timer: Timer) -> str:
    duration = format_duration(timer.start_seconds)
    return f"{timer.name} timer {duration}" if timer.name else f"timer {duration}"


def _spoken_parts(slots: dict[str, Any]) -> dict[str, Any]:
    """HA's templates want the hours/minutes/seconds parts as the user said them (text)."""
    total = int(slots.get("seconds", 0))
    hours, minutes = slots.get("hours"), slots.get("minutes")
    parts: dict[str, Any] = {k: v for k, v in slots.items() if k not in ("hours", "minutes", "seconds")}
    secs = total - 3600 * int(hours or 0) - 60 * int(minutes or 0)
    if hours:
        parts["hours"] = str(hours)
    if minutes:
        parts["minutes"] = str(minutes)
    if secs:
        parts["seconds"] = str(secs)
    return parts


def _matching(home: HomeState, slots: dict[str, Any]) -> list[Timer]:
    timers = list(home.timers)
    if slots.get("name"):
        wanted = str(slots["name"]).casefold().strip()
        timers = [t for t in timers if t.name is not None and t.name.casefold().strip() == wanted]
    if slots.get("area"):
        timers = [t for t in timers if t.area is not None and t.area.casefold() == str(slots["area"]).casefold()]
    if slots.get("start_seconds"):
        timers = [t for t in timers if t.start_seconds == int(slots["start_seconds"])]
    return timers


def _pick(home: HomeState, slots: dict[str, Any], prefer_active: bool | None) -> Timer | None:
    """One timer for a single-timer command: the only match, else the one in the right state,
    else the most recently started."""
    timers = _matching(home, slots)
    if prefer_active is not None and len(timers) > 1:
        timers = [t for t in timers if t.is_active == prefer_active] or timers
    return timers[-1] if timers else None


def _not_found(intent: str, slots: dict[str, Any]) -> ActionResult:
    return failed(intent, slots, "timer not found", render_error("timer_not_found"))


def start(slots: dict[str, Any], home: HomeState, now: datetime) -> ActionResult:
    intent = "HassStartTimer"
    seconds = int(slots.get("seconds", 0))
    if seconds <= 0:
        return failed(intent, slots, "timer without duration", "Sorry, how long should the timer be?")
    name = str(slots["name"]).strip() if slots.get("name") else None
    timer = home.start_timer(seconds, now, name=name, area=slots.get("area"))
    fallback = f"Timer set for {format_duration(seconds)}"
    response = render(intent, "default", fallback, slots=_spoken_parts(slots))
    return done(intent, slots, f"{_label(timer)} started", response)


def cancel(slots: dict[str, Any], home: HomeState) -> ActionResult:
    intent = "HassCancelTimer"
    timer = _pick(home, slots, None)
    if timer is None:
        return _not_found(intent, slots)
    home.cancel_timer(timer)
    return done(intent, slots, f"{_label(timer)} cancelled", render(intent, "default", "Timer cancelled"))


def cancel_all(slots: dict[str, Any], home: HomeState) -> ActionResult:
    intent = "HassCancelAllTimers"
    timers = _matching(home, {"area": slots.get("area")})
    for timer in timers:
        home.cancel_timer(timer)
    key = "area" if slots.get("area") else "default"
    response = render(intent, key, f"Cancelled {len(timers)} timers.", slots={**slots, "canceled": len(timers)})
    return done(intent, slots, f"{len(timers)} timer{'' if len(timers) == 1 else 's'} cancelled", response)


def pause(slots: dict[str, Any], home: HomeState, now: datetime) -> ActionResult:
    intent = "HassPauseTimer"
    timer = _pick(home, slots, True)
    if timer is None:
        return _not_found(intent, slots)
    home.pause_timer(timer, now)
    return done(intent, slots, f"{_label(timer)} paused", render(intent, "default", "Timer paused"))


def unpause(slots: dict[str, Any], home: HomeState, now: datetime) -> ActionResult:
    intent = "HassUnpauseTimer"
    timer = _pick(home, slots, False)
    if timer is None:
        return _not_found(intent, slots)
    home.unpause_timer(timer, now)
    return done(intent, slots, f"{_label(timer)} resumed", render(intent, "default", "Timer resumed"))


def adjust(intent: str, slots: dict[str, Any], home: HomeState, now: datetime) -> ActionResult:
    """HassIncreaseTimer / HassDecreaseTimer by slots["seconds"]."""
    seconds = int(slots.get("seconds", 0))
    timer = _pick(home, slots, None)
    if timer is None:
        return _not_found(intent, slots)
    sign = 1 if intent == "HassIncreaseTimer" else -1
    home.adjust_timer(timer, sign * seconds, now)
    verb = "added to" if sign > 0 else "removed from"
    fallback = f"{format_duration(seconds)} {verb} timer"
    response = render(intent, "default", fallback, slots=_spoken_parts(slots))
    return done(intent, slots, f"{format_duration(seconds)} {verb} {_label(timer)}", response)


def _timer_info(timer: Timer, now: datetime) -> dict[str, Any]:
    left = int(round(timer.seconds_left(now)))
    hours, rest = divmod(left, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:  # round to the minute when more than an hour is left
        minutes, seconds = minutes + (1 if seconds >= 30 else 0), 0
        if minutes == 60:
            hours, minutes = hours + 1, 0
    start_h, start_rest = divmod(timer.start_seconds, 3600)
    start_m, start_s = divmod(start_rest, 60)
    return {
        "is_active": timer.is_active,
        "total_seconds_left": left,
        "rounded_hours_left": hours,
        "rounded_minutes_left": minutes,
        "rounded_seconds_left": seconds,
        "start_hours": start_h,
        "start_minutes": start_m,
        "start_seconds": start_s,
        "name": timer.name,
        "area": timer.area,
    }


def status(slots: dict[str, Any], home: HomeState, now: datetime) -> ActionResult:
    intent = "HassTimerStatus"
    timers = _matching(home, slots)
    if not timers and any(slots.get(k) for k in ("name", "area", "start_seconds")):
        return _not_found(intent, slots)
    infos = [_timer_info(t, now) for t in timers]
    fallback = "No timers." if not timers else f"{format_duration(timers[0].seconds_left(now))} left."
    response = render(intent, "default", fallback, slots={**slots, "timers": infos})
    summary = "; ".join(f"{_label(t)} {format_duration(t.seconds_left(now))} left" for t in timers) or "no timers"
    return done(intent, slots, f"timer status: {summary}", response)


def fired_timers(home: HomeState, now: datetime) -> list[Timer]:
    """Remove and return the running timers whose end is at or before `now` (paused ones never fire)."""
    fired = [t for t in home.timers if t.ends_at is not None and t.ends_at <= now]
    if fired:
        ids = {t.id for t in fired}
        home.timers = [t for t in home.timers if t.id not in ids]
        _LOGGER.debug("%d timers fired", len(fired))
    return sorted(fired, key=lambda t: t.ends_at or now)


def next_deadline(home: HomeState) -> datetime | None:
    """When the next running timer ends, or None when none runs."""
    ends = [t.ends_at for t in home.timers if t.ends_at is not None]
    return min(ends) if ends else None


def announcement(timer: Timer) -> str:
    """What to say when a timer fires."""
    return f"Your {timer.name} timer is done." if timer.name else f"Your {spoken_duration(timer.start_seconds, adjective=True)} timer is done."
