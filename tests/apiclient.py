"""An in-process client of the real FastAPI app over the test's data home."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from echoless.api.app import create_app
from echoless.settings import Settings


@contextmanager
def api(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upload(client: TestClient, token: str, audio: bytes, *, member: str | None = None, record: dict[str, Any] | str | None = None, filename: str = "request.wav", params: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    data: dict[str, str] = {}
    if member is not None:
        data["member"] = member
    if record is not None:
        data["record"] = record if isinstance(record, str) else json.dumps(record)
    return client.post(
        "/v1/interactions", headers=bearer(token), files={"audio": (filename, audio, "application/octet-stream")}, data=data, params=params or {}
    )


def purged(client: TestClient, token: str, job_id: str, *, timeout: float = 20.0) -> dict[str, Any]:
    """The deletion once the server's job runner has purged it (a request returns once it is shredded)."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/v1/deletions/{job_id}", headers=bearer(token)).json()
        if job.get("state") == "purged" or time.monotonic() > deadline:
            return job
        time.sleep(0.02)
