"""/v1/deletions: delete a set of items, a time range, or everything; follow a deletion to its purge."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from echoless import root
from echoless.api.deps import MemberDep, VaultDep
from echoless.api.records import aware
from echoless.errors import BadRequest, ErrorCode
from echoless.privacy import deletion

router = APIRouter(prefix="/v1", tags=["deletions"])


class DeletionRequest(BaseModel):
    scope: Literal["items", "range", "all"] = Field(description="What to delete.")
    ids: list[str] | None = Field(None, description="With scope `items`: the interaction ids.")
    since: datetime | None = Field(None, description="With scope `range`: from this time (inclusive).")
    until: datetime | None = Field(None, description="With scope `range`: up to this time (exclusive).")


@router.post("/deletions", status_code=201, summary="Delete items, a range, or everything (returns once shredded)")
def create_deletion(vault: VaultDep, member: MemberDep, request: DeletionRequest) -> dict[str, Any]:
    if request.scope == "range" and request.since is None and request.until is None:
        raise BadRequest("a range needs `since`, `until` or both", code=ErrorCode.INVALID_RANGE)
    job = root.request_deletion(
        vault, member, request.scope, ids=request.ids or [], since=aware(request.since), until=aware(request.until)
    )
    return deletion.job_json(job)


@router.get("/deletions/{job_id}", summary="A deletion's state: requested, shredded, purged")
def get_deletion(vault: VaultDep, member: MemberDep, job_id: str) -> dict[str, Any]:
    return deletion.job_json(deletion.get_job(vault, member, job_id))
