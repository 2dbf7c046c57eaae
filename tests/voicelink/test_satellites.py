"""Satellites without Home Assistant's pipeline: a real `wyoming-satellite` 1.0.0 (its own cached virtual
environment) whose microphone is a recorded command and whose speaker writes to a file; `echoless satellites
add` and `echoless serve` drive it: the pipeline runs on its run-pipeline, the answer is played, the request is
recorded in the device's history, and echoless reconnects when the satellite restarts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from homes import Home, make_settings, open_home
from voice import with_demo_home
from wyoming_peers import ECHOLESS, Process, environment, free_port, spoken_pcm, venv

from echoless import root
from echoless.errors import EcholessError, ErrorCode
from echoless.pipeline import homes
from echoless.pipeline.speak import speech_available
from echoless.privacy import deletion
from echoless.vault import devices, interactions, satellites
from echoless.vault.models import Member

MIC = Path(__file__).parent / "mic.py"


def wait_for(what: str, check: Callable[[], object], timeout: float = 120.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


class Satellite:
    """wyoming-satellite 1.0.0 on a port, with a recorded command as its microphone."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.trigger, self.played = folder / "speak-now", folder / "played.raw"
        self.process: Process | None = None
        self.starts = 0

    def start(self, command: str) -> None:
        self.starts += 1
        recorded = self.folder / f"command-{self.starts}.pcm"
        recorded.write_bytes(spoken_pcm(command))
        self.log = self.folder / f"satellite-{self.starts}.log"
        self.process = Process([
            str(venv("wyoming-satellite-1.0.0")), "-m", "wyoming_satellite", "--name", "test satellite",
            "--uri", f"tcp://127.0.0.1:{self.port}", "--no-zeroconf", "--debug",
            "--mic-command", f"{sys.executable} {MIC} {recorded} {self.trigger}",
            "--snd-command", f"sh -c 'cat >> {self.played}'",
        ], log=self.log)
        self.process.wait_for_port(self.port)

    def speak_when_driven(self) -> None:
        """Once echoless drives this satellite (it streams), the microphone says the command."""
        wait_for("echoless to drive the satellite", lambda: "Streaming audio" in self.log.read_text(errors="replace"))
        self.trigger.touch()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    opened = open_home(make_settings(tmp_path_factory.mktemp("satellites"), "sqlite", None), "sqlite")
    with_demo_home(opened)
    yield opened
    opened.vault.close()


def cli(home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ECHOLESS, *args], env=environment(home.settings.home), capture_output=True, text=True,
                          timeout=120, check=False)


def shared(home: Home) -> Member:
    found = devices.find_shared(home.vault, home.owner.household_id, home.device.name)
    assert found is not None
    return found


def heard(home: Home) -> list[str]:
    return [str(i.transcript) for i in interactions.history(home.vault, shared(home)).items]


def latest_intent(home: Home) -> str | None:
    items = interactions.history(home.vault, shared(home), limit=1).items
    return items[0].action.get("intent") if items and items[0].action else None


def light_on(home: Home, name: str) -> bool:
    state = json.loads(homes.load(home.vault, home.owner.household_id).to_json())
    return bool(next(d for d in state["devices"] if d["name"] == name)["on"])


