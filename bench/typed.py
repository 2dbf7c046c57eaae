"""Figure 11: typed and spoken requests side by side on the pipeline's understanding test set
(tests/pipeline/intent_cases.py) against the demo home, each through the real use case with a real vault:
typed as given and as people write it (`root.ask_text`), and spoken (`root.ask`: the case synthesised with
piper, then heard by the bundled recogniser). Accuracy is exact intent and slots; latency is one whole run
(understand, act, answer, record; plus decode and recognition when spoken)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from bench.homes import REPO, make_home
from bench.report import Figure, from_samples
from bench.run import Ctx
from echoless import root
from echoless.pipeline import homes
from echoless.pipeline.home import demo_home
from echoless.pipeline.run import RunResult


def _cases() -> tuple[list[tuple[str, str, dict[str, Any]]], Callable[[str], str], Callable[[str], bytes]]:
    sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "pipeline")]
    from intent_cases import INTENT_CASES, as_written
    from speech_synth import synthesise_wav

    return INTENT_CASES, as_written, synthesise_wav


def _exact(result: RunResult, intent: str, slots: dict[str, Any]) -> bool:
    return result.intent == intent and all(result.slots.get(k) == v for k, v in slots.items())


def run(ctx: Ctx) -> list[Figure]:
    cases, as_written, synthesise_wav = _cases()
    if ctx.quick:
        cases = cases[::3]
    home = make_home(ctx.backend, "typed")
    try:
        homes.save(home.vault, home.household.id, demo_home())
        ways: dict[str, Callable[[str], RunResult]] = {
            "typed": lambda text: root.ask_text(home.vault, home.owner, text),
            "typed as written": lambda text: root.ask_text(home.vault, home.owner, as_written(text)),
            "spoken": lambda text: root.ask(home.vault, home.owner, None, audio[text]),
        }
        ctx.log(f"  synthesising {len(cases)} cases")
        audio = {text: synthesise_wav(text) for text, _, _ in cases}
        root.ask(home.vault, home.owner, None, audio[cases[0][0]])  # the model loads once, outside the timings
        exact: dict[str, list[float]] = {way: [] for way in ways}
        seconds: dict[str, list[float]] = {way: [] for way in ways}
        misses: dict[str, list[str]] = {way: [] for way in ways}
        for text, intent, slots in cases:
            for way, ask in ways.items():
                began = time.perf_counter()
                result = ask(text)
                seconds[way].append(time.perf_counter() - began)
                exact[way].append(1.0 if _exact(result, intent, slots) else 0.0)
                if not exact[way][-1]:
                    misses[way].append(f"“{text}” → {result.intent or 'not understood'}"
                                       + (f" (heard “{result.transcript}”)" if way == "spoken" else ""))
    finally:
        home.close()
    n = len(cases)
    accuracy = {way: 100 * sum(v) / n for way, v in exact.items()}
    figures = [
        Figure("11a", f"understanding accuracy, typed ({n} cases)", "%", accuracy["typed"], stat="exact",
               baseline=accuracy["spoken"], baseline_name="the same cases spoken", target="100%",
               passed=accuracy["typed"] == 100, note="; ".join(misses["typed"])),
        Figure("11b", f"understanding accuracy, typed as written: capital, punctuation, newline ({n} cases)", "%",
               accuracy["typed as written"], stat="exact", baseline=accuracy["spoken"], baseline_name="the same cases spoken",
               note="; ".join(misses["typed as written"])),
        Figure("11c", f"understanding accuracy, spoken (piper joe voice → bundled tiny.en, {n} cases)", "%",
               accuracy["spoken"], stat="exact", baseline=accuracy["typed"], baseline_name="the same cases typed",
               target="≥ 90% (tests/pipeline/test_spoken_intents.py)", passed=accuracy["spoken"] >= 90,
               note="missed: " + "; ".join(misses["spoken"]) if misses["spoken"] else ""),
        from_samples("11d", "one typed run (check, understand, act, answer, record)", "ms",
                     [s * 1000 for s in seconds["typed"]], baseline=[s * 1000 for s in seconds["spoken"]],
                     baseline_name="one spoken run of the same case (decode, recognise, then the same)"),
    ]
    return figures
