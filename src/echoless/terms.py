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


ROLES: tuple[Role, ...] = (Role.OWNER, Role.ADULT, Role.CHILD)
