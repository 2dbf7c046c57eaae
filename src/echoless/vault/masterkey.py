"""Where the master key comes from: a file (mode 0600) or the environment; a KMS provider would sit
behind the same protocol. A missing, short or world-readable key stops the program."""

from __future__ import annotations

import base64
import binascii
import os
import stat
from pathlib import Path
from typing import Protocol

from echoless.errors import ConfigError
from echoless.settings import Settings
from echoless.vault.crypto import KEY_BYTES, new_key


class KeyProvider(Protocol):
    def master_key(self) -> bytes: ...


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"the master key in {where} is not valid base64") from exc
    if len(key) != KEY_BYTES:
        raise ConfigError(f"the master key in {where} must be {KEY_BYTES} bytes, found {len(key)}")
    return key


def check_private(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path} is readable by other users (mode {stat.S_IMODE(mode):o}); run `chmod 600 {path}`"
        )


class FileKeyProvider:
    def __init__(self, path: Path) -> None:
        self.path = path

    def master_key(self) -> bytes:
        if not self.path.exists():
            raise ConfigError(f"no master key at {self.path}; run `echoless init` or set ECHOLESS_MASTER_KEY")
        check_private(self.path)
        return _decode(self.path.read_text(), str(self.path))


class EnvKeyProvider:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def master_key(self) -> bytes:
        return _decode(self._secret, "ECHOLESS_MASTER_KEY")


def key_provider(settings: Settings) -> KeyProvider:
    if settings.master_key is not None:
        return EnvKeyProvider(settings.master_key.get_secret_value())
    return FileKeyProvider(settings.resolved_master_key_file)


def write_private_file(path: Path, data: bytes) -> None:
    """Create a 0600 file that never exists with wider permissions, even for an instant."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def create_master_key_file(path: Path) -> None:
    write_private_file(path, base64.b64encode(new_key()) + b"\n")
