"""User content in transit: a str whose repr never shows the words, so that a stray debug print,
a traceback or a log line with %r cannot leak a transcript."""

from __future__ import annotations


class Content(str):
    __slots__ = ()

    def __repr__(self) -> str:
        return f"<content: {len(self)} chars>"
