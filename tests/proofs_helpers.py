"""Helpers shared by the receipts and audit tests: record through the real API, delete, fetch the receipt."""

from __future__ import annotations

from typing import Any

from apiclient import bearer, purged, upload
from homes import Home
from samples import tone_wav


def record(client: Any, home: Home, transcript: str = "turn on the kitchen light") -> str:
    reply = upload(client, home.owner_token, tone_wav(0.2), record={"transcript": transcript})  # an import: the member's own
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


def delete(client: Any, token: str, **body: Any) -> dict[str, Any]:
    reply = client.post("/v1/deletions", headers=bearer(token), json=body)
    assert reply.status_code == 201, reply.text
    assert reply.json()["state"] == "shredded", reply.text  # the keys are gone when the request returns
    job = purged(client, token, reply.json()["id"])
    assert job["state"] == "purged", job  # then the server's job runner purges it
    return job


def receipt_of(client: Any, token: str, deletion_id: str) -> dict[str, Any]:
    listed = client.get("/v1/receipts", headers=bearer(token))
    assert listed.status_code == 200, listed.text
    found = [r for r in listed.json()["items"] if r["deletion_id"] == deletion_id]
    assert len(found) == 1, listed.json()
    return found[0]
