"""Figure 9: the search index in epochs (issue 13), at 100,000 items of ONE member (5,000 in --quick).

- 9a/9b: single-item deletion, the epoch's rebuild under a fresh key included (`deletion.delete_items`
  with the bench home's deferred runner; the purge runs after each, untimed, as in figure 4);
- 9c/9d: a search page of 50 through `search.search` (one token per epoch key and word), a mix of
  common words, rare words, 3-letter prefixes and two-word queries over a Zipf vocabulary; 9e, a
  diagnostic on SQLite: the same queries once ANALYZE gave the planner statistics (the product never
  runs ANALYZE on SQLite; on PostgreSQL the bench's settle does, as autovacuum would);
- 9f–9h: member-key rotation (`rotation.rotate`) at two history sizes, and what it comes to at
  1,000,000 interactions (extrapolated);
- 9i/9j: the first scheme's upgrade (`rotate(from_v1=True)`: keys wrapped again and learned words and
  search tokens made again from the kept interactions) on a generated history without an index, and at
  1,000,000 interactions (extrapolated).

Every history is written by bench/generate.py as the product writes it: real ciphertext under each
item's text key, tokens in epochs under their own keys (bench/search_scale.py draws the texts)."""

from __future__ import annotations

import os
import random
import statistics
import time
import traceback
from collections.abc import Callable
from typing import Self

from sqlalchemy import delete, func, select, update

from bench import generate, search_scale
from bench.homes import BenchHome, make_home
from bench.report import Figure, from_samples, missing, quantile
from bench.run import Ctx
from bench.scale import _plain_page
from echoless.derived import search
from echoless.derived.models import Lineage, SearchEpoch, SearchPosting, SearchSlot, VocabularyEntry
from echoless.privacy import deletion, rotation
from echoless.vault.keyring import DataKey, EpochKey
from echoless.vault.models import Interaction, Member

MILLION = 1_000_000
MEMBERS_AT_MILLION = 1_000  # figure 6's shape: 1M interactions over 1,000 members


def _plain_delete(home: BenchHome, item_id: str) -> None:
    """Baseline: plain DELETEs of the item's keys, and of its row, search slot and lineage (one
    durable commit per database) — what a deletion cost before epochs, without journal or receipt."""
    with home.vault.keyring.db.write() as session:
        session.execute(delete(DataKey).where(DataKey.item_id == item_id))
    with home.vault.data.write() as session:
        session.execute(delete(SearchSlot).where(SearchSlot.item_id == item_id))
        session.execute(delete(Lineage).where(Lineage.source_id == item_id))
        session.execute(delete(Interaction).where(Interaction.id == item_id))


def _plain_rewrite(home: BenchHome, member: Member) -> float:
    """Baseline of a rotation: the same rows rewritten in place (no unwrapping, no wrapping), one
    statement per table, one commit per database. Returns seconds."""
    started = time.perf_counter()
    key_id = member.key_id
    with home.vault.keyring.db.write() as session:
        session.execute(update(DataKey).where(DataKey.key_id == key_id).values(wrapped=DataKey.wrapped, key_id=key_id))
        session.execute(update(EpochKey).where(EpochKey.owner_key_id == key_id).values(wrapped=EpochKey.wrapped, owner_key_id=key_id))
    with home.vault.data.write() as session:
        for model in (Interaction, VocabularyEntry, Lineage, SearchEpoch):
            session.execute(update(model).where(model.member_id == member.id, model.key_id == key_id).values(key_id=key_id))
    return time.perf_counter() - started


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _index_shape(home: BenchHome, member: Member) -> tuple[int, int]:
    with home.vault.data.read() as session:
        epochs = session.scalar(select(func.count()).select_from(SearchEpoch).where(SearchEpoch.member_id == member.id))
        tokens = session.scalar(select(func.count()).select_from(SearchPosting).where(
            SearchPosting.epoch_id.in_(select(SearchEpoch.id).where(SearchEpoch.member_id == member.id))))
    return int(epochs or 0), int(tokens or 0)


