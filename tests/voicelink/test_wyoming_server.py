"""`echoless wyoming` end to end: the real command as a subprocess, the `wyoming` package's real client over
TCP, real speech (piper). Describe, transcribe, handle, synthesize; clients of the versions the peers pin;
the allow-list; whom a device's requests belong to; a request recorded, deleted, and the verifier clean."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from homes import Home, make_settings, open_home
from samples import tone_wav
from voice import with_demo_home
from wyoming.asr import Transcribe, Transcript
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize
from wyoming_peers import (
    ECHOLESS,
    Process,
    audio_events,
    environment,
    exchange,
    free_port,
    pinned_client,
    spoken_pcm,
    start_wyoming,
)

from echoless import root
from echoless.pipeline import homes
from echoless.pipeline.speak import speech_available
from echoless.privacy import deletion
from echoless.vault import devices, interactions
from echoless.vault.models import Member

ANSWERS = {"handled", "not-handled", "error"}


@dataclass
class Served:
    home: Home
    port: int
    server: Process
    folder: Path

    @property
    def shared(self) -> Member:
        found = devices.find_shared(self.home.vault, self.home.owner.household_id, self.home.device.name)
        assert found is not None
        return found


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The household's shared "kitchen speaker" (it lists the owner) served over Wyoming."""
    folder = tmp_path_factory.mktemp("wyoming")
    home = open_home(make_settings(folder, "sqlite", None), "sqlite")
    with_demo_home(home)
    port = free_port()
    server = start_wyoming(home.settings.home, home.device.name, port, log=folder / "wyoming.log")
    yield Served(home, port, server, folder)
    server.stop()
    home.vault.close()


def transcribe(port: int, text: str) -> Event:
    return exchange(port, [Transcribe(language="en").event(), *audio_events(spoken_pcm(text))], until={"transcript", "error"})[-1]


def handle(port: int, text: str) -> Event:
    return exchange(port, [Transcript(text=text).event()], until=ANSWERS)[-1]


def latest(served: Served, member: Member) -> interactions.InteractionView:
    return interactions.history(served.home.vault, member, limit=1).items[0]


def home_state(served: Served) -> str:
    return str(homes.load(served.home.vault, served.home.owner.household_id).to_json())


def test_describe_offers_recognition_understanding_and_speech(served: Served) -> None:
    info = Info.from_event(exchange(served.port, [Describe().event()], until={"info"})[-1])
    assert [(m.name, m.languages) for m in info.asr[0].models] == [(served.home.settings.asr_model, ["en"])]
    assert info.handle and info.handle[0].models[0].languages == ["en"] and info.handle[0].installed
    assert [v.languages for v in info.tts[0].voices] == [["en"]] if speech_available() else info.tts == []


def test_transcribe_records_the_request_in_the_devices_history_and_acts_on_nothing(served: Served) -> None:
    before = home_state(served)
    answer = transcribe(served.port, "turn off the kitchen light")
    assert answer.type == "transcript", answer
    heard = Transcript.from_event(answer).text
    assert "kitchen light" in heard.lower()
    item = latest(served, served.shared)  # a shared device, no member named: its shared history
    assert (item.transcript, item.device_id, item.action, item.response) == (heard, served.home.device.id, None, None)
    assert item.has_audio  # the owner it serves keeps audio: the shared history follows their retention
    assert item.source == "wyoming"
    assert home_state(served) == before  # the peer that asked for the transcript acts, not echoless


def test_handle_understands_acts_answers_and_records(served: Served) -> None:
    before = home_state(served)
    answer = handle(served.port, "turn on the kitchen light")
    assert answer.type == "handled", answer
    assert answer.data["text"]
    assert home_state(served) != before
    item = latest(served, served.shared)
    assert item.transcript == "turn on the kitchen light" and item.response == answer.data["text"]
    assert item.action is not None and item.action["intent"] == "HassTurnOn" and not item.has_audio
    assert item.source == "wyoming"  # the same code path as a typed request (root.ask_text), recorded as Wyoming's
    assert "kitchen light" not in served.server.output().lower()  # no content in the server's log


def test_what_nothing_understands_is_not_handled(served: Served) -> None:
    answer = handle(served.port, "what is the airspeed velocity of an unladen swallow")
    assert answer.type == "not-handled" and answer.data["text"]


def test_bad_requests_answer_an_error_and_keep_the_connection(served: Served) -> None:
    events = exchange(served.port, [*audio_events(b""), Transcript(text=" ").event(), Describe().event()], until={"info"})
    assert [(e.type, Error.from_event(e).code) for e in events[:-1]] == [("error", "audio-empty"), ("error", "invalid-message")]
    assert events[-1].type == "info"


