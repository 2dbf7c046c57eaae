"""The Wyoming server: one device of the household, offered to Wyoming clients (Home Assistant's Wyoming
integration, a satellite's controller, the `wyoming` package's client).

Per connection, in any order and as often as the client likes:
- `describe` → `info` (programs.py);
- [`transcribe`] `audio-start`, `audio-chunk`…, `audio-stop` → `transcript`: echoless hears the request and
  records it (audio and transcript, under the retention of whom the device speaks for) but does not act on
  it: a peer that asks for a transcript (Home Assistant) understands and acts itself, and two assistants
  acting on one request would act twice;
- `transcript` (text sent for handling) → `handled` with the answer (`not-handled` when nothing understood
  it): echoless understands, acts (privacy intents limited like any device's) and records it;
- `synthesize` → `audio-start`, `audio-chunk`…, `audio-stop` (espeak-ng; never stored);
- `ping` → `pong`.
A failure answers `error` {text, code} with a code of errors.ErrorCode and the connection stays open. No
content is logged: only event types and sizes."""

from __future__ import annotations

import asyncio
import io
import logging
import signal
import wave
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from wyoming.asr import Transcript
from wyoming.audio import AudioChunk, AudioChunkConverter, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.info import Describe
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler, AsyncTcpServer
from wyoming.tts import Synthesize

from echoless import root
from echoless.errors import (
    AudioError,
    BadRequest,
    EcholessError,
    ErrorCode,
    NotFound,
    RunFailed,
)
from echoless.pipeline.speak import synthesise
from echoless.vault import accounts, devices
from echoless.vault.instance import Vault
from echoless.vault.models import Member
from echoless.voicelink import programs
from echoless.voicelink.listen import Listener

_LOGGER = logging.getLogger(__name__)
RATE, WIDTH, CHANNELS = 16000, 2, 1  # what the recogniser hears; other formats are converted on arrival
SPEECH_CHUNK_FRAMES = 1024
MAX_TEXT_CHARS = 2000
T = TypeVar("T")


def pcm_to_wav(pcm: bytes, rate: int = RATE) -> bytes:
    """The request as stored: the samples the client sent, in a WAV container."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(CHANNELS)
        out.setsampwidth(WIDTH)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def speech_events(wav: bytes) -> list[Event]:
    """A WAV as Wyoming audio: audio-start, audio-chunk…, audio-stop."""
    with wave.open(io.BytesIO(wav)) as source:
        rate, width, channels = source.getframerate(), source.getsampwidth(), source.getnchannels()
        frames = source.readframes(source.getnframes())
    step = SPEECH_CHUNK_FRAMES * width * channels
    chunks = [AudioChunk(rate=rate, width=width, channels=channels, audio=frames[i : i + step]).event()
              for i in range(0, len(frames), step)]
    return [AudioStart(rate=rate, width=width, channels=channels).event(), *chunks, AudioStop().event()]


class Speaker:
    """The device a peer speaks as, looked up again for every request: a device removed (or changed) since
    the server started answers accordingly."""

    def __init__(self, vault: Vault, device_name: str) -> None:
        self.vault = vault
        self.household_id = accounts.default_household(vault).id
        self.device_id = accounts.find_device(vault, self.household_id, device_name).id

    def member(self) -> tuple[Member, str]:
        device = devices.get(self.vault, self.device_id)
        if device is None:
            raise NotFound("this Wyoming server's device was removed", code=ErrorCode.UNKNOWN_DEVICE)
        return devices.speaker(self.vault, device, None), device.id


async def off_loop(work: Callable[[], T]) -> T:
    """Run blocking work (the model, the databases) off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, work)


