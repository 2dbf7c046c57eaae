"""The data database's tables. Their deletion rules are declared by the stores that own them (vault/store.py).
Content columns hold only AES-GCM ciphertext; everything in clear here is opaque ids, times,
sizes, names of accounts and devices, and content-free records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from echoless.vault.db import UTCDateTime


class Base(DeclarativeBase):
    pass



class Household(Base):
    __tablename__ = "households"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        Index("ix_members_household_name", "household_id", "name", unique=True),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="adult")  # owner | adult | child | shared (terms.Role)
    # The member key that wraps current data keys; "delete everything" destroys it and starts a new one.
    key_id: Mapped[str] = mapped_column(String(32))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # argon2id hash of the member's password (None: cannot sign in to the pages); never the password.
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (
        Index("ix_devices_household_name", "household_id", "name", unique=True),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Whom it speaks for (vault/devices.py): personal (member_id is that member) or shared (member_id is the
    # hidden member holding its shared history; `members` lists the member ids it may speak for).
    kind: Mapped[str] = mapped_column(String(16), default="shared")
    member_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where it stands (a Home Assistant area's name, or the simulated home's): "lights on in here".
    area: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Satellite(Base):
    """A Wyoming satellite echoless connects to (voicelink/satellite.py), speaking as one of the household's
    devices. Household configuration: an address and a device, no content."""

    __tablename__ = "satellites"
    __table_args__ = (
        Index("ix_satellites_household_uri", "household_id", "uri", unique=True),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    uri: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Token(Base):
    __tablename__ = "tokens"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token; the token is never stored
    kind: Mapped[str] = mapped_column(String(8))  # member | device
    subject_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_history", "member_id", "key_id", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    device_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    key_id: Mapped[str] = mapped_column(String(32))  # member key that wraps this item's data key
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    audio_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    audio_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    transcript: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    response: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    action: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # How the request came: spoken | typed | wyoming | imported (terms.Source); content-free, like device_id.
    source: Mapped[str] = mapped_column(String(16), default="spoken", server_default="spoken")
    # Set by a deletion request in the same transaction that journals it: hidden at once, purged after.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class HomeStateRow(Base):
    __tablename__ = "home_states"
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), primary_key=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)  # ciphertext under the household key
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HomeConnectionRow(Base):
    """The household's connected Home Assistant (PRIVACY_MODEL §6): its URL and long-lived access token,
    encrypted together under the household key; never in plaintext, never logged."""

    __tablename__ = "home_connections"
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), primary_key=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary)  # ciphertext under the household key
    keep_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # HA's recorder purge_keep_days, if the owner said
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeletionJob(Base):
    """The deletion journal: written before any key is destroyed, so a crash resumes the deletion."""

    __tablename__ = "deletion_jobs"
    __table_args__ = (
        Index("ix_deletion_jobs_state", "state"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(32), index=True)
    scope: Mapped[str] = mapped_column(String(16))  # items | range | all | retention
    scope_detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    item_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    key_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # member keys destroyed ("all")
    parts: Mapped[list[str]] = mapped_column(JSON, default=list)  # retention may take some parts only
    state: Mapped[str] = mapped_column(String(16))  # requested | shredded | purged
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    shredded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # When the destroyed keys were verified gone from the keyring's files (None: erase pending).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebSession(Base):
    """A signed-in browser. The cookie holds the session id; only its SHA-256 is stored here."""

    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(32), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))  # the synchronizer token of this session's forms
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignInThrottle(Base):
    """Failed sign-ins per member name and per client address, keyed by a hash of the name or address."""

    __tablename__ = "sign_in_throttle"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())


class InstanceState(Base):
    """Content-free facts about the instance (the derived-data scheme in force, for the upgrade)."""

    __tablename__ = "instance_state"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Lease(Base):
    """Who works on the data now: each serving node, or one restore; rows expire unless renewed."""

    __tablename__ = "leases"
    holder: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # server | restore
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
