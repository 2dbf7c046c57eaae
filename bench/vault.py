"""Figures 3–5: vault ingest, shredding, purge — each against a plain, unencrypted baseline written
with the same durability, in the same run, on the same backend."""

from __future__ import annotations

import json
import os
import statistics
import time

from sqlalchemy import delete, select, update

from bench import generate
from bench.homes import BenchHome, make_home
from bench.report import Figure, from_samples
from bench.run import Ctx
from echoless.privacy import deletion
from echoless.vault import interactions
from echoless.vault.keyring import DataKey, OwnerKey
from echoless.vault.models import Interaction, Member
from echoless.vault.store import Registry

AUDIO = os.urandom(32 * 1024)
TRANSCRIPT = "turn off the kitchen light and set a timer"
RESPONSE = "Turned off the kitchen light. Timer set for 10 minutes."
ACTION = {"intent": "HassTurnOff", "slots": {"name": "kitchen light"}, "success": True, "result": "off"}


# --- 3. ingest --------------------------------------------------------------------------------


class PlainStore:
    """The baseline: the same bytes, unencrypted, one row and one file per interaction, with the
    vault's durability (WAL + synchronous=FULL or a PostgreSQL commit; file fsync, rename, dir fsync)."""

    def __init__(self, home: BenchHome) -> None:
        self.dir = home.root / "plain-blobs"
        if home.backend == "sqlite":
            import sqlite3

            self.conn = sqlite3.connect(home.root / "plain.db", isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.begin = "BEGIN IMMEDIATE"
            self.mark = "?"
        else:
            import psycopg

            url = home.settings.database_url.replace("postgresql+psycopg", "postgresql")  # type: ignore[union-attr]
            self.conn = psycopg.connect(url, autocommit=True)
            self.begin = "BEGIN"
            self.mark = "%s"
        self.conn.execute(
            "CREATE TABLE plain (id TEXT PRIMARY KEY, member_id TEXT, device_id TEXT, created_at TEXT, "
            "audio_type TEXT, audio_size INTEGER, transcript TEXT, response TEXT, action TEXT)"
        )

    def record(self, member_id: str, device_id: str) -> None:
        item_id = os.urandom(16).hex()
        path = self.dir / item_id[:2] / item_id
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{item_id}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(AUDIO)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        dfd = os.open(path.parent, os.O_RDONLY)
        os.fsync(dfd)
        os.close(dfd)
        m = self.mark
        self.conn.execute(self.begin)
        self.conn.execute(
            f"INSERT INTO plain VALUES ({m},{m},{m},{m},{m},{m},{m},{m},{m})",
            (item_id, member_id, device_id, time.time(), "audio/wav", len(AUDIO), TRANSCRIPT, RESPONSE, json.dumps(ACTION)),
        )
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


def ingest(ctx: Ctx) -> list[Figure]:
    per_run, runs = (40, 3) if ctx.quick else (200, 7)
    home = make_home(ctx.backend, "ingest")
    plain = PlainStore(home)
    registry = home.vault.stores
    alone = Registry([s for s in registry if s.name not in ("search", "vocabulary", "corpus")])
    try:
        new = interactions.NewInteraction(audio=AUDIO, audio_type="audio/wav", transcript=TRANSCRIPT, response=RESPONSE, action=ACTION)
        for _ in range(5):  # warm every path
            interactions.record(home.vault, home.owner, home.device.id, new)
            plain.record(home.owner.id, home.device.id)

        def rate(record: object) -> float:
            started = time.perf_counter()
            for _ in range(per_run):
                record()  # type: ignore[operator]
            return per_run / (time.perf_counter() - started)

        def vault_alone() -> None:  # without the derived stores: encryption, keyring, blob and row only
            home.vault.stores = alone
            try:
                interactions.record(home.vault, home.owner, home.device.id, new)
            finally:
                home.vault.stores = registry

        plain_rates, full_rates, alone_rates = [], [], []
        for _ in range(runs):  # interleaved, so that a noisy minute hits all three
            plain_rates.append(rate(lambda: plain.record(home.owner.id, home.device.id)))
            full_rates.append(rate(lambda: interactions.record(home.vault, home.owner, home.device.id, new)))
            alone_rates.append(rate(vault_alone))
        ctx.log(f"ingest {ctx.backend}: recording {statistics.median(full_rates):.0f}/s, vault alone "
                f"{statistics.median(alone_rates):.0f}/s, plain {statistics.median(plain_rates):.0f}/s")
        k = ctx.key("3")
        common = {"baseline": plain_rates, "baseline_name": "plain rows + files, same durability",
                  "target": "≥ 0.5× baseline", "ratio_limit": 0.5, "higher_is_better": True}
        return [
            from_samples(
                f"{k}a", f"vault ingest, 32 KB audio + texts, with the search index and vocabulary ({ctx.backend})", "items/s",
                full_rates, note=f"{runs} runs × {per_run} `interactions.record()` calls, interleaved with the baseline; "
                "each item also writes ~24 keyed search tokens, a lineage row and learned words in the same commit" if k == "3" else "",
                **common,
            ),
            from_samples(
                f"{k}b", f"vault ingest, the vault alone: encryption, keyring, blob, row ({ctx.backend})", "items/s",
                alone_rates, note="the same calls with the derived stores' record hooks off" if k == "3" else "", **common,
            ),
        ]
    finally:
        plain.close()
        home.close()


# --- 4. shredding -------------------------------------------------------------------------------


def _plain_delete_one(home: BenchHome, item_id: str) -> None:
    """Baseline for one shred: plain DELETEs of the row and its keys, one durable commit per database."""
    with home.vault.keyring.db.write() as session:
        session.execute(delete(DataKey).where(DataKey.item_id == item_id))
    with home.vault.data.write() as session:
        session.execute(delete(Interaction).where(Interaction.id == item_id))


def _plain_rotate(home: BenchHome, member: Member) -> None:
    """Baseline for delete-everything: one key row written, one deleted, the member row updated."""
    with home.vault.keyring.db.write() as session:
        session.execute(delete(OwnerKey).where(OwnerKey.id == "none"))
    with home.vault.data.write() as session:
        session.execute(update(Member).where(Member.id == member.id).values(name=Member.name))


def shred(ctx: Ctx) -> list[Figure]:
    history, singles = (2000, 40) if ctx.quick else (20000, 300)
    sizes = ((1000, 3), (10000, 2), (50000, 1)) if ctx.quick else ((1000, 5), (10000, 5), (100000, 3))
    home = make_home(ctx.backend, "shred")
    figures: list[Figure] = []
    try:
        member = home.add_members(1)[0]
        generate.fill(home.vault, member, history)
        generate.settle(home.vault)
        with home.vault.data.read() as session:
            ids = list(session.scalars(select(Interaction.id).where(Interaction.member_id == member.id).limit(2 * singles + 10)))
        times, base = [], []
        for i in range(singles):
            started = time.perf_counter()
            job = deletion.delete_items(home.vault, member, [ids[i]])
            times.append((time.perf_counter() - started) * 1000)
            deletion.purge(home.vault, job.id)  # as the server's background task does; not timed
            started = time.perf_counter()
            _plain_delete_one(home, ids[singles + i])
            base.append((time.perf_counter() - started) * 1000)
        k = ctx.key("4")
        common = {"baseline_name": "plain DELETE of row + keys"}
        figures.append(from_samples(k + "a", f"shred one item p50 ({ctx.backend})", "ms", times, baseline=base, **common))
        figures.append(
            from_samples(
                k + "b", f"shred one item p99 ({ctx.backend})", "ms", times, stat=0.99, baseline=base, target="≤ 20 ms", limit=20,
                note=f"{singles} single-item `delete_items` in a {history:,}-item history; purge after each, untimed",
                **common,
            )
        )
        medians = {}
        for letter, (size, reps) in zip("cde", sizes):
            times, base = [], []
            gen_seconds = 0.0
            for _ in range(reps):
                m = home.add_members(1, prefix=f"all{size}-")[0]
                gen_seconds += generate.fill(home.vault, m, size).seconds
                generate.settle(home.vault)
                m = home.member(m.id)
                started = time.perf_counter()
                deletion.delete_all(home.vault, m)
                times.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                _plain_rotate(home, m)
                base.append((time.perf_counter() - started) * 1000)
            medians[size] = statistics.median(times)
            figures.append(
                from_samples(
                    f"{k}{letter}", f"delete everything, {size:,} items ({ctx.backend})", "ms", times, baseline=base,
                    baseline_name="one key row + member row, plain", target="≤ 50 ms", limit=50,
                    note=f"{reps} members of {size:,} items each (generated at {reps * size / gen_seconds:,.0f}/s); shred only, purge is figure 5" if size == sizes[-1][0] else "",
                )
            )
        smallest, largest = sizes[0][0], sizes[-1][0]
        flat = medians[largest] / medians[smallest]
        figures.append(
            Figure(f"{k}f", f"delete everything flatness: {largest:,} vs {smallest:,} items ({ctx.backend})", "×", flat,
                   stat="ratio of medians", target="≤ 1.5× (flat)", passed=flat <= 1.5)
        )
        return figures
    finally:
        home.close()


# --- 5. purge -----------------------------------------------------------------------------------


def _plain_purge(home: BenchHome, ids: list[str]) -> None:
    """Baseline: plain DELETEs of the same rows and the same files, in the same 1,000-row chunks."""
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for item_id in chunk:
            home.vault.blobs.delete("audio", item_id)
        with home.vault.data.write() as session:
            session.execute(delete(Interaction).where(Interaction.id.in_(chunk)))
    home.vault.blobs.sync()
    with home.vault.keyring.db.write() as session:
        for start in range(0, len(ids), 1000):
            session.execute(delete(DataKey).where(DataKey.item_id.in_(ids[start : start + 1000])))


def purge(ctx: Ctx) -> list[Figure]:
    count, reps = (1000, 1) if ctx.quick else (10000, 3)
    home = make_home(ctx.backend, "purge")
    figures: list[Figure] = []
    try:
        for scope in ("range", "all"):
            rates, base = [], []
            for _ in range(reps):
                a, b = home.add_members(2, prefix=f"purge-{scope}-")
                generate.fill(home.vault, a, count, audio_bytes=len(AUDIO), durable_blobs=False)
                ids = generate.fill(home.vault, b, count, audio_bytes=len(AUDIO), durable_blobs=False, keep_ids=True).ids
                generate.settle(home.vault)
                job = deletion.delete_range(home.vault, a, None, None) if scope == "range" else deletion.delete_all(home.vault, a)
                started = time.perf_counter()
                done = deletion.purge(home.vault, job.id)
                rates.append(count / (time.perf_counter() - started))
                assert done.counts.get("interactions") == count, done.counts
                started = time.perf_counter()
                _plain_purge(home, ids)
                base.append(count / (time.perf_counter() - started))
            figures.append(
                from_samples(
                    f"{ctx.key('5')}{'a' if scope == 'range' else 'b'}", f"purge after {'a range' if scope == 'range' else 'an all'} deletion ({ctx.backend})", "items/s", rates,
                    baseline=base, baseline_name="plain DELETEs of rows, keys, files", higher_is_better=True,
                    target="≥ 5,000/s" if ctx.backend == "sqlite" else "≥ 5,000/s (set for SQLite)", limit=5000,
                    note=f"{reps} × {count:,} items with 32 KB audio each" if scope == "range" else "",
                )
            )
        return figures
    finally:
        home.close()