def _analyze(home: BenchHome) -> float:
    """Planner statistics for the data database (diagnostic only: the product never runs ANALYZE on
    SQLite); returns seconds. New connections, so that the planner reads them."""
    started = time.perf_counter()
    with home.vault.data.write() as session:
        session.connection().exec_driver_sql("ANALYZE")
    home.vault.data.engine.dispose()
    home.vault.data.write_engine.dispose()
    return time.perf_counter() - started


def _rotations(  # type: ignore[no-untyped-def]
    ctx: Ctx, home: BenchHome, member: Member, big_items: int, epochs: int, words, rotate_small: int, rotate_runs: int, v1_items: int,
) -> list[Figure]:
    """9f–9j: rotation of an empty member (overhead), of a small and of the big history, and the
    first scheme's upgrade of a generated history without an index."""
    b, k = ctx.backend, ctx.key("9")
    figures: list[Figure] = []
    # 9f–9h: member-key rotation.
    empty = home.add_members(1, prefix="rotate-empty-")[0]
    overhead = statistics.median(_timed(lambda: rotation.rotate(home.vault, empty.id)) for _ in range(3))
    small = home.add_members(1, prefix="rotate-")[0]
    generate.fill(home.vault, small, rotate_small, device_id=home.device.id)
    generate.settle(home.vault)
    rates, base = [], []
    for _ in range(rotate_runs):
        rates.append(rotate_small / _timed(lambda: rotation.rotate(home.vault, small.id)))
        base.append(rotate_small / _plain_rewrite(home, home.member(small.id)))
    rewrite = "the same rows rewritten in place, no crypto"
    figures.append(from_samples(
        f"{k}f", f"member-key rotation, {rotate_small:,} items ({b})", "items/s", rates, baseline=base, baseline_name=rewrite,
        higher_is_better=True,
        note=f"{rotate_runs} rotations of the same member; an empty member's rotation takes {overhead * 1000:.0f} ms (median of 3)",
    ))
    seconds = _timed(lambda: rotation.rotate(home.vault, member.id))
    big_rate = big_items / seconds
    big_base = big_items / _plain_rewrite(home, home.member(member.id))
    ctx.log(f"rotation: {rotate_small:,} at {statistics.median(rates):,.0f}/s, {big_items:,} in {seconds:.1f}s ({big_rate:,.0f}/s)")
    figures.append(from_samples(
        f"{k}g", f"member-key rotation, {big_items:,} items ({b})", "items/s", [big_rate], baseline=big_base, baseline_name=rewrite,
        higher_is_better=True, note=f"one run: {seconds:.1f} s for {big_items:,} items and their {epochs} epoch keys",
    ))
    figures.append(Figure(
        f"{k}h", f"member-key rotation of every member at 1,000,000 interactions, extrapolated ({b})", "s",
        MILLION / big_rate + MEMBERS_AT_MILLION * overhead, stat="extrapolated",
        note=f"1M / {big_rate:,.0f} items/s ({k}g) + {MEMBERS_AT_MILLION:,} members × {overhead * 1000:.0f} ms "
             f"(an empty member's rotation); one member's rotation holds the data write lock while it moves its rows",
    ))

    # 9i/9j: the first scheme's upgrade: rotate, and make learned words and search tokens again.
    old = home.add_members(1, prefix="v1-")[0]
    search_scale.load(home.vault, old, v1_items, words, device_id=home.device.id, index=False)  # 0007 dropped the tokens
    generate.settle(home.vault)
    with _Stopwatch(rotation, "_rederive") as rederive:
        seconds = _timed(lambda: rotation.rotate(home.vault, old.id, from_v1=True))
    v1_epochs, v1_tokens = _index_shape(home, old)
    with home.vault.data.read() as session:
        learned = session.scalar(select(func.count()).select_from(VocabularyEntry).where(VocabularyEntry.member_id == old.id))
    rate = v1_items / seconds
    ctx.log(f"v1 upgrade: {v1_items:,} in {seconds:.1f}s ({rate:,.0f}/s), rederive {rederive.seconds:.1f}s")
    figures.append(from_samples(
        f"{k}i", f"first-scheme upgrade of one member, {v1_items:,} items ({b})", "items/s", [rate],
        baseline=big_rate, baseline_name=f"rotation alone ({k}g)", higher_is_better=True,
        note=f"one run, {seconds:.1f} s; making learned words and tokens again (`rotation._rederive`) took {rederive.seconds:.1f} s "
             f"({rederive.seconds / seconds:.0%}): {v1_tokens:,} postings in {v1_epochs} epochs, {learned:,} learned words",
    ))
    figures.append(Figure(
        f"{k}j", f"first-scheme upgrade at 1,000,000 interactions, extrapolated ({b})", "s",
        MILLION / rate + MEMBERS_AT_MILLION * overhead, stat="extrapolated",
        note=f"1M / {rate:,.0f} items/s ({k}i) + {MEMBERS_AT_MILLION:,} members × {overhead * 1000:.0f} ms",
    ))

    return figures


