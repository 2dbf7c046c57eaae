"""JSON sent by a client, parsed within bounds: a size cap and a nesting cap checked before parsing,
so no input can reach the parser's recursion limit (a RecursionError would be a 500 and a traceback)."""

from __future__ import annotations

import json
import re
from typing import Any

from echoless.errors import BadRequest, ErrorCode

MAX_DEPTH = 32
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"?', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")


def depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text` (brackets inside strings do not count)."""
    deepest = current = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        current = current + 1 if bracket in "[{" else current - 1
        deepest = max(deepest, current)
    return deepest


def loads(text: str, *, what: str, max_chars: int, code: ErrorCode = ErrorCode.INVALID_JSON,
          limit_code: ErrorCode = ErrorCode.INVALID_JSON, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `text`; a clear 400 for text that is too long, nested too deep, or not JSON."""
    if len(text) > max_chars:
        raise BadRequest(f"{what} is longer than the limit of {max_chars} characters", code=limit_code)
    if depth(text) > max_depth:
        raise BadRequest(f"{what} is nested deeper than the limit of {max_depth} levels", code=limit_code)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc.msg} at position {exc.pos}", code=code) from exc
    except (ValueError, RecursionError) as exc:  # belt and braces: the depth check should make this unreachable
        raise BadRequest(f"{what} is not valid JSON", code=code) from exc
