from __future__ import annotations

import struct
import time
import zlib

import numpy as np
import pytest
from audio_fixtures import FORMATS, JFK, RATES, SPEECH_DIR, encode, load_speech, wav_bytes
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from echoless.errors import AudioError, AudioTooLarge
from echoless.pipeline.audio import SAMPLE_RATE, DecodedAudio, decode_audio, trim_silence

MAX_BYTES = 50 * 1024 * 1024
CLIP = load_speech(JFK, 0.3, 3.0)  # "And so my fellow Americans"
SPEECH_FILES = sorted([*SPEECH_DIR.glob("*.wav"), *SPEECH_DIR.glob("*.flac")])


def decode(data: bytes, max_seconds: float = 60.0) -> DecodedAudio:
    return decode_audio(data, max_bytes=MAX_BYTES, max_seconds=max_seconds)


def code_of(data: bytes, **kwargs: float) -> str:
    with pytest.raises(AudioError) as info:
        decode(data, **kwargs)
    return info.value.code


def rms_db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.square(x, dtype=np.float64)))


@pytest.mark.parametrize("stereo", [False, True], ids=["mono", "stereo"])
@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("name", list(FORMATS))
def test_each_format_decodes_to_16k_mono(name: str, rate: int, stereo: bool) -> None:
    fmt = FORMATS[name]
    decoded = decode(encode(CLIP, fmt, rate=rate, stereo=stereo))
    assert decoded.content_type == fmt.content_type
    assert decoded.container == fmt.detected
    assert decoded.samples.dtype == np.float32 and decoded.samples.ndim == 1
    assert np.abs(decoded.samples).max() <= 1.0
    # AAC in MP4 without an edit list keeps its priming and padding frames (1024 samples each).
    tolerance = 0.1 if fmt.codec != "aac" else 0.1 + 2048 / rate
    assert decoded.duration == pytest.approx(3.0, abs=tolerance)
    assert len(decoded.samples) / SAMPLE_RATE == pytest.approx(decoded.duration, abs=0.01)
    # The sound survived: same loudness, within 3 dB (FFmpeg's own downmix would add 3 dB to stereo).
    assert rms_db(decoded.samples) == pytest.approx(rms_db(CLIP), abs=3.0)


def test_real_44k_stereo_flac() -> None:
    decoded = decode((SPEECH_DIR / "jfk_ask_not_44k_stereo.flac").read_bytes())
    assert (decoded.content_type, decoded.container) == ("audio/flac", "flac")
    assert decoded.duration == pytest.approx(11.0, abs=0.1)
    assert len(decoded.samples) == pytest.approx(11.0 * SAMPLE_RATE, abs=0.1 * SAMPLE_RATE)


def test_empty() -> None:
    assert code_of(b"") == "audio-empty"


def test_too_large_is_checked_before_decoding() -> None:
    garbage = b"\x00not audio at all" * 100
    with pytest.raises(AudioTooLarge) as info:
        decode_audio(garbage, max_bytes=len(garbage) - 1, max_seconds=60)
    assert info.value.code == "audio-too-large" and info.value.status == 413
    assert str(len(garbage)) in info.value.message
    decode_audio(wav_bytes(CLIP), max_bytes=len(wav_bytes(CLIP)), max_seconds=60)  # exactly at the limit


def test_random_bytes() -> None:
    data = np.random.default_rng(7).bytes(64 * 1024)
    assert code_of(data) in {"audio-unsupported-format", "audio-corrupt"}


def test_text_file() -> None:
    assert code_of(b"Shopping list:\n- milk\n- eggs\n" * 20) == "audio-unsupported-format"


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")


def test_image_has_no_audio_stream() -> None:
    with pytest.raises(AudioError) as info:
        decode(_png())
    assert info.value.code == "audio-unsupported-format"
    assert "no audio stream" in info.value.message


@pytest.mark.parametrize("name", ["wav-s16", "flac", "ogg-opus", "mp3", "webm-opus", "mp4-aac"])
@pytest.mark.parametrize("keep", [12, 30])
def test_truncated_header(name: str, keep: int) -> None:
    assert code_of(encode(CLIP, name, rate=44100)[:keep]) == "audio-corrupt"


def test_wav_with_an_unknown_codec() -> None:
    data = bytearray(wav_bytes(CLIP))
    data[20:22] = struct.pack("<H", 0x1234)  # format tag of no codec FFmpeg knows
    with pytest.raises(AudioError) as info:
        decode(bytes(data))
    assert info.value.code == "audio-unsupported-format"


def test_wav_with_no_samples() -> None:
    fmt = struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)
    data = b"RIFF" + struct.pack("<I", 36) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 0)
    with pytest.raises(AudioError) as info:
        decode(data)
    assert info.value.code == "audio-corrupt"
    assert "no audio samples" in info.value.message


