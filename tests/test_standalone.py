"""The repository stands on its own: the speech fixtures the tests name are inside it, each with its
attribution, and the README links nothing outside it."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import samples

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "speech"
AUDIO = (".wav", ".flac")
# The folder beside the repository that a clone does not have (spelled in parts: this file names no path outside).
SIBLING = "/".join(("..", "shared"))
SIBLING_SPEECH = "/".join(("shared", "speech"))


def _is_speech_dir(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in ("SPEECH_DIR", "SPEECH")


def referenced_speech_files() -> set[str]:
    """Every fixture named in tests/ and bench/: `SPEECH_DIR / "x.wav"`, `speech("x.wav")`,
    `reference("x.wav")`, and the names a module keeps in a constant about the fixtures (MODEL_MISHEARS)."""
    found: set[str] = set()
    for path in [*(REPO / "tests").rglob("*.py"), *(REPO / "bench").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            names: list[ast.expr] = []
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and _is_speech_dir(node.left):
                names = [node.right]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("speech", "reference"):
                names = list(node.args[:1])
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "MODEL_MISHEARS" for t in node.targets):
                names = [n for n in ast.walk(node.value) if isinstance(n, ast.Constant)]
            for name in names:
                if isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.endswith(AUDIO):
                    found.add(name.value)
    return found


def test_the_tests_and_the_benchmark_read_the_fixtures_from_the_repository() -> None:
    if "ECHOLESS_SPEECH_DIR" not in os.environ:
        assert samples.SPEECH_DIR.resolve() == FIXTURES
    bench = (REPO / "bench" / "recognition.py").read_text(encoding="utf-8")
    assert 'REPO / "tests" / "fixtures" / "speech"' in bench
    for folder in ("tests", "bench", "scripts"):
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".sh", ".md", ".toml") and path != Path(__file__).resolve():
                text = path.read_text(encoding="utf-8")
                assert SIBLING not in text and SIBLING_SPEECH not in text, f"{path.relative_to(REPO)} looks outside the repository"


def test_every_speech_file_the_tests_name_is_in_the_repository() -> None:
    named = referenced_speech_files()
    assert "jfk_ask_not.wav" in named and "jfk_ask_not_44k_stereo.flac" in named  # the scan finds them
    missing = sorted(name for name in named if not (FIXTURES / name).is_file())
    assert not missing, f"named by the tests but not in {FIXTURES.relative_to(REPO)}: {missing}"


def test_every_fixture_has_a_transcript_and_an_attribution() -> None:
    audio = sorted(p for p in FIXTURES.iterdir() if p.suffix in AUDIO)
    # tests/pipeline/test_recognise.py measures the word error rate on every fixture with a transcript
    assert len(audio) >= 15
    sources = (FIXTURES / "SOURCES.md").read_text(encoding="utf-8")
    for path in audio:
        assert path.with_suffix(".txt").read_text(encoding="utf-8").strip(), f"{path.name} has no transcript"
        assert f"| `{path.name}` |" in sources, f"{path.name} has no row in SOURCES.md"
        assert f"### `{path.name}`" in sources, f"{path.name} has no entry in SOURCES.md"
    described = set(re.findall(r"^### `([^`]+)`", sources, flags=re.MULTILINE))
    assert described == {p.name for p in audio}, "SOURCES.md describes files that are not here"


def test_the_fixtures_stay_small() -> None:
    assert sum(p.stat().st_size for p in FIXTURES.iterdir()) < 5 * 1024 * 1024


def test_the_readme_links_nothing_outside_the_repository() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert SIBLING not in readme
    for target in re.findall(r"\]\(([^)#\s]+)", readme):
        if "://" not in target:
            assert (REPO / target).exists(), f"the README links {target}, which is not in the repository"
