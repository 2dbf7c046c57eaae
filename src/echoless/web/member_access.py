"""The owner's side of a member's sign-in (PRIVACY_MODEL §4): an invitation is shown once, to be handed
over; a new one for a member who has not set a password yet; and the reset of an adult's access, which
ends their sign-ins, revokes their tokens and password, issues an invitation — and is recorded and shown
to the adult at their next sign-in (vault/credentials.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from echoless.vault import accounts, credentials, invitations
from echoless.web.pages import CheckedDep, SignedInDep, get_vault, render, require_owner

router = APIRouter(include_in_schema=False)


def show_invitation(request: Request, invitation: invitations.Invitation, *, added: bool = False, reset: bool = False) -> Response:
    """The invitation's link, shown this once (only its hash is kept)."""
    link = str(request.base_url).rstrip("/") + invitation.path
    return render(request, "invitation.html", {"invitation": invitation, "link": link, "added": added, "reset": reset}, status=201)


@router.post("/household/members/{member_id}/invitation")
def new_invitation(request: Request, signed_in: CheckedDep, member_id: str) -> Response:
    me = signed_in.member
    require_owner(me)
    vault = get_vault(request)
    member = accounts.find_member(vault, me.household_id, member_id)
    return show_invitation(request, invitations.issue(vault, member))


@router.get("/household/members/{member_id}/reset")
def confirm_reset(request: Request, signed_in: SignedInDep, member_id: str) -> Response:
    me = signed_in.member
    require_owner(me)
    member = accounts.find_member(get_vault(request), me.household_id, member_id)
    return render(request, "member_reset.html", {"member": member, "is_me": member.id == me.id})


@router.post("/household/members/{member_id}/reset")
def reset_access(request: Request, signed_in: CheckedDep, member_id: str) -> Response:
    me = signed_in.member
    require_owner(me)
    vault = get_vault(request)
    member = accounts.find_member(vault, me.household_id, member_id)
    return show_invitation(request, credentials.reset(vault, member, by=me), reset=True)
