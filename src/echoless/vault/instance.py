"""An open echoless instance: its settings, the data database, the keyring, the blob store, the
master key and the signing key. `init_home` makes a new data home; `open_vault` opens an existing one."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from echoless.errors import ConfigError
from echoless.privacy.signing import create_signing_key, load_signing_key
from echoless.settings import Settings
from echoless.vault import migrate
from echoless.vault.blobs import BlobStore, FileBlobStore
from echoless.vault.db import Database
from echoless.vault.keyring import Keyring, KeyringBase
from echoless.vault.masterkey import create_master_key_file, key_provider
from echoless.vault.models import Base
import echoless.privacy.records  # noqa: F401,E402  (declares audit_log and receipts on Base.metadata)
import echoless.derived.models  # noqa: F401,E402  (declares the derived stores: search, vocabulary, corpus, stats)
import echoless.sharing.records  # noqa: F401,E402  (declares skills, shares and share_notices)

_LOGGER = logging.getLogger(__name__)


@dataclass
class Vault:
    settings: Settings
    data: Database
    keyring: Keyring
    blobs: BlobStore
    signing_key: Ed25519PrivateKey
    hooks: list[object] = field(default_factory=list)

    def close(self) -> None:
        self.data.dispose()
        self.keyring.db.dispose()


def _is_initialised(settings: Settings) -> bool:
    return settings.resolved_signing_key_file.exists()


def open_vault(settings: Settings) -> Vault:
    if not _is_initialised(settings):
        raise ConfigError(f"{settings.home} is not an echoless data home; run `echoless init` first")
    master = key_provider(settings).master_key()
    signing = load_signing_key(settings.resolved_signing_key_file)
    data = Database(settings.resolved_database_url)
    keys = Database(settings.resolved_keyring_url)
    migrate.upgrade(data, "data", Base.metadata)
    migrate.upgrade(keys, "keyring", KeyringBase.metadata)
    for url in (data.url, keys.url):
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).chmod(0o600)
    blob_dir = settings.resolved_blob_dir
    blob_dir.mkdir(parents=True, exist_ok=True)
    from echoless import wiring  # the stores above the vault hook into its events

    wiring.install()
    vault = Vault(settings=settings, data=data, keyring=Keyring(keys, master), blobs=FileBlobStore(blob_dir), signing_key=signing)
    _LOGGER.debug("vault open at %s", settings.home)
    return vault


def init_home(settings: Settings) -> bool:
    """Create the data home's keys and folders; returns False when it already existed."""
    if _is_initialised(settings):
        return False
    home: Path = settings.home
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    if settings.master_key is None and not settings.resolved_master_key_file.exists():
        create_master_key_file(settings.resolved_master_key_file)
    key_provider(settings).master_key()  # fails loudly on a bad key before anything else is made
    create_signing_key(settings.resolved_signing_key_file)
    return True
