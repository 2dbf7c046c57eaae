"""In-process event bus: per-household subscribers (open WebSockets) get events such as fired timers."""

from __future__ import annotations

import asyncio
import threading

from echoless.pipeline.events import Event


class EventBus:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Event]]]] = {}
        self._lock = threading.Lock()

    def subscribe(self, household_id: str) -> asyncio.Queue[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue()
        with self._lock:
            self._subscribers.setdefault(household_id, set()).add((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, household_id: str, queue: asyncio.Queue[Event]) -> None:
        with self._lock:
            subs = self._subscribers.get(household_id, set())
            self._subscribers[household_id] = {(loop, q) for loop, q in subs if q is not queue}

    def publish(self, household_id: str, event: Event) -> None:
        """Thread-safe: callable from the timer thread or a worker thread."""
        with self._lock:
            targets = list(self._subscribers.get(household_id, ()))
        for loop, queue in targets:
            loop.call_soon_threadsafe(queue.put_nowait, event)
