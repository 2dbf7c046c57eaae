"""/v1/settings: a member's retention and privacy settings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from echoless.api import models
from echoless.api.deps import MemberDep, VaultDep
from echoless.api.responses import raises
from echoless.errors import ErrorCode
from echoless.privacy import preferences
from echoless.vault import retention as keeping
from echoless.vault.access import history_subject

router = APIRouter(prefix="/v1", tags=["settings"])
# A parent may name their child profile; anyone else answers 404, like a member that does not exist.
SubjectQuery = Annotated[str | None, Query(alias="member", max_length=200, description="A child profile's name or id (its parents only); default: me.")]


Choice = Literal[tuple(keeping.CHOICES)]  # type: ignore[valid-type]


class RetentionChange(BaseModel):
    """How long each part is kept (a child profile: at most 30 days); a part left out is unchanged."""

    model_config = ConfigDict(extra="forbid")

    audio: Choice | None = None
    text: Choice | None = None
    action: Choice | None = None


class SettingsUpdate(BaseModel):
    retention: RetentionChange | None = Field(None, description="Per part (audio, text, action).")
    voice_delete_all: StrictBool | None = Field(None, description="Allow \"delete everything I've ever said\" by voice.")


@router.get("/settings", response_model=models.Settings, responses=raises(ErrorCode.NOT_FOUND), summary="My privacy settings (or my child profile's)")
def get_settings(vault: VaultDep, member: MemberDep, of: SubjectQuery = None) -> dict[str, Any]:
    return preferences.of(history_subject(vault, member, of)).to_json()


@router.put("/settings", response_model=models.Settings, responses=raises(ErrorCode.NOT_FOUND, ErrorCode.INVALID_RETENTION, ErrorCode.INVALID_SETTING),
            summary="Change my privacy settings (applies to existing history at the next sweep)")
def put_settings(vault: VaultDep, member: MemberDep, update: SettingsUpdate, of: SubjectQuery = None) -> dict[str, Any]:
    return preferences.update(
        vault, history_subject(vault, member, of), voice_delete_all=update.voice_delete_all,
        retention_changes=update.retention.model_dump(exclude_none=True) if update.retention else None,
    ).to_json()
