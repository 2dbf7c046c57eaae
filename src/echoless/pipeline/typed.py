"""Typed requests: the text a member typed, checked before anything reads or stores it (PRIVACY_MODEL §5).

Refused with a stable code, and nothing stored: empty or whitespace only (text-empty), longer than the
`max_text_chars` setting (text-too-long), a control character other than tab and newline, a lone surrogate
or a non-character (text-invalid-character), a bidirectional override or isolate (text-bidi-override: text
that displays in another order than it is read, as in "Trojan Source"). Text with nothing visible (only spaces or
zero-width characters) counts as empty. Tabs and newlines (CRLF included) become spaces; runs of them
become one space, and the ends are trimmed."""

from __future__ import annotations

import re
import unicodedata

from echoless.errors import ErrorCode, TextError

ALLOWED_CONTROLS = frozenset("\t\n")
# LRE RLE PDF LRO RLO, and LRI RLI FSI PDI: the characters that reorder what is displayed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SPACES = re.compile(r"[ \t\n]+")
_VISIBLE = "LMNPS"  # letters, marks, numbers, punctuation, symbols


def _refused(char: str) -> bool:
    category = unicodedata.category(char)
    if category == "Cc":
        return char not in ALLOWED_CONTROLS
    if category == "Cs":  # a lone surrogate: not text, and cannot be encoded
        return True
    point = ord(char)
    return 0xFDD0 <= point <= 0xFDEF or (point & 0xFFFE) == 0xFFFE  # non-characters


def clean(text: str, max_chars: int) -> str:
    """The typed text as the pipeline reads it, or a TextError that says what was wrong (never the text)."""
    text = text.replace("\r\n", "\n")
    if len(text) > max_chars:
        raise TextError(f"the text is longer than the limit of {max_chars} characters", code=ErrorCode.TEXT_TOO_LONG)
    for index, char in enumerate(text):
        if char in BIDI_CONTROLS:
            raise TextError(f"the text holds a bidirectional override (U+{ord(char):04X} at position {index})",
                            code=ErrorCode.TEXT_BIDI_OVERRIDE)
        if _refused(char):
            raise TextError(f"the text holds a control or invalid character (U+{ord(char):04X} at position {index}); "
                            "only tabs and newlines are allowed", code=ErrorCode.TEXT_INVALID_CHARACTER)
    cleaned = _SPACES.sub(" ", text).strip()
    if not any(unicodedata.category(c)[0] in _VISIBLE for c in cleaned):  # spaces, zero-width characters only
        raise TextError("the text is empty", code=ErrorCode.TEXT_EMPTY)
    return cleaned
