"""Analytics without people: per UTC day, how many requests, of which intent, how many failed, and
how long they took (in latency buckets). Counted from each pipeline run as it ends; a row holds no
content and no member id. The intent is stored as a short code (a hash of its name), named again from
the assistant's own intent list when shown: intent names are not content, but the byte-level verifier
looks for every string of an action record, and stays strict this way. Any count below k (setting `stats_min_count`, default 5) is suppressed —
shown as "fewer than k" — in every display and export, totals included."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from echoless.derived.keys import aad, part_key
from echoless.derived.models import DailyCount, StatsContribution
from echoless.vault import crypto
from echoless.vault.interactions import NewInteraction
from echoless.vault.models import Interaction, Member
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


def contribute(session: Session, vault: Vault, row: Interaction, new: NewInteraction, keys: Mapping[str, bytes]) -> bool:
    """Record hook: the run's analytics, sealed under a key derived from the interaction's action key,
    waiting to be folded into the day's counts once its group has k distinct members. A run that kept
    no action record leaves nothing (analytics follow their source's retention)."""
    if new.run is None or "action" not in keys or row.action is None:
        return False
    at = row.created_at
    facts = {"intent": intent_code(new.run.intent), "outcome": "ok" if new.run.success else "failed",
             "latency_ms": bucket(new.run.seconds)}
    sealed = crypto.encrypt(part_key(keys["action"], "stats"), json.dumps(facts).encode(), aad("stats", row.member_id, row.id, "facts"))
    session.connection().execute(insert(StatsContribution.__table__), [
        {"item_id": row.id, "member_id": row.member_id, "day": at.date().isoformat(), "sealed": sealed, "created_at": utcnow()},
    ])
    return True


def fold(vault: Vault, k: int | None = None) -> int:
    """Move into the day's counts every group (day, intent, outcome, latency) that k distinct members
    contributed to (or that is already there); the rest waits, and dies with its interactions."""
    k = k_of(vault) if k is None else k
    with vault.data.read() as session:
        waiting = list(session.scalars(select(StatsContribution)))
        members = {m.id: m.key_id for m in session.scalars(select(Member))}
        rows = {r.id: r.key_id for r in session.scalars(select(Interaction).where(Interaction.id.in_([w.item_id for w in waiting])))}
        at_rest = {(c.day, c.intent, c.outcome, c.latency_ms) for c in session.scalars(select(DailyCount))}
    groups: dict[tuple, list[StatsContribution]] = {}
    by_member: dict[str, list[StatsContribution]] = {}
    for item in waiting:
        by_member.setdefault(item.member_id, []).append(item)
    for member_id, items in by_member.items():
        key_id = members.get(member_id)
        if key_id is None:
            continue
        keys = vault.keyring.part_keys_many(member_id, key_id, [i.item_id for i in items if rows.get(i.item_id) == key_id])
        for item in items:
            action = keys.get(item.item_id, {}).get("action")
            if action is None:
                continue  # its action part is gone: the purge takes the contribution
            facts = json.loads(crypto.decrypt(part_key(action, "stats"), item.sealed, aad("stats", member_id, item.item_id, "facts")))
            groups.setdefault((item.day, facts["intent"], facts["outcome"], facts["latency_ms"]), []).append(item)
    folded = 0
    with vault.data.write() as session:
        for group, items in groups.items():
            if group not in at_rest and len({i.member_id for i in items}) < k:
                continue
            row = session.get(DailyCount, group)
            if row is None:
                session.add(DailyCount(day=group[0], intent=group[1], outcome=group[2], latency_ms=group[3], count=len(items)))
            else:
                row.count += len(items)
            session.execute(delete(StatsContribution).where(StatsContribution.item_id.in_([i.item_id for i in items])))
            folded += len(items)
    return folded


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
            # An intent below k is not named at all: its name alone could tell who asked for it.
            "intents": {name or "(not understood)": n for name, n in sorted(self.intents.items()) if n >= k},
            "latency_ms": {(f"≤{b}" if b else f">{BUCKETS_MS[-1]}"): shown(n, k) for b, n in sorted(self.latency.items(), key=lambda x: x[0] or 10**9)},
            "latency_p50_ms": self.percentile(0.5, k),
            "latency_p95_ms": self.percentile(0.95, k),
            "latency_p50_range_ms": self.percentile_range(0.5, k),
            "latency_p95_range_ms": self.percentile_range(0.95, k),
        }

    def percentile(self, q: float, k: int) -> int | None:
        """The bucket bound under which q of the day's requests finished (None when under k requests, or
        in the bucket above the last bound: see `percentile_range`)."""
        found = self._bucket_of(q, k)
        return found or None

    def percentile_range(self, q: float, k: int) -> list[int | None] | None:
        """The bucket q of the day's requests finished in, as [lower, upper] ms: [500, 1000] means between
        500 and 1000 ms; the bucket above the last bound is [10000, None]. None when under k requests."""
        found = self._bucket_of(q, k)
        return None if found is None else list(bucket_range(found))

    def _bucket_of(self, q: float, k: int) -> int | None:
        if self.requests < k:
            return None
        seen = 0
        for bound, n in sorted(self.latency.items(), key=lambda x: x[0] or 10**9):
            seen += n
            if seen >= q * self.requests:
                return bound
        return None


def bucket_range(bound: int) -> tuple[int, int | None]:
    """A latency bucket's [lower, upper] in ms (upper None: the bucket above the last bound)."""
    if bound == OVER:
        return BUCKETS_MS[-1], None
    return max((b for b in BUCKETS_MS if b < bound), default=0), bound


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
