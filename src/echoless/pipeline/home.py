"""The simulated home: areas, devices, the shopping list and timers of one household.

The state is the household's own data (see the privacy model: effects outlive history). The caller
stores it encrypted; this module only gives a JSON round trip (`to_json` / `HomeState.from_json`).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from echoless.errors import BadRequest, Conflict, ErrorCode, NotFound

_LOGGER = logging.getLogger(__name__)

DeviceKind = Literal["light", "switch"]
DEVICE_KINDS: tuple[str, ...] = ("light", "switch")
FORMAT_VERSION = 1


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


@dataclass
class Device:
    name: str
    kind: str  # "light" | "switch"
    area: str | None = None
    on: bool = False
    brightness: int = 100  # 0-100; meaningful for lights


@dataclass
class ShoppingItem:
    name: str
    complete: bool = False


@dataclass
class Timer:
    """A running timer has `ends_at`; a paused one has `remaining_seconds` instead."""

    id: str
    total_seconds: int  # current total duration (start duration plus any increases/decreases)
    start_seconds: int  # the duration it was started with (HA's start_hours/minutes/seconds match this)
    name: str | None = None
    area: str | None = None
    ends_at: datetime | None = None
    remaining_seconds: float | None = None

    @property
    def is_active(self) -> bool:
        return self.ends_at is not None

    def seconds_left(self, now: datetime) -> float:
        if self.ends_at is not None:
            return max(0.0, (self.ends_at - now).total_seconds())
        return max(0.0, self.remaining_seconds or 0.0)


@dataclass
class HomeState:
    areas: list[str] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    shopping_list: list[ShoppingItem] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)

    # -- look-ups ---------------------------------------------------------------------------
    def find_area(self, name: str) -> str | None:
        return next((a for a in self.areas if _key(a) == _key(name)), None)

    def find_device(self, name: str) -> Device | None:
        return next((d for d in self.devices if _key(d.name) == _key(name)), None)

    def devices_in(self, area: str | None = None, kind: str | None = None) -> list[Device]:
        return [
            d
            for d in self.devices
            if (area is None or (d.area is not None and _key(d.area) == _key(area)))
            and (kind is None or d.kind == kind)
        ]

    def find_item(self, name: str) -> ShoppingItem | None:
        return next((i for i in self.shopping_list if _key(i.name) == _key(name)), None)

    def find_timer(self, timer_id: str) -> Timer | None:
        return next((t for t in self.timers if t.id == timer_id), None)

    # -- changes ----------------------------------------------------------------------------
    def add_item(self, name: str) -> ShoppingItem:
        """Add an item to the shopping list; an item already there is (re)opened, never doubled."""
        name = " ".join(name.split())
        if not name:
            raise BadRequest("a shopping list item needs a name", code=ErrorCode.HOME_INVALID)
        item = self.find_item(name)
        if item is None:
            item = ShoppingItem(name)
            self.shopping_list.append(item)
        item.complete = False
        return item

    def complete_item(self, name: str) -> ShoppingItem | None:
        item = self.find_item(name)
        if item is not None:
            item.complete = True
        return item

    def open_items(self) -> list[ShoppingItem]:
        return [i for i in self.shopping_list if not i.complete]

    def start_timer(
        self, seconds: int, now: datetime, *, name: str | None = None, area: str | None = None
    ) -> Timer:
        if seconds <= 0:
            raise BadRequest("a timer needs a positive duration", code=ErrorCode.HOME_INVALID)
        timer = Timer(
            id=uuid.uuid4().hex[:12],
            total_seconds=int(seconds),
            start_seconds=int(seconds),
            name=name,
            area=area,
            ends_at=now + timedelta(seconds=seconds),
        )
        self.timers.append(timer)
        return timer

    def pause_timer(self, timer: Timer, now: datetime) -> None:
        if timer.ends_at is not None:
            timer.remaining_seconds = timer.seconds_left(now)
            timer.ends_at = None

    def unpause_timer(self, timer: Timer, now: datetime) -> None:
        if timer.ends_at is None:
            timer.ends_at = now + timedelta(seconds=timer.remaining_seconds or 0.0)
            timer.remaining_seconds = None

    def adjust_timer(self, timer: Timer, delta_seconds: int, now: datetime) -> None:
        """Add (or, negative, remove) time; a timer never goes below zero seconds left."""
        left = max(0.0, timer.seconds_left(now) + delta_seconds)
        timer.total_seconds = max(0, timer.total_seconds + delta_seconds)
        if timer.ends_at is not None:
            timer.ends_at = now + timedelta(seconds=left)
        else:
            timer.remaining_seconds = left

    def cancel_timer(self, timer: Timer) -> None:
        self.timers = [t for t in self.timers if t.id != timer.id]

    # -- JSON -------------------------------------------------------------------------------
    def to_json(self) -> bytes:
        data: dict[str, Any] = {
            "version": FORMAT_VERSION,
            "areas": list(self.areas),
            "devices": [asdict(d) for d in self.devices],
            "shopping_list": [asdict(i) for i in self.shopping_list],
            "timers": [
                {**asdict(t), "ends_at": t.ends_at.isoformat() if t.ends_at else None} for t in self.timers
            ],
        }
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes | str) -> HomeState:
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
                raise ValueError("unknown home state version")
            timers = []
            for t in data["timers"]:
                ends_at = datetime.fromisoformat(t["ends_at"]) if t.get("ends_at") else None
                timers.append(Timer(**{**t, "ends_at": ends_at}))
            return cls(
                areas=[str(a) for a in data["areas"]],
                devices=[Device(**d) for d in data["devices"]],
                shopping_list=[ShoppingItem(**i) for i in data["shopping_list"]],
                timers=timers,
            )
        except (ValueError, KeyError, TypeError) as exc:
            # The message names what was wrong, never the content.
            raise BadRequest(
                f"home state is not valid ({type(exc).__name__})", code=ErrorCode.HOME_STATE_INVALID
            ) from None


# -- configuring a household --------------------------------------------------------------------
def add_area(home: HomeState, name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise BadRequest("an area needs a name", code=ErrorCode.HOME_INVALID)
    if home.find_area(name) is not None:
        raise Conflict("an area with this name exists", code=ErrorCode.HOME_CONFLICT)
    home.areas.append(name)
    return name


def remove_area(home: HomeState, name: str) -> None:
    """Remove an area; its devices stay, with no area."""
    area = home.find_area(name)
    if area is None:
        raise NotFound("no such area")
    home.areas.remove(area)
    for device in home.devices_in(area):
        device.area = None


def add_device(home: HomeState, name: str, kind: str, area: str | None = None) -> Device:
    name = " ".join(name.split())
    if not name:
        raise BadRequest("a device needs a name", code=ErrorCode.HOME_INVALID)
    if kind not in DEVICE_KINDS:
        raise BadRequest(f"device kind must be one of {', '.join(DEVICE_KINDS)}", code=ErrorCode.HOME_INVALID)
    if home.find_device(name) is not None:
        raise Conflict("a device with this name exists", code=ErrorCode.HOME_CONFLICT)
    if home.find_area(name) is not None:
        raise Conflict("a device cannot share its name with an area", code=ErrorCode.HOME_CONFLICT)
    resolved_area: str | None = None
    if area is not None:
        resolved_area = home.find_area(area)
        if resolved_area is None:
            raise NotFound("no such area")
    device = Device(name=name, kind=kind, area=resolved_area)
    home.devices.append(device)
    return device


def remove_device(home: HomeState, name: str) -> None:
    device = home.find_device(name)
    if device is None:
        raise NotFound("no such device")
    home.devices.remove(device)


def empty_home() -> HomeState:
    return HomeState()


def demo_home() -> HomeState:
    home = HomeState()
    for area in ("kitchen", "living room", "bedroom"):
        add_area(home, area)
    add_device(home, "kitchen light", "light", "kitchen")
    add_device(home, "living room lamp", "light", "living room")
    add_device(home, "bedroom light", "light", "bedroom")
    add_device(home, "coffee maker", "switch", "kitchen")
    return home


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