def test_truncated_in_the_data_keeps_what_is_there() -> None:
    data = wav_bytes(CLIP)
    decoded = decode(data[: len(data) // 2])
    assert decoded.duration == pytest.approx(1.5, abs=0.05)


def test_too_long() -> None:
    with pytest.raises(AudioError) as info:
        decode(JFK.read_bytes(), max_seconds=5)
    assert info.value.code == "audio-too-long"
    assert "5 seconds" in info.value.message


def test_too_long_stops_decoding_early() -> None:
    ten_minutes = np.tile(load_speech(), 55)[: 600 * SAMPLE_RATE]
    data = encode(ten_minutes, "flac")

    started = time.perf_counter()
    full = decode(data, max_seconds=700)
    full_time = time.perf_counter() - started
    assert full.duration == pytest.approx(600, abs=0.1)

    started = time.perf_counter()
    assert code_of(data, max_seconds=2) == "audio-too-long"
    assert time.perf_counter() - started < full_time / 10


@pytest.mark.parametrize(
    "samples",
    [
        pytest.param(np.zeros(3 * SAMPLE_RATE, np.float32), id="zeros"),
        pytest.param(np.random.default_rng(1).normal(0, 0.003, 3 * SAMPLE_RATE), id="quiet-noise"),
        pytest.param(np.random.default_rng(2).normal(0, 0.1, 3 * SAMPLE_RATE), id="loud-noise"),
        pytest.param(np.sin(np.arange(3 * SAMPLE_RATE) * 2 * np.pi * 50 / SAMPLE_RATE) * 0.002, id="mains-hum"),
    ],
)
def test_silent(samples: np.ndarray) -> None:
    decoded = decode(wav_bytes(samples.astype(np.float32)))
    with pytest.raises(AudioError) as info:
        trim_silence(decoded.samples)
    assert info.value.code == "audio-silent"


def test_too_short_to_hold_speech_is_silent() -> None:
    with pytest.raises(AudioError) as info:
        trim_silence(np.zeros(100, np.float32))
    assert info.value.code == "audio-silent"


@pytest.mark.parametrize("path", SPEECH_FILES, ids=lambda p: p.name)
def test_real_speech_is_not_silent(path) -> None:
    samples = decode(path.read_bytes()).samples
    trimmed = trim_silence(samples)
    assert 0.5 * SAMPLE_RATE < len(trimmed) <= len(samples)
    # Only silence was cut: nearly all the energy is kept.
    assert np.sum(np.square(trimmed, dtype=np.float64)) >= 0.99 * np.sum(np.square(samples, dtype=np.float64))


def test_trim_cuts_added_silence() -> None:
    pad = np.zeros(2 * SAMPLE_RATE, np.float32)
    alone = trim_silence(CLIP)  # the clip ends in JFK's pause after "Americans", which goes too
    assert len(alone) < len(CLIP) - 0.5 * SAMPLE_RATE
    padded = trim_silence(np.concatenate([pad, CLIP, pad]))
    assert len(padded) == pytest.approx(len(alone), abs=0.3 * SAMPLE_RATE)  # alone has no room for the leading pad
    leading_zeros = np.argmax(padded != 0)
    assert 0.1 * SAMPLE_RATE <= leading_zeros <= 0.3 * SAMPLE_RATE  # ~250 ms of padding kept


_FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
_VALID = {name: encode(CLIP[: SAMPLE_RATE // 2], name, rate=22050, stereo=True) for name in
          ["wav-s16", "flac", "ogg-opus", "mp3", "webm-opus", "mp4-aac"]}


def _decode_or_audio_error(data: bytes) -> None:
    try:
        result = decode_audio(data, max_bytes=MAX_BYTES, max_seconds=5)
    except AudioError as exc:
        assert exc.code in {"audio-empty", "audio-unsupported-format", "audio-corrupt", "audio-too-long"}
    else:
        assert isinstance(result, DecodedAudio)
        assert result.samples.dtype == np.float32 and result.samples.ndim == 1 and len(result.samples) > 0
        assert np.all(np.abs(result.samples) <= 1.0)


@_FUZZ
@given(st.binary(max_size=4096))
def test_fuzz_arbitrary_bytes(data: bytes) -> None:
    _decode_or_audio_error(data)


@_FUZZ
@example("wav-s16", 34, b"\x00", False)  # 0 bits per sample: a WAV whose codec FFmpeg cannot decode
@given(st.sampled_from(sorted(_VALID)), st.integers(0, 400), st.binary(min_size=1, max_size=16), st.booleans())
def test_fuzz_damaged_real_files(name: str, position: int, patch: bytes, truncate: bool) -> None:
    data = _VALID[name]
    damaged = data[:position] + patch + data[position + len(patch) :]
    _decode_or_audio_error(damaged[: position + len(patch)] if truncate else damaged)
