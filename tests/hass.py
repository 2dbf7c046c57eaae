"""A real Home Assistant for the tests: `homeassistant==2024.1.6` in its own virtual environment, cached
outside the clone (the user's cache folder), configured, started on a free port and onboarded through its
own API. One instance serves a whole test session (`tests/hass/conftest.py`).

The environment is made once (a few minutes) with every package the configured integrations need, under
Home Assistant's own constraints, so it never installs at start (`--skip-pip`). A start takes seconds."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

VERSION = "2024.1.6"
PYTHON = shutil.which("python3.11") or sys.executable  # 2024.1 is the last release that runs on 3.11
# What the integrations of CONFIG need (found by starting it once and reading its log), pinned by HA's
# own constraints file.
PACKAGES = (
    f"homeassistant=={VERSION}",
    "hassil==1.5.1",  # conversation
    "home-assistant-intents==2024.1.2",  # conversation
    "PyTurboJPEG==1.7.1",  # camera (the demo's)
    "ha-ffmpeg==3.1.0",  # ffmpeg (the demo camera's)
    "Pillow==10.1.0",  # image_upload (person, through onboarding)
    "mutagen==1.47.0",  # tts (the demo's)
    "python-dateutil==2.8.2",  # calendar (the demo's) imports it without declaring it
    "SQLAlchemy==2.0.23",  # recorder (imported by analytics, an onboarding dependency)
    "fnv-hash-fast==0.5.0",  # recorder
    "psutil-home-assistant==0.0.1",  # recorder
    "pyotp==2.8.0",  # auth's one-time-password modules
    "PyQRCode==1.2.1",  # auth's one-time-password modules
)
OWNER = {"name": "Test Owner", "username": "owner", "password": "echoless-test-password", "language": "en"}

# Entity id → (area, exposed to Assist). Weather and media players are not exposed by default.
AREAS = {
    "light.kitchen_light": ("Kitchen", True),
    "light.living_room_lamp": ("Living Room", True),
    "light.bedroom_light": ("Bedroom", True),
    "switch.coffee_maker": ("Kitchen", True),
    "switch.fan_heater": ("Bedroom", True),
    "climate.hvac": ("Living Room", True),
    "cover.kitchen_window": ("Kitchen", True),
    "cover.hall_window": (None, True),  # the demo window that takes a position
    "fan.living_room_fan": ("Living Room", True),
    "lock.front_door": (None, True),  # the demo's locks and media players have no unique id: no area
    "media_player.living_room": (None, True),
    "weather.demo_weather_south": (None, True),
    "todo.shopping_list": (None, True),
}

_TEMPLATE_LIGHTS = {
    "kitchen_light": ("Kitchen light", "a1"),
    "living_room_lamp": ("Living room lamp", "a2"),
    "bedroom_light": ("Bedroom light", "a3"),
}
_TEMPLATE_SWITCHES = {"coffee_maker": ("Coffee maker", "b1"), "fan_heater": ("Fan heater", "b2")}


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "echoless-test"


def venv_dir() -> Path:
    return cache_root() / f"ha-{VERSION}"


def _pip(venv: Path, *args: str) -> None:
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def ensure_venv() -> Path:
    """The cached environment, made once per machine (a lock keeps two test sessions from making it twice)."""
    venv = venv_dir()
    marker = venv / "echoless-ready.json"
    wanted = json.dumps(sorted(PACKAGES))
    cache_root().mkdir(parents=True, exist_ok=True)
    with open(cache_root() / f"ha-{VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and marker.read_text() == wanted:
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True)
        _pip(venv, "--no-deps", f"homeassistant=={VERSION}")  # for its constraints file
        constraints = _constraints(venv)
        _pip(venv, "-c", str(constraints), *PACKAGES)
        marker.write_text(wanted)
        return venv


def _constraints(venv: Path) -> Path:
    found = list(venv.glob("lib/python*/site-packages/homeassistant/package_constraints.txt"))
    if not found:
        raise RuntimeError("homeassistant has no package_constraints.txt")
    return found[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_yaml(port: int) -> str:
    lights = "\n".join(
        f"""      {key}:
        unique_id: echoless-test-{uid}
        friendly_name: "{name}"
        turn_on: {{event: echoless_test, event_data: {{light: {key}, on: true}}}}
        turn_off: {{event: echoless_test, event_data: {{light: {key}, on: false}}}}
        set_level: {{event: echoless_test, event_data: {{light: {key}}}}}
        set_hs: {{event: echoless_test, event_data: {{light: {key}}}}}"""
        for key, (name, uid) in _TEMPLATE_LIGHTS.items()
    )
    switches = "\n".join(
        f"""      {key}:
        unique_id: echoless-test-{uid}
        friendly_name: "{name}"
        turn_on: {{event: echoless_test, event_data: {{switch: {key}, on: true}}}}
        turn_off: {{event: echoless_test, event_data: {{switch: {key}, on: false}}}}"""
        for key, (name, uid) in _TEMPLATE_SWITCHES.items()
    )
    return f"""homeassistant:
  name: Test Home
  latitude: 51.5
  longitude: -0.12
  elevation: 10
  unit_system: metric
  time_zone: UTC
  country: GB
  currency: GBP
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
websocket_api:
onboarding:
config:
conversation:
shopping_list:
todo:
logger:
  default: warning
