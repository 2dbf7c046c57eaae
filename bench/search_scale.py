"""Keyed-token search at scale (a driver for figure 6c): bulk-loads interaction rows and their search
tokens directly (rows carry placeholder ciphertext; the tokens are real HMACs of a generated vocabulary),
then times `search`'s query — the index range scan, the probes for further words and the join with the
visible interactions — for a page of 50. Decrypting the page is the history page's cost (figure 6b)."""

from __future__ import annotations

import os
import random
import secrets
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, exists, insert, select
from sqlalchemy.orm import aliased


def load(vault, members: int, per_member: int, words_per_item: int = 8, vocabulary: int = 5000, log=print):  # type: ignore[no-untyped-def]
    from echoless.derived import search
    from echoless.derived.models import SearchToken
    from echoless.vault import accounts
    from echoless.vault.models import Interaction

    rng = random.Random(7)
    words = [f"{''.join(rng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(rng.randint(4, 9)))}" for _ in range(vocabulary)]
    weights = [1 / (i + 1) for i in range(vocabulary)]  # Zipf: a few words are everywhere, most are rare
    household = accounts.create_household(vault)
    people = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    for m in range(members):
        member, _ = accounts.add_member(vault, household.id, f"m{m}")
        key = search.search_key(vault, member.id, member.key_id)
        cache: dict[str, list[bytes]] = {}
        for offset in range(0, per_member, 5000):
            rows, toks = [], []
            for n in range(offset, min(per_member, offset + 5000)):
                item = secrets.token_hex(16)
                at = start + timedelta(seconds=n * 37 + m)
                rows.append({"id": item, "member_id": member.id, "key_id": member.key_id, "created_at": at, "transcript": os.urandom(40)})
                chosen = set(rng.choices(words, weights, k=words_per_item))
                found = set()
                for w in chosen:
                    if w not in cache:
                        cache[w] = search.tokens(key, sorted(search.prefixes(w)))
                    found.update(cache[w])
                toks.extend({"member_id": member.id, "token": t, "created_at": at, "item_id": item, "key_id": member.key_id} for t in found)
            with vault.data.write() as session:
                session.execute(insert(Interaction), rows)
                session.execute(insert(SearchToken), toks)
        people.append(member)
        log(f"member {m + 1}/{members} loaded ({time.perf_counter() - began:.0f}s)")
    return people, words


def time_queries(vault, people, words, queries: int = 200):  # type: ignore[no-untyped-def]
    from echoless.derived import search
    from echoless.derived.models import SearchToken
    from echoless.vault.models import Interaction

    rng = random.Random(11)
    timings = []
    for n in range(queries):
        member = rng.choice(people)
        kind = n % 4
        if kind == 0:
            query = words[rng.randint(0, 20)]  # a very common word
        elif kind == 1:
            query = words[rng.randint(100, 4999)]  # a rare word
        elif kind == 2:
            query = words[rng.randint(0, 50)][:3]  # a 3-letter prefix
        else:
            query = f"{words[rng.randint(0, 30)]} {words[rng.randint(30, 300)]}"  # two words
        started = time.perf_counter()
        first, *rest = search.query_tokens(search.search_key(vault, member.id, member.key_id), query)
        hit = aliased(SearchToken)
        stmt = select(Interaction.id).join(hit, hit.item_id == Interaction.id).where(
            hit.member_id == member.id, hit.token == first, Interaction.member_id == member.id,
            Interaction.key_id == member.key_id, Interaction.deleted_at.is_(None))
        for token in rest:
            other = aliased(SearchToken)
            stmt = stmt.where(exists().where(and_(other.member_id == member.id, other.token == token,
                                                  other.created_at == hit.created_at, other.item_id == hit.item_id)))
        stmt = stmt.order_by(hit.created_at.desc(), hit.item_id.desc()).limit(51)
        with vault.data.read() as session:
            list(session.scalars(stmt))
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"p50_ms": statistics.median(timings), "p95_ms": timings[int(0.95 * len(timings)) - 1], "max_ms": timings[-1], "n": len(timings)}
