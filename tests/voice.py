"""Spoken requests for end-to-end tests: synthesised speech (piper + the joe voice), made once per text."""

from __future__ import annotations

import io
import wave

import numpy as np

from echoless.pipeline.home import demo_home
from echoless.pipeline import homes
from homes import Home
from speech_synth import synthesise_wav


def say(text: str, *, pad_seconds: float = 0.0, rate: int = 16000) -> bytes:
    """A WAV of `text`; with `pad_seconds`, that much silence before and after (as 16 kHz PCM)."""
    wav = synthesise_wav(text)
    if not pad_seconds:
        return wav
    return pcm_wav(np.concatenate([silence(pad_seconds, rate), pcm16(wav, rate), silence(pad_seconds, rate)]), rate)


def pcm16(wav: bytes, rate: int = 16000) -> np.ndarray:
    from echoless.pipeline.audio import decode_audio

    samples = decode_audio(wav, max_bytes=10**8, max_seconds=60).samples
    return (np.clip(samples, -1, 1) * 32767).astype("<i2")


def silence(seconds: float, rate: int = 16000) -> np.ndarray:
    return np.zeros(int(seconds * rate), dtype="<i2")


def pcm_wav(samples: np.ndarray, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.astype("<i2").tobytes())
    return buffer.getvalue()


def with_demo_home(home: Home) -> None:
    homes.save(home.vault, home.owner.household_id, demo_home())
