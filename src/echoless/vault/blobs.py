"""Blob stores for encrypted audio. A blob is durable (file and folder synced) before any row names it, so
no reader ever sees a partial blob; a crash mid-write leaves a file no row names, which the reconciler
removes. The filesystem store is the embedded default."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from echoless.vault.rules import DeletionRule

# Every kind of blob declares how it dies (PRIVACY_MODEL §3.8).
_UNLINKERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="echoless-unlink")  # the filesystem is the limit
BLOB_KINDS: dict[str, DeletionRule] = {
    "audio": DeletionRule.INTERACTION_PART,
}


class BlobStore(Protocol):
    def put(self, kind: str, blob_id: str, data: bytes) -> None: ...
    def get(self, kind: str, blob_id: str) -> bytes: ...
    def delete(self, kind: str, blob_id: str) -> bool: ...
    def delete_many(self, kind: str, blob_ids: Sequence[str]) -> set[str]: ...
    def exists(self, kind: str, blob_id: str) -> bool: ...
    def list(self, kind: str) -> Iterator[str]: ...
    def sync(self) -> None: ...


class FileBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, kind: str, blob_id: str) -> Path:
        if kind not in BLOB_KINDS:
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
        removed = {blob_id for blob_id, gone in zip(blob_ids, _UNLINKERS.map(_unlink, paths)) if gone}
        for folder in {p.parent for p in paths}:
            if folder.is_dir():
                _fsync_dir(folder)
        return removed

    def sync(self) -> None:
        """Make every folder's entries durable (after a bulk change such as a restore)."""
        for kind in BLOB_KINDS:
            base = self.root / kind
            if base.is_dir():
                for sub in base.iterdir():
                    if sub.is_dir():
                        _fsync_dir(sub)

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
