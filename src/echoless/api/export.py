"""/v1/export: everything kept about me, as a zip, streamed."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from echoless.api.deps import MemberDep, VaultDep
from echoless.privacy.export import stream_export

router = APIRouter(prefix="/v1", tags=["export"])


@router.get(
    "/export",
    summary="Download everything kept about me (zip: recordings, history.json, README)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def export(vault: VaultDep, member: MemberDep) -> StreamingResponse:
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d")
    return StreamingResponse(
        stream_export(vault, member),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="echoless-export-{stamp}.zip"', "Cache-Control": "no-store"},
    )
