"""Search without plaintext (PRIVACY_MODEL §3.3, §3.10). The index maps (epoch, keyed token) to the
epoch's items that have it, where a token is HMAC-SHA256 of a word prefix (every prefix of 3 letters or
more of every word of the transcript and the response) under the epoch's key. No word, prefix or query
is stored or logged.

Epochs: tokens must compare across items (a query finds every item with the word), so they cannot be
keyed per item; a member-wide key would outlive every deletion and let whoever holds it and an old backup
confirm a deleted item's words by dictionary. So each member's history is cut into epochs of EPOCH_ITEMS
items, each with its own key in the keyring (wrapped by the member key: "delete everything" stays one
key). Deleting an item rebuilds its epoch's postings under a fresh key, inside the deletion's journal
transaction, and the old key is destroyed right after it commits.

Postings: an epoch gives each of its items a slot; a posting is (token, bitmap of the slots whose text
has that prefix), and an epoch's postings are packed, sorted, into BUCKETS rows by the token's first
byte. A rebuild writes those few dozen rows (not one row per prefix and item); a search reads one bucket
per epoch and query word in a single statement, intersects the bitmaps, and reads the slots' times only
of the newest epochs that fill a page.

Why 256 items: a rebuild makes one HMAC per distinct prefix of the epoch's texts (a few thousand), which
keeps a single deletion within its latency target; a search computes one HMAC per epoch and word (about
400 per word at 100,000 items) and reads as many buckets, which keeps a search page within its target.

What the index reveals to someone holding the database without the keys: per epoch, which slots share an
(unknown) token — the usual price of a keyed index; the words themselves stay unknown."""

from __future__ import annotations

import functools
import heapq
import hmac
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from sqlalchemy import String, bindparam, cast, delete, exists, insert, select, text, update
from sqlalchemy.orm import Session

from echoless.derived import lineage
from echoless.derived.keys import keyed
from echoless.derived.models import SearchEpoch, SearchPosting, SearchSlot
from echoless.errors import BadRequest, ErrorCode
from echoless.vault import crypto, interactions
from echoless.vault.accounts import new_id
from echoless.vault.db import UTCDateTime, utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import DeletionJob, InstanceState, Interaction, Member

_LOGGER = logging.getLogger(__name__)
MIN_PREFIX = 3
MAX_WORD = 32  # longer words are indexed (and searched) by their first 32 letters
MAX_QUERY_WORDS = 8
EPOCH_ITEMS = 256
SLOT_BYTES = EPOCH_ITEMS // 8
REINDEX_MARK = "reindex:search"  # written by migration 0017: the index is made again at the next start
_WORD = re.compile(r"[^\W_]+")
BUCKETS = 64
ENTRY = 16 + SLOT_BYTES
_POSTINGS = SearchPosting.__table__
_INSERT = insert(_POSTINGS)
_UPDATE = update(_POSTINGS).where(_POSTINGS.c.epoch_id == bindparam("e"), _POSTINGS.c.bucket == bindparam("b")).values(
    entries=bindparam("x"))


def words(text: str) -> list[str]:
    """Normalised words of a text: NFKC, case-folded, letters and digits only."""
    return [w[:MAX_WORD] for w in _WORD.findall(unicodedata.normalize("NFKC", text).casefold())]


def prefixes(text: str) -> set[str]:
    found: set[str] = set()
    for word in words(text):
        found.update(_prefixes_of(word))
    return found


@functools.lru_cache(maxsize=65536)
def _prefixes_of(word: str) -> tuple[str, ...]:
    return tuple(word[:end] for end in range(MIN_PREFIX, len(word) + 1))


def tokens(key: bytes, values: Iterable[str]) -> list[bytes]:
    return [keyed(key, "w|" + value) for value in values]


