"""The master key: made at init with mode 0600; a missing, short or exposed key stops the program."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from echoless.errors import ConfigError
from pydantic import SecretStr

from echoless.settings import Settings
from echoless.vault.instance import init_home
from echoless.root import open_vault


def test_init_makes_private_keys(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "data")
    assert init_home(settings) is True
    for path in (settings.resolved_master_key_file, settings.resolved_signing_key_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.b64decode(settings.resolved_master_key_file.read_text())) == 32
    assert init_home(settings) is False  # a second init changes nothing


def test_world_readable_key_refuses_to_run(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "data")
    init_home(settings)
    settings.resolved_master_key_file.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        open_vault(settings)


@pytest.mark.parametrize(
    ("content", "message"),
    [(base64.b64encode(b"x" * 16).decode(), "must be 32 bytes"), ("not base64!!", "not valid base64")],
)
def test_bad_key_is_refused(tmp_path: Path, content: str, message: str) -> None:
    settings = Settings(home=tmp_path / "data")
    init_home(settings)
    settings.resolved_master_key_file.write_text(content)
    with pytest.raises(ConfigError, match=message):
        open_vault(settings)


def test_missing_key_is_refused(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "data")
    init_home(settings)
    settings.resolved_master_key_file.unlink()
    with pytest.raises(ConfigError, match="no master key"):
        open_vault(settings)


def test_key_from_environment(tmp_path: Path) -> None:
    key = base64.b64encode(bytes(range(32))).decode()
    settings = Settings(home=tmp_path / "data", master_key=key)
    init_home(settings)
    assert not settings.resolved_master_key_file.exists()
    assert key not in repr(settings) and key not in str(settings.model_dump())
    open_vault(settings).close()


def test_uninitialised_home_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="echoless init"):
        open_vault(Settings(home=tmp_path / "nothing"))


def test_a_wrong_master_key_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    from homes import make_settings, open_home

    settings = make_settings(tmp_path, "sqlite", None)
    open_home(settings, "sqlite").vault.close()
    keyring = Path(settings.resolved_keyring_url.removeprefix("sqlite:///"))
    data = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
    before = (keyring.read_bytes(), data.read_bytes())
    other = settings.model_copy(update={"master_key": SecretStr(base64.b64encode(b"k" * 32).decode())})
    with pytest.raises(ConfigError, match="does not open this keyring"):
        open_vault(other)
    assert (keyring.read_bytes(), data.read_bytes()) == before


def test_a_missing_keyring_is_refused_not_made_again_empty(tmp_path: Path) -> None:
    from homes import make_settings, open_home

    settings = make_settings(tmp_path, "sqlite", None)
    open_home(settings, "sqlite").vault.close()
    keyring = Path(settings.resolved_keyring_url.removeprefix("sqlite:///"))
    for path in keyring.parent.glob(keyring.name + "*"):
        path.unlink()
    with pytest.raises(ConfigError, match="keyring .* is missing"):
        open_vault(settings)
    assert not keyring.exists()


def test_signing_key_from_environment(tmp_path: Path) -> None:
    """Stateless nodes: ECHOLESS_SIGNING_KEY replaces the file; receipts are signed with it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from echoless.vault.signing import public_key_text

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    master = base64.b64encode(bytes(range(32))).decode()
    settings = Settings(home=tmp_path / "data", master_key=master, signing_key=base64.b64encode(raw).decode())
    init_home(settings)
    assert not settings.resolved_signing_key_file.exists() and not settings.resolved_master_key_file.exists()
    vault = open_vault(settings)
    try:
        assert public_key_text(vault.signing_key.public_key()) == public_key_text(key.public_key())
    finally:
        vault.close()


@pytest.mark.parametrize(("value", "message"), [("not base64!!", "not valid base64"), (base64.b64encode(b"x" * 16).decode(), "must be 32 bytes")])
def test_bad_signing_key_from_environment_is_refused(tmp_path: Path, value: str, message: str) -> None:
    settings = Settings(home=tmp_path / "data", signing_key=value)
    with pytest.raises(ConfigError, match=message):
        init_home(settings)
