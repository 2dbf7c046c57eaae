"""Envelope encryption: AES-256-GCM with associated data that binds each ciphertext to its owner,
item and part, so a ciphertext moved to another row or part fails to decrypt."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from echoless.errors import ErrorCode, VaultError

KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT_VERSION = b"\x01"


class DecryptionFailed(VaultError):
    code = ErrorCode.DECRYPTION_FAILED


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def content_aad(owner_id: str, item_id: str, part: str) -> bytes:
    return f"content|{owner_id}|{item_id}|{part}".encode()


def encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Return version || nonce || ciphertext+tag."""
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT_VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    return decrypt_with(AESGCM(key), blob, aad)


def decrypt_with(aead: AESGCM, blob: bytes, aad: bytes) -> bytes:
    """`decrypt` with a prepared cipher, for many ciphertexts under one key (a page of wrapped keys)."""
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != FORMAT_VERSION:
        raise DecryptionFailed("ciphertext is malformed")
    nonce = blob[1 : 1 + NONCE_BYTES]
    try:
        return aead.decrypt(nonce, blob[1 + NONCE_BYTES :], aad)
    except InvalidTag as exc:
        raise DecryptionFailed("ciphertext failed authentication") from exc


def wrap_key(wrapping_key: bytes, key: bytes, aad: bytes) -> bytes:
    if len(key) != KEY_BYTES:
        raise ValueError("keys are 32 bytes")
    return encrypt(wrapping_key, key, b"wrap|" + aad)


def unwrap_key(wrapping_key: bytes, wrapped: bytes, aad: bytes) -> bytes:
    return unwrap_key_with(AESGCM(wrapping_key), wrapped, aad)


def unwrap_key_with(aead: AESGCM, wrapped: bytes, aad: bytes) -> bytes:
    key = decrypt_with(aead, wrapped, b"wrap|" + aad)
    if len(key) != KEY_BYTES:
        raise DecryptionFailed("unwrapped key has the wrong length")
    return key