def postings(key: bytes, texts: Iterable[tuple[int, str]]) -> dict[bytes, int]:
    """Keyed token → bitmap of the slots whose text has that prefix, for (slot, text) pairs."""
    by_prefix: dict[str, int] = {}
    for slot, text in texts:
        bit = 1 << slot
        for prefix in prefixes(text):
            by_prefix[prefix] = by_prefix.get(prefix, 0) | bit
    keyed_ = _keyer(key)
    return {keyed_(prefix): bits for prefix, bits in by_prefix.items()}


def _keyer(key: bytes) -> Callable[[str], bytes]:
    """`keyed(key, "w|" + prefix)` for many prefixes: the HMAC's key schedule is computed once."""
    base = hmac.new(key, b"w|", "sha256")

    def token(prefix: str) -> bytes:
        mac = base.copy()
        mac.update(prefix.encode())
        return mac.digest()[:16]

    return token


def pack(found: Mapping[bytes, int]) -> dict[int, bytes]:
    """Bucket → its entries, sorted by token (so that their order tells nothing of when they came)."""
    buckets: dict[int, list[bytes]] = {}
    for token in sorted(found):
        buckets.setdefault(token[0] % BUCKETS, []).append(token + found[token].to_bytes(SLOT_BYTES, "little"))
    return {bucket: b"".join(entries) for bucket, entries in buckets.items()}


def unpack(entries: bytes) -> dict[bytes, int]:
    return {entries[i : i + 16]: int.from_bytes(entries[i + 16 : i + ENTRY], "little") for i in range(0, len(entries), ENTRY)}


def lookup(entries: bytes, token: bytes) -> int:
    """The bitmap of `token` in a bucket's entries (0 when absent)."""
    at = entries.find(token)
    while at != -1 and at % ENTRY:  # a match across an entry's boundary is not the token
        at = entries.find(token, at + 1)
    return 0 if at == -1 else int.from_bytes(entries[at + 16 : at + ENTRY], "little")


def posting_rows(epoch_id: str, found: Mapping[bytes, int]) -> list[dict]:
    return [{"epoch_id": epoch_id, "bucket": bucket, "entries": entries} for bucket, entries in pack(found).items()]


# Writing -----------------------------------------------------------------------------------------
def _claim_slot(
    session: Session, vault: Vault, row: Interaction, open_: dict[tuple[str, str], tuple[SearchEpoch, bytes]]
) -> tuple[SearchEpoch, bytes, int]:
    """A slot in the member's epoch that still takes items (locked for this transaction), and its key; a
    new epoch when none does. `open_` keeps the epoch a batch is filling, so it is looked up once."""
    held = open_.get((row.member_id, row.key_id))
    if held is not None and held[0].items < EPOCH_ITEMS:
        epoch, key = held
    else:
        epoch = session.scalars(
            select(SearchEpoch)
            .where(SearchEpoch.member_id == row.member_id, SearchEpoch.key_id == row.key_id, SearchEpoch.items < EPOCH_ITEMS)
            .order_by(SearchEpoch.created_at.desc()).limit(1).with_for_update()
        ).first()
        key = vault.keyring.epoch_keys(row.member_id, row.key_id, [epoch.epoch_key_id]).get(epoch.epoch_key_id) if epoch else None
        if epoch is None or key is None:
            epoch_id = new_id()
            epoch_key_id, key = vault.keyring.create_epoch_key(row.member_id, row.key_id, epoch_id)
            epoch = SearchEpoch(id=epoch_id, member_id=row.member_id, key_id=row.key_id, epoch_key_id=epoch_key_id, items=0,
                                retired=[], created_at=utcnow())
            session.add(epoch)
        open_[(row.member_id, row.key_id)] = (epoch, key)
    slot = epoch.items
    epoch.items = slot + 1
    epoch.oldest = row.created_at if epoch.oldest is None else min(epoch.oldest, row.created_at)
    epoch.newest = row.created_at if epoch.newest is None else max(epoch.newest, row.created_at)
    return epoch, key, slot


