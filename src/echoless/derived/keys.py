"""Keys of the derived stores: derived from the member key (HKDF-SHA256, one purpose each), so that
"delete everything" (destroying the member key) makes every derived artefact unreadable and every
search token unlinkable at once. Nothing here is stored."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from echoless.vault.instance import Vault

PURPOSES = ("search", "vocabulary", "corpus")


def derived_key(vault: Vault, member_id: str, key_id: str, purpose: str) -> bytes:
    """Raises keyring.KeyDestroyed when the member key is gone."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    owner = vault.keyring.owner_key(member_id, key_id)
    info = f"echoless-derived|{purpose}|{member_id}|{key_id}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(owner)


def keyed(key: bytes, value: str, size: int = 16) -> bytes:
    """A keyed token: HMAC-SHA256 truncated to `size` bytes (16: collisions are negligible)."""
    return hmac.new(key, value.encode(), hashlib.sha256).digest()[:size]


def aad(kind: str, member_id: str, artefact_id: str, part: str) -> bytes:
    return f"derived|{kind}|{member_id}|{artefact_id}|{part}".encode()
