"""The sharing tables: installed skills, who enabled them, the share ledger and the deletion notices.

All of them are content-free (PRIVACY_MODEL §3.6): opaque ids, skill names, field *names* (never their
values), times and states. The one exception is `share_notices.pseudonym`: the pseudonymous user id
that a deletion request must name, resolved while the member key still existed; it is cleared as soon
as the skill acknowledges (a pseudonym, not content, and never the member's real id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from echoless.vault.db import UTCDateTime
from echoless.vault.models import Base


class SkillRow(Base):
    """A skill the household owner installed; `manifest` is the validated manifest (no user data)."""

    __tablename__ = "skills"
    __table_args__ = (
        Index("ix_skills_household_name", "household_id", "name", unique=True),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(40))
    publisher: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SkillEnablement(Base):
    """One member's choice to use one skill (and whether the skill may receive the transcript)."""

    __tablename__ = "skill_enablements"
    member_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    skill_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    transcript_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ShareRow(Base):
    """One share, content-free: which skill, when, which fields (names), which interaction, which
    manifest version, the pseudonymous interaction id the skill saw, and what became of it."""

    __tablename__ = "shares"
    __table_args__ = (
        Index("ix_shares_member_sent", "member_id", "sent_at"),
        Index("ix_shares_interaction", "interaction_id"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(32))
    # The member key the pseudonym was derived under (opaque id; the key itself lives in the keyring).
    key_id: Mapped[str] = mapped_column(String(32))
    skill_id: Mapped[str] = mapped_column(String(32))
    skill_name: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(260))  # "name (publisher)", as installed when shared
    # Where to ask for deletion, as the manifest said when shared (the skill may be removed later).
    deletion_endpoint: Mapped[str] = mapped_column(Text)
    manifest_version: Mapped[str] = mapped_column(String(40))
    fields: Mapped[list[str]] = mapped_column(JSON)
    interaction_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    pseudo_interaction_id: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(20))  # sending | answered | timeout | unreachable | bad-answer
    notice_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


class NoticeRow(Base):
    """A deletion request owed to one skill: durable, retried with backoff until acknowledged."""

    __tablename__ = "share_notices"
    __table_args__ = (
        Index("ix_share_notices_due", "state", "next_attempt_at"),
        Index("ix_share_notices_member", "member_id"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    deletion_id: Mapped[str | None] = mapped_column(String(32), nullable=True)  # None: "disable and forget"
    member_id: Mapped[str] = mapped_column(String(32))
    skill_id: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(260))  # "name (publisher)"
    url: Mapped[str] = mapped_column(Text)  # the deletion endpoint, as the manifest said when asked
    scope: Mapped[str] = mapped_column(String(12))  # interactions | all
    pseudonym: Mapped[str | None] = mapped_column(String(64), nullable=True)
    interactions: Mapped[list[str]] = mapped_column(JSON, default=list)  # pseudonymous interaction ids
    state: Mapped[str] = mapped_column(String(12))  # asked | confirmed
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(40), nullable=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
