"""Search without plaintext (PRIVACY_MODEL §3.3). The index maps (member, keyed token) to items, where a
token is HMAC-SHA256 under the member's search key (HKDF of the member key) of a word prefix: every
prefix of 3 letters or more of every word of the transcript and the response. A query word matches as
a prefix; several words must all match. No word, prefix or query is stored or logged.

What the index reveals to someone holding the database without the keys: per member, how many items
share an (unknown) token — the usual price of a keyed index; the words themselves stay unknown."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import and_, exists, insert, or_, select
from sqlalchemy.orm import Session, aliased

from echoless.derived import lineage
from echoless.derived.keys import derived_key, keyed
from echoless.derived.models import SearchToken
from echoless.errors import BadRequest, ErrorCode
from echoless.vault import interactions
from echoless.vault.instance import Vault
from echoless.vault.models import Interaction, Member

_LOGGER = logging.getLogger(__name__)
MIN_PREFIX = 3
MAX_WORD = 32  # longer words are indexed (and searched) by their first 32 letters
MAX_QUERY_WORDS = 8
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


def search_key(vault: Vault, member_id: str, key_id: str) -> bytes:
    return derived_key(vault, member_id, key_id, "search")


def tokens(key: bytes, values: Iterable[str]) -> list[bytes]:
    return [keyed(key, "w|" + value) for value in values]


def index(session: Session, vault: Vault, member: Member, row: Interaction, new: interactions.NewInteraction) -> int:
    """Record hook (inside the row's transaction): index the text, if it was kept. Returns the token count."""
    if row.transcript is None and row.response is None:
        return 0
    text = " ".join(t for t in (new.transcript, new.response) if t)
    found = prefixes(text)
    if not found:
        return 0
    key = search_key(vault, row.member_id, row.key_id)
    values = [
        {"member_id": row.member_id, "token": token, "created_at": row.created_at, "item_id": row.id, "key_id": row.key_id}
        for token in sorted(set(tokens(key, found)))
    ]
    lineage.register(session, "search", row.id, [row], ["text"], first_time=True)
    session.connection().execute(_INSERT, values)
    return len(values)


def query_tokens(key: bytes, query: str) -> list[bytes]:
    wanted = [w for w in dict.fromkeys(words(query)) if len(w) >= MIN_PREFIX]
    if not wanted:
        raise BadRequest(f"search for words of at least {MIN_PREFIX} letters", code=ErrorCode.SEARCH_TOO_SHORT)
    if len(wanted) > MAX_QUERY_WORDS:
        raise BadRequest(f"search for at most {MAX_QUERY_WORDS} words", code=ErrorCode.SEARCH_TOO_LONG)
    wanted.sort(key=len, reverse=True)  # the longest prefix is the rarest: scan it, probe the others
    return tokens(key, wanted)


def search(vault: Vault, member: Member, query: str, *, cursor: str | None = None, limit: int = 50) -> interactions.Page:
    """The member's interactions whose transcript or response has every query word (as a prefix), newest first."""
    if not 1 <= limit <= interactions.MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {interactions.MAX_PAGE}", code=ErrorCode.INVALID_LIMIT)
    member = interactions._current_member(vault, member.id)
    first, *rest = query_tokens(search_key(vault, member.id, member.key_id), query)
    hit = aliased(SearchToken)
    stmt = (
        select(Interaction)
        .join(hit, hit.item_id == Interaction.id)
        .where(
            hit.member_id == member.id,
            hit.token == first,
            Interaction.member_id == member.id,
            Interaction.key_id == member.key_id,
            Interaction.deleted_at.is_(None),
        )
    )
    for token in rest:
        other = aliased(SearchToken)
        stmt = stmt.where(
            exists().where(
                other.member_id == member.id, other.token == token,
                other.created_at == hit.created_at, other.item_id == hit.item_id,
            )
        )
    if cursor:
        stamp, item_id = interactions._decode_cursor(cursor)
        stmt = stmt.where(or_(hit.created_at < stamp, and_(hit.created_at == stamp, hit.item_id < item_id)))
    stmt = stmt.order_by(hit.created_at.desc(), hit.item_id.desc()).limit(limit + 1)
    with vault.data.read() as session:
        rows = list(session.scalars(stmt))
        names = interactions._device_names(session, {r.device_id for r in rows if r.device_id})
    more = len(rows) > limit
    rows = rows[:limit]
    views = list(interactions._views(vault, member, rows, names))
    return interactions.Page(items=views, next_cursor=interactions._encode_cursor(rows[-1]) if more else None)
