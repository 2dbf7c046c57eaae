"""Real timers: a thread that fires each household's timers when they end and announces them on the
event bus. Timers live in the household's encrypted home state, so any process can start one; this
keeps only the next deadline per household in memory, and rescans the homes now and then."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from echoless.pipeline import events as ev
from echoless.pipeline.home import HomeState
from echoless.pipeline.skills.timers import announcement, fired_timers, next_deadline
from echoless.pipeline import homes
from echoless.vault.instance import Vault

_LOGGER = logging.getLogger(__name__)
RESCAN_SECONDS = 15.0
Publish = Callable[[str, ev.Event], None]


class Timekeeper:
    def __init__(self, vault: Vault, publish: Publish, *, tick: float = 0.2) -> None:
        self.vault = vault
        self.publish = publish
        self.tick = tick
        self._deadlines: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="echoless-timers", daemon=True)
        self._last_scan = 0.0

    def start(self) -> None:
        self.vault.runtime.listen(homes.SAVED, self._on_save)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.vault.runtime.unlisten(homes.SAVED, self._on_save)
        self._thread.join(timeout=5)

    def _on_save(self, household_id: str, home: HomeState) -> None:
        self.watch(household_id, next_deadline(home))

    def watch(self, household_id: str, deadline: datetime | None) -> None:
        with self._lock:
            if deadline is None:
                self._deadlines.pop(household_id, None)
            else:
                self._deadlines[household_id] = deadline

    def _rescan(self) -> None:
        for household_id in homes.household_ids(self.vault):
            self.watch(household_id, next_deadline(homes.load(self.vault, household_id)))
        self._last_scan = time.monotonic()

    def _loop(self) -> None:
        while not self._stop.wait(self.tick):
            try:
                if time.monotonic() - self._last_scan > RESCAN_SECONDS:
                    self._rescan()
                self.fire_due(datetime.now(UTC))
            except Exception as exc:  # keep ticking; the timers stay in the home state
                _LOGGER.error("timer tick failed: %s", type(exc).__name__)

    def fire_due(self, now: datetime) -> int:
        with self._lock:
            due = [h for h, deadline in self._deadlines.items() if deadline <= now]
        fired = 0
        for household_id in due:
            with homes.edit(self.vault, household_id) as home:
                done = fired_timers(home, now)
                self.watch(household_id, next_deadline(home))
            for timer in done:
                fired += 1
                self.publish(household_id, ev.Event(ev.TIMER_FIRED, {"timer": timer.id, "announcement": announcement(timer)}))
        return fired
