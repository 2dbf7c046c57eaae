"""Receipts: the signed proofs of deletion, listed, checked on the server, downloadable."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from echoless.web import receipts_view
from echoless.web.pages import SignedInDep, get_vault, render

router = APIRouter(include_in_schema=False)


@router.get("/receipts")
def receipts_page(request: Request, signed_in: SignedInDep) -> Response:
    vault = get_vault(request)
    found = receipts_view.list_for(vault, signed_in.member)
    return render(request, "receipts.html", {"receipts": found, "available": receipts_view.available()})


@router.get("/receipts/{receipt_id}/download")
def receipt_download(request: Request, signed_in: SignedInDep, receipt_id: str) -> Response:
    receipt = receipts_view.get(get_vault(request), signed_in.member, receipt_id)
    return Response(
        content=receipts_view.canonical(receipt.doc),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="echoless-receipt-{receipt.id}.json"', "Cache-Control": "no-store"},
    )
