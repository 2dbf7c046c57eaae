"""The instance's Ed25519 signing key: it signs deletion receipts and requests to third parties."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from echoless.errors import ConfigError
from echoless.settings import Settings
from echoless.vault.masterkey import check_private, write_private_file


def create_signing_key(path: Path) -> None:
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    write_private_file(path, base64.b64encode(raw) + b"\n")


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        raise ConfigError(f"no signing key at {path}; run `echoless init`")
    check_private(path)
    return _parse(path.read_text(), str(path))


def has_signing_key(settings: Settings) -> bool:
    return settings.signing_key is not None or settings.resolved_signing_key_file.is_file()


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The instance's key: ECHOLESS_SIGNING_KEY when set, else the key file."""
    if settings.signing_key is not None:
        return _parse(settings.signing_key.get_secret_value(), "ECHOLESS_SIGNING_KEY")
    return load_signing_key(settings.resolved_signing_key_file)


def _parse(text: str, where: str) -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise ConfigError(f"the signing key in {where} is not valid base64") from exc
    if len(raw) != 32:
        raise ConfigError(f"the signing key in {where} must be 32 bytes (base64 of a raw Ed25519 private key), not {len(raw)}")
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + base64.b64encode(raw).decode()


def parse_public_key(text: str) -> Ed25519PublicKey:
    body = text.strip().removeprefix("ed25519:")
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(body))
