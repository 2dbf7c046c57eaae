"""The S3 blob store: encrypted blobs in any S3-compatible object store (AWS S3, SeaweedFS, MinIO…),
chosen with `ECHOLESS_BLOB_URL=s3://BUCKET/PREFIX` (and `ECHOLESS_S3_ENDPOINT_URL` for a server other
than AWS; credentials and region from the standard AWS_* variables).

Objects hold ciphertext only, at `PREFIX/KIND/ID`, where the id is the interaction's random id: a key
names no member and no content. A purge deletes in batches (DeleteObjects) and, where the bucket keeps
versions, every old version too. An object store may keep deleted bytes until it compacts (SeaweedFS
does): crypto-shredding is the guarantee, and the verifier lists and reads the bucket through the S3 API.
Transient errors are retried with backoff (botocore's standard mode); an unreachable store raises a
clear error, and a recording that cannot store its blob is not recorded at all."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from echoless.errors import ErrorCode, VaultError

if TYPE_CHECKING:
    from echoless.vault.instance import Runtime

BATCH = 1000  # DeleteObjects takes at most 1,000 keys


class BlobStoreUnavailable(VaultError):
    code = ErrorCode.BLOB_STORE_UNAVAILABLE


def parse_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` → (bucket, "some/prefix")."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"an S3 blob URL looks like s3://BUCKET/PREFIX, not {url!r}")
    return parsed.netloc, parsed.path.strip("/")


class S3BlobStore:
    local_root = None  # nothing on local disk: the verifier reads the objects through the S3 API

    def __init__(self, url: str, *, endpoint_url: str | None = None, client: Any = None) -> None:
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = parse_url(url)
        self.url = url
        self.client = client or boto3.client(
            "s3", endpoint_url=endpoint_url,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=30),
        )

    def bind(self, runtime: Runtime) -> None:
        pass

    def _key(self, kind: str, blob_id: str) -> str:
        if not kind.isalpha() or not blob_id.isalnum():
            raise ValueError("blob kinds are letters and blob ids are alphanumeric")
        return f"{self.prefix}/{kind}/{blob_id}" if self.prefix else f"{kind}/{blob_id}"

    def _call(self, name: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, name)(**kwargs)
        except ClientError:
            raise
        except BotoCoreError as exc:
            raise BlobStoreUnavailable(f"the blob store at {self.url} cannot be reached ({type(exc).__name__})") from exc

    def put(self, kind: str, blob_id: str, data: bytes) -> None:
        self._call("put_object", Bucket=self.bucket, Key=self._key(kind, blob_id), Body=data)

    def get(self, kind: str, blob_id: str) -> bytes:
        return self._call("get_object", Bucket=self.bucket, Key=self._key(kind, blob_id))["Body"].read()

    def exists(self, kind: str, blob_id: str) -> bool:
        return self.age(kind, blob_id) is not None

    def age(self, kind: str, blob_id: str) -> float | None:
        from botocore.exceptions import ClientError

        try:
            head = self._call("head_object", Bucket=self.bucket, Key=self._key(kind, blob_id))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return time.time() - head["LastModified"].timestamp()

    def delete(self, kind: str, blob_id: str) -> bool:
        return bool(self.delete_many(kind, [blob_id]))

    def delete_many(self, kind: str, blob_ids: Sequence[str]) -> set[str]:
        """Delete in batches, every version where the bucket keeps them; returns the ids that were there."""
        removed: set[str] = set()
        for start in range(0, len(blob_ids), BATCH):
            chunk = list(blob_ids[start : start + BATCH])
            present = [blob_id for blob_id in chunk if self.exists(kind, blob_id)]
            objects = [{"Key": self._key(kind, blob_id)} for blob_id in present]
            objects += self._old_versions(kind, chunk)
            for part in range(0, len(objects), BATCH):
                if objects[part : part + BATCH]:
                    self._call("delete_objects", Bucket=self.bucket, Delete={"Objects": objects[part : part + BATCH], "Quiet": True})
            removed.update(present)
        return removed

    def _old_versions(self, kind: str, blob_ids: list[str]) -> list[dict[str, str]]:
        from botocore.exceptions import ClientError

        try:
            versioned = self._call("get_bucket_versioning", Bucket=self.bucket).get("Status") in ("Enabled", "Suspended")
        except ClientError:
            return []
        if not versioned:
            return []
        found = []
        for blob_id in blob_ids:
            key = self._key(kind, blob_id)
            listing = self._call("list_object_versions", Bucket=self.bucket, Prefix=key)
            for version in [*listing.get("Versions", []), *listing.get("DeleteMarkers", [])]:
                if version["Key"] == key:
                    found.append({"Key": key, "VersionId": version["VersionId"]})
        return found

    def list(self, kind: str) -> Iterator[str]:
        base = self._key(kind, "x")[:-1]
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=base):
                for item in page.get("Contents", []):
                    yield item["Key"][len(base):]
        except Exception as exc:
            from botocore.exceptions import BotoCoreError

            if isinstance(exc, BotoCoreError):
                raise BlobStoreUnavailable(f"the blob store at {self.url} cannot be reached ({type(exc).__name__})") from exc
            raise

    def sync(self) -> None:
        pass  # an acknowledged PUT or DELETE is durable
