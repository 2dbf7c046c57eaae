"""The checks on typed text (pure logic): what is refused with which code, what becomes of spaces, and
that any text either is refused with a TextError or comes out clean, short enough, and stable."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from echoless.errors import ErrorCode, TextError
from echoless.pipeline.typed import BIDI_CONTROLS, clean


@pytest.mark.parametrize(("text", "expected"), [
    ("turn on the light", "turn on the light"),
    ("\tturn on\r\nthe   light\n", "turn on the light"),
    ("Café, s'il te plaît ✓", "Café, s'il te plaît ✓"),
    ("x" * 10, "x" * 10),
])
def test_clean_text(text: str, expected: str) -> None:
    assert clean(text, 10 if text.startswith("x") else 1000) == expected


@pytest.mark.parametrize(("text", "code"), [
    ("", ErrorCode.TEXT_EMPTY),
    (" \t\n\u3000", ErrorCode.TEXT_EMPTY),
    ("\u200b\u200d", ErrorCode.TEXT_EMPTY),
    ("x" * 11, ErrorCode.TEXT_TOO_LONG),
    ("a\x00b", ErrorCode.TEXT_INVALID_CHARACTER),
    ("a\x7fb", ErrorCode.TEXT_INVALID_CHARACTER),
    ("a\rb", ErrorCode.TEXT_INVALID_CHARACTER),
    ("a\x9bb", ErrorCode.TEXT_INVALID_CHARACTER),
    ("a\ud800b", ErrorCode.TEXT_INVALID_CHARACTER),
    ("a\uffffb", ErrorCode.TEXT_INVALID_CHARACTER),
    *((f"a{c}b", ErrorCode.TEXT_BIDI_OVERRIDE) for c in sorted(BIDI_CONTROLS)),
])
def test_refused_text(text: str, code: ErrorCode) -> None:
    with pytest.raises(TextError) as refused:
        clean(text, 10)
    assert refused.value.code == code and refused.value.status == 422


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_refused_or_comes_out_clean_and_stable(text: str) -> None:
    try:
        cleaned = clean(text, 50)
    except TextError:
        return
    assert cleaned == cleaned.strip() and "\t" not in cleaned and "\n" not in cleaned and "  " not in cleaned
    assert len(cleaned) <= 50 and clean(cleaned, 50) == cleaned
    assert not BIDI_CONTROLS & set(cleaned)
