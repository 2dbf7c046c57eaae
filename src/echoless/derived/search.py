"""Search without plaintext (PRIVACY_MODEL §3.3, §3.10). The index maps (member, keyed token) to items,
where a token is HMAC-SHA256 of a word prefix (every prefix of 3 letters or more of every word of the
transcript and the response) under an *epoch* key. No word, prefix or query is stored or logged.

Epochs: tokens must compare across items (a query finds every item with the word), so they cannot be
keyed per item; a member-wide key would outlive every deletion and let whoever holds it and an old backup
confirm a deleted item's words by dictionary. So each member's history is cut into epochs of EPOCH_ITEMS
items, each with its own key in the keyring (wrapped by the member key: "delete everything" stays one
key). Deleting an item rebuilds its epoch's tokens under a fresh key, inside the deletion's journal
transaction, and the old key is destroyed right after it commits.

Why 256 items: a deletion re-keys one epoch, about 256 × 24 tokens, a few thousand rows, which keeps a
single deletion within its latency target; a query computes one HMAC per epoch and word (about 400 per
word at 100,000 items), which keeps a search page within its target.

What the index reveals to someone holding the database without the keys: per epoch, how many items
share an (unknown) token — the usual price of a keyed index; the words themselves stay unknown."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping

from sqlalchemy import String, cast, delete, exists, insert, select, text, update
from sqlalchemy.orm import Session

from echoless.derived import lineage
from echoless.derived.keys import keyed
from echoless.derived.models import SearchEpoch, SearchToken
from echoless.errors import BadRequest, ErrorCode
from echoless.vault import crypto, interactions
from echoless.vault.accounts import new_id
from echoless.vault.db import UTCDateTime, utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import DeletionJob, Interaction, Member

_LOGGER = logging.getLogger(__name__)
MIN_PREFIX = 3
MAX_WORD = 32  # longer words are indexed (and searched) by their first 32 letters
MAX_QUERY_WORDS = 8
EPOCH_ITEMS = 256
_WORD = re.compile(r"[^\W_]+")
_INSERT = insert(SearchToken.__table__)


def words(text: str) -> list[str]:
    """Normalised words of a text: NFKC, case-folded, letters and digits only."""
    return [w[:MAX_WORD] for w in _WORD.findall(unicodedata.normalize("NFKC", text).casefold())]


def prefixes(text: str) -> set[str]:
    found: set[str] = set()
    for word in words(text):
        for end in range(MIN_PREFIX, len(word) + 1):
            found.add(word[:end])
    return found


def tokens(key: bytes, values: Iterable[str]) -> list[bytes]:
    return [keyed(key, "w|" + value) for value in values]


# Writing -----------------------------------------------------------------------------------------
def _open_epoch(session: Session, vault: Vault, member_id: str, key_id: str) -> tuple[str, bytes]:
    """The member's epoch that still takes items, and its key; a new epoch when none does."""
    found = session.execute(
        select(SearchEpoch.id, SearchEpoch.epoch_key_id)
        .where(SearchEpoch.member_id == member_id, SearchEpoch.key_id == key_id, SearchEpoch.items < EPOCH_ITEMS)
        .order_by(SearchEpoch.created_at.desc()).limit(1)
    ).first()
    if found is not None:
        epoch_id, epoch_key_id = found
        key = vault.keyring.epoch_keys(member_id, key_id, [epoch_key_id]).get(epoch_key_id)
        if key is not None:
            return epoch_id, key
    epoch_id = new_id()
    epoch_key_id, key = vault.keyring.create_epoch_key(member_id, key_id, epoch_id)
    session.add(SearchEpoch(id=epoch_id, member_id=member_id, key_id=key_id, epoch_key_id=epoch_key_id, items=0,
                            retired=[], created_at=utcnow()))
    session.flush()
    return epoch_id, key


def _rows(member_id: str, item_id: str, created_at: object, epoch_id: str, key: bytes, text: str) -> list[dict]:
    return [
        {"member_id": member_id, "token": token, "created_at": created_at, "item_id": item_id, "epoch_id": epoch_id}
        for token in sorted(set(tokens(key, prefixes(text))))
    ]


