"""Test audio: the real-speech fixtures in tests/fixtures/speech/ (attributions in its SOURCES.md;
ECHOLESS_SPEECH_DIR may name another folder), and small WAVs that carry a canary string in their bytes."""

from __future__ import annotations

import io
import math
import os
import secrets
import struct
import wave
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEECH_DIR = Path(os.environ.get("ECHOLESS_SPEECH_DIR", REPO / "tests" / "fixtures" / "speech"))


def speech(name: str) -> Path:
    return SPEECH_DIR / name


def reference(name: str) -> str:
    return (SPEECH_DIR / name).with_suffix(".txt").read_text().strip()


def canary(label: str = "CANARY") -> str:
    """A string that cannot occur by chance in any file."""
    return f"{label}-{secrets.token_hex(8)}"


def tone_wav(seconds: float = 0.5, rate: int = 16000, marker: bytes = b"") -> bytes:
    """A 440 Hz tone as 16-bit mono WAV; `marker` bytes are spliced into the middle of the samples."""
    frames = bytearray()
    for i in range(int(seconds * rate)):
        frames += struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
    if marker:
        middle = (len(frames) // 2) & ~1
        padded = marker + b"\0" * (len(marker) % 2)
        frames[middle : middle + len(padded)] = padded
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()
