"""A member's privacy settings: retention per part, saving recordings on/off, deletion by voice.
They live in the member row's settings (no content); every change is applied at the next sweep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from echoless.terms import Role
from echoless.errors import BadRequest, ErrorCode
from echoless.vault import audit
from echoless.vault import retention
from echoless.vault import accounts
from echoless.vault.instance import Vault
from echoless.vault.models import Member

# When a member says "start saving my recordings" without having chosen a period before.
DEFAULT_SAVING = "30d"


@dataclass(frozen=True)
class Preferences:
    retention: dict[str, str]
    voice_delete_all: bool  # may "delete everything I've ever said" be asked by voice (with a spoken yes)
    child: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "retention": self.retention,
            "retention_labels": {part: retention.LABELS[choice] for part, choice in self.retention.items()},
            "saving_recordings": retention.saves(self.retention["audio"]),
            "voice_delete_all": self.voice_delete_all,
            "child_profile": self.child,
            "choices": list(retention.CHOICES),
        }


def of(member: Member) -> Preferences:
    return Preferences(
        retention=retention.retention_of(member.settings),
        voice_delete_all=bool(member.settings.get("voice_delete_all", False)),
        child=member.role == Role.CHILD,
    )


def update(
    vault: Vault,
    member: Member,
    *,
    retention_changes: dict[str, str] | None = None,
    voice_delete_all: bool | None = None,
) -> Preferences:
    current = accounts.get_member(vault, member.id)
    settings = dict(current.settings)
    if retention_changes:
        merged = {**retention.retention_of(settings), **retention_changes}
        retention.validate(merged, child=current.role == Role.CHILD)
        settings["retention"] = merged
        if retention.saves(merged["audio"]):
            settings["audio_when_saving"] = merged["audio"]
    if voice_delete_all is not None:
        if not isinstance(voice_delete_all, bool):
            raise BadRequest("voice_delete_all is true or false", code=ErrorCode.INVALID_SETTING)
        settings["voice_delete_all"] = voice_delete_all
    updated = accounts.update_member_settings(vault, member.id, settings)
    audit.append(vault, audit.SETTINGS_CHANGED, subject=member.id)
    return of(updated)


def set_saving_recordings(vault: Vault, member: Member, saving: bool) -> Preferences:
    """"Stop/start saving my recordings": audio retention off, or back to what it was."""
    member = accounts.get_member(vault, member.id)
    current = retention.retention_of(member.settings)["audio"]
    if not saving and retention.saves(current):  # remember what to go back to
        member = accounts.update_member_settings(vault, member.id, {**member.settings, "audio_when_saving": current})
    choice = member.settings.get("audio_when_saving", DEFAULT_SAVING) if saving else "dont_save"
    if member.role == Role.CHILD and choice not in ("dont_save", "1d", "7d", "30d"):
        choice = "30d"
    return update(vault, member, retention_changes={"audio": choice})