def index(
    session: Session, vault: Vault, member: Member, row: Interaction, new: interactions.NewInteraction, *, first_time: bool = True
) -> int:
    """Record hook (inside the row's transaction): index the text, if it was kept. Returns the token count.
    `first_time`: the row is new, so it has no lineage yet (false when indexing again)."""
    if row.transcript is None and row.response is None:
        return 0
    text = " ".join(t for t in (new.transcript, new.response) if t)
    if not prefixes(text):
        return 0
    epoch_id, key = _open_epoch(session, vault, row.member_id, row.key_id)
    values = _rows(row.member_id, row.id, row.created_at, epoch_id, key, text)
    lineage.register(session, "search", row.id, [row], ["text"], first_time=first_time)
    conn = session.connection()
    conn.execute(_INSERT, values)
    conn.execute(update(SearchEpoch).where(SearchEpoch.id == epoch_id).values(items=SearchEpoch.items + 1))
    return len(values)


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
        epochs.update(session.scalars(select(SearchToken.epoch_id).where(SearchToken.item_id.in_(ids[start : start + 500])).distinct()))
    for epoch_id in sorted(epochs):
        _rebuild(session, vault, epoch_id, doomed)
    return len(epochs)


def _rebuild(session: Session, vault: Vault, epoch_id: str, doomed: set[str]) -> None:
    epoch = session.get(SearchEpoch, epoch_id)
    in_epoch = (SearchToken.member_id == epoch.member_id, SearchToken.epoch_id == epoch_id)
    kept_ids = [i for i in session.scalars(select(SearchToken.item_id).where(*in_epoch).distinct()) if i not in doomed]
    kept = list(session.scalars(select(Interaction).where(Interaction.id.in_(kept_ids), Interaction.deleted_at.is_(None)))) if kept_ids else []
    keys = vault.keyring.part_keys_many(epoch.member_id, epoch.key_id, [r.id for r in kept])
    new_key_id, key = vault.keyring.create_epoch_key(epoch.member_id, epoch.key_id, epoch_id)
    session.execute(delete(SearchToken).where(*in_epoch))
    values: list[dict] = []
    for row in kept:
        text = _text(row, keys.get(row.id, {}))
        if text:
            values.extend(_rows(row.member_id, row.id, row.created_at, epoch_id, key, text))
    if values:
        session.connection().execute(_INSERT, values)
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
    """Delete everything: the member's epochs under the destroyed keys and their tokens."""
    epochs = list(session.scalars(select(SearchEpoch.id).where(SearchEpoch.member_id == member_id, SearchEpoch.key_id.in_(key_ids))))
    for start in range(0, len(epochs), 500):
        chunk = epochs[start : start + 500]
        session.execute(delete(SearchToken).where(SearchToken.member_id == member_id, SearchToken.epoch_id.in_(chunk)))
        session.execute(delete(SearchEpoch).where(SearchEpoch.id.in_(chunk)))
    return len(epochs)


def reindex_missing(vault: Vault) -> int:
    """Index every kept item with text that has no tokens (items a restore brought back: the index is
    made again from restored content, never restored)."""
    indexed = 0
    with vault.data.read() as session:
        members = {m.id: m for m in session.scalars(select(Member))}
        missing = list(session.scalars(
            select(Interaction).join(Member, Member.id == Interaction.member_id).where(
                Interaction.key_id == Member.key_id, Interaction.deleted_at.is_(None),
                (Interaction.transcript.is_not(None)) | (Interaction.response.is_not(None)),
                ~exists().where(SearchToken.item_id == Interaction.id),
            ).order_by(Interaction.created_at)
        ))
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        with vault.data.write() as session:
            for row in chunk:
                member = members[row.member_id]
                keys = vault.keyring.part_keys_many(member.id, member.key_id, [row.id]).get(row.id, {})
                plain = interactions.plaintext_of(row, keys)
                if plain is not None and index(session, vault, member, row, plain, first_time=False):
                    indexed += 1
    return indexed


