"""/v1/deletions: delete a set of items, a time range, or everything; follow a deletion to its purge."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from echoless import root
from echoless.api import models
from echoless.api.deps import MemberDep, VaultDep
from echoless.api.responses import raises
from echoless.api.fields import IsoTime
from echoless.api.records import aware
from echoless.errors import BadRequest, ErrorCode
from echoless.privacy import deletion
from echoless.vault.access import history_subject

router = APIRouter(prefix="/v1", tags=["deletions"])
SubjectQuery = Annotated[str | None, Query(alias="member", max_length=200, description="A child profile's name or id (its parents only), or a shared device's name for its shared history (the owner and the adults it lists); default: me.")]


class DeletionRequest(BaseModel):
    scope: Literal["items", "range", "all"] = Field(description="What to delete.")
    ids: list[str] | None = Field(None, description="With scope `items`: the interaction ids.")
    since: IsoTime | None = Field(None, description="With scope `range`: from this time (inclusive).")
    until: IsoTime | None = Field(None, description="With scope `range`: up to this time (exclusive).")


@router.post("/deletions", status_code=201, response_model=models.DeletionJob, responses=raises(ErrorCode.NOT_FOUND, ErrorCode.NOTHING_TO_DELETE, ErrorCode.INVALID_RANGE, ErrorCode.RETRY),
             summary="Delete items, a range, or everything (returns once shredded)")
def create_deletion(vault: VaultDep, member: MemberDep, request: DeletionRequest, of: SubjectQuery = None) -> dict[str, Any]:
    if request.scope == "range" and request.since is None and request.until is None:
        raise BadRequest("a range needs `since`, `until` or both", code=ErrorCode.INVALID_RANGE)
    job = root.request_deletion(
        vault, history_subject(vault, member, of, shared=True), request.scope, ids=request.ids or [], since=aware(request.since), until=aware(request.until)
    )
    return deletion.job_json(job)


@router.get("/deletions/{job_id}", response_model=models.DeletionJob, responses=raises(ErrorCode.NOT_FOUND), summary="A deletion's state: requested, shredded, purged")
def get_deletion(vault: VaultDep, member: MemberDep, job_id: str, of: SubjectQuery = None) -> dict[str, Any]:
    return deletion.job_json(deletion.get_job(vault, history_subject(vault, member, of, shared=True), job_id))