class Connection(AsyncEventHandler):
    """One client connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, speaker: Speaker) -> None:
        super().__init__(reader, writer)
        self.speaker = speaker
        self.settings = speaker.vault.settings
        self._audio: bytearray | None = None
        self._too_long = False
        self._converter = AudioChunkConverter(rate=RATE, width=WIDTH, channels=CHANNELS)

    async def handle_event(self, event: Event) -> bool:
        try:
            await self._dispatch(event)
        except EcholessError as exc:
            await self.write_event(Error(text=exc.message, code=exc.code).event())
        except (ConnectionError, asyncio.IncompleteReadError):
            return False
        except Exception as exc:  # a bug: one typed error, logged once without content; the connection stays
            _LOGGER.exception("Wyoming %s failed: %s", event.type, type(exc).__name__)
            failure = RunFailed("something went wrong while handling the request")
            await self.write_event(Error(text=failure.message, code=failure.code).event())
        return True

    async def _dispatch(self, event: Event) -> None:
        if Describe.is_type(event.type):
            await self.write_event(programs.info(self.settings).event())
        elif AudioStart.is_type(event.type):
            self._audio, self._too_long = bytearray(), False
            self._converter = AudioChunkConverter(rate=RATE, width=WIDTH, channels=CHANNELS)
        elif AudioChunk.is_type(event.type):
            self._add_audio(AudioChunk.from_event(event))
        elif AudioStop.is_type(event.type):
            await self._transcribe()
        elif Transcript.is_type(event.type):
            await self._handle(Transcript.from_event(event).text)
        elif Synthesize.is_type(event.type):
            await self._synthesize(Synthesize.from_event(event).text)
        elif Ping.is_type(event.type):
            await self.write_event(Pong(text=Ping.from_event(event).text).event())
        # anything else (transcribe, which only announces the audio; select-program) needs no answer

    def _add_audio(self, chunk: AudioChunk) -> None:
        if self._audio is None:  # chunks without audio-start: the stream starts here
            self._audio = bytearray()
        if self._too_long:
            return
        self._audio += self._converter.convert(chunk).audio
        if len(self._audio) > self.settings.max_audio_seconds * RATE * WIDTH:
            self._too_long, self._audio = True, bytearray()

    async def _transcribe(self) -> None:
        audio, too_long = self._audio, self._too_long
        self._audio, self._too_long = None, False
        if too_long:
            raise AudioError(f"the recording is longer than {self.settings.max_audio_seconds:g} seconds",
                             code=ErrorCode.AUDIO_TOO_LONG)
        if not audio:
            raise AudioError("no audio arrived between audio-start and audio-stop", code=ErrorCode.AUDIO_EMPTY)
        wav = pcm_to_wav(bytes(audio))

        def work() -> str:
            member, device_id = self.speaker.member()
            return root.transcribe(self.speaker.vault, member, device_id, wav, source="wyoming")[1]

        text = await off_loop(work)
        _LOGGER.info("Wyoming transcribe: %d bytes of audio heard", len(audio))
        await self.write_event(Transcript(text=text, language=programs.LANGUAGE).event())

    async def _handle(self, text: str) -> None:
        text = _text(text)

        def work() -> Any:
            member, device_id = self.speaker.member()
            return root.ask_text(self.speaker.vault, member, text, device_id=device_id, source="wyoming")

        result = await off_loop(work)
        _LOGGER.info("Wyoming handle: intent %s", "matched" if result.intent else "none")
        answer = Handled if result.intent else NotHandled
        await self.write_event(answer(text=str(result.response)).event())

    async def _synthesize(self, text: str) -> None:
        text = _text(text)
        if not programs.speaks(self.settings):
            raise EcholessError("speech is off, or espeak-ng is not installed", code=ErrorCode.SPEECH_UNAVAILABLE)
        wav = await off_loop(partial(synthesise, text))
        if wav is None:
            raise RunFailed("espeak-ng could not speak the text")
        for event in speech_events(wav):
            await self.write_event(event)


def _text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("the event carries no text", code=ErrorCode.INVALID_MESSAGE)
    if len(text) > MAX_TEXT_CHARS:
        raise BadRequest(f"the text is longer than {MAX_TEXT_CHARS} characters", code=ErrorCode.INVALID_MESSAGE)
    return text.strip()


class Refused(AsyncEventHandler):
    """A client outside the allow-list: told so, and disconnected before any of its events is read."""

    async def handle_event(self, event: Event) -> bool:
        return False

    async def run(self) -> None:
        try:
            await self.write_event(Error(text="this address may not use this Wyoming server",
                                         code=ErrorCode.CLIENT_NOT_ALLOWED).event())
        except ConnectionError:
            pass
        finally:
            self.writer.close()


class WyomingServer:
    """Serves one device over Wyoming at a checked address (listen.listener)."""

    def __init__(self, vault: Vault, device_name: str, listener: Listener) -> None:
        self.speaker = Speaker(vault, device_name)
        self.listener = listener
        self._server = AsyncTcpServer(listener.host, listener.port)

    def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> AsyncEventHandler:
        peer = writer.get_extra_info("peername")
        address = peer[0] if isinstance(peer, tuple) and peer else None
        if not self.listener.admits(address):
            _LOGGER.warning("Wyoming client %s refused: not on the allow-list", address)
            return Refused(reader, writer)
        _LOGGER.info("Wyoming client %s connected", address)
        return Connection(reader, writer, self.speaker)

    async def start(self) -> None:
        await self._server.start(self._connection)
        _LOGGER.info("Wyoming server listening on %s", self.listener.uri)

    async def stop(self) -> None:
        await self._server.stop()

    async def run_forever(self) -> None:
        """Serve until SIGTERM or SIGINT."""
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        await self.start()
        try:
            await stopping.wait()
        finally:
            await self.stop()
