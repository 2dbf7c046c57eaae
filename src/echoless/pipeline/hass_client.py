"""A WebSocket client of Home Assistant's API (`/api/websocket`): authenticate with a long-lived access
token, send commands and wait for their results, and receive subscribed events.

One reader thread per connection receives every message: results go to the waiting caller, events to the
`on_event` callback. Sending is safe from any thread. Nothing here logs a message's content or the token."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from echoless.errors import BadRequest, EcholessError, ErrorCode

_LOGGER = logging.getLogger(__name__)

COMMAND_TIMEOUT = 10.0


class HomeUnreachable(EcholessError):
    """Home Assistant does not answer (down, restarting, or the URL is wrong)."""

    code = ErrorCode.HOME_UNREACHABLE


class TokenRejected(BadRequest):
    code = ErrorCode.HOME_TOKEN_REJECTED

    def __init__(self) -> None:
        super().__init__("Home Assistant did not accept the access token")


class CommandFailed(EcholessError):
    """Home Assistant answered a command with an error (its code only: the message may name entities)."""

    code = ErrorCode.BAD_REQUEST

    def __init__(self, ha_code: str) -> None:
        super().__init__(f"Home Assistant refused the request ({ha_code})")
        self.ha_code = ha_code


def websocket_url(url: str) -> str:
    return ("wss://" + url[len("https://"):] if url.startswith("https://") else "ws://" + url[len("http://"):]) + "/api/websocket"


class Client:
    """One authenticated connection. `closed` is set when it ends, for whatever reason."""

    def __init__(self, url: str, token: str, *, on_event: Callable[[dict[str, Any]], None] | None = None,
                 on_close: Callable[[], None] | None = None, timeout: float = COMMAND_TIMEOUT) -> None:
        self._timeout = timeout
        self._on_event = on_event
        self._on_close = on_close
        self._ids = itertools.count(1)
        self._pending: dict[int, Future[Any]] = {}
        self._lock = threading.Lock()
        self.closed = threading.Event()
        self._stack = contextlib.ExitStack()
        self._conn = self._open(url, token)
        self._reader = threading.Thread(target=self._read, name="echoless-hass-reader", daemon=True)
        self._reader.start()

    def _open(self, url: str, token: str) -> ClientConnection:
        try:
            # Entered as a context manager (websockets warns about a bare connect()); closed by `close`.
            conn = self._stack.enter_context(
                connect(websocket_url(url), open_timeout=self._timeout, max_size=2**25, close_timeout=2))
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            raise HomeUnreachable(f"cannot reach the home ({type(exc).__name__})") from None
        try:
            if json.loads(conn.recv(timeout=self._timeout)).get("type") != "auth_required":
                raise HomeUnreachable("the address does not speak Home Assistant's API")
            conn.send(json.dumps({"type": "auth", "access_token": token}))
            reply = json.loads(conn.recv(timeout=self._timeout)).get("type")
        except (ConnectionClosed, TimeoutError, ValueError):
            self._stack.close()
            raise HomeUnreachable("the home closed the connection while authenticating") from None
        except BaseException:
            self._stack.close()
            raise
        if reply != "auth_ok":
            self._stack.close()
            raise TokenRejected()
        return conn

    def _read(self) -> None:
        try:
            for raw in self._conn:
                message = json.loads(raw)
                for item in message if isinstance(message, list) else [message]:
                    self._dispatch(item)
        except (ConnectionClosed, ValueError, OSError):
            pass
        finally:
            self.closed.set()
            if self._on_close is not None:
                self._on_close()
            with self._lock:
                pending, self._pending = self._pending, {}
            for future in pending.values():
                if not future.done():
                    future.set_exception(HomeUnreachable("the connection to the home ended"))

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "event" and self._on_event is not None:
            try:
                self._on_event(message.get("event") or {})
            except Exception:  # a bad event must not end the connection
                _LOGGER.exception("handling a Home Assistant event failed")
            return
        if kind == "result":
            with self._lock:
                future = self._pending.pop(int(message.get("id", 0)), None)
            if future is None:
                return
            if message.get("success"):
                future.set_result(message.get("result"))
            else:
                future.set_exception(CommandFailed(str((message.get("error") or {}).get("code", "unknown"))))

    def command(self, message: dict[str, Any], *, timeout: float | None = None) -> Any:
        """Send a command; return its result (raises HomeUnreachable, CommandFailed)."""
        future: Future[Any] = Future()
        with self._lock:
            if self.closed.is_set():
                raise HomeUnreachable("the connection to the home ended")
            message_id = next(self._ids)
            self._pending[message_id] = future
        try:
            self._conn.send(json.dumps({**message, "id": message_id}))
            return future.result(timeout=timeout or self._timeout)
        except ConnectionClosed:
            raise HomeUnreachable("the connection to the home ended") from None
        except FutureTimeout:
            raise HomeUnreachable("the home did not answer in time") from None
        finally:
            with self._lock:
                self._pending.pop(message_id, None)

    def subscribe(self, event_type: str) -> None:
        """Subscribe to an event type; its events reach `on_event` (each names its `event_type`)."""
        self.command({"type": "subscribe_events", "event_type": event_type})

    def close(self) -> None:
        self._stack.close()
        self.closed.set()
