from __future__ import annotations

import struct

import pytest

from echoless.pipeline.audio import decode_audio
from echoless.pipeline.speak import speech_available, synthesise

needs_espeak = pytest.mark.skipif(
    not speech_available(), reason="espeak-ng is not installed (apt-get install espeak-ng); speech output is off"
)


@needs_espeak
def test_synthesise_returns_a_complete_wav() -> None:
    wav = synthesise("The kitchen light is off.")
    assert wav is not None and wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    assert struct.unpack_from("<I", wav, 4)[0] == len(wav) - 8  # real sizes, not espeak's streaming ones
    decoded = decode_audio(wav, max_bytes=10**7, max_seconds=30)
    assert decoded.content_type == "audio/wav"
    assert 0.8 < decoded.duration < 5
    assert len(decoded.samples) / 16000 == pytest.approx(decoded.duration, abs=0.01)


@needs_espeak
def test_synthesised_speech_is_understood(recogniser) -> None:
    from echoless.pipeline.audio import trim_silence

    wav = synthesise("Set a timer for ten minutes.")
    assert wav is not None
    samples = trim_silence(decode_audio(wav, max_bytes=10**7, max_seconds=30).samples)
    heard = recogniser.transcribe(samples).text.lower()
    assert "timer" in heard and "minutes" in heard


@needs_espeak
def test_text_that_looks_like_options_is_spoken_not_parsed() -> None:
    wav = synthesise("--version -w /tmp/x.wav")
    assert wav is not None and wav[:4] == b"RIFF"


def test_nothing_to_say() -> None:
    assert synthesise("   ") is None


def test_unavailable_without_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    assert speech_available() is False
    assert synthesise("hello") is None
