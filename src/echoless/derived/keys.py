"""Keys of the derived stores (PRIVACY_MODEL §3.10). Whatever is derived from a part of an interaction is
protected by a key derived (HKDF-SHA256, one purpose each) from that part's own data key, so shredding
the part — one item, retention, or "delete everything" through the member key that wraps it — makes it
unreadable in the live stores and in every backup. Search tokens, which must compare across items, are
keyed per epoch instead (derived/search.py). Nothing here is stored."""

from __future__ import annotations

import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PURPOSES = ("vocabulary", "corpus", "annotation", "stats")


def part_key(data_key: bytes, purpose: str) -> bytes:
    """The key of what `purpose` derives from one part, from that part's data key."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"echoless-derived/2|{purpose}".encode()).derive(data_key)


def keyed(key: bytes, value: str, size: int = 16) -> bytes:
    """A keyed token: HMAC-SHA256 truncated to `size` bytes (16: collisions are negligible)."""
    return hmac.digest(key, value.encode(), "sha256")[:size]


def aad(kind: str, member_id: str, artefact_id: str, part: str) -> bytes:
    return f"derived|{kind}|{member_id}|{artefact_id}|{part}".encode()
