"""HTTP routes of the derived stores: learned words, analytics (owner), the opt-in corpus (consent,
reviewer role, review). Search is the `search` parameter of GET /v1/interactions (api/interactions.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response
from pydantic import StrictBool

from echoless.terms import Role
from echoless import root
from echoless.api.deps import MemberDep, VaultDep
from echoless.api.responses import raises
from echoless.vault import accounts
from echoless.derived import corpus, stats, vocabulary
from echoless.errors import ErrorCode, Forbidden

router = APIRouter(prefix="/v1", tags=["derived data"])


@router.get("/vocabulary", summary="Words learned from my requests to help recognition")
def get_vocabulary(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    return {"words": vocabulary.to_json(vault, member)}


@router.get("/stats", responses=raises(ErrorCode.OWNER_ONLY), summary="Requests, intents, failures and latencies per day (owner; counts below k suppressed)")
def get_stats(vault: VaultDep, member: MemberDep, days: Annotated[int | None, Query(ge=1, le=3660)] = None) -> dict[str, Any]:
    if member.role != Role.OWNER:
        raise Forbidden("only the household owner sees the analytics", code=ErrorCode.OWNER_ONLY)
    return root.stats_report(vault, days=days)


@router.put("/corpus/consent", responses=raises(ErrorCode.CHILD_CANNOT_CONTRIBUTE),
            summary="Opt in to (or withdraw from) improving the assistant; human review is a consent of its own")
def put_consent(
    vault: VaultDep, member: MemberDep, contribute: Annotated[StrictBool, Body()],
    human_review: Annotated[StrictBool | None, Body(description="A person may read my samples (default: unchanged; off when not contributing).")] = None,
) -> dict[str, Any]:
    removed = corpus.set_consent(vault, member, contribute, human_review=human_review)
    current = accounts.get_member(vault, member.id)
    return {"contribute": contribute, "human_review": corpus.reviewable(current.settings), "samples_removed": removed}


@router.get("/corpus/reviews", summary="When a person viewed one of my contributed samples")
def get_reviews(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    return {"reviews": corpus.reviews_of(vault, member)}


@router.put("/household/reviewers/{name}", responses=raises(ErrorCode.OWNER_ONLY, ErrorCode.UNKNOWN_MEMBER),
            summary="Grant or revoke the reviewer role (owner)")
def put_reviewer(vault: VaultDep, member: MemberDep, name: str, reviewer: Annotated[StrictBool, Body(embed=True)]) -> dict[str, Any]:
    target = corpus.grant_reviewer(vault, member, name, reviewer)
    return {"member": target.name, "reviewer": corpus.is_reviewer(target)}


@router.get("/corpus/samples", responses=raises(ErrorCode.REVIEWER_ONLY), summary="Contributed samples (reviewers): ids and times only")
def get_samples(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    return {"samples": corpus.list_samples(vault, member)}


@router.get("/corpus/samples/{sample_id}", responses=raises(ErrorCode.REVIEWER_ONLY, ErrorCode.NOT_FOUND),
            summary="One contributed sample (reviewers; recorded in the audit log)")
def get_sample(vault: VaultDep, member: MemberDep, sample_id: str) -> dict[str, Any]:
    return corpus.view_sample(vault, member, sample_id).to_json()


@router.get("/corpus/samples/{sample_id}/audio", summary="A sample's audio (reviewers; recorded in the audit log)",
            response_class=Response,
            responses={200: {"content": {"audio/*": {}}}, **raises(ErrorCode.REVIEWER_ONLY, ErrorCode.NOT_FOUND, ErrorCode.NO_AUDIO)})
def get_sample_audio(vault: VaultDep, member: MemberDep, sample_id: str) -> Response:
    data, content_type = corpus.sample_audio(vault, member, sample_id)
    return Response(content=data, media_type=content_type, headers={"Cache-Control": "no-store"})


@router.post("/corpus/samples/{sample_id}/annotations", status_code=201,
             responses=raises(ErrorCode.REVIEWER_ONLY, ErrorCode.NOT_FOUND, ErrorCode.INVALID_INTENT), summary="Correct a sample's intent (reviewers)")
def post_annotation(
    vault: VaultDep, member: MemberDep, sample_id: str,
    intent: Annotated[str, Body(max_length=80)], slots: Annotated[dict[str, Any] | None, Body()] = None,
) -> dict[str, Any]:
    return {"id": corpus.annotate(vault, member, sample_id, intent, slots)}
