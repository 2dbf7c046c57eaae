"""Try it: record in the browser (MediaRecorder, WebM/Opus), run the real pipeline, hear the answer; or
type the request instead (posted as JSON {"text"} to /try/text, the same path as POST /v1/requests).
The recording is posted with the session's CSRF token in a header (checked before the body is read);
the body is read as a stream into memory under the upload cap (api/uploads), never to disk."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from echoless import root
from echoless.api import client_json, uploads
from echoless.api.errors import error_response
from echoless.errors import BadRequest, EcholessError, ErrorCode
from echoless.pipeline.run import RunResult
from echoless.vault.instance import Vault
from echoless.vault.models import Member
from echoless.web.pages import CheckedDep, SignedInDep, get_vault, render

router = APIRouter(include_in_schema=False)


@router.get("/try")
def try_page(request: Request, signed_in: SignedInDep) -> Response:
    return render(request, "try.html", {"max_text_chars": get_vault(request).settings.max_text_chars})


@router.post("/try/run")
async def try_run(request: Request, signed_in: CheckedDep) -> Response:
    vault = get_vault(request)
    try:
        form = await uploads.read_form(request, files=("audio",), fields=(), file_limit=vault.settings.max_audio_bytes)
        body = await run_in_threadpool(_ask, vault, signed_in.member, uploads.require_file(form, "audio"))
    except EcholessError as exc:
        return error_response(exc.code, exc.message, exc.status)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post("/try/text")
async def try_text(request: Request, signed_in: CheckedDep) -> Response:
    vault = get_vault(request)
    try:
        text = _typed(await request.body(), vault.settings.max_text_chars)
        body = await run_in_threadpool(_ask_text, vault, signed_in.member, text)
    except EcholessError as exc:
        return error_response(exc.code, exc.message, exc.status)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _typed(raw: bytes, max_text_chars: int) -> str:
    try:
        message = client_json.loads(raw.decode(), what="the request", max_chars=4096 + 6 * max_text_chars)
    except UnicodeDecodeError as exc:
        raise BadRequest("the request is not UTF-8 JSON", code=ErrorCode.INVALID_JSON) from exc
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        raise BadRequest("send JSON {\"text\": \"...\"}", code=ErrorCode.INVALID_REQUEST)
    return message["text"]


def _ask_text(vault: Vault, member: Member, text: str) -> dict[str, Any]:
    return _shown(root.ask_text(vault, member, text, speak=True))


def _ask(vault: Vault, member: Member, data: bytes) -> dict[str, Any]:
    return _shown(root.ask(vault, member, None, data, speak=True))


def _shown(result: RunResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "stored": result.id is not None,
        "transcript": str(result.transcript),
        "response": str(result.response),
        "intent": result.intent,
        "action": result.action,
        "speech": base64.b64encode(result.speech).decode() if result.speech else None,
    }
