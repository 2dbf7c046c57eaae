from __future__ import annotations

import numpy as np
import pytest
from audio_fixtures import JFK, SPEECH_DIR, load_speech
from hypothesis import given, settings
from hypothesis import strategies as st

from echoless.pipeline.vad import Endpointer

RATE = 16000
BYTES_PER_SECOND = RATE * 2
CHUNK_20MS = 640


def pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def padded(samples: np.ndarray, before: float = 1.5, after: float = 1.5) -> bytes:
    noise = np.random.default_rng(0)  # a quiet room, not digital zeros
    head = noise.normal(0, 0.0005, int(before * RATE)).astype(np.float32)
    tail = noise.normal(0, 0.0005, int(after * RATE)).astype(np.float32)
    return pcm16(np.concatenate([head, samples, tail]))


def run(endpointer: Endpointer, data: bytes, chunk: int = CHUNK_20MS) -> list[tuple[str, float]]:
    """Feed `data` in `chunk`-byte pieces; return each event with the seconds fed when it came."""
    events = []
    for start in range(0, len(data), chunk):
        event = endpointer.feed(data[start : start + chunk])
        if event:
            events.append((event, (start + chunk) / BYTES_PER_SECOND))
    return events


def test_one_sentence_in_20ms_chunks() -> None:
    speech = load_speech(SPEECH_DIR / "vctk_p226_005.wav")
    seconds = len(speech) / RATE
    data = padded(speech)
    endpointer = Endpointer()
    events = run(endpointer, data)
    assert [name for name, _ in events] == ["speech-start", "speech-end"]
    (_, start), (_, end) = events
    assert 1.5 <= start <= 1.5 + 0.5
    # speech ends near the end of the recording, then 0.8 s of silence ends the utterance
    assert 1.5 + seconds - 0.5 + 0.8 <= end <= 1.5 + seconds + 0.8 + 0.3
    assert endpointer.audio == data


def test_a_long_pause_ends_the_utterance_unless_allowed() -> None:
    speech = load_speech(JFK)  # "And so my fellow Americans ... (1 s pause) ... ask not ..."
    data = padded(speech)
    short = run(Endpointer(silence_seconds=0.8), data)
    assert [name for name, _ in short] == ["speech-start", "speech-end"]
    assert short[1][1] < 1.5 + 5.0  # ended in the pause
    patient = run(Endpointer(silence_seconds=1.4), data)
    assert [name for name, _ in patient] == ["speech-start", "speech-end"]
    assert 1.5 + 10.0 < patient[1][1] <= len(data) / BYTES_PER_SECOND


def test_max_seconds_ends_continuous_speech() -> None:
    speech = load_speech(SPEECH_DIR / "librispeech_1995-1837-0001.wav")
    events = run(Endpointer(max_seconds=3.0), pcm16(speech))
    assert [name for name, _ in events] == ["speech-start", "speech-end"]
    assert events[1][1] == pytest.approx(3.0, abs=0.05)


def test_silence_only_ends_at_max_seconds_without_a_start() -> None:
    endpointer = Endpointer(max_seconds=2.0)
    events = run(endpointer, bytes(4 * BYTES_PER_SECOND))
    assert events == [("speech-end", pytest.approx(2.0, abs=0.05))]
    assert len(endpointer.audio) == 4 * BYTES_PER_SECOND  # audio after the end is still kept


def test_both_events_in_one_feed() -> None:
    endpointer = Endpointer()
    assert endpointer.feed(padded(load_speech(SPEECH_DIR / "speechcommands_down.wav"))) == "speech-start"
    assert endpointer.feed(b"") == "speech-end"
    assert endpointer.feed(b"") is None


SHORT = padded(load_speech(SPEECH_DIR / "speechcommands_down.wav"), before=0.5, after=1.0)


@settings(max_examples=8, deadline=None, database=None)
@given(st.lists(st.integers(1, 5000), min_size=1, max_size=50))
def test_chunking_does_not_change_the_result(sizes: list[int]) -> None:
    endpointer = Endpointer()
    events, position, index = [], 0, 0
    while position < len(SHORT):
        size = sizes[index % len(sizes)]
        if event := endpointer.feed(SHORT[position : position + size]):
            events.append(event)
        position += size
        index += 1
    while event := endpointer.feed(b""):
        events.append(event)
    assert events == ["speech-start", "speech-end"]
    assert endpointer.audio == SHORT