@pytest.mark.skipif(not speech_available(), reason="espeak-ng is not installed")
def test_synthesize_streams_speech(served: Served) -> None:
    events = exchange(served.port, [Synthesize(text="The kitchen light is on.").event()], until={"audio-stop", "error"})
    assert [events[0].type, events[-1].type] == ["audio-start", "audio-stop"]
    rate, width = events[0].data["rate"], events[0].data["width"]
    audio = sum(len(e.payload or b"") for e in events if e.type == "audio-chunk")
    assert audio / (rate * width) > 0.8  # about a second and a half of speech


@pytest.mark.parametrize("peer", ["wyoming-1.4.0", "wyoming-satellite-1.0.0"])
def test_clients_of_the_versions_the_peers_pin(served: Served, peer: str) -> None:
    pcm = served.folder / "request.pcm"
    pcm.write_bytes(spoken_pcm("turn off the living room lamp"))
    out = pinned_client(peer, served.port, pcm, "turn on the living room lamp")
    assert out["version"] == {"wyoming-1.4.0": "1.4.0", "wyoming-satellite-1.0.0": "1.4.1"}[peer]
    assert out["asr"] == [["echoless-asr", [[served.home.settings.asr_model, ["en"]]]]]
    assert "living room lamp" in out["transcript"].lower()
    assert out["handled"][0] == "handled" and out["handled"][1]
    if speech_available():
        assert out["speech"]["bytes"] > out["speech"]["rate"]


def test_a_shared_device_reads_back_its_own_requests_never_a_members(served: Served) -> None:
    alex, _ = served.home.add_member("alex")
    phone, _ = served.home.add_device("alex phone", personal=alex)
    root.import_recording(served.home.vault, alex, phone.id, _wav(), transcript="remind me to call the dentist",
                          response="ok", action=None)
    handle(served.port, "turn on the bedroom light")
    answer = handle(served.port, "what did you hear")
    assert "bedroom light" in answer.data["text"] and "dentist" not in answer.data["text"]


def test_a_personal_device_speaks_for_its_member(served: Served) -> None:
    sam, _ = served.home.add_member("sam")
    served.home.add_device("sam phone", personal=sam)
    port = free_port()
    server = start_wyoming(served.home.settings.home, "sam phone", port, log=served.folder / "sam.log")
    try:
        answer = handle(port, "turn off the bedroom light")
    finally:
        server.stop()
    assert answer.type == "handled"
    assert latest(served, sam).transcript == "turn off the bedroom light"
    assert latest(served, served.shared).transcript != "turn off the bedroom light"


def test_a_request_heard_over_wyoming_is_deleted_like_any(served: Served) -> None:
    heard = Transcript.from_event(transcribe(served.port, "add milk to the shopping list")).text
    item = latest(served, served.shared)
    assert item.transcript == heard
    job = root.request_deletion(served.home.vault, served.shared, "items", ids=[item.id])
    deletion.purge(served.home.vault, job.id)
    assert all(i.id != item.id for i in interactions.history(served.home.vault, served.shared).items)
    report = root.verify(served.home.vault, extra_needles=[heard.encode()])
    assert report.clean, report.to_json()


def test_the_allow_list_refuses_other_client_addresses(served: Served) -> None:
    port = free_port()
    server = start_wyoming(served.home.settings.home, served.home.device.name, port, "--allow", "127.0.0.2",
                           log=served.folder / "allow.log")
    try:
        refused = exchange(port, [Describe().event()], until={"info"})
        admitted = exchange(port, [Describe().event()], until={"info"}, local="127.0.0.2")
    finally:
        server.stop()
    assert [(e.type, e.data.get("code")) for e in refused] == [("error", "client-not-allowed")]
    assert admitted[-1].type == "info"
    assert "127.0.0.1 refused" in server.output()


def test_listening_beyond_loopback_needs_the_option_and_an_allow_list(served: Served) -> None:
    port = free_port()
    for extra, says in [((), "--beyond-loopback"), (("--beyond-loopback",), "allow-list")]:
        done = _cli(served, "wyoming", "--device", served.home.device.name, "--uri", f"tcp://0.0.0.0:{port}", *extra)
        assert done.returncode == 2 and "wyoming-address-refused" in done.stderr and says in done.stderr


def _cli(served: Served, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ECHOLESS, *args], env=environment(served.home.settings.home), capture_output=True,
                          text=True, timeout=120, check=False)


def test_serve_runs_wyoming_beside_the_http_api(served: Served) -> None:
    http, port = free_port(), free_port()
    server = Process([*ECHOLESS, "serve", "--port", str(http), "--wyoming-uri", f"tcp://127.0.0.1:{port}",
                      "--wyoming-device", served.home.device.name], env=environment(served.home.settings.home),
                     log=served.folder / "serve.log")
    try:
        server.wait_for_port(port)
        answer = handle(port, "turn off the kitchen light")
        server.wait_for_port(http)
        health = httpx.get(f"http://127.0.0.1:{http}/healthz").status_code
    finally:
        server.stop()
    assert answer.type == "handled" and health == 200


def _wav() -> bytes:
    return tone_wav(0.3)
