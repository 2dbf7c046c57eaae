"""Figure 2: a 3-second spoken command from upload to answer against a real `echoless serve` process,
and that process's resident memory with the model loaded (VmRSS, VmHWM from /proc)."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import wave
from pathlib import Path

import httpx
import numpy as np

from bench.homes import REPO, scratch
from bench.report import Figure, from_samples
from bench.run import Ctx

PYTHON = sys.executable
COMMAND = "turn off the kitchen light and set a timer"
SECONDS = 3.0
RSS_PROBE = """
import io, sys
from faster_whisper import WhisperModel
from echoless.pipeline.recognise import resolve_model
from echoless.settings import BUNDLED_MODEL
model = WhisperModel(resolve_model(BUNDLED_MODEL), device="cpu", compute_type="int8", cpu_threads=2)
segments, _ = model.transcribe(io.BytesIO(sys.stdin.buffer.read()), language="en", beam_size=1, without_timestamps=True)
"".join(s.text for s in segments)
status = open("/proc/self/status").read()
fields = dict(l.split(":", 1) for l in status.splitlines() if l.startswith(("VmRSS", "VmHWM")))
print(fields["VmRSS"].split()[0], fields["VmHWM"].split()[0])
"""


def command_wav(seconds: float = SECONDS) -> bytes:
    """The synthesised command (piper, joe voice), centred in silence to `seconds` (or trimmed to it)."""
    sys.path.insert(0, str(REPO / "tests"))
    from speech_synth import synthesise_wav

    with wave.open(io.BytesIO(synthesise_wav(COMMAND))) as src:
        rate, width, channels = src.getframerate(), src.getsampwidth(), src.getnchannels()
        pcm = np.frombuffer(src.readframes(src.getnframes()), dtype=np.int16).reshape(-1, channels)
    want = int(seconds * rate)
    if len(pcm) >= want:
        pcm = pcm[:want]
    else:
        pad = want - len(pcm)
        pcm = np.concatenate([np.zeros((pad // 2, channels), np.int16), pcm, np.zeros((pad - pad // 2, channels), np.int16)])
    out = io.BytesIO()
    with wave.open(out, "wb") as dst:
        dst.setnchannels(channels)
        dst.setsampwidth(width)
        dst.setframerate(rate)
        dst.writeframes(pcm.tobytes())
    return out.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            found[line.split(":")[0]] = int(line.split()[1]) / 1024
    return found


def _prepare_home(env: dict[str, str]) -> dict:
    made = subprocess.run([PYTHON, "-m", "echoless.cli", "init", "--json"], env=env, capture_output=True, text=True, check=True)
    tokens = json.loads(made.stdout)
    # Give the household a kitchen light so that the command acts on something (no `demo` command yet).
    from echoless.pipeline import homes
    from echoless.pipeline.home import demo_home
    from echoless.root import open_vault
    from echoless.settings import Settings
    from echoless.vault import accounts

    vault = open_vault(Settings(home=Path(env["ECHOLESS_HOME"])))
    try:
        homes.save(vault, accounts.default_household(vault).id, demo_home())
    finally:
        vault.close()
    return tokens


def run(ctx: Ctx) -> list[Figure]:
    requests = 8 if ctx.quick else 40
    root = scratch("e2e-")
    env = {**os.environ, "ECHOLESS_HOME": str(root / "data"), "ECHOLESS_LOG_LEVEL": "WARNING", "ECHOLESS_SPEECH": "false"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    tokens = _prepare_home(env)
    audio = command_wav()
    port = _free_port()
    server = subprocess.Popen([PYTHON, "-m", "echoless.cli", "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    figures: list[Figure] = []
    try:
        base_url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base_url, timeout=120) as client:
            started = time.monotonic()
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() - started > 60:
                    raise RuntimeError("the server did not start: " + (server.stderr.read().decode()[-2000:] if server.stderr else ""))
                time.sleep(0.1)
            idle = memory(server.pid)
            headers = {"Authorization": f"Bearer {tokens['device']['token']}"}

            def post() -> tuple[float, dict]:
                began = time.perf_counter()
                response = client.post("/v1/interactions", headers=headers, files={"audio": ("command.wav", audio, "audio/wav")}, data={"member": tokens["member"]["name"]})
                elapsed = time.perf_counter() - began
                response.raise_for_status()
                return elapsed, response.json()

            cold, body = post()  # loads the model
            latencies = []
            for _ in range(requests):
                elapsed, body = post()
                latencies.append(elapsed)
            loaded = memory(server.pid)
        # Baseline for latency: faster-whisper alone on the same bytes, in this process, with the server idle.
        from faster_whisper import WhisperModel

        from echoless.pipeline.recognise import resolve_model
        from echoless.settings import BUNDLED_MODEL

        model = WhisperModel(resolve_model(BUNDLED_MODEL), device="cpu", compute_type="int8", cpu_threads=2)
        direct = []
        for i in range(requests + 1):
            began = time.perf_counter()
            segments, _ = model.transcribe(io.BytesIO(audio), language="en", beam_size=1, vad_filter=False, condition_on_previous_text=False, without_timestamps=True)
            "".join(s.text for s in segments)
            if i:
                direct.append(time.perf_counter() - began)
        del model
        probe = subprocess.run([PYTHON, "-c", RSS_PROBE], input=audio, capture_output=True, check=True, env=env)
        probe_rss, probe_hwm = (int(v) / 1024 for v in probe.stdout.split())
        got = f"transcript “{body.get('transcript')}”, intent {body.get('intent')}"
        figures += [
            from_samples("2a", "3 s command, upload → answer, p50", "s", latencies, baseline=direct, baseline_name="faster-whisper direct on the same audio",
                         target="≤ 1.0 s", limit=1.0,
                         note=f"{requests} sequential POST /v1/interactions to a real `echoless serve` (after one cold request of {cold:.2f} s that loads the model); {got}"),
            from_samples("2b", "3 s command, upload → answer, p95", "s", latencies, stat=0.95, baseline=direct, baseline_name="faster-whisper direct"),
            from_samples("2c", "server resident memory with the model loaded (VmRSS)", "MB", [loaded["VmRSS"]], baseline=probe_rss,
                         baseline_name="python + faster-whisper tiny.en alone", target="≤ 600 MB", limit=600,
                         note=f"before the first request: {idle['VmRSS']:.0f} MB"),
            from_samples("2d", "server peak resident memory (VmHWM)", "MB", [loaded["VmHWM"]], baseline=probe_hwm,
                         baseline_name="python + faster-whisper tiny.en alone", target="≤ 600 MB", limit=600),
        ]
        return figures
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        import shutil

        shutil.rmtree(root, ignore_errors=True)
