"""Fill members' histories in bulk through the vault's own crypto and keyring code paths.

Each interaction gets exactly what `interactions.record()` would write — data keys from
`Keyring.new_part_keys` (wrapped by the member key), AES-GCM ciphertext with the same associated data,
the encrypted audio blob through the blob store, the same `Interaction` and `DataKey` rows — but many
rows go in one transaction (executemany) instead of three transactions per item. The rows are readable
by `interactions.history()` and deletable by the deletion journal (checked by `verify`).

The search index is written as `derived.search.index` writes it: the member's items (in time order) are
cut into epochs of `search.EPOCH_ITEMS`, each a `SearchEpoch` row with its own key from
`Keyring.create_epoch_key`; each item takes the next slot of its epoch (a `SearchSlot` row and one
lineage row), and the epoch's postings are `search.postings(epoch key, (slot, transcript and response))`. Since transcript and response are real
ciphertext under the item's text key, a deletion can rebuild an epoch from them. Learned words
(vocabulary) are not generated.

    python -m bench.generate --members 50 --per-member 1000     # prints the rate
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, text

from echoless.derived import search
from echoless.derived.models import Lineage, SearchEpoch, SearchPosting, SearchSlot
from echoless.vault import crypto, interactions
from echoless.vault.accounts import new_id
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.keyring import DataKey
from echoless.vault.models import Interaction, Member

TRANSCRIPTS = (
    "turn off the kitchen light",
    "set a timer for ten minutes",
    "add milk to the shopping list",
    "what time is it",
    "turn on the living room lamp",
)
RESPONSES = ("Turned off the kitchen light.", "Timer set for 10 minutes.", "Added milk.", "It is 8:15.", "Turned on the lamp.")
# A span such that exactly the oldest 10% are older than 30 days (the retention sweep's 10%).
DEFAULT_SPAN = timedelta(days=30) / 0.9


@dataclass(frozen=True)
class Generated:
    count: int
    seconds: float
    ids: list[str]

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")


class _Epochs:
    """The search index of one `fill` call, as `search.index` makes it: consecutive items take the slots of
    an epoch of EPOCH_ITEMS items; each epoch has its own key (made by the keyring, like the product's)."""

    def __init__(self, vault: Vault, member: Member) -> None:
        self.vault, self.member = vault, member
        self.made = 0
        self.done: list[tuple[dict, list[dict]]] = []  # closed epochs: (epoch row, posting rows)
        self._open: dict | None = None
        self._texts: list[tuple[int, str]] = []
        self._key = b""

    def add(self, item_id: str, created_at: datetime, text: str, stamp: datetime) -> dict:
        """Item `item_id` takes the next slot; returns its slot row."""
        if self._open is None or self._open["items"] >= search.EPOCH_ITEMS:
            self.close()
            epoch_id = new_id()
            epoch_key_id, self._key = self.vault.keyring.create_epoch_key(self.member.id, self.member.key_id, epoch_id)
            self._open = {"id": epoch_id, "member_id": self.member.id, "key_id": self.member.key_id, "epoch_key_id": epoch_key_id,
                          "items": 0, "retired": [], "created_at": stamp, "oldest": created_at, "newest": created_at}
            self.made += 1
        epoch = self._open
        slot = epoch["items"]
        epoch["items"] += 1
        epoch["oldest"], epoch["newest"] = min(epoch["oldest"], created_at), max(epoch["newest"], created_at)
        self._texts.append((slot, text))
        return {"epoch_id": epoch["id"], "slot": slot, "item_id": item_id, "created_at": created_at}

    def close(self) -> None:
        if self._open is not None:
            self.done.append((self._open, search.posting_rows(self._open["id"], search.postings(self._key, self._texts))))
            self._open, self._texts = None, []

    def take(self) -> tuple[list[dict], list[dict]]:
        """The closed epochs' rows and postings, once."""
        epochs, rows = [e for e, _p in self.done], [r for _e, p in self.done for r in p]
        self.done = []
        return epochs, rows


def default_texts(i: int) -> tuple[str, str]:
    k = i % len(TRANSCRIPTS)
    return TRANSCRIPTS[k], RESPONSES[k]


def fill(
    vault: Vault,
    member: Member,
    count: int,
    *,
    audio_bytes: int = 0,
    device_id: str | None = None,
    now: datetime | None = None,
    span: timedelta = DEFAULT_SPAN,
    batch: int = 2000,
    keep_ids: bool = False,
    durable_blobs: bool = True,
    index: bool = True,
    texts: Callable[[int], tuple[str, str]] = default_texts,
) -> Generated:
    """Write `count` interactions for `member`, created evenly over `span` before `now` (newest first).
    `texts(i)` gives item i's transcript and response; `index=False` leaves the search index out (a
    history as the first scheme's upgrade finds it: migration 0007 dropped its tokens)."""
    now = now or utcnow()
    audio = bytes(range(256)) * (audio_bytes // 256) + bytes(audio_bytes % 256) if audio_bytes else None
    parts = ["audio", "text", "action"] if audio else ["text", "action"]
    started = time.perf_counter()
    ids: list[str] = []
    epochs = _Epochs(vault, member)
    # Oldest first, as they would have been recorded: an epoch holds consecutive items.
    order = range(count - 1, -1, -1)
    for start in range(0, count, batch):
        rows: list[dict] = []
        keys: list[dict] = []
        slot_rows: list[dict] = []
        lineage_rows: list[dict] = []
        stamp = utcnow()
        for n in range(start, min(count, start + batch)):
            i = order[n]
            item_id = new_id()
            part_keys = vault.keyring.new_part_keys(member.id, member.key_id, item_id, parts)
            text_key = part_keys.keys["text"]
            transcript, response = texts(i)
            action = {"intent": "HassTurnOff", "slots": {"name": "kitchen light"}, "success": True, "result": "off"}
            row = {
                "id": item_id,
                "member_id": member.id,
                "device_id": device_id,
                "key_id": member.key_id,
                "created_at": now - span * ((i + 0.5) / count),
                "audio_type": None,
                "audio_size": None,
                "transcript": crypto.encrypt(text_key, transcript.encode(), crypto.content_aad(member.id, item_id, "transcript")),
                "response": crypto.encrypt(text_key, response.encode(), crypto.content_aad(member.id, item_id, "response")),
                "action": crypto.encrypt(part_keys.keys["action"], json.dumps(action).encode(), crypto.content_aad(member.id, item_id, "action")),
                "deleted_at": None,
            }
            if audio is not None:
                blob = crypto.encrypt(part_keys.keys["audio"], audio, crypto.content_aad(member.id, item_id, "audio"))
                if durable_blobs:
                    vault.blobs.put("audio", item_id, blob)
                else:  # same file, same place; made durable once per batch below instead of per file
                    path = vault.blobs._path("audio", item_id)  # type: ignore[attr-defined]
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(blob)
                row["audio_type"] = "audio/wav"
                row["audio_size"] = len(audio)
            rows.append(row)
            if index:
                slot_rows.append(epochs.add(item_id, row["created_at"], f"{transcript} {response}", stamp))
                lineage_rows.append(
                    {"kind": "search", "artefact_id": item_id, "source_id": item_id, "member_id": member.id,
                     "key_id": member.key_id, "parts": "text", "created_at": stamp}
                )
            keys.extend(
                {"item_id": item_id, "part": part, "key_id": member.key_id, "wrapped": wrapped, "created_at": stamp}
                for part, wrapped in part_keys.wrapped.items()
            )
            if keep_ids:
                ids.append(item_id)
        if audio is not None and not durable_blobs:
            os.sync()
        # Same order as record(): blobs, then keys (data keys; epoch keys were made above), then the rows.
        with vault.keyring.db.write() as session:
            session.execute(insert(DataKey), keys)
        with vault.data.write() as session:
            session.execute(insert(Interaction), rows)
            if index:
                if start + batch >= count:
                    epochs.close()
                epoch_rows, posting_rows = epochs.take()
                for model, values in ((SearchEpoch, epoch_rows), (SearchSlot, slot_rows), (SearchPosting, posting_rows)):
                    if values:
                        session.execute(insert(model), values)
                session.execute(insert(Lineage), lineage_rows)
    return Generated(count, time.perf_counter() - started, ids)


def fill_many(vault: Vault, members: Sequence[Member], per_member: int, **kwargs: object) -> Generated:
    started = time.perf_counter()
    total = 0
    for member in members:
        total += fill(vault, member, per_member, **kwargs).count  # type: ignore[arg-type]
    return Generated(total, time.perf_counter() - started, [])


def settle(vault: Vault) -> None:
    """Checkpoint the WAL (SQLite) / vacuum-analyze (PostgreSQL) after a bulk load, as a server that has
    been running would be; otherwise the first shred pays for folding the whole bulk load."""
    vault.data.compact()
    vault.keyring.db.compact()
    for db in (vault.data, vault.keyring.db):
        if not db.is_sqlite:  # planner statistics, as autovacuum keeps them on a running server
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))


def verify(vault: Vault, member: Member, expected: int) -> None:
    """The generated rows decrypt through history() (newest page) with the expected parts."""
    page = interactions.history(vault, member, limit=5)
    if expected and (not page.items or page.items[0].transcript is None or page.items[0].action is None):
        raise AssertionError("generated rows are not readable through interactions.history()")


def main() -> None:
    from bench.homes import make_home

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--per-member", type=int, default=1000)
    parser.add_argument("--audio-bytes", type=int, default=0)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    home = make_home(args.backend, "generate")
    try:
        members = home.add_members(args.members)
        done = fill_many(home.vault, members, args.per_member, audio_bytes=args.audio_bytes)
        verify(home.vault, members[0], args.per_member)
        print(f"{done.count} interactions in {done.seconds:.1f}s: {done.rate:,.0f}/s ({args.backend})")
    finally:
        home.close()


if __name__ == "__main__":
    main()
