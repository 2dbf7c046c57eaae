"""/v1/interactions: record (devices and members; imports by members only), review and delete (members: their
own, their child profiles', and the shared histories they may see)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from echoless import root
from echoless.terms import Scope
from echoless.errors import BadRequest, ErrorCode, Forbidden
from echoless.privacy import deletion
from echoless.vault import accounts, devices, interactions
from echoless.api import models, records, uploads
from echoless.api.fields import IsoTime
from echoless.api.deps import MemberDep, PrincipalDep, VaultDep
from echoless.api.responses import raises
from echoless.vault.access import history_subject
from echoless.vault.instance import Vault
from echoless.vault.models import Member

router = APIRouter(prefix="/v1", tags=["interactions"])
# A parent may name their child profile, the owner or a listed adult a shared device's history; any other
# name answers 404 (vault/access.py).
SubjectQuery = Annotated[
    str | None, Query(alias="member", description="A child profile's name or id (its parents only), or a shared "
                      "device's name for its shared history (the owner and the adults it lists); default: me.")
]
aware = records.aware


def speaker_of(vault: Vault, principal: accounts.Principal, member_name: str | None) -> tuple[Member, str | None]:
    """Whose request this is, and from which device: a device's rules (vault/devices.py), or the member's own."""
    if principal.kind == "device":
        assert principal.device is not None
        return devices.speaker(vault, principal.device, member_name), principal.device.id
    assert principal.member is not None
    if member_name and member_name not in (principal.member.name, principal.member.id):
        raise BadRequest("a member token records for its own member only", code=ErrorCode.MEMBER_MISMATCH)
    return principal.member, None


_UPLOAD_FIELDS = {
    "audio": {"type": "string", "contentMediaType": "application/octet-stream", "description": "The recording, any common audio format."},
    "member": {"type": "string", "description": "Name or id of the member who spoke (device tokens). A personal device "
               "speaks only for its member; a shared device for the members it lists, anything else going to its shared history."},
    "record": {
        "type": "string",
        "description": "Optional JSON {transcript, response, action, created_at}: store this text instead of running "
        f"the pipeline (import; member tokens and sign-ins only, refused to devices). At most {uploads.MAX_FIELD_BYTES} bytes, nested at most {records.MAX_DEPTH} deep.",
    },
}


@router.post(
    "/interactions", status_code=201, summary="Record an interaction (runs the voice pipeline)",
    description="A multipart/form-data upload. The caller is authenticated from the headers before any of the body "
    "is read; a body larger than ECHOLESS_MAX_AUDIO_BYTES (plus the text fields) is refused with 413 as soon as that "
    "is known, and nothing of it is written to disk.",
    openapi_extra=uploads.openapi_body(_UPLOAD_FIELDS, ["audio"]),
    responses=raises(
        ErrorCode.INVALID_UPLOAD, ErrorCode.INVALID_RECORD, ErrorCode.INVALID_JSON, ErrorCode.MEMBER_MISMATCH,
        ErrorCode.DEVICE_CANNOT_IMPORT, ErrorCode.PERSONAL_DEVICE, ErrorCode.UNKNOWN_DEVICE, ErrorCode.AUDIO_TOO_LARGE,
        ErrorCode.AUDIO_EMPTY, ErrorCode.AUDIO_CORRUPT, ErrorCode.AUDIO_UNSUPPORTED_FORMAT, ErrorCode.AUDIO_TOO_LONG,
        ErrorCode.AUDIO_SILENT, ErrorCode.RETRY, ErrorCode.ASR_FAILED, ErrorCode.RUN_FAILED,
    ),
)
async def create_interaction(
    request: Request,
    vault: VaultDep,
    principal: PrincipalDep,
    speak: Annotated[bool, Query(description="Also return the spoken answer (base64 WAV).")] = False,
) -> dict[str, Any]:
    form = await uploads.read_form(
        request, files=("audio",), fields=("member", "record"), file_limit=vault.settings.max_audio_bytes,
        field_codes={"record": ErrorCode.INVALID_RECORD},
    )
    return await run_in_threadpool(_record, vault, principal, form, speak)


def _record(vault: Vault, principal: accounts.Principal, form: uploads.Form, speak: bool) -> dict[str, Any]:
    data = uploads.require_file(form, "audio")
    imported = records.parse(form.fields.get("record"))
    if imported is not None and principal.kind == "device":  # PRIVACY_MODEL §4: a device submits what it heard
        raise Forbidden("a device submits what it heard; importing text with its own time is for a member's own "
                        "token or sign-in (or the operator's `echoless record`)", code=ErrorCode.DEVICE_CANNOT_IMPORT)
    who, device_id = speaker_of(vault, principal, form.fields.get("member"))
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


@router.get("/interactions", response_model=models.InteractionPage, responses=raises(ErrorCode.NOT_FOUND, ErrorCode.UNKNOWN_DEVICE, ErrorCode.INVALID_SEARCH, ErrorCode.SEARCH_TOO_SHORT, ErrorCode.SEARCH_TOO_LONG, ErrorCode.INVALID_CURSOR),
            summary="List my history, newest first")
def list_interactions(
    vault: VaultDep,
    member: MemberDep,
    of: SubjectQuery = None,
    since: Annotated[IsoTime | None, Query(description="Only items at or after this time (ISO 8601).")] = None,
    until: Annotated[IsoTime | None, Query(description="Only items before this time (ISO 8601).")] = None,
    device: Annotated[str | None, Query(description="Only items from this device (name or id).")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=interactions.MAX_PAGE)] = 50,
    search: Annotated[
        str | None, Query(max_length=200, description="Only items whose transcript or response has all these words (as prefixes of 3+ letters).")
    ] = None,
) -> dict[str, Any]:
    member = history_subject(vault, member, of, shared=True)
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


@router.get("/interactions/{item_id}", response_model=models.Interaction, responses=raises(ErrorCode.NOT_FOUND), summary="Show one interaction")
def get_interaction(vault: VaultDep, member: MemberDep, item_id: str, of: SubjectQuery = None) -> dict[str, Any]:
    return interactions.get(vault, history_subject(vault, member, of, shared=True), item_id).to_json()


@router.get(
    "/interactions/{item_id}/audio",
    summary="The recording, decrypted, byte-identical to the upload",
    response_class=Response,
    responses={200: {"content": {"audio/*": {}}}, **raises(ErrorCode.NOT_FOUND, ErrorCode.NO_AUDIO)},
)
def get_audio(vault: VaultDep, member: MemberDep, item_id: str, of: SubjectQuery = None) -> Response:
    data, content_type = interactions.audio(vault, history_subject(vault, member, of, shared=True), item_id)
    return Response(content=data, media_type=content_type, headers={"Cache-Control": "no-store"})


@router.delete("/interactions/{item_id}", response_model=models.DeletionJob, responses=raises(ErrorCode.NOT_FOUND, ErrorCode.RETRY),
               summary="Delete one interaction (returns once its keys are destroyed)")
def delete_interaction(vault: VaultDep, member: MemberDep, item_id: str, of: SubjectQuery = None) -> dict[str, Any]:
    job = root.request_deletion(vault, history_subject(vault, member, of, shared=True), Scope.ITEMS, ids=[item_id])
    return deletion.job_json(job)
