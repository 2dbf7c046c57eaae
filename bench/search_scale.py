"""Keyed-token search at scale (figure 9, and a driver of its own): histories whose texts are drawn from a
generated Zipf vocabulary (a few words are in most items, most words in a few), written by
`bench/generate.py` exactly as the product writes them — real ciphertext under each item's text key,
search tokens in epochs of `search.EPOCH_ITEMS` under their own keys — and a mix of queries timed
through the product's `search.search` (a page of 50, results decrypted).

    python -m bench.search_scale --items 100000 --queries 200 --deletes 30   # p50/p95 per query kind, then deletions
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench import generate
from bench.report import quantile

KINDS = ("common word", "rare word", "3-letter prefix", "two words")
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def vocabulary(size: int = 5000, seed: int = 7) -> list[str]:
    """`size` distinct made-up words of 4–9 letters, most frequent first."""
    rng = random.Random(seed)
    found: dict[str, None] = {}
    while len(found) < size:
        found.setdefault("".join(rng.choice(LETTERS) for _ in range(rng.randint(4, 9))))
    return list(found)


def texts(words: Sequence[str], words_per_item: int = 8, seed: int = 11) -> Callable[[int], tuple[str, str]]:
    """Item i's (transcript, response): `words_per_item` Zipf draws, the last two as the response."""
    rng = random.Random(seed)
    cumulative, total = [], 0.0
    for rank in range(len(words)):
        total += 1 / (rank + 1)
        cumulative.append(total)

    def text(_i: int) -> tuple[str, str]:
        drawn = rng.choices(words, cum_weights=cumulative, k=words_per_item)
        return " ".join(drawn[:-2]), " ".join(drawn[-2:])

    return text


def load(vault, member, items: int, words: Sequence[str], **kwargs) -> generate.Generated:  # type: ignore[no-untyped-def]
    """`items` interactions for one member, texts from `words`, indexed in epochs."""
    return generate.fill(vault, member, items, texts=texts(words), **kwargs)


def queries(words: Sequence[str], count: int, seed: int = 13) -> list[tuple[str, str]]:
    """(kind, query) in turn: a very common word, a rare word, a 3-letter prefix of a common word, two words."""
    rng = random.Random(seed)
    rare_from = min(100, len(words) // 2)
    made = []
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        if kind == "common word":
            query = words[rng.randint(0, 20)]
        elif kind == "rare word":
            query = words[rng.randint(rare_from, len(words) - 1)]
        elif kind == "3-letter prefix":
            query = words[rng.randint(0, 50)][:3]
        else:
            query = f"{words[rng.randint(0, 30)]} {words[rng.randint(30, 300)]}"
        made.append((kind, query))
    return made


@dataclass
class Timed:
    ms: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    hits: dict[str, list[int]] = field(default_factory=dict)
    cpu_ms: list[float] = field(default_factory=list)  # the process's CPU time per query (what a busy machine inflates less)

    def summary(self) -> str:
        cpu = f"CPU time p50 {quantile(self.cpu_ms, 0.5):.1f} / p95 {quantile(self.cpu_ms, 0.95):.1f} ms; " if self.cpu_ms else ""
        return cpu + "; ".join(
            f"{kind}: p50 {quantile(v, 0.5):.1f} / p95 {quantile(v, 0.95):.1f} ms, "
            f"{sum(1 for h in self.hits[kind] if h) }/{len(v)} found"
            for kind, v in self.by_kind.items()
        )


def time_queries(  # type: ignore[no-untyped-def]
    vault, member, asked: Sequence[tuple[str, str]], *, between: Callable[[], None] | None = None, budget_s: float | None = None,
) -> Timed:
    """Each query through `search.search` (page of 50, decrypted); `between` runs untimed after each.
    With `budget_s`, stops once that much time went by (the kinds take turns, so each keeps its share)."""
    from echoless.derived import search

    timed = Timed()
    began = time.perf_counter()
    for kind, query in asked:
        if budget_s is not None and time.perf_counter() - began > budget_s:
            break
        started, cpu = time.perf_counter(), time.process_time()
        page = search.search(vault, member, query, limit=50)
        ms = (time.perf_counter() - started) * 1000
        timed.cpu_ms.append((time.process_time() - cpu) * 1000)
        timed.ms.append(ms)
        timed.by_kind.setdefault(kind, []).append(ms)
        timed.hits.setdefault(kind, []).append(len(page.items))
        if between is not None:
            between()
    return timed


def _time_deletes(home, member, ids: Sequence[str]) -> None:  # type: ignore[no-untyped-def]
    """Single-item deletions, each rebuilding its epoch (the purge after each untimed): wall and CPU time."""
    from echoless.privacy import deletion

    wall, cpu = [], []
    member = home.member(member.id)
    for item_id in ids:
        started, cpu_started = time.perf_counter(), time.process_time()
        job = deletion.delete_items(home.vault, member, [item_id])
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        deletion.purge(home.vault, job.id)
    print(f"delete one: wall p50 {quantile(wall, 0.5):.1f} / p99 {quantile(wall, 0.99):.1f} ms; "
          f"CPU p50 {quantile(cpu, 0.5):.1f} / p99 {quantile(cpu, 0.99):.1f} ms; n={len(ids)}")


def main() -> None:
    from bench.homes import make_home

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--deletes", type=int, default=0, help="then this many single-item deletions (epoch rebuilds)")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    home = make_home(args.backend, "search")
    try:
        member = home.add_members(1)[0]
        words = vocabulary()
        done = load(home.vault, member, args.items, words, device_id=home.device.id, keep_ids=bool(args.deletes))
        generate.settle(home.vault)
        print(f"{done.count:,} interactions in {done.seconds:.1f}s ({done.rate:,.0f}/s)")
        timed = time_queries(home.vault, member, queries(words, args.queries))
        print(f"all: p50 {quantile(timed.ms, 0.5):.1f} ms, p95 {quantile(timed.ms, 0.95):.1f} ms, n={len(timed.ms)}")
        print(timed.summary())
        if args.deletes:
            _time_deletes(home, member, random.Random(1).sample(done.ids, args.deletes))
    finally:
        home.close()


if __name__ == "__main__":
    main()
