"""Spoken answers with espeak-ng. Response audio is never stored: text goes in through a pipe (not argv,
which other users can read in the process list) and WAV bytes come back through a pipe."""

from __future__ import annotations

import logging
import shutil
import struct
import subprocess

_LOGGER = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 30.0


def _espeak() -> str | None:
    return shutil.which("espeak-ng")


def speech_available() -> bool:
    return _espeak() is not None


def _fix_wav_sizes(wav: bytes) -> bytes:
    """espeak-ng streams to stdout, so its header claims an unknown (huge) length; write the real ones."""
    if len(wav) < 12 or wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
        return wav
    out = bytearray(wav)
    struct.pack_into("<I", out, 4, len(out) - 8)
    pos = 12
    while pos + 8 <= len(out):
        chunk_id = bytes(out[pos : pos + 4])
        if chunk_id == b"data":
            struct.pack_into("<I", out, pos + 4, len(out) - pos - 8)
            break
        (size,) = struct.unpack_from("<I", out, pos + 4)
        pos += 8 + size + (size & 1)
    return bytes(out)


def synthesise(text: str) -> bytes | None:
    """WAV bytes of `text` spoken, or None when espeak-ng is not installed or fails."""
    espeak = _espeak()
    if espeak is None or not text.strip():
        return None
    try:
        result = subprocess.run(
            [espeak, "--stdin", "--stdout"],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        _LOGGER.warning("espeak-ng could not run: %s", type(exc).__name__)
        return None
    if result.returncode != 0 or not result.stdout:
        _LOGGER.warning("espeak-ng failed with exit code %s", result.returncode)
        return None
    return _fix_wav_sizes(result.stdout)
