"""The Privacy Hub's "Skills & shares" page: what each skill would receive before enabling it, and the
ledger: what did I share, with whom, and did they delete it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from echoless.sharing import ledger, skills
from echoless.web.pages import CheckedDep, SignedInDep, get_vault, redirect, render

router = APIRouter(include_in_schema=False)


@router.get("/shares")
def shares_page(request: Request, signed_in: SignedInDep) -> Response:
    vault = get_vault(request)
    me = signed_in.member
    return render(request, "shares.html", {
        "skills": skills.for_member(vault, me),
        "shares": ledger.shares(vault, me),
        "requests": ledger.requests(vault, me),
        "home": ledger.connected_home(vault, me),
    })


@router.post("/shares/skills/{name}/enable")
def enable(request: Request, signed_in: CheckedDep, name: str,
           allow_transcript: Annotated[str | None, Form(max_length=5)] = None) -> Response:
    skills.enable(get_vault(request), signed_in.member, name, allow_transcript=allow_transcript == "on")
    return redirect("/shares")


@router.post("/shares/skills/{name}/disable")
def disable(request: Request, signed_in: CheckedDep, name: str, forget: Annotated[str | None, Form(max_length=5)] = None) -> Response:
    skills.disable(get_vault(request), signed_in.member, name, forget=forget == "on")
    return redirect("/shares")
