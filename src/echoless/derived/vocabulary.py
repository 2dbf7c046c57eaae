"""Personalisation that forgets: per member, words heard in past requests that a small recogniser
tends to miss — slot values of understood intents (shopping-list items, names) and capitalised or
rare words of the transcript — passed to the recogniser as part of its initial prompt.

Each lesson (one word from one request) is stored encrypted under a key derived from the data key of
the part it came from (the transcript or the action record), with lineage to that request: deleting the
request, or letting that part expire, makes the word unreadable everywhere, backups included. A word
taught by several requests is several rows, merged when read; it is used while one of them is kept."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from echoless.derived import lineage
from echoless.derived.keys import aad, part_key
from echoless.derived.models import VocabularyEntry
from echoless.vault import crypto, interactions
from echoless.vault.accounts import new_id
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.keyring import KeyDestroyed
from echoless.vault.models import Interaction, Member

PROMPT_WORDS = 16  # at most this many learned words go into a prompt (recognition_prompt caps the total)
PER_REQUEST = 6
RECENT = 2000  # lessons read back at most (the newest)
_INSERT = insert(VocabularyEntry.__table__)
_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*[^\W\d_]")

# Words a recogniser hears fine: the most common English words and the assistant's own grammar.
_COMMON = """
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on
once only or other our ours ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves please thanks thank okay ok yes yeah hey hi
hello tell say said ask asked want need like know think make made get got go going come put take give let see look
turn switch set start stop cancel remind add remove delete erase forget clear wipe check call play pause resume
open close lock unlock dim brighten increase decrease raise lower show list read buy pick bring find
light lights lamp lamps fan heater heating thermostat temperature degrees percent brightness volume music radio
tv television door window blinds curtains kitchen living room bedroom bathroom office garage garden hall hallway
dining house home upstairs downstairs outside inside front back porch
timer timers alarm alarms minute minutes hour hours second seconds day days week weeks month today tomorrow
tonight morning evening afternoon night time clock date weather news
shopping groceries grocery item items everything anything nothing something thing things one two three four five
six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty hundred half quarter
milk bread eggs butter cheese water coffee tea sugar salt apples bananas rice pasta chicken
voice recording recordings history requests conversations data audio transcript said heard
what's it's i'm don't can't won't that's there's let's i've you're
text message send email back late again way soon later also really well good great
""".split()


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    grammar = Path(__file__).resolve().parents[1] / "pipeline" / "intents" / "echoless_en.yaml"
    extra = set(re.findall(r"[a-z]+", grammar.read_text().lower())) if grammar.is_file() else set()
    return frozenset(_COMMON) | frozenset(w for w in extra if len(w) > 2)


def _slot_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _slot_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _slot_strings(v)]
    return []


def candidates(transcript: str | None, action: dict | None) -> list[tuple[str, str]]:
    """(word, part) pairs worth learning from one request: uncommon words of slot values (part
    "action"), and capitalised or uncommon words of the transcript (part "text")."""
    common = common_words()
    found: dict[str, tuple[str, str]] = {}
    for text in _slot_strings((action or {}).get("slots") or {}):
        for word in _WORD.findall(text):
            if word.casefold() not in common:
                found.setdefault(word.casefold(), (word, "action"))
    if transcript:
        for position, word in enumerate(_WORD.findall(transcript)):
            folded = word.casefold()
            capitalised = position > 0 and word[0].isupper() and folded != "i"
            if folded not in common and (capitalised or len(word) >= 4):
                found.setdefault(folded, (word, "text"))
    return list(found.values())[:PER_REQUEST]


def learn(
    session: Session, vault: Vault, member: Member, row: Interaction, new: interactions.NewInteraction, keys: Mapping[str, bytes]
) -> int:
    """Record hook (inside the row's transaction): learn the request's words from the parts that were
    kept, each under a key derived from its own part's data key."""
    words = candidates(new.transcript if row.transcript is not None else None, new.action if row.action is not None else None)
    now, entries = utcnow(), []
    for word, part in words:
        if part not in keys:
            continue
        entry_id = new_id()
        sealed = crypto.encrypt(part_key(keys[part], "vocabulary"), word.encode(), aad("vocabulary", row.member_id, entry_id, "word"))
        entries.append({"id": entry_id, "member_id": row.member_id, "key_id": row.key_id, "item_id": row.id,
                        "part": part, "word": sealed, "created_at": now})
    if not entries:
        return 0
    session.connection().execute(_INSERT, entries)
    for entry in entries:  # the row is new: no lineage of it can exist yet
        lineage.register(session, "vocabulary", entry["id"], [row], [entry["part"]], first_time=True)
    return len(entries)


def learned(vault: Vault, member: Member) -> list[tuple[str, int]]:
    """The member's learned words with how many kept requests taught each, most taught first (among the
    most recent RECENT lessons)."""
    member = interactions._current_member(vault, member.id)
    stmt = (
        select(VocabularyEntry.id, VocabularyEntry.item_id, VocabularyEntry.part, VocabularyEntry.word)
        .join(Interaction, Interaction.id == VocabularyEntry.item_id)
        .where(
            VocabularyEntry.member_id == member.id, VocabularyEntry.key_id == member.key_id,
            Interaction.deleted_at.is_(None), Interaction.key_id == member.key_id,
        )
        .order_by(VocabularyEntry.created_at.desc(), VocabularyEntry.id)
        .limit(RECENT)
    )
    with vault.data.read() as session:
        rows = session.execute(stmt).all()
    if not rows:
        return []
    try:
        keys = vault.keyring.part_keys_many(member.id, member.key_id, list({r.item_id for r in rows}))
    except KeyDestroyed:
        return []
    taught: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for entry_id, item_id, part, sealed in rows:
        data_key = keys.get(item_id, {}).get(part)
        if data_key is None:  # the part was shredded (retention) and its row not purged yet
            continue
        word = crypto.decrypt(part_key(data_key, "vocabulary"), sealed, aad("vocabulary", member.id, entry_id, "word")).decode()
        taught[word.casefold()] += 1
        shown.setdefault(word.casefold(), word)
    order = {folded: n for n, folded in enumerate(shown)}  # most recent first among equals
    return [(shown[f], n) for f, n in sorted(taught.items(), key=lambda kv: (-kv[1], order[kv[0]]))]


def prompt_words(vault: Vault, member: Member) -> list[str]:
    """The words to bias recognition with (pipeline/run.py asks through its `prompt_words` hooks)."""
    return [word for word, _count in learned(vault, member)[:PROMPT_WORDS]]


def knowledge_line(vault: Vault, member: Member) -> list[str]:
    """For "what do you know about me": how many words, never which."""
    count = len(learned(vault, member))
    if not count:
        return []
    noun = "word" if count == 1 else "words"
    return [f"I have learned {count} {noun} from your requests to hear you better; "
            "each is forgotten when you delete the requests that taught it."]


def to_json(vault: Vault, member: Member) -> list[dict]:
    return [{"word": word, "taught_by": count} for word, count in learned(vault, member)]


__all__ = ["candidates", "learn", "learned", "prompt_words", "knowledge_line", "to_json"]


def learn_again(vault: Vault, item_ids: set[str]) -> int:
    """Learn from items a restore brought back (their lessons are made again, never restored)."""
    learned_count = 0
    ids = sorted(item_ids)
    for start in range(0, len(ids), 500):
        with vault.data.write() as session:
            rows = list(session.scalars(select(Interaction).where(Interaction.id.in_(ids[start : start + 500]))))
            members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_({r.member_id for r in rows})))}
            for row in rows:
                member = members[row.member_id]
                keys = vault.keyring.part_keys_many(member.id, member.key_id, [row.id]).get(row.id, {})
                plain = interactions.plaintext_of(row, keys)
                if plain is not None:
                    learned_count += learn(session, vault, member, row, plain, keys)
    return learned_count
