"""Personalisation that forgets: per member, words heard in past requests that a small recogniser
tends to miss — slot values of understood intents (shopping-list items, names) and capitalised or
rare words of the transcript — passed to the recogniser as part of its initial prompt.

Each word is stored encrypted (AES-GCM under the member's vocabulary key, HKDF of the member key) with
a keyed reference to find it again, and with lineage to every interaction that taught it. A word is
used and shown only while one of those interactions is kept: deleting them forgets it."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from echoless.derived import lineage
from echoless.derived.keys import aad, derived_key, keyed
from echoless.derived.models import Lineage, VocabularyEntry
from echoless.vault import crypto, interactions
from echoless.vault.accounts import new_id
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.keyring import KeyDestroyed
from echoless.vault.models import Interaction, Member

PROMPT_WORDS = 16  # at most this many learned words go into a prompt (recognition_prompt caps the total)
PER_REQUEST = 6
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


def _key(vault: Vault, member_id: str, key_id: str) -> bytes:
    return derived_key(vault, member_id, key_id, "vocabulary")


_KNOWN = select(VocabularyEntry.ref, VocabularyEntry.id).where(
    VocabularyEntry.member_id == bindparam("member_id"), VocabularyEntry.key_id == bindparam("key_id"),
    VocabularyEntry.ref.in_(bindparam("refs", expanding=True)),
)


def learn(session: Session, vault: Vault, member: Member, row: Interaction, new: interactions.NewInteraction) -> int:
    """Record hook (inside the row's transaction): learn the request's words from the parts that were kept."""
    words = candidates(new.transcript if row.transcript is not None else None, new.action if row.action is not None else None)
    if not words:
        return 0
    key = _key(vault, row.member_id, row.key_id)
    wanted = {keyed(key, "v|" + word.casefold()): (word, part) for word, part in words}
    known = dict(session.connection().execute(
        _KNOWN, {"member_id": row.member_id, "key_id": row.key_id, "refs": list(wanted)}
    ).all())
    now, entries = utcnow(), []
    for ref, (word, _part) in wanted.items():
        if ref not in known:
            known[ref] = entry_id = new_id()
            entries.append({
                "id": entry_id, "member_id": row.member_id, "key_id": row.key_id, "ref": ref, "created_at": now,
                "word": crypto.encrypt(key, word.encode(), aad("vocabulary", row.member_id, entry_id, "word")),
            })
    if entries:
        session.connection().execute(insert(VocabularyEntry.__table__), entries)
    for ref, (_word, part) in wanted.items():  # the row is new: no lineage of it can exist yet
        lineage.register(session, "vocabulary", known[ref], [row], [part], first_time=True)
    return len(words)


def learned(vault: Vault, member: Member) -> list[tuple[str, int]]:
    """The member's learned words with how many kept requests taught each, most taught first."""
    member = interactions._current_member(vault, member.id)
    taught = func.count(Lineage.source_id)
    stmt = (
        select(VocabularyEntry, taught)
        .join(Lineage, (Lineage.kind == "vocabulary") & (Lineage.artefact_id == VocabularyEntry.id))
        .join(Interaction, Interaction.id == Lineage.source_id)
        .where(
            VocabularyEntry.member_id == member.id, VocabularyEntry.key_id == member.key_id,
            Interaction.deleted_at.is_(None), Interaction.key_id == member.key_id,
        )
        .group_by(VocabularyEntry.id)
        .order_by(taught.desc(), VocabularyEntry.created_at.desc())
    )
    with vault.data.read() as session:
        rows = session.execute(stmt).all()
    if not rows:
        return []
    try:
        key = _key(vault, member.id, member.key_id)
    except KeyDestroyed:
        return []
    return [
        (crypto.decrypt(key, entry.word, aad("vocabulary", member.id, entry.id, "word")).decode(), count)
        for entry, count in rows
    ]


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