def index(
    session: Session, vault: Vault, member: Member, row: Interaction, new: interactions.NewInteraction, *, first_time: bool = True
) -> int:
    """Record hook (inside the row's transaction): index the text, if it was kept. Returns the number of
    prefixes indexed. `first_time`: the row is new, so it has no lineage yet (false when indexing again)."""
    if row.transcript is None and row.response is None:
        return 0
    return index_many(session, vault, [(row, " ".join(t for t in (new.transcript, new.response) if t))], first_time=first_time)


def index_many(session: Session, vault: Vault, items: list[tuple[Interaction, str]], *, first_time: bool = True) -> int:
    """Index (row, kept text) pairs in one go: each takes a slot, and each epoch's buckets are merged once
    (an upgrade or a restore indexes thousands of items). Returns the number of prefixes indexed."""
    by_epoch: dict[str, tuple[bytes, list[tuple[int, str]]]] = {}
    open_: dict[tuple[str, str], tuple[SearchEpoch, bytes]] = {}
    for row, text in items:
        if not text or not prefixes(text):
            continue
        epoch, key, slot = _claim_slot(session, vault, row, open_)
        session.add(SearchSlot(epoch_id=epoch.id, slot=slot, item_id=row.id, created_at=row.created_at))
        lineage.register(session, "search", row.id, [row], ["text"], first_time=first_time)
        by_epoch.setdefault(epoch.id, (key, []))[1].append((slot, text))
    session.flush()
    conn = session.connection()
    indexed = 0
    for epoch_id, (key, texts) in by_epoch.items():
        found = postings(key, texts)
        indexed += len(found)
        touched = {token[0] % BUCKETS for token in found}
        have = {bucket: entries for bucket, entries in conn.execute(select(_POSTINGS.c.bucket, _POSTINGS.c.entries).where(
            _POSTINGS.c.epoch_id == epoch_id, _POSTINGS.c.bucket.in_(touched)))}
        merged: dict[bytes, int] = {}
        for entries in have.values():
            merged.update(unpack(entries))
        for token, bits in found.items():
            merged[token] = merged.get(token, 0) | bits
        for bucket, entries in pack(merged).items():
            if bucket in have:
                conn.execute(_UPDATE, {"e": epoch_id, "b": bucket, "x": entries})
            else:
                conn.execute(_INSERT, {"epoch_id": epoch_id, "bucket": bucket, "entries": entries})
    return indexed


# Deleting ----------------------------------------------------------------------------------------
def rekey(session: Session, vault: Vault, jobs: list[DeletionJob]) -> int:
    """Shred step (in the journal's transaction): every epoch holding a deleted item's text is rebuilt
    under a fresh key without it; the old key is retired, to be destroyed once this commits."""
    doomed = {item for job in jobs if not job.key_ids and "text" in job.parts for item in job.item_ids}
    if not doomed:
        return 0
    epochs: set[str] = set()
    ids = sorted(doomed)
    for start in range(0, len(ids), 500):
        epochs.update(session.scalars(select(SearchSlot.epoch_id).where(SearchSlot.item_id.in_(ids[start : start + 500])).distinct()))
    for epoch_id in sorted(epochs):
        _rebuild(session, vault, epoch_id, doomed)
    return len(epochs)


def _rebuild(session: Session, vault: Vault, epoch_id: str, doomed: set[str]) -> None:
    epoch = session.get(SearchEpoch, epoch_id, with_for_update=True)
    slots = dict(session.execute(select(SearchSlot.item_id, SearchSlot.slot).where(SearchSlot.epoch_id == epoch_id)).all())
    kept_ids = [item for item in slots if item not in doomed]
    kept = [r for r in session.scalars(select(Interaction).where(Interaction.id.in_(kept_ids))) if r.deleted_at is None] if kept_ids else []
    keys = vault.keyring.part_keys_many(epoch.member_id, epoch.key_id, [r.id for r in kept])
    texts = {row.id: _text(row, keys.get(row.id, {})) for row in kept}
    new_key_id, key = vault.keyring.create_epoch_key(epoch.member_id, epoch.key_id, epoch_id)
    found = postings(key, [(slots[item], text) for item, text in texts.items() if text])
    session.execute(delete(SearchPosting).where(SearchPosting.epoch_id == epoch_id))
    gone = [item for item in slots if not texts.get(item)]
    if gone:
        session.execute(delete(SearchSlot).where(SearchSlot.epoch_id == epoch_id, SearchSlot.item_id.in_(gone)))
    if found:
        session.connection().execute(_INSERT, posting_rows(epoch_id, found))
    epoch.retired = [*epoch.retired, epoch.epoch_key_id]
    epoch.epoch_key_id = new_key_id


