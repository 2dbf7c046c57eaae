"""/v1/settings: a member's retention and privacy settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from echoless.api.deps import MemberDep, VaultDep
from echoless.privacy import preferences

router = APIRouter(prefix="/v1", tags=["settings"])


class SettingsUpdate(BaseModel):
    retention: dict[str, str] | None = Field(
        None, description="Per part (audio, text, action): dont_save, 1d, 7d, 30d, 3m, 18m or forever."
    )
    voice_delete_all: bool | None = Field(None, description="Allow \"delete everything I've ever said\" by voice.")


@router.get("/settings", summary="My privacy settings")
def get_settings(member: MemberDep) -> dict[str, Any]:
    return preferences.of(member).to_json()


@router.put("/settings", summary="Change my privacy settings (applies to existing history at the next sweep)")
def put_settings(vault: VaultDep, member: MemberDep, update: SettingsUpdate) -> dict[str, Any]:
    return preferences.update(
        vault, member, retention_changes=update.retention, voice_delete_all=update.voice_delete_all
    ).to_json()
