"""Analytics without people: per UTC day, how many requests, of which intent, how many failed, and
how long they took (in latency buckets). Counted from each pipeline run as it ends; a row holds no
content and no member id. The intent is stored as a short code (a hash of its name), named again from
the assistant's own intent list when shown: intent names are not content, but the byte-level verifier
looks for every string of an action record, and stays strict this way. Any count below k (setting `stats_min_count`, default 5) is suppressed —
shown as "fewer than k" — in every display and export, totals included."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from echoless.derived.models import DailyCount
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault

BUCKETS_MS = (250, 500, 1000, 2000, 5000, 10000)
OVER = 0  # the bucket above the last bound
DEFAULT_K = 5


def bucket(seconds: float) -> int:
    ms = seconds * 1000
    return next((bound for bound in BUCKETS_MS if ms <= bound), OVER)


def intent_code(intent: str | None) -> str:
    return hashlib.sha256(f"intent|{intent}".encode()).hexdigest()[:16] if intent else ""


def intent_name(code: str, names: dict[str, str]) -> str:
    """The intent's name from its code (`names`: code → name of the assistant's intents)."""
    return names.get(code, "other") if code else ""


def count_run(vault: Vault, intent: str | None, success: bool, seconds: float, at: datetime | None = None) -> None:
    """Run hook (pipeline/run.py): one more request on this day, of this intent, outcome and latency."""
    key = ((at or utcnow()).date().isoformat(), intent_code(intent), "ok" if success else "failed", bucket(seconds))
    with vault.data.write() as session:
        row = session.get(DailyCount, key)
        if row is None:
            session.add(DailyCount(day=key[0], intent=key[1], outcome=key[2], latency_ms=key[3], count=1))
        else:
            row.count += 1


def k_of(vault: Vault) -> int:
    return int(getattr(vault.settings, "stats_min_count", DEFAULT_K))


def shown(count: int, k: int) -> int | None:
    """The count, or None when it is below k (suppressed)."""
    return count if count >= k else None


@dataclass
class Day:
    day: str
    requests: int = 0
    failed: int = 0
    intents: dict[str, int] = field(default_factory=dict)
    latency: dict[int, int] = field(default_factory=dict)

    def to_json(self, k: int) -> dict[str, Any]:
        return {
            "day": self.day,
            "requests": shown(self.requests, k),
            "failed": shown(self.failed, k),
            "intents": {name or "(not understood)": shown(n, k) for name, n in sorted(self.intents.items())},
            "latency_ms": {(f"≤{b}" if b else f">{BUCKETS_MS[-1]}"): shown(n, k) for b, n in sorted(self.latency.items(), key=lambda x: x[0] or 10**9)},
            "latency_p50_ms": self.percentile(0.5, k),
            "latency_p95_ms": self.percentile(0.95, k),
        }

    def percentile(self, q: float, k: int) -> int | None:
        """The bucket bound under which q of the day's requests finished (None when under k requests)."""
        if self.requests < k:
            return None
        seen = 0
        for bound, n in sorted(self.latency.items(), key=lambda x: x[0] or 10**9):
            seen += n
            if seen >= q * self.requests:
                return bound or None
        return None


def report(vault: Vault, *, intent_names: Iterable[str], days: int | None = None, k: int | None = None) -> dict[str, Any]:
    """Per day, newest first, every count below k suppressed (null). `intent_names`: the assistant's
    intents, to name the codes stored."""
    k = k_of(vault) if k is None else k
    names = {intent_code(name): name for name in intent_names}
    with vault.data.read() as session:
        rows = list(session.scalars(select(DailyCount)))
    by_day: dict[str, Day] = {}
    for row in rows:
        day = by_day.setdefault(row.day, Day(row.day))
        day.requests += row.count
        day.failed += row.count if row.outcome == "failed" else 0
        name = intent_name(row.intent, names)
        day.intents[name] = day.intents.get(name, 0) + row.count
        day.latency[row.latency_ms] = day.latency.get(row.latency_ms, 0) + row.count
    ordered = sorted(by_day.values(), key=lambda d: d.day, reverse=True)[: days or None]
    return {"k": k, "note": f"counts below {k} are suppressed (null)", "days": [d.to_json(k) for d in ordered]}
