"""An open echoless instance: its settings, the data database, the keyring, the blob store, the master
key, the signing key, the registry of stores and the runtime state that belongs to this vault alone
(executors, locks, listeners, the job runner). `init_home` makes a new data home; `open_vault` opens an
existing one with the stores the composition root (echoless.root) chose."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from echoless.errors import ConfigError
from echoless.settings import Settings
from echoless.vault import migrate
from echoless.vault.blobs import BlobStore
from echoless.vault.db import Database
from echoless.vault.keyring import Keyring, KeyringBase
from echoless.vault.masterkey import create_master_key_file, key_provider
from echoless.vault.models import Base, Household
from echoless.vault.signing import create_signing_key, has_signing_key, signing_key
from echoless.vault.store import Registry, Store

_LOGGER = logging.getLogger(__name__)


class JobRunner(Protocol):
    """Decides when journalled deletions are purged (privacy/runner.py); told when one is shredded."""

    def kick(self) -> None: ...


class _NoRunner:
    def kick(self) -> None:
        pass


class KeyedLocks:
    """One lock per key (a household's home, say), made on first use."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def __call__(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


CLOSING = "vault-closing"  # told () when the vault closes


@dataclass
class Runtime:
    """State of one open vault that must not be shared with another vault in the same process."""

    io: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="echoless-write"))
    unlinkers: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=8, thread_name_prefix="echoless-unlink"))
    locks: KeyedLocks = field(default_factory=KeyedLocks)
    listeners: dict[str, list[Callable[..., None]]] = field(default_factory=dict)
    runner: JobRunner = field(default_factory=_NoRunner)
    # The speech recogniser the composition root chose (loaded on first use; the pipeline's Recogniser).
    recogniser: Callable[[], Any] = field(default=lambda: None)
    caches: dict[str, Any] = field(default_factory=dict)
    signals: dict[str, threading.Event] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)

    def listen(self, topic: str, callback: Callable[..., None]) -> None:
        self.listeners.setdefault(topic, []).append(callback)

    def unlisten(self, topic: str, callback: Callable[..., None]) -> None:
        if callback in self.listeners.get(topic, []):
            self.listeners[topic].remove(callback)

    def tell(self, topic: str, *args: Any) -> None:
        for callback in list(self.listeners.get(topic, [])):
            callback(*args)

    def signal(self, name: str) -> threading.Event:
        """A named wake-up (the share courier's, say), one per vault."""
        with self.guard:
            return self.signals.setdefault(name, threading.Event())

    def close(self) -> None:
        self.tell(CLOSING)  # live connections of upper layers (a connected home's link) end here
        self.io.shutdown(wait=True)
        self.unlinkers.shutdown(wait=True)


@dataclass
class Vault:
    settings: Settings
    data: Database
    keyring: Keyring
    blobs: BlobStore
    signing_key: Ed25519PrivateKey
    stores: Registry = field(default_factory=Registry)
    runtime: Runtime = field(default_factory=Runtime)

    def close(self) -> None:
        self.runtime.close()
        self.data.dispose()
        self.keyring.db.dispose()


def _is_initialised(settings: Settings) -> bool:
    return has_signing_key(settings)


def open_vault(settings: Settings, stores: Iterable[Store], blobs: BlobStore) -> Vault:
    """Open the data home with these stores (their models must be imported: the schema is theirs)."""
    if not _is_initialised(settings):
        raise ConfigError(f"{settings.home} is not an echoless data home; run `echoless init` first")
    registry = Registry(stores)
    master = key_provider(settings).master_key()
    signing = signing_key(settings)
    _refuse_a_missing_keyring(settings)
    data = Database(settings.resolved_database_url)
    keys = Database(settings.resolved_keyring_url)
    keyring = Keyring(keys, master)
    migrate.upgrade(keys, "keyring", KeyringBase.metadata)
    fits = keyring.master_fits()
    if fits is False:
        raise ConfigError("the master key does not open this keyring (a wrong ECHOLESS_MASTER_KEY or master.key?); nothing was written")
    migrate.upgrade(data, "data", Base.metadata)
    if fits is None and _has_households(data):
        raise ConfigError("the keyring holds no keys, but the data names households: the keyring is missing or belongs "
                          "to other data; restore it (it is never in an echoless backup) or point ECHOLESS_KEYRING_URL at it")
    for url in (data.url, keys.url):
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).chmod(0o600)
    runtime = Runtime()
    blobs.bind(runtime)
    vault = Vault(settings=settings, data=data, keyring=keyring, blobs=blobs, signing_key=signing,
                  stores=registry, runtime=runtime)
    _LOGGER.debug("vault open at %s", settings.home)
    return vault


def _sqlite_path(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _refuse_a_missing_keyring(settings: Settings) -> None:
    """An SQLite keyring file that is gone while its data is there: say so before anything is written."""
    data, keyring = _sqlite_path(settings.resolved_database_url), _sqlite_path(settings.resolved_keyring_url)
    if data is not None and keyring is not None and data.exists() and data.stat().st_size > 0 and not keyring.exists():
        raise ConfigError(f"the keyring {keyring} is missing while the data {data} is there; restore the keyring "
                          "(it is never in an echoless backup) — nothing was written")


def _has_households(data: Database) -> bool:
    with data.read() as session:
        return session.scalar(select(func.count()).select_from(Household)) > 0


def init_home(settings: Settings) -> bool:
    """Create the data home's folder and the keys not given in the environment; returns False when there
    was nothing to make (an existing home, or keys that all come from the environment)."""
    if _is_initialised(settings) and settings.signing_key is None:
        return False
    home: Path = settings.home
    made = not home.exists()
    home.mkdir(parents=True, exist_ok=True)
    if made:
        home.chmod(0o700)
    if settings.master_key is None and not settings.resolved_master_key_file.exists():
        create_master_key_file(settings.resolved_master_key_file)
        made = True
    key_provider(settings).master_key()  # fails loudly on a bad key before anything else is made
    if settings.signing_key is None:
        create_signing_key(settings.resolved_signing_key_file)
        made = True
    else:
        signing_key(settings)  # a bad key from the environment fails here, before any use
    return made
