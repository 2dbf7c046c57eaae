"""/v1/stream: the pipeline over a WebSocket. Audio chunks in (16 kHz mono 16-bit PCM), events out,
endpointing by voice activity detection. Fired timers of the household arrive on the same socket.

Protocol (client → server): a JSON text frame {"type": "start", "token": "...", "member": "...",
"speak": false} (the token may instead come in an Authorization header), then binary PCM frames;
{"type": "end"} ends the utterance early; {"type": "text", "text": "..."} is a typed utterance (no
speech-start/speech-end, no stt-end; its run-start says source "typed"). Server → client: JSON text frames {"type", "timestamp",
"data"}: ready, speech-start, speech-end, run-start, stt-end, intent-end, action-end, tts-end,
run-end, error, timer-fired. After run-end the next utterance may follow on the same socket."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import logging
import wave
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from echoless import root
from echoless.api import client_json
from echoless.errors import BadRequest, EcholessError, ErrorCode
from echoless.pipeline import events as ev
from echoless.pipeline.run import RunResult
from echoless.pipeline.vad import SPEECH_END, SPEECH_START, Endpointer
from echoless.vault import accounts, devices
from echoless.vault.instance import Vault

_LOGGER = logging.getLogger(__name__)
router = APIRouter(tags=["stream"])
RATE = 16000
MAX_CONTROL_CHARS = 4096  # a start or control message; anything longer is refused unparsed


def pcm_to_wav(pcm: bytes) -> bytes:
    """The streamed request as stored: the same samples in a WAV container."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)
    return buffer.getvalue()


class _Socket:
    def __init__(self, websocket: WebSocket) -> None:
        self.ws = websocket
        self._lock = asyncio.Lock()

    async def send(self, event_type: str, **data: Any) -> None:
        await self.send_event(ev.Event(event_type, data))

    async def send_event(self, event: ev.Event) -> None:
        async with self._lock:
            await self.ws.send_text(json.dumps(event.to_json(), default=str))


def _start_message(raw: str) -> dict[str, Any]:
    message = client_json.loads(raw, what="the first message (JSON {\"type\": \"start\", ...})", max_chars=MAX_CONTROL_CHARS)
    if not isinstance(message, dict) or message.get("type") != "start":
        raise BadRequest("the first message must be {\"type\": \"start\", ...}", code=ErrorCode.INVALID_MESSAGE)
    for name in ("token", "member"):
        if message.get(name) is not None and not isinstance(message[name], str):
            raise BadRequest(f"`{name}` in the start message must be a string", code=ErrorCode.INVALID_MESSAGE)
    return message


async def _first_text(websocket: WebSocket) -> str:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    if message.get("text") is None:
        raise BadRequest("the first message must be a JSON text frame {\"type\": \"start\", ...}", code=ErrorCode.INVALID_MESSAGE)
    return str(message["text"])


@router.websocket("/v1/stream")
async def stream(websocket: WebSocket) -> None:
    vault: Vault = websocket.app.state.vault
    await websocket.accept()
    sock = _Socket(websocket)
    try:
        start = _start_message(await _first_text(websocket))
        header = websocket.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip() or start.get("token")
        principal = await run_in_threadpool(accounts.authenticate, vault, token)
        if principal.kind == "device":  # a personal device's member, or whom a shared one may speak for
            member = await run_in_threadpool(devices.speaker, vault, principal.device, start.get("member"))
            device_id = principal.device.id  # type: ignore[union-attr]
        else:
            member, device_id = principal.member, None
    except EcholessError as exc:
        await sock.send(ev.ERROR, code=exc.code, message=exc.message)
        await websocket.close(code=4401 if exc.status == 401 else 4403 if exc.status == 403 else 4400)
        return
    except WebSocketDisconnect:
        return
    speak = bool(start.get("speak"))
    bus = websocket.app.state.bus
    queue = bus.subscribe(principal.household_id)
    forward = asyncio.create_task(_forward(queue, sock))
    await sock.send("ready")
    try:
        while True:
            utterance = await _utterance(websocket, sock, vault)
            if utterance is None:
                break
            await _run(vault, member, device_id, utterance, speak, sock)
    except WebSocketDisconnect:
        pass
    finally:
        forward.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await forward
        bus.unsubscribe(principal.household_id, queue)


async def _forward(queue: asyncio.Queue[ev.Event], sock: _Socket) -> None:
    while True:
        await sock.send_event(await queue.get())


async def _utterance(websocket: WebSocket, sock: _Socket, vault: Vault) -> bytes | str | None:
    """The next utterance: PCM (bytes) ended by voice activity or {"type": "end"}, or typed text (str)."""
    limit = MAX_CONTROL_CHARS + 6 * vault.settings.max_text_chars  # a text message, every character escaped
    endpointer = Endpointer(max_seconds=vault.settings.max_audio_seconds)
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        if message.get("bytes") is not None:
            event = endpointer.feed(message["bytes"])
            while event is not None:
                await sock.send(event)
                if event == SPEECH_END:
                    return endpointer.audio
                event = endpointer.feed(b"")
        elif message.get("text") is not None:
            try:
                control = client_json.loads(message["text"], what="a control message", max_chars=limit)
            except BadRequest:
                control = None
            if isinstance(control, dict) and control.get("type") == "end":
                if not endpointer.started:
                    await sock.send(SPEECH_START)
                await sock.send(SPEECH_END)
                return endpointer.audio
            if isinstance(control, dict) and control.get("type") == "text":
                if isinstance(control.get("text"), str) and not endpointer.started:
                    return str(control["text"])  # audio frames before it that held no speech are dropped
                await sock.send(ev.ERROR, code=ErrorCode.INVALID_MESSAGE, message="a text message is {\"type\": \"text\", "
                                "\"text\": \"...\"}, sent between utterances (not while one is being spoken)")
                continue
            await sock.send(ev.ERROR, code=ErrorCode.INVALID_MESSAGE,
                            message="send binary PCM frames, {\"type\": \"end\"} or {\"type\": \"text\", \"text\": \"...\"}")


async def _run(vault: Vault, member: Any, device_id: str | None, utterance: bytes | str, speak: bool, sock: _Socket) -> None:
    loop = asyncio.get_running_loop()
    pending: asyncio.Queue[ev.Event | None] = asyncio.Queue()

    def emit(event: ev.Event) -> None:
        loop.call_soon_threadsafe(pending.put_nowait, event)

    def work() -> RunResult | None:
        try:
            if isinstance(utterance, str):
                return root.ask_text(vault, member, utterance, device_id=device_id, speak=speak, emit=emit)
            return root.ask(vault, member, device_id, pcm_to_wav(utterance), speak=speak, emit=emit)
        except EcholessError:
            return None  # the error event has been emitted
        finally:
            loop.call_soon_threadsafe(pending.put_nowait, None)

    task = loop.run_in_executor(None, work)
    while (event := await pending.get()) is not None:
        await sock.send_event(event)
    result = await task
    if result is not None and result.speech:
        await sock.send("speech", content_type="audio/wav", base64=base64.b64encode(result.speech).decode())