def test_a_satellite_is_driven_end_to_end_and_reconnected_after_a_restart(home: Home, tmp_path: Path) -> None:
    port = free_port()
    satellite = Satellite(tmp_path, port)
    added = cli(home, "satellites", "add", f"tcp://127.0.0.1:{port}", "--device", home.device.name, "--json")
    assert added.returncode == 0, added.stderr
    satellite.start("turn on the kitchen light")
    http = free_port()
    server = Process([*ECHOLESS, "serve", "--port", str(http)], env=environment(home.settings.home), log=tmp_path / "serve.log")
    try:
        server.wait_for_port(http)
        satellite.speak_when_driven()
        wait_for("the request in the device's history", lambda: latest_intent(home) == "HassTurnOn")
        item = interactions.history(home.vault, shared(home), limit=1).items[0]
        assert item.device_id == home.device.id and "kitchen light" in str(item.transcript).lower()
        assert item.source == "wyoming"
        assert light_on(home, "kitchen light")
        if speech_available():  # the spoken answer reached the satellite's speaker
            wait_for("the answer to be played", lambda: satellite.played.exists() and satellite.played.stat().st_size > 22050)

        satellite.stop()  # the satellite restarts; echoless reconnects and drives it again
        satellite.start("turn off the kitchen light")
        satellite.speak_when_driven()
        wait_for("the second request recorded", lambda: (latest_intent(home) == "HassTurnOff"))
        assert not light_on(home, "kitchen light")
    finally:
        satellite.stop()
        server.stop()
    log = server.output()
    assert "kitchen light" not in log.lower()  # no content in the server's log
    assert log.count("disconnected; reconnecting") >= 1 and log.count(" connected") >= 2
    heard_here = [i for i in interactions.history(home.vault, shared(home)).items if i.device_id == home.device.id]
    job = root.request_deletion(home.vault, shared(home), "items", ids=[i.id for i in heard_here])
    deletion.purge(home.vault, job.id)  # deleted like any request
    assert heard(home) == []
    report = root.verify(home.vault, extra_needles=[str(i.transcript).encode() for i in heard_here])
    assert report.clean, report.to_json()


def test_satellites_are_listed_and_removed_from_the_command_line(home: Home) -> None:
    assert cli(home, "satellites", "add", "tcp://192.168.1.30:10700", "--device", home.device.name).returncode == 0
    listed = json.loads(cli(home, "satellites", "list", "--json").stdout)
    assert ("tcp://192.168.1.30:10700", home.device.name) in {(s["uri"], s["device"]) for s in listed}
    assert cli(home, "satellites", "remove", "tcp://192.168.1.30:10700").returncode == 0
    assert all(s.satellite.uri != "tcp://192.168.1.30:10700" for s in satellites.listed(home.vault))
    with pytest.raises(EcholessError) as gone:
        satellites.remove(home.vault, home.owner.household_id, "tcp://192.168.1.30:10700")
    assert gone.value.code == ErrorCode.UNKNOWN_SATELLITE


@pytest.mark.parametrize(("uri", "device", "code"), [
    ("udp://127.0.0.1:10700", None, ErrorCode.INVALID_SATELLITE),
    ("tcp://127.0.0.1", None, ErrorCode.INVALID_SATELLITE),
    ("tcp://127.0.0.1:10700/path", None, ErrorCode.INVALID_SATELLITE),
    ("tcp://127.0.0.1:10702", "no such device", ErrorCode.UNKNOWN_DEVICE),
    ("tcp://127.0.0.1:10709", None, ErrorCode.SATELLITE_EXISTS),
])
def test_a_bad_satellite_is_refused_and_nothing_stored(home: Home, uri: str, device: str | None, code: ErrorCode) -> None:
    household = home.owner.household_id
    if code == ErrorCode.SATELLITE_EXISTS:
        satellites.add(home.vault, household, uri, home.device.name)
    before = [s.to_json() for s in satellites.listed(home.vault)]
    with pytest.raises(EcholessError) as raised:
        satellites.add(home.vault, household, uri, device or home.device.name)
    assert raised.value.code == code
    assert [s.to_json() for s in satellites.listed(home.vault)] == before


def test_removing_a_device_removes_its_satellites(home: Home) -> None:
    device, _ = home.add_device("hall speaker", members=[home.owner])
    satellites.add(home.vault, home.owner.household_id, "tcp://127.0.0.1:10703", device.name)
    root.remove_device(home.vault, home.owner.household_id, device.name)
    assert all(s.satellite.device_id != device.id for s in satellites.listed(home.vault))
