"""The owner's usage page: analytics without people (derived/stats.py), every small count hidden."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from echoless.terms import Role
from echoless import root
from echoless.derived import stats
from echoless.errors import ErrorCode, Forbidden
from echoless.web.pages import SignedInDep, get_vault, render

router = APIRouter(include_in_schema=False)


@router.get("/stats")
def stats_page(request: Request, signed_in: SignedInDep) -> Response:
    if signed_in.member.role != Role.OWNER:
        raise Forbidden("only the household owner sees the usage page", code=ErrorCode.OWNER_ONLY)
    return render(request, "stats.html", {"report": root.stats_report(get_vault(request), days=60)})
