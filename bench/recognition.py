"""Figure 1: real-time factor of the echoless pipeline's front half (PyAV decode → silero trim →
faster-whisper via the recogniser) against faster-whisper called directly on the same file bytes with
the same model and decoding options; word error rate of both on the speech fixtures (tests/fixtures/speech/)."""

from __future__ import annotations

import io
import os
import statistics
import time
from pathlib import Path

from bench.homes import REPO, scratch
from bench.report import Figure, from_samples, missing
from bench.run import Ctx
from echoless.pipeline.audio import decode_audio, trim_silence
from echoless.pipeline.recognise import get_recogniser, resolve_model
from echoless.settings import Settings

SPEECH = Path(os.environ.get("ECHOLESS_SPEECH_DIR", REPO / "tests" / "fixtures" / "speech"))
OPTIONS = {"language": "en", "beam_size": 1, "vad_filter": False, "condition_on_previous_text": False, "without_timestamps": True}


def corpus() -> list[tuple[Path, str]]:
    found = []
    for path in sorted(SPEECH.iterdir()):
        ref = path.with_suffix(".txt")
        if path.suffix in (".wav", ".flac") and ref.is_file():
            found.append((path, ref.read_text().strip()))
    return found


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def wer(pairs: list[tuple[str, str]]) -> float:
    from whisper_normalizer.english import EnglishTextNormalizer

    norm = EnglishTextNormalizer()
    errors = words = 0
    for ref, hyp in pairs:
        r, h = norm(ref).split(), norm(hyp).split()
        errors += edit_distance(r, h)
        words += len(r)
    return errors / words if words else float("nan")


def run(ctx: Ctx) -> list[Figure]:
    from faster_whisper import WhisperModel

    files = corpus()
    if not files:
        return [missing("1", "recognition", f"no speech files with references in {SPEECH}")]
    passes = 1 if ctx.quick else 4
    settings = Settings(home=scratch("asr-"), asr_threads=2, asr_beam_size=1)
    recogniser = get_recogniser(settings)
    direct = WhisperModel(resolve_model(settings.asr_model), device="cpu", compute_type="int8", cpu_threads=settings.asr_threads)
    blobs = [(p.read_bytes(), ref) for p, ref in files]

    def pipeline(data: bytes) -> tuple[str, float, float]:
        started = time.perf_counter()
        decoded = decode_audio(data, max_bytes=settings.max_audio_bytes, max_seconds=settings.max_audio_seconds)
        text = recogniser.transcribe(trim_silence(decoded.samples)).text
        return str(text), time.perf_counter() - started, decoded.duration

    def plain(data: bytes) -> tuple[str, float]:
        started = time.perf_counter()
        segments, _ = direct.transcribe(io.BytesIO(data), **OPTIONS)
        text = "".join(s.text for s in segments).strip()
        return text, time.perf_counter() - started

    pipeline(blobs[0][0]), plain(blobs[0][0])  # warm-up
    rtf, rtf_direct, ratios = [], [], []
    first: list[tuple[str, str, str]] = []
    file_ratios: list[float] = []
    audio_seconds = 0.0
    for n in range(passes):
        t_pipe = t_direct = seconds = 0.0
        for i, (data, ref) in enumerate(blobs):
            # alternate which goes first, so that neither always runs on a warmer cache
            if (i + n) % 2:
                hyp, tp, dur = pipeline(data)
                dtext, td = plain(data)
            else:
                dtext, td = plain(data)
                hyp, tp, dur = pipeline(data)
            t_pipe, t_direct, seconds = t_pipe + tp, t_direct + td, seconds + dur
            if n == 0:
                first.append((ref, hyp, dtext))
                file_ratios.append(tp / td)
        audio_seconds = seconds
        rtf.append(t_pipe / seconds)
        rtf_direct.append(t_direct / seconds)
        ratios.append(t_pipe / t_direct)
        ctx.log(f"pass {n + 1}/{passes}: pipeline RTF {rtf[-1]:.3f}, direct {rtf_direct[-1]:.3f}")
    pipe_wer = wer([(r, h) for r, h, _ in first])
    direct_wer = wer([(r, d) for r, _, d in first])
    differing = [f.name for f, (r, h, d) in zip((p for p, _ in files), first) if h.strip() != d.strip()]
    per_file = ", ".join(f"{r:.2f}" for r in sorted(file_ratios)[:: max(1, len(file_ratios) // 5)])
    corpus_note = f"{len(files)} files, {audio_seconds:.0f} s of audio per pass, {passes} pass(es); tiny.en int8, 2 threads, beam 1"
    return [
        from_samples(
            "1a", "recognition RTF (decode + trim + recognise)", "× real time", rtf, baseline=rtf_direct,
            baseline_name="faster-whisper direct on the same bytes", target="≤ 0.25 and ≤ 1.05× direct", limit=0.25,
            ratio_limit=1.05, note=corpus_note + f"; per-pass ratio pipeline/direct median {statistics.median(ratios):.3f} (range {min(ratios):.3f}–{max(ratios):.3f}); per-file ratio quantiles in pass 1: {per_file}",
        ),
        from_samples(
            "1b", "word error rate on the speech fixtures", "WER", [pipe_wer], baseline=direct_wer,
            baseline_name="faster-whisper direct", target="(no target; ≤ direct)", ratio_limit=None,
            note="EnglishTextNormalizer, corpus-level (total edits / reference words); transcripts that differ from direct: "
            + (", ".join(differing) if differing else "none"),
        ),
    ]
