"""A household's live link to its Home Assistant: what it exposes to Assist (areas, entity names and
aliases, states), kept fresh by subscribing to registry and state changes, and reconnected with backoff
when Home Assistant restarts. Actions are service calls over the same connection.

Only entities exposed to Assist (HA's own "expose" settings for the conversation assistant) are seen.
An entity stands in its own area, else in its device's area (as in Home Assistant)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from echoless.pipeline.hass_client import Client, HomeUnreachable, TokenRejected
from echoless.sharing import connection
from echoless.vault.instance import CLOSING, Vault

_LOGGER = logging.getLogger(__name__)

REGISTRY_EVENTS = ("area_registry_updated", "entity_registry_updated", "device_registry_updated")
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
REFRESH_SECONDS = 60.0  # exposure has no event in 2024.1: re-read it this often as well as on registry changes
UNREACHABLE = "I can't reach your home right now."


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Entity:
    entity_id: str
    name: str
    area: str | None  # the area's name
    state: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @property
    def domain(self) -> str:
        return self.entity_id.split(".", 1)[0]

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def to_json(self) -> dict[str, Any]:
        return {"entity_id": self.entity_id, "name": self.name, "aliases": list(self.aliases), "area": self.area,
                "domain": self.domain, "state": self.state}


@dataclass(frozen=True)
class View:
    """What the household's Home Assistant exposes to Assist, at one moment."""

    areas: tuple[Area, ...] = ()
    entities: tuple[Entity, ...] = ()

    def find_area(self, name: str) -> Area | None:
        return next((a for a in self.areas if _key(name) in {_key(n) for n in a.names()}), None)

    def find_entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if _key(name) in {_key(n) for n in e.names()}), None)

    def entity(self, entity_id: str) -> Entity | None:
        return next((e for e in self.entities if e.entity_id == entity_id), None)

    def in_area(self, area: str | None, domains: Iterable[str] | None = None) -> list[Entity]:
        wanted = set(domains) if domains is not None else None
        found = self.find_area(area) if area else None
        return [
            e for e in self.entities
            if (area is None or (found is not None and e.area == found.name))
            and (wanted is None or e.domain in wanted)
        ]

    def to_json(self) -> dict[str, Any]:
        return {"areas": [{"name": a.name, "aliases": list(a.aliases)} for a in self.areas],
                "entities": [e.to_json() for e in self.entities]}


def build_view(areas: list[dict[str, Any]], devices: list[dict[str, Any]], entries: Mapping[str, dict[str, Any]],
               exposed: Mapping[str, Mapping[str, bool]], states: Mapping[str, dict[str, Any]]) -> View:
    """The view from Home Assistant's registries (areas, devices, extended entity entries), its exposure
    settings and its states."""
    area_of = {a["area_id"]: Area(a["area_id"], a["name"], tuple(a.get("aliases") or ())) for a in areas}
    device_area = {d["id"]: d.get("area_id") for d in devices}
    entities = []
    for entity_id in sorted(states):
        if not (exposed.get(entity_id) or {}).get("conversation"):
            continue
        state = states[entity_id]
        entry = entries.get(entity_id) or {}
        area_id = entry.get("area_id") or device_area.get(entry.get("device_id") or "")
        area = area_of.get(area_id or "")
        attributes = dict(state.get("attributes") or {})
        name = entry.get("name") or attributes.get("friendly_name") or entity_id.split(".", 1)[1].replace("_", " ")
        entities.append(Entity(entity_id, str(name), area.name if area else None, str(state.get("state")),
                               attributes, tuple(entry.get("aliases") or ())))
    return View(tuple(sorted(area_of.values(), key=lambda a: a.name)), tuple(entities))


