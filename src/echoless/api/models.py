"""The response bodies of the API's main resources, as the OpenAPI states them. Each model forbids fields it
does not name: a route whose answer drifts from its model fails loudly (a 500 the contract test and every
API test see) instead of silently dropping or adding a field. Times are ISO 8601 strings as the stores
write them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from echoless.terms import JobState, Scope, Source

Time = Field(json_schema_extra={"format": "date-time"})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeletionJob(Strict):
    id: str
    scope: Scope
    scope_detail: dict[str, Any] | None = Field(description="What was named: ids, a range's bounds, the parts.")
    state: JobState
    items: int = Field(description="How many interactions the deletion names.")
    counts: dict[str, int] = Field(description="What was destroyed, by kind (filled in as it proceeds).")
    requested_at: str = Time
    shredded_at: str | None = Time
    erase: Literal["verified", "pending"] = Field(description="Whether the blobs' erasure was verified.")
    erased_at: str | None = Time
    purged_at: str | None = Time


class DeviceRef(Strict):
    id: str
    name: str | None


class AudioRef(Strict):
    content_type: str
    size: int | None


class Interaction(Strict):
    id: str
    created_at: str = Time
    device: DeviceRef | None = Field(description="The device that heard it (none for an import).")
    source: Source = Field(description="How the request reached echoless: spoken, typed, wyoming or imported.")
    transcript: str | None
    response: str | None
    action: dict[str, Any] | None
    audio: AudioRef | None = Field(description="The recording, when it is kept.")
    expires: dict[str, str | None] = Field(description="When each part (audio, text, action) expires; null: kept.")


class InteractionPage(Strict):
    items: list[Interaction]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class Me(Strict):
    id: str
    name: str
    role: Literal["owner", "adult", "child"]
    children: list[str] = Field(description="The child profiles I am a parent of.")
    access_resets: list[str] = Field(description="When the owner reset my access, not yet acknowledged.")


class Token(Strict):
    id: str = Field(description="The token's public id (the start of its hash).")
    kind: str
    subject: str | None
    subject_id: str
    created_at: str = Time
    revoked_at: str | None = Time


class Tokens(Strict):
    tokens: list[Token]


class NewToken(Strict):
    id: str
    token: str = Field(description="Shown once: keep it.")


class Settings(Strict):
    retention: dict[str, str]
    retention_labels: dict[str, str]
    saving_recordings: bool
    voice_delete_all: bool
    child_profile: bool
    choices: list[str]


class Redeemed(Strict):
    id: str
    name: str
    role: Literal["owner", "adult"]
    token: str = Field(description="An API token of my own, shown once: keep it.")
