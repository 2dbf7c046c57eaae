"""/v1/requests: a typed request — text instead of a recording — run through the pipeline from
understanding on, under the same rules as a spoken one (devices speak for whom vault/devices.py says).
Recordings and imports stay on /v1/interactions."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from echoless import root
from echoless.api.deps import PrincipalDep, VaultDep
from echoless.api.interactions import speaker_of

router = APIRouter(prefix="/v1", tags=["requests"])


class TypedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="What the member typed (at most ECHOLESS_MAX_TEXT_CHARS characters; tabs and "
                      "newlines become spaces; no other control characters, no bidirectional overrides).")
    member: str | None = Field(None, max_length=200, description="Name or id of the member who typed it (device "
                               "tokens). A personal device speaks only for its member; a shared device for the members "
                               "it lists, anything else going to its shared history.")


def _error(description: str, codes: str) -> dict[str, Any]:
    shape = {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "status": {"type": "integer"}}}}}
    return {"description": f"{description} (`error.code`: {codes})", "content": {"application/json": {"schema": shape}}}


_RUN = {"type": "object", "properties": {
    "id": {"type": ["string", "null"], "description": "The interaction's id; null when the member's settings keep none of it."},
    "stored": {"type": "boolean"},
    "transcript": {"type": "string", "description": "The text as understood (the typed text, spaces normalised)."},
    "intent": {"type": ["string", "null"]},
    "slots": {"type": "object"},
    "action": {"type": ["object", "null"]},
    "response": {"type": "string"},
    "events": {"type": "array", "description": "run-start {member, device, source: typed}, intent-end, action-end, "
               "tts-end (with speak), run-end {id}", "items": {"type": "object"}},
    "speech": {"type": ["object", "null"], "description": "With speak: {content_type, base64}."},
}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "Understood, acted on, answered and recorded (the same shape as a spoken request's)",
          "content": {"application/json": {"schema": _RUN}}},
    400: _error("The member named is not the token's own", "member-mismatch"),
    401: _error("No valid token or sign-in", "unauthorized"),
    403: _error("A personal device named another member, or a sign-in without its CSRF header",
                "personal-device, csrf-failed"),
    413: _error("The body is larger than 1 MiB", "request-too-large"),
    422: _error("The text cannot be used, or the body is malformed; nothing is stored",
                "text-empty, text-too-long, text-invalid-character, text-bidi-override, invalid-request, unknown-member"),
}


@router.post("/requests", status_code=201, summary="Ask something by typing (runs the pipeline from understanding on)",
             responses=RESPONSES)
def create_request(
    vault: VaultDep,
    principal: PrincipalDep,
    body: TypedRequest,
    speak: Annotated[bool, Query(description="Also return the spoken answer (base64 WAV).")] = False,
) -> dict[str, Any]:
    who, device_id = speaker_of(vault, principal, body.member)
    result = root.ask_text(vault, who, body.text, device_id=device_id, speak=speak)
    reply = result.to_json()
    if speak:
        reply["speech"] = (
            {"content_type": "audio/wav", "base64": base64.b64encode(result.speech).decode()} if result.speech else None
        )
    return reply
