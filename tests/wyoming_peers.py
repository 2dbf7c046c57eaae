"""Real Wyoming peers for tests: `echoless wyoming` (or `serve --wyoming-uri`) as a subprocess, the `wyoming`
package's own client, and clients of the versions the peers pin (Home Assistant 2024.1.6's integration:
wyoming 1.4.0; wyoming-satellite 1.0.0: 1.4.1), each in a virtual environment cached outside the clone."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from voice import pcm16, say, silence
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event

CACHE = Path(os.environ.get("ECHOLESS_TEST_CACHE", Path.home() / ".cache" / "echoless-test"))
ECHOLESS = [sys.executable, "-m", "echoless.cli"]
PEER_CLIENT = Path(__file__).parent / "voicelink" / "peer_client.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ECHOLESS_LOG_LEVEL", "COLUMNS")}
    return {**env, "ECHOLESS_HOME": str(home), **extra}


class Process:
    """A command of ours or a peer's running in the background; stopped with SIGTERM, killed if it lingers."""

    def __init__(self, args: Sequence[str], *, env: dict[str, str] | None = None, log: Path) -> None:
        self.log = log
        self._out = log.open("ab")
        self.process = subprocess.Popen(list(args), env=env, stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT)

    def wait_for_port(self, port: int, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"exited with {self.process.returncode}:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"nothing listened on {port}:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._out.close()


def start_wyoming(home: Path, device: str, port: int, *extra: str, log: Path) -> Process:
    started = Process([*ECHOLESS, "wyoming", "--device", device, "--uri", f"tcp://127.0.0.1:{port}", *extra],
                      env=environment(home), log=log)
    started.wait_for_port(port)
    return started


# The wyoming package's own client ---------------------------------------------------------------
def spoken_pcm(text: str, *, pad_seconds: float = 0.6) -> bytes:
    """16 kHz mono 16-bit PCM of `text` (piper), with silence around it."""
    samples = np.concatenate([silence(pad_seconds), pcm16(say(text)), silence(pad_seconds)])
    return samples.astype("<i2").tobytes()


def audio_events(pcm: bytes, rate: int = 16000, chunk_bytes: int = 4096) -> list[Event]:
    chunks = [AudioChunk(rate=rate, width=2, channels=1, audio=pcm[i : i + chunk_bytes]).event()
              for i in range(0, len(pcm), chunk_bytes)]
    return [AudioStart(rate=rate, width=2, channels=1).event(), *chunks, AudioStop().event()]


async def _exchange(port: int, events: Iterable[Event], until: set[str], host: str = "127.0.0.1",
                    local: str | None = None) -> list[Event]:
    client = AsyncTcpClient(host, port)
    if local is None:
        await client.connect()
    else:  # from a chosen loopback address (the allow-list's tests)
        client._reader, client._writer = await asyncio.open_connection(host, port, local_addr=(local, 0))
    try:
        for event in events:
            await client.write_event(event)
        received: list[Event] = []
        while True:
            event = await asyncio.wait_for(client.read_event(), timeout=120)
            if event is None:
                return received
            received.append(event)
            if event.type in until:
                return received
    finally:
        await client.disconnect()


def exchange(port: int, events: Iterable[Event], until: Iterable[str], **kwargs: Any) -> list[Event]:
    """Send `events` on a new connection; every event received until one of the types `until` (or EOF)."""
    return asyncio.run(_exchange(port, list(events), set(until), **kwargs))


# Clients of the versions the peers pin ------------------------------------------------------------
PINNED = {
    "wyoming-1.4.0": ["wyoming==1.4.0"],
    "wyoming-satellite-1.0.0": ["wyoming-satellite==1.0.0"],
    "wyoming-faster-whisper-3.8.1": ["wyoming-faster-whisper==3.8.1"],  # the benchmark's peer (bench/wyoming_side.py)
}


def venv(name: str) -> Path:
    """The python of a cached virtual environment with a peer's pinned packages (made once)."""
    folder = CACHE / name
    python = folder / "bin" / "python"
    if not python.exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PINNED[name]], check=True)
    return python


def pinned_client(name: str, port: int, pcm_file: Path, text: str) -> dict[str, Any]:
    """Describe, transcribe, handle and synthesize with the `wyoming` client pinned in venv `name`."""
    done = subprocess.run([str(venv(name)), str(PEER_CLIENT), str(port), str(pcm_file), text],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
