"""The closed vocabularies, in one place: the parts of an interaction and the columns each part covers,
the states and scopes of a deletion job, and the roles of a household's members. Each is a StrEnum, so
a value compares equal to the string stored in the database and sent over the API."""

from __future__ import annotations

from enum import StrEnum


class Part(StrEnum):
    """A part of an interaction, each under its own data key and retention setting."""

    AUDIO = "audio"
    TEXT = "text"
    ACTION = "action"


PARTS: tuple[Part, ...] = (Part.AUDIO, Part.TEXT, Part.ACTION)

# The interactions table's columns that each part covers (audio's bytes are a blob; its row columns
# only say what kind and how large).
PART_COLUMNS: dict[Part, tuple[str, ...]] = {
    Part.AUDIO: ("audio_type", "audio_size"),
    Part.TEXT: ("transcript", "response"),
    Part.ACTION: ("action",),
}


class Source(StrEnum):
    """How a request reached echoless (shown in the history; content-free)."""

    SPOKEN = "spoken"  # a recording, recognised here
    TYPED = "typed"  # text typed by the member (CLI, API, stream, Try it)
    WYOMING = "wyoming"  # through the Wyoming protocol (a satellite, Home Assistant)
    IMPORTED = "imported"  # a recording with text the caller already had (`record`)


SOURCES: tuple[Source, ...] = tuple(Source)


class JobState(StrEnum):
    """A deletion's two moments (PRIVACY_MODEL §2), after it is journalled."""

    REQUESTED = "requested"
    SHREDDED = "shredded"
    PURGED = "purged"


class Scope(StrEnum):
    """What a deletion covers."""

    ITEMS = "items"
    RANGE = "range"
    ALL = "all"
    RETENTION = "retention"


class Role(StrEnum):
    OWNER = "owner"
    ADULT = "adult"
    CHILD = "child"
    # The hidden member row that holds a shared device's shared history (vault/devices.py): never listed,
    # never signed in, never given a token; not a role anyone can be given.
    SHARED = "shared"


ROLES: tuple[Role, ...] = (Role.OWNER, Role.ADULT, Role.CHILD)  # the roles a member can be given


class DeviceKind(StrEnum):
    """Whom a device speaks for (PRIVACY_MODEL §4)."""

    PERSONAL = "personal"  # one member: every request it sends is theirs
    SHARED = "shared"  # the members the owner listed; anything else goes to its shared history


DEVICE_KINDS: tuple[DeviceKind, ...] = (DeviceKind.PERSONAL, DeviceKind.SHARED)
