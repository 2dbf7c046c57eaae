"""/v1/interactions: record (devices and members), review and delete (members, their own only)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response

from echoless import root
from echoless.terms import Scope
from echoless.errors import AudioTooLarge, BadRequest, ErrorCode
from echoless.privacy import deletion
from echoless.vault import accounts, interactions
from echoless.api.deps import MemberDep, PrincipalDep, VaultDep
from echoless.vault.access import history_subject
from echoless.vault.instance import Vault
from echoless.vault.models import Member

router = APIRouter(prefix="/v1", tags=["interactions"])
# The household owner may name a child profile here; any other member answers 404 (vault/access.py).
SubjectQuery = Annotated[
    str | None, Query(alias="member", description="A child profile's name or id (the household owner only); default: me.")
]
_READ_CHUNK = 1 << 16


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def read_upload(upload: UploadFile, limit: int) -> bytes:
    """Read at most `limit` bytes; a larger upload is refused without reading the rest."""
    chunks: list[bytes] = []
    size = 0
    while chunk := upload.file.read(_READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise AudioTooLarge(f"the audio is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_record(raw: str | None) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return None
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"`record` is not valid JSON: {exc.msg} at position {exc.pos}", code=ErrorCode.INVALID_JSON) from exc
    if not isinstance(record, dict):
        raise BadRequest("`record` must be a JSON object", code=ErrorCode.INVALID_JSON)
    allowed = {"transcript", "response", "action", "created_at"}
    unknown = set(record) - allowed
    if unknown:
        raise BadRequest(f"unknown field(s) in `record`: {', '.join(sorted(unknown))}", code=ErrorCode.INVALID_RECORD)
    for name in ("transcript", "response"):
        if record.get(name) is not None and not isinstance(record[name], str):
            raise BadRequest(f"`record.{name}` must be a string", code=ErrorCode.INVALID_RECORD)
    action = record.get("action")
    if isinstance(action, str):
        record["action"] = {"result": action}
    elif action is not None and not isinstance(action, dict):
        raise BadRequest("`record.action` must be an object or a string", code=ErrorCode.INVALID_RECORD)
    if record.get("created_at") is not None:
        try:
            record["created_at"] = aware(datetime.fromisoformat(record["created_at"]))
        except (TypeError, ValueError) as exc:
            raise BadRequest("`record.created_at` must be an ISO 8601 time", code=ErrorCode.INVALID_RECORD) from exc
    return record


def _who(vault: Vault, principal: accounts.Principal, member_name: str | None) -> tuple[Member, str | None]:
    if principal.kind == "device":
        if not member_name:
            raise BadRequest("a device must name the member who spoke (form field `member`)", code=ErrorCode.MEMBER_REQUIRED)
        return accounts.find_member(vault, principal.household_id, member_name), principal.device.id  # type: ignore[union-attr]
    assert principal.member is not None
    if member_name and member_name not in (principal.member.name, principal.member.id):
        raise BadRequest("a member token records for its own member only", code=ErrorCode.MEMBER_MISMATCH)
    return principal.member, None


@router.post("/interactions", status_code=201, summary="Record an interaction (runs the voice pipeline)")
def create_interaction(
    vault: VaultDep,
    principal: PrincipalDep,
    audio: Annotated[UploadFile, File(description="The recording, any common audio format.")],
    member: Annotated[str | None, Form(description="Name or id of the member who spoke (device tokens).")] = None,
    record: Annotated[
        str | None,
        Form(description="Optional JSON {transcript, response, action, created_at}: store this text instead of running the pipeline (import)."),
    ] = None,
    speak: Annotated[bool, Query(description="Also return the spoken answer (base64 WAV).")] = False,
) -> dict[str, Any]:
    imported = _parse_record(record)
    who, device_id = _who(vault, principal, member)
    data = read_upload(audio, vault.settings.max_audio_bytes)
    if imported is not None:
        item_id = root.import_recording(
            vault,
            who,
            device_id,
            data,
            transcript=imported.get("transcript"),
            response=imported.get("response"),
            action=imported.get("action"),
            created_at=imported.get("created_at"),
        )
        return {"id": item_id, "stored": item_id is not None}
    result = root.ask(vault, who, device_id, data, speak=speak)
    body = result.to_json()
    if speak:
        body["speech"] = (
            {"content_type": "audio/wav", "base64": base64.b64encode(result.speech).decode()} if result.speech else None
        )
    return body


@router.get("/interactions", summary="List my history, newest first")
def list_interactions(
    vault: VaultDep,
    member: MemberDep,
    of: SubjectQuery = None,
    since: Annotated[datetime | None, Query(description="Only items at or after this time (ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(description="Only items before this time (ISO 8601).")] = None,
    device: Annotated[str | None, Query(description="Only items from this device (name or id).")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=interactions.MAX_PAGE)] = 50,
    search: Annotated[
        str | None, Query(max_length=200, description="Only items whose transcript or response has all these words (as prefixes of 3+ letters).")
    ] = None,
) -> dict[str, Any]:
    member = history_subject(vault, member, of)
    if search is not None:
        from echoless.derived import search as index  # the keyed-token index (PRIVACY_MODEL §3.3)

        if since or until or device:
            raise BadRequest("`search` cannot be combined with since, until or device", code=ErrorCode.INVALID_SEARCH)
        page = index.search(vault, member, search, cursor=cursor, limit=limit)
        return {"items": [item.to_json() for item in page.items], "next_cursor": page.next_cursor}
    device_id = accounts.find_device(vault, member.household_id, device).id if device else None
    page = interactions.history(
        vault, member, since=aware(since), until=aware(until), device_id=device_id, cursor=cursor, limit=limit
    )
    return {"items": [item.to_json() for item in page.items], "next_cursor": page.next_cursor}


@router.get("/interactions/{item_id}", summary="Show one interaction")
def get_interaction(vault: VaultDep, member: MemberDep, item_id: str, of: SubjectQuery = None) -> dict[str, Any]:
    return interactions.get(vault, history_subject(vault, member, of), item_id).to_json()


@router.get(
    "/interactions/{item_id}/audio",
    summary="The recording, decrypted, byte-identical to the upload",
    response_class=Response,
    responses={200: {"content": {"audio/*": {}}}},
)
def get_audio(vault: VaultDep, member: MemberDep, item_id: str, of: SubjectQuery = None) -> Response:
    data, content_type = interactions.audio(vault, history_subject(vault, member, of), item_id)
    return Response(content=data, media_type=content_type, headers={"Cache-Control": "no-store"})


@router.delete("/interactions/{item_id}", summary="Delete one interaction (returns once its keys are destroyed)")
def delete_interaction(vault: VaultDep, member: MemberDep, item_id: str, of: SubjectQuery = None) -> dict[str, Any]:
    job = root.request_deletion(vault, history_subject(vault, member, of), Scope.ITEMS, ids=[item_id])
    return deletion.job_json(job)
