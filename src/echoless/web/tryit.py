"""Try it: record in the browser (MediaRecorder, WebM/Opus), run the real pipeline, hear the answer.
The recording is posted with the session's CSRF token in a header; the answer comes back as JSON."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from echoless import root
from echoless.api.errors import error_response
from echoless.api.interactions import read_upload
from echoless.errors import EcholessError
from echoless.web.pages import CheckedDep, SignedInDep, get_vault, render

router = APIRouter(include_in_schema=False)


@router.get("/try")
def try_page(request: Request, signed_in: SignedInDep) -> Response:
    return render(request, "try.html")


@router.post("/try/run")
def try_run(request: Request, signed_in: CheckedDep, audio: Annotated[UploadFile, File()]) -> Response:
    vault = get_vault(request)
    try:
        data = read_upload(audio, vault.settings.max_audio_bytes)
        result = root.ask(vault, signed_in.member, None, data, speak=True)
    except EcholessError as exc:
        return error_response(exc.code, exc.message, exc.status)
    body: dict[str, Any] = {
        "id": result.id,
        "stored": result.id is not None,
        "transcript": str(result.transcript),
        "response": str(result.response),
        "intent": result.intent,
        "action": result.action,
        "speech": base64.b64encode(result.speech).decode() if result.speech else None,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