def _text(row: Interaction, keys: Mapping[str, bytes]) -> str:
    if "text" not in keys:
        return ""
    parts = []
    for part, sealed in (("transcript", row.transcript), ("response", row.response)):
        if sealed is not None:
            parts.append(crypto.decrypt(keys["text"], sealed, crypto.content_aad(row.member_id, row.id, part)).decode())
    return " ".join(parts)


def destroy_retired(vault: Vault) -> int:
    """After the rebuild committed: destroy the epoch keys it replaced (idempotent)."""
    with vault.data.read() as session:
        epochs = session.execute(select(SearchEpoch.id, SearchEpoch.retired).where(cast(SearchEpoch.retired, String) != "[]")).all()
    retired = [key_id for _epoch, keys in epochs for key_id in keys]
    if not retired:
        return 0
    destroyed = vault.keyring.destroy_epoch_keys(retired, compact=False)
    with vault.data.write() as session:
        for epoch_id, keys in epochs:
            row = session.get(SearchEpoch, epoch_id)
            if row is not None:
                row.retired = [k for k in row.retired if k not in keys]
    return destroyed


def forget_under_keys(session: Session, member_id: str, key_ids: list[str]) -> int:
    """Delete everything: the member's epochs under the destroyed keys, their slots and postings."""
    epochs = list(session.scalars(select(SearchEpoch.id).where(SearchEpoch.member_id == member_id, SearchEpoch.key_id.in_(key_ids))))
    for start in range(0, len(epochs), 500):
        chunk = epochs[start : start + 500]
        session.execute(delete(SearchPosting).where(SearchPosting.epoch_id.in_(chunk)))
        session.execute(delete(SearchSlot).where(SearchSlot.epoch_id.in_(chunk)))
        session.execute(delete(SearchEpoch).where(SearchEpoch.id.in_(chunk)))
    return len(epochs)


def reindex_missing(vault: Vault) -> int:
    """Index every kept item with text that has no slot (items a restore brought back: the index is made
    again from restored content, never restored)."""
    indexed = 0
    with vault.data.read() as session:
        members = {m.id: m for m in session.scalars(select(Member))}
        missing = list(session.scalars(
            select(Interaction).join(Member, Member.id == Interaction.member_id).where(
                Interaction.key_id == Member.key_id, Interaction.deleted_at.is_(None),
                (Interaction.transcript.is_not(None)) | (Interaction.response.is_not(None)),
                ~exists().where(SearchSlot.item_id == Interaction.id),
            ).order_by(Interaction.created_at)
        ))
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        with vault.data.write() as session:
            texts = []
            for row in chunk:
                member = members[row.member_id]
                keys = vault.keyring.part_keys_many(member.id, member.key_id, [row.id]).get(row.id, {})
                texts.append((row, _text(row, keys)))
            index_many(session, vault, texts, first_time=False)
            indexed += sum(1 for _row, text in texts if text and prefixes(text))
    return indexed


def upgrade(vault: Vault) -> int:
    """Once after migration 0017 dropped the older index: destroy the epoch keys no epoch uses any more
    and index every kept item again. Returns the items indexed."""
    with vault.data.read() as session:
        pending = session.get(InstanceState, REINDEX_MARK) is not None
    if not pending:
        return 0
    with vault.data.read() as session:
        in_use = {k for current, retired in session.execute(select(SearchEpoch.epoch_key_id, SearchEpoch.retired))
                  for k in [current, *retired]}
    unused = [key_id for key_id in vault.keyring.epoch_key_ids() if key_id not in in_use]
    if unused:
        vault.keyring.destroy_epoch_keys(unused)
    indexed = reindex_missing(vault)
    with vault.data.write() as session:
        session.execute(delete(InstanceState).where(InstanceState.name == REINDEX_MARK))
    _LOGGER.info("search index made again: %d items", indexed)
    return indexed


