"""/v1/receipts, /v1/pubkey, /v1/audit/verify: the proofs of deletion, for the member they concern."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from echoless.api.deps import MemberDep, VaultDep
from echoless.api.responses import raises
from echoless.errors import ErrorCode
from echoless.privacy import receipts
from echoless.vault import audit

router = APIRouter(prefix="/v1", tags=["receipts"])


@router.get("/receipts", summary="My deletion receipts and those of the shared histories I may see, newest first")
def list_receipts(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    return {"items": receipts.list_visible(vault, member)}


@router.get("/receipts/{receipt_id}", responses=raises(ErrorCode.NOT_FOUND), summary="One signed receipt (`?download=1` to save it as a file)")
def get_receipt(vault: VaultDep, member: MemberDep, receipt_id: str, download: bool = False) -> JSONResponse:
    doc = receipts.get(vault, member, receipt_id)
    headers = {"Content-Disposition": f'attachment; filename="echoless-receipt-{doc["receipt_id"]}.json"'} if download else None
    return JSONResponse(doc, headers=headers)


@router.get("/pubkey", summary="The instance's Ed25519 public key, to verify receipts offline (no auth)")
def pubkey(vault: VaultDep) -> dict[str, str]:
    return {"public_key": receipts.instance_public_key(vault)}


@router.get("/audit/verify", summary="Check the hash-chained audit log: ok, length and head only")
def verify_audit(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    report = audit.verify_chain(vault)
    return {"ok": report.ok, "length": report.length, "head": report.head, "problems": len(report.problems)}
