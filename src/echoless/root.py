"""The composition root: builds the vault, the ordered registry of stores, the blob store and the
speech recogniser from settings, and holds the use cases that every adapter (API, pages, CLI, the background runner) calls. Nothing below this module
imports it; the adapters import nothing below it to decide how deletion, restore or verification run.

The registry's order is the order each step visits the stores:
- record: search, then vocabulary, then corpus (each writes in the interaction's transaction);
- purge: the blobs before the interactions (a purge after "delete everything" finds blobs through rows);
- purged: receipts before sharing (sharing names the skills asked to delete in the receipt)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from echoless.derived import search, stats
from echoless.derived.stores import CorpusStore, LineageStore, SearchStore, StatsStore, VocabularyStore
from echoless.errors import BadRequest, ErrorCode
from echoless.pipeline.events import Event
from echoless.pipeline import hass_home
from echoless.pipeline.hass_client import Client as HassClient
from echoless.pipeline.homes import HomeStore
from echoless.pipeline import run as pipeline
from echoless.pipeline.recognise import get_recogniser
from echoless.pipeline.understand import HA_CONNECTED_INTENTS, get_understander
from echoless.privacy import backup, deletion, housekeeping, rotation, verifier
from echoless.privacy.receipts import ReceiptsStore
from echoless.settings import Settings
from echoless.sharing import connection
from echoless.sharing.connection import ConnectedHomeStore
from echoless.sharing.store import SharingStore
from echoless.terms import Scope, Source
from echoless.vault import accounts, devices, parents
from echoless.vault.blobs import BlobStore, FileBlobStore
from echoless.vault.instance import Vault
from echoless.vault.instance import open_vault as _open
from echoless.vault.models import DeletionJob, Device, Member
from echoless.vault.store import Report, Store
from echoless.vault.stores import (
    AuditStore, BlobsStore, HouseholdStore, InstanceStore, InteractionsStore, JournalStore, KeyringStore,
)


def stores(settings: Settings) -> list[Store]:
    """Every store of an instance, in the order the steps visit them (see the module docstring)."""
    return [
        InstanceStore(),
        HouseholdStore(),
        KeyringStore(),
        JournalStore(),
        AuditStore(),
        SearchStore(),
        VocabularyStore(),
        CorpusStore(),
        StatsStore(),
        LineageStore(),
        BlobsStore(),
        InteractionsStore(),
        HomeStore(),
        ConnectedHomeStore(),
        ReceiptsStore(),
        SharingStore(),
    ]


def blob_store(settings: Settings) -> BlobStore:
    """The folder store (the default), or an S3-compatible object store for `s3://` blob URLs."""
    if settings.blob_url and settings.blob_url.startswith("s3://"):
        from echoless.vault.blobs_s3 import S3BlobStore  # boto3 loads only for the deployments that use it

        return S3BlobStore(settings.blob_url, endpoint_url=settings.s3_endpoint_url)
    folder = settings.resolved_blob_dir
    folder.mkdir(parents=True, exist_ok=True)
    return FileBlobStore(folder)


def open_vault(settings: Settings, extra: Iterable[Store] = ()) -> Vault:
    """Open the instance with its stores (and `extra` ones after them: tests use this). Until its runner
    is started (`start_background`), a deletion is purged as soon as it is shredded."""
    vault = _open(settings, [*stores(settings), *extra], blob_store(settings))
    vault.runtime.runner = housekeeping.JobRunner(vault)
    vault.runtime.recogniser = lambda: get_recogniser(settings)  # the model loads on first use, once per process
    rotation.upgrade(vault)  # derived data of an older scheme: rotate every member key (once)
    devices.upgrade(vault)  # shared devices from before shared histories get theirs (once)
    search.upgrade(vault)  # the index made again after a migration dropped an older layout (once)
    return vault


def start_background(vault: Vault) -> housekeeping.JobRunner:
    """The server's background work: resume, reconcile, then purge, sweep and deliver on its own threads."""
    runner = vault.runtime.runner
    assert isinstance(runner, housekeeping.JobRunner)
    runner.start()
    return runner


# Use cases -------------------------------------------------------------------------------------
def ask(
    vault: Vault, member: Member, device_id: str | None, audio: bytes, *, speak: bool = False,
    emit: Callable[[Event], None] | None = None, source: Source | str = Source.SPOKEN,
) -> pipeline.RunResult:
    """Hear, understand, act, answer and record one spoken request (`source="wyoming"` from a Wyoming peer)."""
    return pipeline.run(vault, member, device_id, audio, speak=speak, emit=emit, source=Source(source))