def run(ctx: Ctx) -> list[Figure]:
    quick = ctx.quick
    items = 5_000 if quick else 100_000
    deletes = 20 if quick else 200
    n_queries = 40 if quick else 240
    # A single-word search at 100k items takes seconds on SQLite (see the notes in BENCHMARKS.md): the
    # queries stop after this budget, whatever their number.
    budget = float(os.environ.get("ECHOLESS_BENCH_SEARCH_BUDGET", "30" if quick else "600"))
    rotate_small, rotate_runs = (2_000, 2) if quick else (10_000, 3)
    v1_items = 1_000 if quick else 20_000
    scaled = " — scaled down for --quick" if quick else ""
    b = ctx.backend
    k = ctx.key("9")
    home = make_home(b, "epochs")
    figures: list[Figure] = []
    rng = random.Random(9)
    try:
        member = home.add_members(1, prefix="epochs-")[0]
        words = search_scale.vocabulary()
        ctx.log(f"generating {items:,} interactions of one member ({b}) …")
        done = search_scale.load(home.vault, member, items, words, device_id=home.device.id, keep_ids=True)
        generate.settle(home.vault)
        generate.verify(home.vault, member, items)
        epochs, tokens = _index_shape(home, member)
        ctx.log(f"generated {done.count:,} in {done.seconds:.0f}s ({done.rate:,.0f}/s): {epochs} epochs, {tokens:,} postings")
        shape = f"{items // 1000:,}k items of one member{scaled}"

        # 9c/9d: search pages, interleaved with the plain page SELECT.
        asked = search_scale.queries(words, n_queries)
        base: list[float] = []

        def plain() -> None:
            base.append(_timed(lambda: _plain_page(home, member, None)) * 1000)

        search_scale.time_queries(home.vault, member, [q for q in asked if q[0] == "two words"][:2])  # warm: epoch keys unwrapped
        timed = search_scale.time_queries(home.vault, member, asked, between=plain, budget_s=budget)
        ctx.log(f"search: {timed.summary()}")
        stopped = f"; stopped after the {budget:.0f} s budget (ECHOLESS_BENCH_SEARCH_BUDGET)" if len(timed.ms) < len(asked) else ""
        common: dict = {"baseline": statistics.median(base), "baseline_name": "history page SELECT, no keys/decryption (median)"}
        figures.append(from_samples(f"{k}c", f"search page of 50, p50, {shape} ({b})", "ms", timed.ms, **common))
        figures.append(from_samples(
            f"{k}d", f"search page of 50, p95, {shape} ({b})", "ms", timed.ms, stat=0.95, target="≤ 50 ms", limit=50, **common,
            note=f"{len(timed.ms)} queries through `search.search` over {epochs} epochs ({tokens:,} postings){stopped}; " + timed.summary(),
        ))

        # 9a/9b: single-item deletions with the epoch's rebuild, interleaved with plain deletes.
        chosen = rng.sample(done.ids, 2 * deletes)
        times, base, cpu = [], [], []
        member = home.member(member.id)
        for i in range(deletes):
            started, cpu_started = time.perf_counter(), time.process_time()
            job = deletion.delete_items(home.vault, member, [chosen[i]])
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            deletion.purge(home.vault, job.id)  # as the job runner does after the request; not timed
            other = chosen[deletes + i]
            base.append(_timed(lambda: _plain_delete(home, other)) * 1000)  # noqa: B023 - called at once
        ctx.log(f"delete one: p50 {quantile(times, 0.5):.1f} ms, p99 {quantile(times, 0.99):.1f} ms; plain {quantile(base, 0.5):.1f} ms")
        common = {"baseline": base, "baseline_name": "plain DELETE of keys, row, slot, lineage"}
        figures.append(from_samples(f"{k}a", f"delete one item with its epoch's rebuild, p50, {shape} ({b})", "ms", times, **common))
        figures.append(from_samples(
            f"{k}b", f"delete one item with its epoch's rebuild, p99, {shape} ({b})", "ms", times, stat=0.99, target="≤ 50 ms",
            limit=50, **common,
            note=f"{deletes} `delete_items` of random items, each rebuilding one epoch of ≤ {search.EPOCH_ITEMS} items "
                 f"(~{tokens // max(1, epochs):,} postings) under a fresh key and destroying the old one; purge after each, untimed; "
                 f"CPU time p50 {quantile(cpu, 0.5):.1f} / p99 {quantile(cpu, 0.99):.1f} ms",
        ))

        try:  # rotation needs the instance state row `rotation:<member>`: see the PostgreSQL note in BENCHMARKS.md
            figures += _rotations(ctx, home, home.member(member.id), items - 2 * deletes, epochs, words, rotate_small, rotate_runs, v1_items)
        except Exception as exc:  # noqa: BLE001 - reported in the figure, the other figures stand
            traceback.print_exc()
            figures.append(missing(f"{k}f", f"member-key rotation and first-scheme upgrade ({b})", f"ERROR {type(exc).__name__}: {str(exc).splitlines()[0]}"))

        # 9e: diagnostic — the same searches with planner statistics (SQLite only; PostgreSQL has them).
        if home.vault.data.is_sqlite:
            analyzed = _analyze(home)
            member = home.member(member.id)
            search_scale.time_queries(home.vault, member, asked[:4])  # warm: keys unwrapped again after the rotation
            base = []
            again = search_scale.time_queries(home.vault, member, asked, between=plain, budget_s=budget)
            figures.append(from_samples(
                f"{k}e", f"search page of 50, p95, after ANALYZE (diagnostic, not what the product does), {shape} ({b})", "ms",
                again.ms, stat=0.95, target="≤ 50 ms", limit=50, baseline=statistics.median(base),
                baseline_name="history page SELECT, no keys/decryption (median)",
                note=f"the same {len(again.ms)} queries once `ANALYZE` ({analyzed:.1f} s) gave SQLite's planner statistics; "
                     + again.summary(),
            ))
        return sorted(figures, key=lambda f: f.key)
    finally:
        home.close()


class _Stopwatch:
    """Times every call of `module.name` while active (wraps it, restores it on exit)."""

    def __init__(self, module: object, name: str) -> None:
        self.module, self.name, self.seconds = module, name, 0.0

    def __enter__(self) -> Self:
        self.original = getattr(self.module, self.name)

        def timed(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        setattr(self.module, self.name, timed)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(self.module, self.name, self.original)
