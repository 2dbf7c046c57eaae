"""The derived stores' tables (PRIVACY_MODEL §1 "derived data", §3.3, §3.4). Each declares its deletion
rule. Nothing here is plaintext: search tokens are HMACs under an epoch key (a small partition of one
member's history, rotated when one of its items is deleted); learned words and samples are AES-GCM
ciphertext under keys derived from their source part's own data key, so they die with it in every copy;
stats are content-free counts without member ids.
Every artefact's sources are registered in `derived_lineage` (one row per artefact and source)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from echoless.vault.db import UTCDateTime
from echoless.vault.models import Base


class SearchPosting(Base):
    """One bucket of an epoch's postings: the packed, sorted entries (keyed token, bitmap of the epoch's slots
    whose text has that word prefix) of the tokens whose first byte falls in the bucket. A re-key rewrites an
    epoch's few dozen buckets; a search reads one bucket per epoch and query word."""

    __tablename__ = "search_postings"
    epoch_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    # entries of 16 + 32 bytes: HMAC-SHA256(epoch key, prefix)[:16] ‖ little-endian bitmap of EPOCH_ITEMS bits
    entries: Mapped[bytes] = mapped_column(LargeBinary)


class SearchSlot(Base):
    """Which item holds slot n of an epoch, and its time (a search orders an epoch's matches by it)."""

    __tablename__ = "search_slots"
    __table_args__ = (Index("ix_search_slots_item", "item_id"),)
    epoch_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SearchEpoch(Base):
    """A partition of one member's history for the search index: its tokens are keyed under its own epoch
    key (in the keyring, wrapped by the member key). Deleting an item rebuilds its epoch under a fresh key.
    `oldest`/`newest` bound its items' times, so a search reads the newest epochs first and stops early."""

    __tablename__ = "search_epochs"
    __table_args__ = (Index("ix_search_epochs_member", "member_id", "key_id"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(32))  # the member key that wraps the epoch key
    epoch_key_id: Mapped[str] = mapped_column(String(32))  # the epoch key in force
    items: Mapped[int] = mapped_column(Integer, default=0)  # slots ever assigned (an epoch fills, then closes)
    # Epoch keys replaced by a rebuild, destroyed once the rebuild is committed (ids only).
    retired: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    oldest: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    newest: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Lineage(Base):
    """Which interaction(s) an artefact was derived from, and from which of their parts."""

    __tablename__ = "derived_lineage"
    __table_args__ = (
        Index("ix_derived_lineage_source", "source_id"),
        Index("ix_derived_lineage_key", "member_id", "key_id"),
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # search | vocabulary | sample | annotation
    artefact_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the interaction
    member_id: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(32))
    parts: Mapped[str] = mapped_column(String(32))  # comma-separated parts of the source it used
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VocabularyEntry(Base):
    """A word one request taught the recogniser, under a key derived from the part it came from (one row
    per request and word: the same word taught twice is two rows, merged when read)."""

    __tablename__ = "vocabulary_entries"
    __table_args__ = (
        Index("ix_vocabulary_member", "member_id", "key_id"),
        Index("ix_vocabulary_item", "item_id"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(32))  # the member key of the source (delete everything)
    item_id: Mapped[str] = mapped_column(String(32))  # the source interaction
    part: Mapped[str] = mapped_column(String(8))  # text | action: whose data key the word's key comes from
    word: Mapped[bytes] = mapped_column(LargeBinary)  # ciphertext
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CorpusSample(Base):
    """A contributed interaction (opt-in): ciphertext of its audio, transcript and understood intent."""

    __tablename__ = "corpus_samples"
    __table_args__ = (
        Index("ix_corpus_samples_member", "member_id"),
        Index("ix_corpus_samples_household", "household_id", "created_at"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(32), index=True)
    audio_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    audio: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    transcript: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    intent: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # {"intent", "slots"} as JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CorpusAnnotation(Base):
    """A reviewer's correction of a sample's intent."""

    __tablename__ = "corpus_annotations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sample_id: Mapped[str] = mapped_column(String(32), index=True)
    reviewer_id: Mapped[str] = mapped_column(String(32))
    intent: Mapped[bytes] = mapped_column(LargeBinary)  # ciphertext of {"intent", "slots"}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DailyCount(Base):
    """Analytics without people: how many runs per day, intent, outcome and latency bucket."""

    __tablename__ = "daily_counts"
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # UTC date, YYYY-MM-DD
    intent: Mapped[str] = mapped_column(String(80), primary_key=True)  # code of the intent name (stats.intent_code), "" when none was understood
    outcome: Mapped[str] = mapped_column(String(8), primary_key=True)  # ok | failed
    latency_ms: Mapped[int] = mapped_column(Integer, primary_key=True)  # upper bound of the latency bucket
    count: Mapped[int] = mapped_column(Integer, default=0)


class StatsContribution(Base):
    """One run's analytics, waiting until its group (day, intent, outcome, latency) has k distinct members:
    sealed under a key derived from its interaction's action key, so it dies with that part."""

    __tablename__ = "stats_contributions"
    __table_args__ = (Index("ix_stats_contributions_member", "member_id"),)
    item_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(10))  # UTC date of the run
    sealed: Mapped[bytes] = mapped_column(LargeBinary)  # {"intent": code, "outcome", "latency_ms"}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