# Searching ---------------------------------------------------------------------------------------
def query_words(query: str) -> list[str]:
    wanted = [w for w in dict.fromkeys(words(query)) if len(w) >= MIN_PREFIX]
    if not wanted:
        raise BadRequest(f"search for words of at least {MIN_PREFIX} letters", code=ErrorCode.SEARCH_TOO_SHORT)
    if len(wanted) > MAX_QUERY_WORDS:
        raise BadRequest(f"search for at most {MAX_QUERY_WORDS} words", code=ErrorCode.SEARCH_TOO_LONG)
    return wanted


def _epochs(vault: Vault, member: Member) -> list[tuple[str, bytes, datetime | None, datetime | None]]:
    """The member's current epochs with their keys and time bounds, newest first."""
    with vault.data.read() as session:
        epochs = session.execute(select(SearchEpoch.id, SearchEpoch.epoch_key_id, SearchEpoch.oldest, SearchEpoch.newest).where(
            SearchEpoch.member_id == member.id, SearchEpoch.key_id == member.key_id)).all()
    keys = vault.keyring.epoch_keys(member.id, member.key_id, [key_id for _e, key_id, _o, _n in epochs])
    found = [(epoch_id, keys[key_id], oldest, newest) for epoch_id, key_id, oldest, newest in epochs if key_id in keys and newest]
    found.sort(key=lambda e: e[3], reverse=True)
    return found


def _matches(session: Session, epochs: list, wanted: list[str]) -> dict[str, int]:
    """Epoch id → bitmap of its slots that have every wanted prefix. One statement for every epoch and word:
    the (epoch, bucket) pairs as a VALUES list joined to the postings' primary key (SQLite plans a row-value
    IN list as a scan, and SQLAlchemy's processing of thousands of parameters costs more than the lookups)."""
    want: dict[tuple[str, int], list[tuple[bytes, int]]] = {}
    for epoch_id, key, _oldest, _newest in epochs:
        for n, word in enumerate(wanted):
            token = keyed(key, "w|" + word)
            want.setdefault((epoch_id, token[0] % BUCKETS), []).append((token, n))
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    pairs = list(want)
    bits: dict[str, list[int]] = {}
    for start in range(0, len(pairs), 2000):
        chunk = pairs[start : start + 2000]
        rows = conn.exec_driver_sql(
            f"WITH w(e, b) AS (VALUES {', '.join([f'({mark}, {mark})'] * len(chunk))}) "
            "SELECT p.epoch_id, p.bucket, p.entries FROM w JOIN search_postings p ON p.epoch_id = w.e AND p.bucket = w.b",
            tuple(value for pair in chunk for value in pair),
        ).all()
        for epoch_id, bucket, entries in rows:
            per_word = bits.setdefault(epoch_id, [0] * len(wanted))
            for token, n in want[(epoch_id, bucket)]:
                per_word[n] = lookup(bytes(entries), token)
    matched: dict[str, int] = {}
    for epoch_id, per_word in bits.items():
        both = per_word[0]
        for other in per_word[1:]:
            both &= other
        if both:
            matched[epoch_id] = both
    return matched


