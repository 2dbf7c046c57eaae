"""Export: one button, one download (a zip of everything echoless keeps about the member), streamed by
`echoless.privacy.export.stream_export(vault, member)`."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from echoless.errors import ErrorCode, NotFound
from echoless.web.pages import CheckedDep, SignedInDep, get_vault, module_available, render

router = APIRouter(include_in_schema=False)
MODULE = "echoless.privacy.export"


@router.get("/export")
def export_page(request: Request, signed_in: SignedInDep) -> Response:
    return render(request, "export.html", {"available": module_available(MODULE)})


@router.post("/export")
def export_download(request: Request, signed_in: CheckedDep) -> Response:
    if not module_available(MODULE):
        raise NotFound("export is not part of this build yet", code=ErrorCode.EXPORT_UNAVAILABLE)
    from echoless.privacy.export import stream_export  # optional part, checked just above

    stamp = datetime.now().astimezone().strftime("%Y-%m-%d")
    return StreamingResponse(
        stream_export(get_vault(request), signed_in.member),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="echoless-export-{stamp}.zip"', "Cache-Control": "no-store"},
    )
