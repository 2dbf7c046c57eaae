"""Figure 12: the end-to-end time of one spoken command (decode, recognise, understand, act, answer, record:
`root.ask` in process) acting on a real Home Assistant 2024.1.6 (the tests' instance, tests/hass.py) next to
the same command on the simulated home, in the same run on the same machine."""

from __future__ import annotations

import sys
import time

from bench.homes import REPO, make_home
from bench.report import Figure, from_samples
from bench.run import Ctx
from echoless import root
from echoless.pipeline import homes
from echoless.pipeline.home import demo_home

COMMAND = "Turn on the kitchen light."


def _spoken() -> bytes:
    sys.path.insert(0, str(REPO / "tests"))
    from speech_synth import synthesise_wav  # the tests' piper voice

    return synthesise_wav(COMMAND)


def _times(home, audio: bytes, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs + 1):  # the first run warms the model, the intents and the link up: not counted
        began = time.perf_counter()
        result = root.ask(home.vault, home.owner, home.device.id, audio)
        times.append(time.perf_counter() - began)
        assert str(result.response).startswith("Turned on the kitchen light"), str(result.response)
    return times[1:]


def run(ctx: Ctx) -> list[Figure]:
    sys.path.insert(0, str(REPO / "tests"))
    import hass  # the tests' real Home Assistant

    runs = 5 if ctx.quick else 15
    audio = _spoken()
    simulated = make_home("sqlite", "simulated")
    try:
        homes.save(simulated.vault, simulated.household.id, demo_home())
        baseline = _times(simulated, audio, runs)
    finally:
        simulated.close()
    began = time.monotonic()
    instance = hass.launch()
    ctx.log(f"  Home Assistant started and onboarded in {time.monotonic() - began:.1f}s")
    connected = make_home("sqlite", "connected")
    try:
        root.connect_home(connected.vault, connected.household.id, instance.url, instance.token)
        samples = _times(connected, audio, runs)
    finally:
        connected.close()
        instance.stop()
    return [
        from_samples("12a", "spoken command acting on Home Assistant, p50 (in process)", "s", samples,
                     baseline=baseline, baseline_name="the same command on the simulated home", note=COMMAND),
        from_samples("12b", "spoken command acting on Home Assistant, p95 (in process)", "s", samples, stat=0.95,
                     baseline=baseline, baseline_name="the simulated home"),
    ]
