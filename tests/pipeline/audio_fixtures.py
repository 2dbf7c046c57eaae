"""Real speech, re-encoded in memory with PyAV into every format that echoless accepts."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import av
import numpy as np
import pytest

from samples import SPEECH_DIR  # noqa: E402  (the speech fixtures, tests/fixtures/speech/)
JFK = SPEECH_DIR / "jfk_ask_not.wav"


@dataclass(frozen=True)
class Format:
    name: str
    container: str  # PyAV muxer name
    codec: str
    sample_format: str  # the encoder's input sample format
    content_type: str
    detected: str  # PyAV's demuxer name when read back
    rates: tuple[int, ...] | None = None  # the encoder's rates, when it does not take any
    stereo_only: bool = False
    options: tuple[tuple[str, str], ...] = ()


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("wav-u8", "wav", "pcm_u8", "u8", "audio/wav", "wav"),
        Format("wav-s16", "wav", "pcm_s16le", "s16", "audio/wav", "wav"),
        Format("wav-s24", "wav", "pcm_s24le", "s32", "audio/wav", "wav"),
        Format("wav-s32", "wav", "pcm_s32le", "s32", "audio/wav", "wav"),
        Format("wav-flt", "wav", "pcm_f32le", "flt", "audio/wav", "wav"),
        Format("flac", "flac", "flac", "s16", "audio/flac", "flac"),
        # FFmpeg's own Vorbis encoder is experimental and stereo only (libvorbis is not in this build).
        Format("ogg-vorbis", "ogg", "vorbis", "fltp", "audio/ogg", "ogg", stereo_only=True,
               options=(("strict", "experimental"),)),
        Format("ogg-opus", "ogg", "libopus", "s16", "audio/ogg", "ogg", rates=(8000, 12000, 16000, 24000, 48000)),
        Format("mp3", "mp3", "libmp3lame", "s16p", "audio/mpeg", "mp3"),
        Format("webm-opus", "webm", "libopus", "s16", "audio/webm", "matroska,webm",
               rates=(8000, 12000, 16000, 24000, 48000)),
        Format("mp4-aac", "mp4", "aac", "fltp", "audio/mp4", "mov,mp4,m4a,3gp,3g2,mj2"),
    )
}
RATES = (8000, 22050, 44100, 48000)


def encoder_missing(codec: str) -> str | None:
    if codec not in av.codecs_available:
        return f"this PyAV build has no {codec!r} encoder"
    try:
        av.codec.Codec(codec, "w")
    except Exception:  # noqa: BLE001 - any failure means "cannot encode"
        return f"this PyAV build has no {codec!r} encoder"
    return None


@lru_cache(maxsize=None)
def load_speech(path: Path = JFK, start: float = 0.0, seconds: float | None = None) -> np.ndarray:
    """A speech file as float32 mono 16 kHz samples (decoded independently of echoless)."""
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=16000)
        parts = [out.to_ndarray()[0] for frame in container.decode(audio=0) for out in resampler.resample(frame)]
        parts += [out.to_ndarray()[0] for out in resampler.resample(None)]
    samples = np.concatenate(parts)
    begin = int(start * 16000)
    end = None if seconds is None else begin + int(seconds * 16000)
    samples = samples[begin:end]
    samples.setflags(write=False)
    return samples


def _frame(samples: np.ndarray, *, rate: int, stereo: bool) -> av.AudioFrame:
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    if stereo:
        data = np.stack([pcm, pcm]).T.reshape(1, -1).copy()  # packed s16: L R L R ...
    else:
        data = pcm[None, :]
    frame = av.AudioFrame.from_ndarray(data, format="s16", layout="stereo" if stereo else "mono")
    frame.sample_rate = 16000
    frame.pts = None
    resampler = av.AudioResampler(format="s16", layout="stereo" if stereo else "mono", rate=rate)
    out = resampler.resample(frame) + resampler.resample(None)
    merged = np.concatenate([f.to_ndarray() for f in out], axis=1)
    result = av.AudioFrame.from_ndarray(merged, format="s16", layout="stereo" if stereo else "mono")
    result.sample_rate = rate
    return result


def encode(samples: np.ndarray, fmt: Format | str, *, rate: int = 16000, stereo: bool = False) -> bytes:
    """Encode 16 kHz mono float samples into `fmt` at `rate` Hz, mono or stereo, entirely in memory.

    For codecs with a fixed set of rates (Opus), the closest rate at or above `rate` is used, as a
    browser's encoder would.
    """
    fmt = FORMATS[fmt] if isinstance(fmt, str) else fmt
    missing = encoder_missing(fmt.codec)
    if missing:
        pytest.skip(f"{fmt.name}: {missing}")
    if fmt.stereo_only and not stereo:
        pytest.skip(f"{fmt.name}: FFmpeg's native vorbis encoder only encodes stereo (libvorbis is missing)")
    if fmt.rates is not None:
        rate = min((r for r in fmt.rates if r >= rate), default=max(fmt.rates))
    frame = _frame(samples, rate=rate, stereo=stereo)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=fmt.container) as container:
        stream = container.add_stream(fmt.codec, rate=rate, layout="stereo" if stereo else "mono")
        stream.codec_context.format = fmt.sample_format
        if fmt.options:
            stream.codec_context.options = dict(fmt.options)
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def wav_bytes(samples: np.ndarray, *, rate: int = 16000) -> bytes:
    return encode(samples, "wav-s16", rate=rate)
