"""Blob stores for encrypted audio. A blob is durable (file and folder synced) before any row names it, so
no reader ever sees a partial blob; a crash mid-write leaves a file no row names, which the reconciler
removes. The filesystem store is the embedded default."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from echoless.vault.instance import Runtime

# Which kinds of blob exist, and how each dies, is declared by the store that owns it (the registry).


class BlobStore(Protocol):
    local_root: Path | None  # the folder the blobs are files in; None when they live elsewhere (S3)

    def bind(self, runtime: Runtime) -> None: ...
    def put(self, kind: str, blob_id: str, data: bytes) -> None: ...
    def get(self, kind: str, blob_id: str) -> bytes: ...
    def delete(self, kind: str, blob_id: str) -> bool: ...
    def delete_many(self, kind: str, blob_ids: Sequence[str]) -> set[str]: ...
    def exists(self, kind: str, blob_id: str) -> bool: ...
    def list(self, kind: str) -> Iterator[str]: ...
    def sync(self) -> None: ...
    def age(self, kind: str, blob_id: str) -> float | None: ...


class FileBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._unlinkers: ThreadPoolExecutor | None = None

    @property
    def local_root(self) -> Path:
        return self.root

    def bind(self, runtime: Runtime) -> None:
        """Unlink on the vault's pool (the filesystem is the limit, not the cores)."""
        self._unlinkers = runtime.unlinkers

    def _path(self, kind: str, blob_id: str) -> Path:
        if not kind.isalpha():
            raise ValueError(f"unknown blob kind {kind!r}")
        if not blob_id.isalnum():
            raise ValueError("blob ids are alphanumeric")
        return self.root / kind / blob_id[:2] / blob_id

    def put(self, kind: str, blob_id: str, data: bytes) -> None:
        path = self._path(kind, blob_id)
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
            _fsync_dir(path.parent.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            _datasync(fd)
        except BaseException:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        os.close(fd)
        _fsync_dir(path.parent)

    def get(self, kind: str, blob_id: str) -> bytes:
        return self._path(kind, blob_id).read_bytes()

    def exists(self, kind: str, blob_id: str) -> bool:
        return self._path(kind, blob_id).exists()

    def delete(self, kind: str, blob_id: str) -> bool:
        path = self._path(kind, blob_id)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def delete_many(self, kind: str, blob_ids: Sequence[str]) -> set[str]:
        """Delete durably: unlink in parallel (the filesystem is the limit), then one fsync per folder.
        Returns the ids whose blob was there."""
        paths = [self._path(kind, blob_id) for blob_id in blob_ids]
        if not paths:
            return set()
        removed = {blob_id for blob_id, gone in zip(blob_ids, self._pool().map(_unlink, paths)) if gone}
        for folder in {p.parent for p in paths}:
            if folder.is_dir():
                _fsync_dir(folder)
        return removed

    def _pool(self) -> ThreadPoolExecutor:
        if self._unlinkers is None:
            raise RuntimeError("the blob store is not bound to an open vault")
        return self._unlinkers

    def sync(self) -> None:
        """Make every folder's entries durable (after a bulk change such as a restore)."""
        if self.root.is_dir():
            for base in self.root.iterdir():
                for sub in base.iterdir() if base.is_dir() else ():
                    if sub.is_dir():
                        _fsync_dir(sub)

    def age(self, kind: str, blob_id: str) -> float | None:
        """Seconds since the blob was last written (None: it is not there)."""
        try:
            return time.time() - self._path(kind, blob_id).stat().st_mtime
        except FileNotFoundError:
            return None

    def list(self, kind: str) -> Iterator[str]:
        base = self.root / kind
        if not base.is_dir():
            return
        for sub in sorted(base.iterdir()):
            if sub.is_dir():
                for path in sorted(sub.iterdir()):
                    yield path.name


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


_datasync = getattr(os, "fdatasync", os.fsync)  # the file's bytes and size; its name is the folder's fsync


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
