"""Recording interactions with known text, without running the recogniser."""

from __future__ import annotations

from typing import Any

from samples import tone_wav

from echoless.vault import interactions
from echoless.vault.instance import Vault
from echoless.vault.models import Member


def say(vault: Vault, member: Member, transcript: str, response: str = "Okay.", action: dict[str, Any] | None = None,
        audio: bool = False) -> str:
    row = interactions.record(
        vault, member, None,
        interactions.NewInteraction(
            audio=tone_wav(0.2) if audio else None, audio_type="audio/wav" if audio else None,
            transcript=transcript, response=response, action=action,
        ),
    )
    assert row is not None
    return row.id
