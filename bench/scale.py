"""Figure 6: history paging, keyed-token search and the retention sweep on a large generated vault
(1M interactions over 1,000 members; 50k over 50 members in --quick)."""

from __future__ import annotations

import os
import random
import statistics
import time

from sqlalchemy import select

from bench import generate
from bench.homes import make_home, set_retention
from bench.report import Figure, from_samples
from bench.run import Ctx
from echoless.privacy import sweeper
from echoless.vault import interactions
from echoless.vault.models import Interaction

SWEEP_RETENTION = {"audio": "forever", "text": "30d", "action": "30d"}


QUERIES = ("kitchen light", "timer", "shop", "milk list", "lamp")


def _plain_page(home, member, cursor_row) -> int:  # type: ignore[no-untyped-def]
    """Baseline: the same 50 rows by the same index, without keys or decryption."""
    query = select(Interaction).where(
        Interaction.member_id == member.id, Interaction.key_id == member.key_id, Interaction.deleted_at.is_(None)
    )
    if cursor_row is not None:
        query = query.where(Interaction.created_at < cursor_row)
    query = query.order_by(Interaction.created_at.desc(), Interaction.id.desc()).limit(51)
    with home.vault.data.read() as session:
        return len(list(session.scalars(query)))


def scale(ctx: Ctx) -> list[Figure]:
    # ECHOLESS_BENCH_SCALE scales the full run down (total interactions, 1,000 per member) on a short budget.
    full = int(os.environ.get("ECHOLESS_BENCH_SCALE", "1000000"))
    members_n, per_member, pages = (50, 1000, 200) if ctx.quick else (max(1, full // 1000), 1000, 600)
    total = members_n * per_member
    scaled = " — scaled down for --quick" if ctx.quick else (" — scaled down by ECHOLESS_BENCH_SCALE" if total < 1_000_000 else "")
    label = f"{total // 1000:,}k over {members_n:,} members{scaled}"
    k = ctx.key("6")
    home = make_home(ctx.backend, "scale")
    figures: list[Figure] = []
    try:
        members = home.add_members(members_n, prefix="scale-")
        ctx.log(f"generating {total:,} interactions ({ctx.backend}) …")
        done = generate.fill_many(home.vault, members, per_member, device_id=home.device.id)
        generate.settle(home.vault)
        generate.verify(home.vault, members[0], per_member)
        ctx.log(f"generated {done.count:,} in {done.seconds:.0f}s ({done.rate:,.0f}/s)")
        figures.append(
            Figure(f"{k}a", f"bulk generation via bench/generate.py ({ctx.backend})", "items/s", done.rate, stat="one load",
                   note=f"{done.count:,} interactions in {done.seconds:.0f} s")
        )
        rng = random.Random(7)
        times, base = [], []
        for i in range(pages):
            member = rng.choice(members)
            cursor = None
            if i % 2:  # every other request asks for a deeper page, through a real cursor
                cursor = interactions.history(home.vault, member, limit=50).next_cursor
            started = time.perf_counter()
            page = interactions.history(home.vault, member, limit=50, cursor=cursor)
            times.append((time.perf_counter() - started) * 1000)
            assert len(page.items) == 50
            stamp = page.items[0].created_at if cursor else None
            started = time.perf_counter()
            _plain_page(home, member, stamp)
            base.append((time.perf_counter() - started) * 1000)
        figures.append(
            from_samples(
                f"{k}b", f"history page of 50, p95, {label} ({ctx.backend})", "ms", times, stat=0.95, baseline=base,
                baseline_name="same SELECT, no keys/decryption", target="≤ 10 ms", limit=10,
                note=f"{pages} pages over random members, half of them second pages via the cursor",
            )
        )
        from echoless.derived import search

        times = []
        for query in QUERIES * max(1, pages // len(QUERIES)):
            member = rng.choice(members)
            started = time.perf_counter()
            found = search.search(home.vault, member, query, limit=50)
            times.append((time.perf_counter() - started) * 1000)
            assert found.items, query
        figures.append(
            from_samples(
                f"{k}c", f"keyed-token search, page of 50, p95, {label} ({ctx.backend})", "ms", times, stat=0.95,
                baseline=statistics.median(base), baseline_name="history page SELECT, no keys/decryption (6b's baseline)",
                target="≤ 50 ms", limit=50, note=f"queries {', '.join(repr(q) for q in QUERIES)} over random members; results decrypted",
            )
        )
        set_retention(home.vault, [m.id for m in members], SWEEP_RETENTION)
        started = time.perf_counter()
        result = sweeper.expire_due(home.vault)
        seconds = time.perf_counter() - started
        expired = result["expired_items"] + result["expired_parts"]
        ctx.log(f"sweep expired {expired:,} in {seconds:.1f}s")
        figures.append(
            from_samples(
                f"{k}d", f"retention sweep expiring 10% ({expired:,} items), {label} ({ctx.backend})", "s", [seconds],
                baseline=expired / 5000, baseline_name="reference, not measured: 10% at 5,000/s",
                target="≤ 60 s", limit=60, note=f"one run (expiry is destructive); {expired / seconds:,.0f} items/s, shred + purge included",
            )
        )
        return figures
    finally:
        home.close()
