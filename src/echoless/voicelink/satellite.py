"""Driving `wyoming-satellite`s without Home Assistant's pipeline: echoless connects to each satellite the
household added (vault/satellites.py), as its controller, and runs the whole pipeline for it.

Per connection: echoless sends `run-satellite`; the satellite streams its microphone and sends
`run-pipeline`. From then on echoless listens (voice activity detection: `voice-started`, `voice-stopped`),
runs the pipeline on the utterance as the satellite's device (recorded like any of its requests; privacy
intents limited like any device's), answers `transcript`, and when the run ends in speech (`end_stage` tts)
`synthesize` and the answer's audio (`audio-start`, `audio-chunk`…, `audio-stop`). Then it sends
`run-satellite` again, so that the satellite starts the next run with a new `run-pipeline`. Audio that
arrives outside a run is dropped unheard. A satellite that goes away (restarts, loses power) is reconnected
with a growing delay (at most RECONNECT_MAX_SECONDS). The server re-reads the list of satellites every
SYNC_SECONDS: `echoless satellites add/remove` take effect while it runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlparse

from wyoming.asr import Transcript
from wyoming.audio import AudioChunk, AudioChunkConverter, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.ping import Ping, Pong
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import RunSatellite
from wyoming.tts import Synthesize
from wyoming.vad import VoiceStarted, VoiceStopped

from echoless import root
from echoless.errors import EcholessError, RunFailed
from echoless.pipeline.run import RunResult
from echoless.pipeline.vad import SPEECH_END, SPEECH_START, Endpointer
from echoless.vault import satellites
from echoless.vault.instance import Vault
from echoless.voicelink import programs
from echoless.voicelink.server import (
    CHANNELS,
    RATE,
    WIDTH,
    Speaker,
    off_loop,
    pcm_to_wav,
    speech_events,
)

_LOGGER = logging.getLogger(__name__)
RECONNECT_MIN_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 5.0
SYNC_SECONDS = 5.0


class _Run:
    """One `run-pipeline`: listening until the speaker stops."""

    def __init__(self, vault: Vault, pipeline: RunPipeline) -> None:
        self.speak = pipeline.end_stage == PipelineStage.TTS
        self.endpointer = Endpointer(max_seconds=vault.settings.max_audio_seconds)
        self.converter = AudioChunkConverter(rate=RATE, width=WIDTH, channels=CHANNELS)


class SatelliteLink:
    """echoless as one satellite's controller, reconnecting for as long as it runs."""

    def __init__(self, vault: Vault, satellite_id: str, uri: str, device_id: str) -> None:
        parsed = urlparse(uri)
        self.vault, self.id, self.device_id = vault, satellite_id, device_id
        self.host, self.port = parsed.hostname or "", int(parsed.port or 0)

    async def run_forever(self) -> None:
        delay = RECONNECT_MIN_SECONDS
        while True:
            client = AsyncTcpClient(self.host, self.port)
            try:
                await client.connect()
            except OSError:
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
                continue
            delay = RECONNECT_MIN_SECONDS
            _LOGGER.info("satellite %s connected", self.id)
            try:
                await self._session(client)
            except (OSError, asyncio.IncompleteReadError):
                pass
            except Exception as exc:  # noqa: BLE001 - its device removed meanwhile, a bug: logged without content, retried
                _LOGGER.warning("satellite %s: %s", self.id, type(exc).__name__)
                delay = RECONNECT_MAX_SECONDS
            finally:
                with contextlib.suppress(Exception):
                    await client.disconnect()
            _LOGGER.info("satellite %s disconnected; reconnecting", self.id)
            await asyncio.sleep(delay)

    async def _session(self, client: AsyncTcpClient) -> None:
        speaker = Speaker(self.vault, self.device_id)
        await client.write_event(RunSatellite().event())
        run: _Run | None = None
        while (event := await client.read_event()) is not None:
            if RunPipeline.is_type(event.type):
                run = _Run(self.vault, RunPipeline.from_event(event))
            elif Ping.is_type(event.type):
                await client.write_event(Pong(text=Ping.from_event(event).text).event())
            elif run is not None and (AudioChunk.is_type(event.type) or AudioStop.is_type(event.type)):
                if await self._listen(client, run, event):
                    await self._answer(client, speaker, run)
                    run = None
                    await client.write_event(RunSatellite().event())  # ready for the next run-pipeline

    async def _listen(self, client: AsyncTcpClient, run: _Run, event: Event) -> bool:
        """Feed the run's audio; True once the speaker has stopped (or the satellite ended the audio)."""
        if AudioStop.is_type(event.type):
            return run.endpointer.started
        heard = run.endpointer.feed(run.converter.convert(AudioChunk.from_event(event)).audio)
        while heard is not None:
            if heard == SPEECH_START:
                await client.write_event(VoiceStarted().event())
            elif heard == SPEECH_END and run.endpointer.started:
                await client.write_event(VoiceStopped().event())
                return True
            heard = run.endpointer.feed(b"")
        if run.endpointer.ended:  # the longest request passed without speech: listen afresh, still in this run
            run.endpointer = Endpointer(max_seconds=self.vault.settings.max_audio_seconds)
        return False

    async def _answer(self, client: AsyncTcpClient, speaker: Speaker, run: _Run) -> None:
        wav = pcm_to_wav(run.endpointer.audio)
        speak = run.speak and programs.speaks(self.vault.settings)

        def work() -> RunResult:
            member, device_id = speaker.member()
            return root.ask(self.vault, member, device_id, wav, speak=speak, source="wyoming")

        try:
            result = await off_loop(work)
        except EcholessError as exc:
            await client.write_event(Error(text=exc.message, code=exc.code).event())
            return
        except Exception as exc:  # a bug: a typed error to the satellite, logged once without content
            _LOGGER.exception("satellite %s run failed: %s", self.id, type(exc).__name__)
            failure = RunFailed("something went wrong while handling the request")
            await client.write_event(Error(text=failure.message, code=failure.code).event())
            return
        _LOGGER.info("satellite %s: request handled (%s)", self.id, "matched" if result.intent else "not understood")
        await client.write_event(Transcript(text=str(result.transcript), language=programs.LANGUAGE).event())
        if run.speak and result.speech:
            await client.write_event(Synthesize(text=str(result.response)).event())
            for event in speech_events(result.speech):
                await client.write_event(event)


class Satellites:
    """Every satellite of the instance, each on its own task; the list is re-read every SYNC_SECONDS."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.links: dict[str, tuple[tuple[str, str], asyncio.Task[Any]]] = {}

    async def run_forever(self) -> None:
        try:
            while True:
                await self.sync()
                await asyncio.sleep(SYNC_SECONDS)
        finally:
            await self.stop()

    async def sync(self) -> None:
        wanted = {s.satellite.id: (s.satellite.uri, s.satellite.device_id)
                  for s in await off_loop(lambda: satellites.listed(self.vault))}
        for satellite_id in [i for i, (how, _task) in self.links.items() if wanted.get(i) != how]:
            await self._drop(satellite_id)
        for satellite_id, (uri, device_id) in wanted.items():
            if satellite_id not in self.links:
                link = SatelliteLink(self.vault, satellite_id, uri, device_id)
                self.links[satellite_id] = ((uri, device_id), asyncio.create_task(link.run_forever()))

    async def _drop(self, satellite_id: str) -> None:
        _how, task = self.links.pop(satellite_id)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def stop(self) -> None:
        for satellite_id in list(self.links):
            await self._drop(satellite_id)