class Link:
    """The live connection of one household. A background thread connects, loads the registries, follows
    their changes and reconnects with backoff; `view()` and `call()` raise HomeUnreachable while it is down."""

    def __init__(self, url: str, token: str) -> None:
        self._url, self._token = url, token
        self._client: Client | None = None
        self._raw: dict[str, Any] = {}
        self._states: dict[str, dict[str, Any]] = {}
        self._view: View | None = None
        self._lock = threading.Lock()
        self._up = threading.Event()
        self._stale = threading.Event()
        self._stopped = threading.Event()
        self.rejected = False  # the token was refused: retried all the same, slowly (it may be fixed in HA)
        self._thread = threading.Thread(target=self._run, name="echoless-hass-link", daemon=True)
        self._thread.start()

    # -- what callers use -------------------------------------------------------------------------
    def snapshot(self, wait: float = 5.0) -> View | None:
        """The view now, or the last one seen while Home Assistant is down (None if it never answered).
        Waits up to `wait` seconds for a first connection only."""
        if self._view is None:
            self._up.wait(wait)
        with self._lock:
            return self._view

    def view(self, wait: float = 5.0) -> View:
        if not self._up.wait(wait):
            raise HomeUnreachable("the home is not connected")
        with self._lock:
            view = self._view
        if view is None:
            raise HomeUnreachable("the home is not connected")
        return view

    def command(self, message: dict[str, Any]) -> Any:
        client = self._client
        if client is None or not self._up.is_set():
            raise HomeUnreachable("the home is not connected")
        return client.command(message)

    def call(self, domain: str, service: str, entity_ids: list[str], data: Mapping[str, Any] | None = None,
             *, response: bool = False) -> Any:
        """A service call on entities: all that Home Assistant receives of a request."""
        message: dict[str, Any] = {"type": "call_service", "domain": domain, "service": service,
                                   "service_data": dict(data or {}), "target": {"entity_id": entity_ids}}
        if response:
            message["return_response"] = True
        return self.command(message)

    def close(self) -> None:
        self._stopped.set()
        self._stale.set()
        client = self._client
        if client is not None:
            client.close()
        self._thread.join(timeout=5)

    @property
    def connected(self) -> bool:
        return self._up.is_set()

    # -- the background thread --------------------------------------------------------------------
    def _run(self) -> None:
        attempt = 0
        while not self._stopped.is_set():
            try:
                self._connect()
                attempt = 0
                self._follow()
            except TokenRejected:
                self.rejected = True
                _LOGGER.warning("Home Assistant refused the access token")
            except HomeUnreachable:
                _LOGGER.info("the home is unreachable; retrying")
            except Exception:  # never let the link thread die
                _LOGGER.exception("the home link failed; retrying")
            self._down()
            delay = BACKOFF[min(attempt, len(BACKOFF) - 1)] * (4 if self.rejected else 1)
            attempt += 1
            self._stopped.wait(delay)

    def _connect(self) -> None:
        client = Client(self._url, self._token, on_event=self._event, on_close=self._closed)
        self._client = client
        self.rejected = False
        for event_type in ("state_changed", *REGISTRY_EVENTS):
            client.subscribe(event_type)
        self._load(client, registries=True)
        self._up.set()
        _LOGGER.info("the home is connected")

    def _follow(self) -> None:
        client = self._client
        assert client is not None
        while not self._stopped.is_set() and not client.closed.is_set():
            registries = self._stale.wait(REFRESH_SECONDS)
            self._stale.clear()
            if self._stopped.is_set() or client.closed.is_set():
                break
            self._load(client, registries=registries)

    def _closed(self) -> None:
        """On the reader thread, when the connection ends: down at once, and wake the link thread."""
        self._up.clear()
        self._stale.set()

    def _down(self) -> None:
        self._up.clear()
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _load(self, client: Client, *, registries: bool) -> None:
        if registries or not self._raw:
            entity_ids = [e["entity_id"] for e in client.command({"type": "config/entity_registry/list"})]
            self._raw = {
                "areas": client.command({"type": "config/area_registry/list"}),
                "devices": client.command({"type": "config/device_registry/list"}),
                "entries": client.command({"type": "config/entity_registry/get_entries", "entity_ids": entity_ids})
                if entity_ids else {},
            }
        exposed = client.command({"type": "homeassistant/expose_entity/list"})["exposed_entities"]
        states = {s["entity_id"]: s for s in client.command({"type": "get_states"})}
        with self._lock:
            self._raw["exposed"] = exposed
            self._states = states
            self._rebuild()

    def _rebuild(self) -> None:
        raw = self._raw
        self._view = build_view(raw["areas"], raw["devices"], {k: v for k, v in (raw["entries"] or {}).items() if v},
                                raw["exposed"], self._states)

    def _event(self, event: dict[str, Any]) -> None:
        """On the reader thread: a state change updates the view at once; a registry change asks the link
        thread to reload (a command cannot be awaited on the reader thread)."""
        kind = event.get("event_type")
        if kind in REGISTRY_EVENTS:
            self._stale.set()
            return
        if kind != "state_changed":
            return
        data = event.get("data") or {}
        entity_id, new = data.get("entity_id"), data.get("new_state")
        with self._lock:
            if new is None:
                self._states.pop(str(entity_id), None)
            else:
                self._states[str(entity_id)] = new
            if self._raw.get("exposed") is not None:
                self._rebuild()


# The links of one open vault ---------------------------------------------------------------------
_CACHE = "hass-links"


class Links:
    """One live link per connected household, made on first use, dropped when the connection changes."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._links: dict[str, Link] = {}
        self._lock = threading.Lock()
        vault.runtime.listen(connection.CHANGED, self.drop)
        vault.runtime.listen(CLOSING, self.close)

    def get(self, household_id: str) -> Link | None:
        with self._lock:
            link = self._links.get(household_id)
            if link is not None:
                return link
            settings = connection.load(self._vault, household_id)
            if settings is None:
                return None
            link = self._links[household_id] = Link(settings.url, settings.token)
            return link

    def drop(self, household_id: str) -> None:
        with self._lock:
            link = self._links.pop(household_id, None)
        if link is not None:
            link.close()

    def close(self) -> None:
        with self._lock:
            links, self._links = list(self._links.values()), {}
        for link in links:
            link.close()


def link(vault: Vault, household_id: str) -> Link | None:
    """The household's live link to its Home Assistant, or None when it has not connected one."""
    with vault.runtime.guard:
        links = vault.runtime.caches.get(_CACHE)
        if links is None:
            links = vault.runtime.caches[_CACHE] = Links(vault)
    return links.get(household_id)