def ask_text(
    vault: Vault, member: Member, text: str, *, device_id: str | None = None, source: Source | str = Source.TYPED,
    now: datetime | None = None, speak: bool = False, emit: Callable[[Event], None] | None = None,
) -> pipeline.RunResult:
    """Understand, act, answer and record one typed request — or text a Wyoming client sends for handling
    (`source="wyoming"`) — as `member` on `device_id`, under the same device rules as a spoken one; `now`:
    the server's time unless given. Bad text is refused (TextError) and nothing is stored."""
    return pipeline.run_text(vault, member, device_id, text, source=Source(source), now=now, speak=speak, emit=emit)


def transcribe(
    vault: Vault, member: Member, device_id: str | None, audio: bytes, *, source: Source | str = Source.SPOKEN,
) -> tuple[str | None, str]:
    """Hear and record one spoken request without acting on it (for a peer that acts itself): (id, transcript)."""
    return pipeline.transcribe(vault, member, device_id, audio, source=Source(source))


def import_recording(
    vault: Vault, member: Member, device_id: str | None, audio: bytes, *, transcript: str | None,
    response: str | None, action: dict[str, Any] | None, created_at: datetime | None = None,
) -> str | None:
    """Record audio with the text the caller already has; the audio is checked, not recognised."""
    return pipeline.import_interaction(vault, member, device_id, audio, transcript=transcript, response=response,
                                       action=action, created_at=created_at)


def request_deletion(
    vault: Vault, member: Member, scope: Scope | str, *, ids: Iterable[str] = (),
    since: datetime | None = None, until: datetime | None = None,
) -> DeletionJob:
    """Journal and shred a deletion; returns once the keys are destroyed. The job runner purges it."""
    if scope == Scope.ITEMS:
        return deletion.delete_items(vault, member, list(ids))
    if scope == Scope.RANGE:
        return deletion.delete_range(vault, member, since, until)
    if scope == Scope.ALL:
        return deletion.delete_all(vault, member)
    raise BadRequest("scope is items, range or all", code=ErrorCode.INVALID_SCOPE)


def remove_member(vault: Vault, household_id: str, name_or_id: str) -> tuple[Member, DeletionJob]:
    """Delete everything of a member, purged before their row goes (history rows name the member), then
    their sign-ins, tokens, keys and row. Returns the member and the deletion (for its receipt)."""
    member = accounts.removable_member(vault, household_id, name_or_id)
    job = deletion.purge(vault, deletion.delete_all(vault, member).id)
    devices.forget_member(vault, member)  # listed on no shared device; their personal devices go
    accounts.drop_member(vault, member)
    parents.forget(vault, member)  # no longer a parent of any child profile
    return member, job


def remove_device(vault: Vault, household_id: str, name_or_id: str) -> tuple[Device, DeletionJob | None]:
    """Remove a device and its tokens. A personal device's past requests stay its member's history, as do a
    shared device's requests for the members it listed; its shared history is deleted with it (purged
    before its hidden member goes, like a removed member's)."""
    device = accounts.find_device(vault, household_id, name_or_id)
    hidden = devices.shared_member(vault, device)
    job = deletion.purge(vault, deletion.delete_all(vault, hidden).id) if hidden is not None else None
    devices.drop(vault, device)
    if hidden is not None:
        accounts.drop_member(vault, hidden)
    return device, job


def connect_home(vault: Vault, household_id: str, url: str, token: str, *, keep_days: int | None = None) -> None:
    """Connect the household to a Home Assistant, after checking that it answers and takes the token."""
    connection_ = connection.Connection(connection.check_url(url), connection.check_token(token),
                                        connection.check_keep_days(keep_days))
    HassClient(connection_.url, connection_.token).close()  # refuses an address that is not HA, or a wrong token
    connection.save(vault, household_id, connection_)


def disconnect_home(vault: Vault, household_id: str) -> bool:
    """Forget the household's Home Assistant (its URL and token); the simulated home acts again."""
    return connection.remove(vault, household_id)


def connected_home(vault: Vault, household_id: str) -> tuple[connection.Connection, hass_home.View] | None:
    """The household's connection and what its Home Assistant exposes now (raises HomeUnreachable while down),
    or None when it has not connected one."""
    settings = connection.load(vault, household_id)
    link = hass_home.link(vault, household_id) if settings is not None else None
    if settings is None or link is None:
        return None
    return settings, link.view()


def restore(vault: Vault, path: Path) -> backup.Restored:
    return backup.restore(vault, path)


def verify(vault: Vault, *, extra_needles: Iterable[bytes] = (), backups: Iterable[Path] = ()) -> Report:
    return verifier.verify(vault, extra_needles=extra_needles, backups=backups)


def stats_report(vault: Vault, *, days: int | None = None, k: int | None = None) -> dict[str, Any]:
    """Analytics per day, every count below k suppressed, intents named from the assistant's own list."""
    stats.fold(vault)
    return stats.report(vault, days=days, k=k, intent_names=get_understander().intent_names | HA_CONNECTED_INTENTS)