light:
  - platform: template
    lights:
{lights}
switch:
  - platform: template
    switches:
{switches}
demo:
"""


@dataclass
class HomeAssistant:
    """A running instance: its URL, a long-lived access token (the owner's) and its process."""

    url: str
    config_dir: Path
    process: subprocess.Popen[bytes] | None = None
    token: str = ""
    started_in: float = 0.0
    _ids: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**9)))

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/api/websocket"

    # -- the WebSocket API ----------------------------------------------------------------------
    @contextlib.contextmanager
    def ws(self, token: str | None = None) -> Iterator[ClientConnection]:
        with connect(self.ws_url, open_timeout=10, max_size=2**24) as conn:
            assert json.loads(conn.recv(timeout=10))["type"] == "auth_required"
            conn.send(json.dumps({"type": "auth", "access_token": token or self.token}))
            reply = json.loads(conn.recv(timeout=10))
            assert reply["type"] == "auth_ok", reply["type"]
            yield conn

    def command(self, message: dict[str, Any], *, token: str | None = None) -> Any:
        """Send one WebSocket command and return its result (raises on an error result)."""
        with self.ws(token) as conn:
            return _command(conn, message)

    def commands(self, messages: list[dict[str, Any]]) -> list[Any]:
        with self.ws() as conn:
            return [_command(conn, m) for m in messages]

    def state(self, entity_id: str) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/api/states/{entity_id}", headers={"Authorization": f"Bearer {self.token}"})
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def call(self, domain: str, service: str, **data: Any) -> None:
        self.command({"type": "call_service", "domain": domain, "service": service, "service_data": data})

    def wait_state(self, entity_id: str, predicate: Any, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            state = self.state(entity_id)
            if predicate(state) or time.monotonic() > deadline:
                return state
            time.sleep(0.1)

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self, venv: Path) -> None:
        started = time.monotonic()
        log = open(self.config_dir / "echoless-test-ha.log", "wb")  # noqa: SIM115 - the process owns it
        self.process = subprocess.Popen(
            [str(venv / "bin" / "hass"), "--config", str(self.config_dir), "--skip-pip"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        self.wait_up(timeout=240)
        self.started_in = time.monotonic() - started

    def wait_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"Home Assistant exited ({self.process.returncode}); see {self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/onboarding", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"Home Assistant did not start in {timeout}s: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.config_dir / "echoless-test-ha.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self, venv: Path) -> None:
        self.stop()
        self.start(venv)

    # -- onboarding and setup -------------------------------------------------------------------
    def onboard(self) -> None:
        """The owner's user (onboarding) → auth code → access token → a long-lived access token."""
        client_id = f"{self.url}/"
        created = httpx.post(f"{self.url}/api/onboarding/users", json={**OWNER, "client_id": client_id}, timeout=30)
        created.raise_for_status()
        tokens = httpx.post(f"{self.url}/auth/token", data={
            "grant_type": "authorization_code", "code": created.json()["auth_code"], "client_id": client_id,
        }, timeout=30)
        tokens.raise_for_status()
        access = tokens.json()["access_token"]
        self.token = self.command({"type": "auth/long_lived_access_token", "client_name": "echoless tests",
                                   "lifespan": 365}, token=access)

    def add_shopping_list(self) -> None:
        """The shopping list (its todo entity) through its config flow: in 2024.1 its YAML import only shows a form."""
        headers = {"Authorization": f"Bearer {self.token}"}
        entries = httpx.get(f"{self.url}/api/config/config_entries/entry", headers=headers, timeout=30).json()
        if any(e["domain"] == "shopping_list" for e in entries):
            return
        # The YAML import has started a flow that waits on its form: finish that one (or start one).
        flows = self.command({"type": "config_entries/flow/progress"})
        flow = next((f for f in flows if f["handler"] == "shopping_list"), None)
        if flow is None:
            flow = httpx.post(f"{self.url}/api/config/config_entries/flow", headers=headers, timeout=30,
                              json={"handler": "shopping_list", "show_advanced_options": False}).json()
        httpx.post(f"{self.url}/api/config/config_entries/flow/{flow['flow_id']}", headers=headers, json={},
                   timeout=30).raise_for_status()

    def place_and_expose(self) -> None:
        """Create the areas, put entities in them, and expose the entities the tests use to Assist."""
        areas = {a["name"]: a["area_id"] for a in self.command({"type": "config/area_registry/list"})}
        for name in sorted({area for area, _ in AREAS.values() if area}):
            if name not in areas:
                areas[name] = self.command({"type": "config/area_registry/create", "name": name})["area_id"]
        self.add_shopping_list()
        deadline = time.monotonic() + 60  # config entries (the demo's, the shopping list's) may still be loading
        while True:
            present = {s["entity_id"] for s in self.command({"type": "get_states"})}
            missing = set(AREAS) - present
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        registered = {e["entity_id"] for e in self.command({"type": "config/entity_registry/list"})}
        if missing:
            raise RuntimeError(f"entities missing from Home Assistant: {sorted(missing)}; {self.log_tail()}")
        messages: list[dict[str, Any]] = [
            {"type": "config/entity_registry/update", "entity_id": entity_id, "area_id": areas[area] if area else None}
            for entity_id, (area, _) in AREAS.items() if entity_id in registered
        ]
        # Only the entities the tests name are exposed (the demo's "Kitchen Lights" would answer for ours).
        exposed = [e for e, (_, on) in AREAS.items() if on]
        messages.append({"type": "homeassistant/expose_entity", "assistants": ["conversation"],
                         "entity_ids": exposed, "should_expose": True})
        messages.append({"type": "homeassistant/expose_entity", "assistants": ["conversation"],
                         "entity_ids": sorted(present - set(exposed)), "should_expose": False})
        self.commands(messages)


def _command(conn: ClientConnection, message: dict[str, Any]) -> Any:
    message_id = int(time.monotonic_ns() % 10**9)
    conn.send(json.dumps({**message, "id": message_id}))
    while True:
        reply = json.loads(conn.recv(timeout=30))
        if reply.get("id") == message_id and reply.get("type") == "result":
            if not reply.get("success"):
                raise RuntimeError(f"Home Assistant refused {message['type']}: {reply.get('error')}")
            return reply.get("result")


def launch(root: Path | None = None) -> HomeAssistant:
    """Make (or reuse) the environment, write a fresh configuration, start, onboard, place and expose."""
    venv = ensure_venv()
    config_dir = Path(tempfile.mkdtemp(prefix="echoless-ha-", dir=root))
    port = free_port()
    (config_dir / "configuration.yaml").write_text(config_yaml(port))
    ha = HomeAssistant(url=f"http://127.0.0.1:{port}", config_dir=config_dir)
    ha.start(venv)
    try:
        ha.onboard()
        ha.place_and_expose()
    except BaseException:
        ha.stop()
        raise
    return ha