# Searching ---------------------------------------------------------------------------------------
def query_words(query: str) -> list[str]:
    wanted = [w for w in dict.fromkeys(words(query)) if len(w) >= MIN_PREFIX]
    if not wanted:
        raise BadRequest(f"search for words of at least {MIN_PREFIX} letters", code=ErrorCode.SEARCH_TOO_SHORT)
    if len(wanted) > MAX_QUERY_WORDS:
        raise BadRequest(f"search for at most {MAX_QUERY_WORDS} words", code=ErrorCode.SEARCH_TOO_LONG)
    wanted.sort(key=len, reverse=True)  # the longest prefix is the rarest: scan it, probe the others
    return wanted


def _epoch_keys(vault: Vault, member: Member) -> dict[str, bytes]:
    """Epoch id → epoch key, for the member's current epochs."""
    with vault.data.read() as session:
        epochs = dict(session.execute(select(SearchEpoch.id, SearchEpoch.epoch_key_id).where(
            SearchEpoch.member_id == member.id, SearchEpoch.key_id == member.key_id)).all())
    keys = vault.keyring.epoch_keys(member.id, member.key_id, epochs.values())
    return {epoch_id: keys[key_id] for epoch_id, key_id in epochs.items() if key_id in keys}


def _epoch_query(words: int, after: bool, limit: int):  # type: ignore[no-untyped-def]
    """One epoch's items with every word, newest first: a range read on the (member, epoch, token) key,
    then a probe per other word. Built once per shape and run once per epoch (no statement compiled per
    epoch)."""
    probes = "".join(
        f" AND EXISTS (SELECT 1 FROM search_tokens o{n} WHERE o{n}.member_id = :m AND o{n}.epoch_id = :e"
        f" AND o{n}.token = :t{n} AND o{n}.created_at = h.created_at AND o{n}.item_id = h.item_id)"
        for n in range(1, words)
    )
    cursor = " AND (h.created_at < :at OR (h.created_at = :at AND h.item_id < :id))" if after else ""
    return text(
        "SELECT h.created_at, h.item_id FROM search_tokens h WHERE h.member_id = :m AND h.epoch_id = :e"
        f" AND h.token = :t0{probes}{cursor} ORDER BY h.created_at DESC, h.item_id DESC LIMIT {int(limit)}"
    ).columns(created_at=UTCDateTime(), item_id=String())


def search(vault: Vault, member: Member, query: str, *, cursor: str | None = None, limit: int = 50) -> interactions.Page:
    """The member's interactions whose transcript or response has every query word (as a prefix), newest
    first. Each epoch is read newest first up to a page, and the pages are merged."""
    if not 1 <= limit <= interactions.MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {interactions.MAX_PAGE}", code=ErrorCode.INVALID_LIMIT)
    member = interactions._current_member(vault, member.id)
    words_ = query_words(query)
    after = interactions._decode_cursor(cursor) if cursor else None
    keys = _epoch_keys(vault, member)
    statement = _epoch_query(len(words_), after is not None, limit + 1)
    stamp = UTCDateTime().process_bind_param(after[0], None) if after is not None else None
    found: list[tuple] = []
    with vault.data.read() as session:
        conn = session.connection()
        for epoch_id, key in keys.items():
            params = {"m": member.id, "e": epoch_id, **{f"t{n}": keyed(key, "w|" + w) for n, w in enumerate(words_)}}
            if after is not None:
                params.update(at=stamp, id=after[1])
            found.extend(conn.execute(statement, params).all())
        found.sort(key=lambda r: (r[0], r[1]), reverse=True)
        more = len(found) > limit
        ids = [item_id for _at, item_id in found[:limit]]
        rows = {r.id: r for r in session.scalars(select(Interaction).where(
            Interaction.id.in_(ids), Interaction.member_id == member.id, Interaction.key_id == member.key_id,
            Interaction.deleted_at.is_(None)))} if ids else {}
        names = interactions._device_names(session, {r.device_id for r in rows.values() if r.device_id})
    page = [rows[i] for i in ids if i in rows]
    views = list(interactions._views(vault, member, page, names))
    next_cursor = interactions._encode_cursor(page[-1]) if more and page else None
    return interactions.Page(items=views, next_cursor=next_cursor)


def tokens_of(keys: list[bytes], word: str) -> list[bytes]:
    """One word's token under each epoch key."""
    return [keyed(key, "w|" + word) for key in keys]
