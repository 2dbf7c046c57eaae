"""Envelope encryption round trips and rejections (property tests)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from echoless.vault import crypto

keys = st.binary(min_size=32, max_size=32)
aads = st.binary(max_size=64)


@given(key=keys, plaintext=st.binary(max_size=4096), aad=aads)
def test_encrypt_round_trip(key: bytes, plaintext: bytes, aad: bytes) -> None:
    blob = crypto.encrypt(key, plaintext, aad)
    assert crypto.decrypt(key, blob, aad) == plaintext
    if plaintext:
        assert plaintext not in blob or len(plaintext) < 4


@given(key=keys, plaintext=st.binary(min_size=1, max_size=512), aad=aads, position=st.integers(min_value=0), flip=st.integers(1, 255))
def test_tampered_ciphertext_is_rejected(key: bytes, plaintext: bytes, aad: bytes, position: int, flip: int) -> None:
    blob = bytearray(crypto.encrypt(key, plaintext, aad))
    blob[position % len(blob)] ^= flip
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(key, bytes(blob), aad)


@given(key=keys, plaintext=st.binary(max_size=256), aad=aads, other=aads)
def test_wrong_associated_data_is_rejected(key: bytes, plaintext: bytes, aad: bytes, other: bytes) -> None:
    if aad == other:
        return
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(key, crypto.encrypt(key, plaintext, aad), other)


@given(key=keys, other=keys, plaintext=st.binary(max_size=256))
def test_wrong_key_is_rejected(key: bytes, other: bytes, plaintext: bytes) -> None:
    if key == other:
        return
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(other, crypto.encrypt(key, plaintext, b"a"), b"a")


@given(wrapping=keys, key=keys, aad=aads)
def test_key_wrapping_round_trip(wrapping: bytes, key: bytes, aad: bytes) -> None:
    wrapped = crypto.wrap_key(wrapping, key, aad)
    assert key not in wrapped
    assert crypto.unwrap_key(wrapping, wrapped, aad) == key


@given(wrapping=keys, key=keys, aad=aads, other=aads)
def test_unwrap_with_other_associated_data_fails(wrapping: bytes, key: bytes, aad: bytes, other: bytes) -> None:
    if aad == other:
        return
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unwrap_key(wrapping, crypto.wrap_key(wrapping, key, aad), other)


def test_a_wrapped_key_is_not_content() -> None:
    """A content ciphertext cannot pass as a wrapped key and vice versa (domain-separated AAD)."""
    wrapping, key = crypto.new_key(), crypto.new_key()
    wrapped = crypto.wrap_key(wrapping, key, b"x")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(wrapping, wrapped, b"x")


def test_truncated_ciphertext_is_rejected() -> None:
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(crypto.new_key(), b"\x01short", b"")
