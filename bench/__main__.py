"""`python -m bench [--quick] [--only N,...] [--out BENCHMARKS.md]`: run the figures, append a dated section."""

from __future__ import annotations

import argparse
import logging
import time
import traceback
from collections.abc import Callable

from bench.homes import REPO, postgres_version
from bench.report import Figure, Section, append, machine, missing
from bench.run import Ctx

FIGURES = {
    "1": "recognition: RTF and WER",
    "2": "end to end against a real server",
    "3": "vault ingest",
    "4": "shredding",
    "5": "purge",
    "6": "history, search and retention at scale",
    "7": "figures 3–6 and 9 on PostgreSQL",
    "8": "personalisation: WER with and without learned words",
    "9": "search epochs at 100k items of one member: delete with rebuild, search, key rotation",
    "10": "Wyoming, side by side with wyoming-faster-whisper",
    "11": "typed and spoken understanding side by side on the intent test set",
    "12": "a spoken command acting on a real Home Assistant next to the simulated home",
}


PG_FIGURES = ("3", "4", "5", "6", "9")  # figure 7 is these on PostgreSQL


def _steps() -> dict[str, Callable[[Ctx], list[Figure]]]:
    from bench import endtoend, epochs, home_assistant, personalisation, recognition, scale, typed, vault, wyoming_side

    return {"1": recognition.run, "2": endtoend.run, "3": vault.ingest, "4": vault.shred, "5": vault.purge, "6": scale.scale,
            "8": personalisation.run, "9": epochs.run, "10": wyoming_side.run, "11": typed.run,
            "12": home_assistant.run}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs and data (about 4 minutes)")
    parser.add_argument("--only", default="", help="comma-separated figure numbers: " + "; ".join(f"{k} {v}" for k, v in FIGURES.items())
                        + "; 7.3–7.6, 7.9 one of them on PostgreSQL")
    parser.add_argument("--out", default=str(REPO / "BENCHMARKS.md"), help="Markdown file to append to")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    wanted = [n.strip() for n in args.only.split(",") if n.strip()] or [n for n in FIGURES if not (args.quick and n == "7")]
    unknown = set(wanted) - set(FIGURES) - {f"7.{n}" for n in PG_FIGURES}
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(sorted(unknown))}")
    pg = postgres_version()
    ctx = Ctx(quick=args.quick)
    section = Section("quick" if args.quick else "full", time.monotonic(), machine(pg))
    if args.quick:
        section.notes.append("--quick: fewer runs, scaled-down data (figure 6 at 50k over 50 members, delete-everything up to 50k, "
                             "figure 9 at 5k items of one member); "
                             "PostgreSQL (figure 7) only in the full run or with --only 7")
    if args.only:
        section.notes.append(f"only figures {', '.join(wanted)}")
    steps = _steps()
    plan: list[tuple[str, str]] = [(n, "sqlite") for n in wanted if n in steps]
    plan += [(n, "postgres") for n in PG_FIGURES if "7" in wanted or f"7.{n}" in wanted]
    for number, backend in plan:
        run_ctx = Ctx(quick=args.quick, backend=backend, started=ctx.started, notes=section.notes)
        if backend == "postgres" and pg is None:
            section.figures.append(missing(run_ctx.key(number), f"{FIGURES[number]} (postgres)", "PostgreSQL not reachable"))
            continue
        run_ctx.log(f"figure {run_ctx.key(number)}: {FIGURES[number]} ({backend})")
        began = time.monotonic()
        try:
            figures = steps[number](run_ctx)
        except Exception as exc:  # noqa: BLE001 - one broken figure must not lose the others
            traceback.print_exc()
            figures = [missing(run_ctx.key(number), f"{FIGURES[number]} ({backend})", f"ERROR {type(exc).__name__}: {exc}")]
        section.figures.extend(figures)
        for f in figures:
            run_ctx.log(f"  {f.key} {f.name}: {f.value if f.value is None else round(f.value, 4)} {f.unit} "
                        f"base={f.baseline if f.baseline is None else round(f.baseline, 4)} {f.verdict}")
        run_ctx.log(f"figure {run_ctx.key(number)} took {time.monotonic() - began:.0f}s")
    append(args.out, section)
    print(section.markdown())


if __name__ == "__main__":
    main()