def search(vault: Vault, member: Member, query: str, *, cursor: str | None = None, limit: int = 50) -> interactions.Page:
    """The member's interactions whose transcript or response has every query word (as a prefix), newest
    first: the newest epochs with matches are read until a page is full and no older epoch can come before
    its last item."""
    if not 1 <= limit <= interactions.MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {interactions.MAX_PAGE}", code=ErrorCode.INVALID_LIMIT)
    member = interactions._current_member(vault, member.id)
    wanted = query_words(query)
    after = interactions._decode_cursor(cursor) if cursor else None
    epochs = _epochs(vault, member)
    if after is not None:
        epochs = [e for e in epochs if e[2] is not None and e[2] <= after[0]]
    page: list[tuple[datetime, str]] = []  # a min-heap of the newest limit + 1 found so far
    with vault.data.read() as session:
        matched = _matches(session, epochs, wanted)
        ordered = [(epoch_id, newest) for epoch_id, _key, _oldest, newest in epochs if epoch_id in matched]
        at = 0
        while at < len(ordered) and not (len(page) > limit and ordered[at][1] < page[0][0]):
            group: list[tuple[str, int]] = []  # (epoch, slot) of the next epochs, until they could fill a page
            while at < len(ordered) and len(group) <= limit:
                group += [(ordered[at][0], slot) for slot in _bits(matched[ordered[at][0]])]
                at += 1
            for found_at, item_id in _slot_items(session, group):
                if after is not None and (found_at, item_id) >= after:
                    continue
                heapq.heappush(page, (found_at, item_id))
                if len(page) > limit + 1:
                    heapq.heappop(page)
        found = sorted(page, reverse=True)
        more = len(found) > limit
        ids = [item_id for _at, item_id in found[:limit]]
        # By primary key alone (SQLite without statistics would walk the member's index instead).
        rows = {r.id: r for r in session.scalars(select(Interaction).where(Interaction.id.in_(ids)))
                if r.member_id == member.id and r.key_id == member.key_id and r.deleted_at is None} if ids else {}
        names = interactions._device_names(session, {r.device_id for r in rows.values() if r.device_id})
    items = [rows[i] for i in ids if i in rows]
    views = list(interactions._views(vault, member, items, names))
    next_cursor = interactions._encode_cursor(items[-1]) if more and items else None
    return interactions.Page(items=views, next_cursor=next_cursor)


def _bits(bitmap: int) -> list[int]:
    found = []
    while bitmap:
        low = bitmap & -bitmap
        found.append(low.bit_length() - 1)
        bitmap ^= low
    return found


def _slot_items(session: Session, pairs: list[tuple[str, int]]) -> list[tuple[datetime, str]]:
    """(time, item) of each (epoch, slot). An epoch with many wanted slots is read whole (one range of the
    slots' key); the scattered others as a VALUES list joined to the key, so no statement binds hundreds
    of values."""
    wanted: dict[str, set[int]] = {}
    for epoch_id, slot in pairs:
        wanted.setdefault(epoch_id, set()).add(slot)
    dense = [epoch_id for epoch_id, slots in wanted.items() if len(slots) * 4 > EPOCH_ITEMS]
    found = [(at, item_id) for epoch_id, slot, at, item_id in session.execute(
        select(SearchSlot.epoch_id, SearchSlot.slot, SearchSlot.created_at, SearchSlot.item_id).where(SearchSlot.epoch_id.in_(dense))
    ) if slot in wanted[epoch_id]] if dense else []
    sparse = [(epoch_id, slot) for epoch_id, slot in pairs if epoch_id not in dense]
    if sparse:
        values = ", ".join(f"(:e{n}, :s{n})" for n in range(len(sparse)))
        statement = text(
            f"WITH w(e, s) AS (VALUES {values}) SELECT t.created_at, t.item_id FROM w "
            "JOIN search_slots t ON t.epoch_id = w.e AND t.slot = w.s"
        ).columns(created_at=UTCDateTime(), item_id=String())
        params = {name: value for n, (epoch_id, slot) in enumerate(sparse) for name, value in ((f"e{n}", epoch_id), (f"s{n}", slot))}
        found += [(row[0], row[1]) for row in session.execute(statement, params)]
    return found


def tokens_of(keys: list[bytes], word: str) -> list[bytes]:
    """One word's token under each epoch key."""
    return [keyed(key, "w|" + word) for key in keys]
