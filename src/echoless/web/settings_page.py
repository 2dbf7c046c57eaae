"""Settings: retention per part in plain words, saving recordings, deletion by voice, and the member's
own API tokens (an owner can never mint a token for another adult: that would open their history).
A child profile's parents set its retention here too (`?member=NAME`, vault/access.py): anyone else who
names it gets the not-found of a member that does not exist."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from echoless.errors import BadRequest
from echoless.privacy import preferences
from echoless.vault import retention
from echoless.vault import accounts
from echoless.vault.access import history_subject, readable_members
from echoless.web.pages import CheckedDep, SignedInDep, get_vault, redirect, render

router = APIRouter(include_in_schema=False)

PARTS = {
    "audio": (
        "Recordings",
        "The sound of what you said. With \u201cdon't save\u201d, echoless drops the recording as soon as it has been understood.",
    ),
    "text": (
        "What was heard and answered",
        "The words echoless heard and what it said back. With \u201cdon't save\u201d, only the effect of what you asked remains "
        "(a light stays off, an item stays on the list).",
    ),
    "action": (
        "What echoless did",
        "A short record such as \u201ckitchen light off\u201d or \u201ctimer 10 min started\u201d.",
    ),
}


def choices_for(child: bool) -> list[tuple[str, str]]:
    return [
        (key, retention.LABELS[key])
        for key, span in retention.CHOICES.items()
        if not child or (span is not None and span <= retention.CHILD_LIMIT)
    ]


def _page(request: Request, member, status: int = 200, error: str | None = None, token: str | None = None, subject=None) -> Response:  # type: ignore[no-untyped-def]
    vault = get_vault(request)
    current = accounts.get_member(vault, (subject or member).id)
    prefs = preferences.of(current)
    return render(request, "settings.html", {
        "subject": current,
        "own": current.id == member.id,
        "children": [m for m in readable_members(vault, member) if m.id != member.id],
        "prefs": prefs,
        "parts": PARTS,
        "choices": choices_for(prefs.child),
        "saved": request.query_params.get("saved"),
        "error": error,
        "tokens": [t for t in accounts.tokens(vault, current.household_id, current.id)],
        "new_token": token,
    }, status=status)


def _saved(me, subject) -> Response:  # type: ignore[no-untyped-def]
    return redirect("/settings?saved=1" + ("" if subject.id == me.id else "&" + urlencode({"member": subject.name})))


@router.get("/settings")
def settings_page(request: Request, signed_in: SignedInDep, member: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    return _page(request, signed_in.member, subject=history_subject(get_vault(request), signed_in.member, member))


@router.post("/settings")
def save_settings(
    request: Request,
    signed_in: CheckedDep,
    audio: Annotated[str, Form(max_length=20)],
    text: Annotated[str, Form(max_length=20)],
    action: Annotated[str, Form(max_length=20)],
    voice_delete_all: Annotated[str | None, Form(max_length=5)] = None,
    member: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    vault = get_vault(request)
    subject = history_subject(vault, signed_in.member, member)
    try:
        preferences.update(
            vault, subject,
            retention_changes={"audio": audio, "text": text, "action": action},
            voice_delete_all=voice_delete_all == "on",
        )
    except BadRequest as exc:
        return _page(request, signed_in.member, status=exc.status, error=exc.message, subject=subject)
    return _saved(signed_in.member, subject)


@router.post("/settings/recordings")
def toggle_recordings(
    request: Request, signed_in: CheckedDep, saving: Annotated[str, Form(max_length=5)],
    member: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    vault = get_vault(request)
    subject = history_subject(vault, signed_in.member, member)
    preferences.set_saving_recordings(vault, subject, saving == "on")
    return _saved(signed_in.member, subject)


@router.post("/settings/tokens")
def create_own_token(request: Request, signed_in: CheckedDep) -> Response:
    token = accounts.new_member_token(get_vault(request), signed_in.member.id)
    return _page(request, signed_in.member, status=201, token=token)


@router.post("/settings/tokens/{token_id}/revoke")
def revoke_own_token(request: Request, signed_in: CheckedDep, token_id: str) -> Response:
    me = signed_in.member
    accounts.revoke_token(get_vault(request), me.household_id, token_id, subject_id=me.id)
    return redirect("/settings?saved=1#tokens")
