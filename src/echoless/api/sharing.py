"""/v1/skills and /v1/shares: third-party skills (install, enable, what they receive) and the ledger."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel, StrictBool

from echoless.api.deps import MemberDep, VaultDep
from echoless.api.responses import raises
from echoless.errors import ErrorCode
from echoless.privacy import receipts
from echoless.sharing import ledger, manifest, skills, wire

router = APIRouter(prefix="/v1", tags=["sharing"])


class EnableBody(BaseModel):
    allow_transcript: StrictBool = False


class DisableBody(BaseModel):
    forget: StrictBool = False


@router.get("/skills", summary="Installed skills, whether the caller enabled each, and what each would receive")
def list_skills(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    return {"items": skills.for_member(vault, member)}


_MANIFEST = {"requestBody": {"required": True, "description": "The skill's manifest (docs: name, publisher, version, "
              "endpoint, intents, fields, ...).", "content": {"application/yaml": {"schema": {"type": "string"}},
                                                              "application/json": {"schema": {"type": "object"}}}}}


@router.post("/skills", status_code=201, openapi_extra=_MANIFEST, responses=raises(ErrorCode.FORBIDDEN, ErrorCode.INVALID_MANIFEST, ErrorCode.WILDCARD_NEEDS_TRANSCRIPT, ErrorCode.SKILL_HOST_REFUSED, ErrorCode.SKILL_EXISTS),
             summary="Install a skill from its manifest (YAML or JSON body; owner only)")
async def install_skill(
    request: Request, vault: VaultDep, member: MemberDep,
    allow_private_host: Annotated[bool, Query(description="Allow the endpoints to be on a loopback or private-network "
                                                           "host (never link-local or cloud metadata addresses).")] = False,
) -> dict[str, Any]:
    parsed = manifest.parse(await request.body())
    installed = await run_in_threadpool(skills.install, vault, member, parsed, allow_private_host=allow_private_host)
    return installed.to_json()


@router.delete("/skills/{name}", responses=raises(ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND), summary="Remove a skill (owner only); the ledger and pending deletion requests stay")
def uninstall_skill(vault: VaultDep, member: MemberDep, name: str) -> dict[str, Any]:
    return skills.uninstall(vault, member, name).to_json()


@router.post("/skills/{name}/enable", responses=raises(ErrorCode.NOT_FOUND), summary="Enable a skill for the calling member")
def enable_skill(vault: VaultDep, member: MemberDep, name: str, body: EnableBody | None = None) -> dict[str, Any]:
    skill = skills.enable(vault, member, name, allow_transcript=bool(body and body.allow_transcript))
    return next(s for s in skills.for_member(vault, member) if s["id"] == skill.id)


@router.post("/skills/{name}/disable", responses=raises(ErrorCode.NOT_FOUND), summary="Disable a skill; `forget: true` also asks it to delete everything it got")
def disable_skill(vault: VaultDep, member: MemberDep, name: str, body: DisableBody | None = None) -> dict[str, Any]:
    skill = skills.disable(vault, member, name, forget=bool(body and body.forget))
    return {"skill": skill.name, "enabled": False, "asked_to_delete": bool(body and body.forget)}


@router.get("/shares", summary="The calling member's share ledger: what was shared, with whom, and did they delete it")
def list_shares(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    return {"items": ledger.shares(vault, member), "deletion_requests": ledger.requests(vault, member),
            "connected_home": ledger.connected_home(vault, member)}


@router.get("/skills-signature", summary="How a skill verifies that a request came from this instance (no auth)")
def signature_scheme(vault: VaultDep) -> dict[str, Any]:
    return {
        "public_key": receipts.instance_public_key(vault),
        "algorithm": "Ed25519",
        "headers": {"timestamp": wire.TIMESTAMP, "nonce": wire.NONCE, "signature": wire.SIGNATURE, "key": wire.KEY},
        "signed_bytes": 'b"echoless-skill-request/2\\n" + timestamp + b"\\n" + nonce + b"\\n" + endpoint_url + b"\\n" + body',
        "max_skew_seconds": wire.MAX_SKEW_SECONDS,
        "replays": "reject a nonce already seen within the timestamp window",
    }
