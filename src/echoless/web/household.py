"""Household (owner only): members, child profiles, devices and tokens.

The owner adds and removes members and devices and revokes any token. The owner never chooses another
member's password nor receives a token for them (either would open their history): an adult or owner is
added with a one-time invitation to set their own password (web/member_access.py also resets an adult's
access), members mint their own tokens on Settings, and a new member's first token from `add_member` is
revoked at once. A child profile is added with its parents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from echoless import root
from echoless.errors import BadRequest, Conflict, EcholessError, ErrorCode, NotFound
from echoless.sharing import connection
from echoless.vault import accounts, credentials, devices, invitations, parents, satellites
from echoless.terms import DeviceKind, Role
from echoless.web import member_access, receipts_view
from echoless.web.pages import CheckedDep, SignedInDep, get_vault, redirect, render, require_owner

router = APIRouter(include_in_schema=False)


def _page(request: Request, me, *, status: int = 200, error: str | None = None, shown: dict | None = None) -> Response:  # type: ignore[no-untyped-def]
    vault = get_vault(request)
    members = accounts.members(vault, me.household_id)
    tokens = accounts.tokens(vault, me.household_id)
    return render(request, "household.html", {
        "household": next(h for h in accounts.households(vault) if h.id == me.household_id),
        "members": members,
        "parents": {m.id: [p.name for p in parents.parents_of(vault, m)] for m in members if m.role == Role.CHILD},
        "invited": invitations.pending(vault, me.household_id),
        "devices": devices.describe(vault, me.household_id),
        "satellites": satellites.listed(vault, me.household_id),
        "tokens": tokens,
        "active_tokens": {s: sum(1 for t in tokens if t.subject_id == s and not t.revoked_at) for s in {t.subject_id for t in tokens}},
        "error": error,
        "shown": shown,
        "done": request.query_params.get("done"),
        "home": connection.load(vault, me.household_id),
    }, status=status)


@router.get("/household")
def household_page(request: Request, signed_in: SignedInDep) -> Response:
    require_owner(signed_in.member)
    return _page(request, signed_in.member)


@router.post("/household/members")
def add_member(
    request: Request,
    signed_in: CheckedDep,
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=10)] = "adult",
    password: Annotated[str, Form(max_length=1024)] = "",
    parent: Annotated[list[str] | None, Form(description="A child profile's parents (member ids).")] = None,
) -> Response:
    """An adult or owner gets a one-time invitation to set their own password; a child profile its parents."""
    me = signed_in.member
    require_owner(me)
    vault = get_vault(request)
    if password:
        return _page(request, me, status=400, error="Nobody chooses another member's password: they set their own with the invitation.")
    try:
        parents.check_no_parents_for(role, parent or [])
        if role == Role.CHILD:
            member, _token = parents.add_child(vault, me.household_id, name, (parent or [])[:20], made_by=me)
        else:
            member, _token = accounts.add_member(vault, me.household_id, name, role)
    except (BadRequest, Conflict) as exc:
        return _page(request, me, status=exc.status, error=exc.message)
    accounts.revoke_tokens_of(vault, member.id)
    if role == Role.CHILD:
        return redirect("/household?done=added#members")
    return member_access.show_invitation(request, invitations.issue(vault, member), added=True)


@router.get("/household/members/{member_id}/remove")
def confirm_remove_member(request: Request, signed_in: SignedInDep, member_id: str) -> Response:
    me = signed_in.member
    require_owner(me)
    member = accounts.find_member(get_vault(request), me.household_id, member_id)
    return render(request, "member_remove.html", {"member": member, "is_me": member.id == me.id})


@router.post("/household/members/{member_id}/remove")
def remove_member(request: Request, signed_in: CheckedDep, member_id: str) -> Response:
    me = signed_in.member
    require_owner(me)
    vault = get_vault(request)
    target = accounts.find_member(vault, me.household_id, member_id)
    if target.id == me.id:
        raise Conflict("you cannot remove yourself here; use `echoless members remove` from the shell", code=ErrorCode.REMOVE_SELF)
    removed, job = root.remove_member(vault, me.household_id, target.id)
    receipt = receipts_view.for_deletion(vault, removed, job)  # type: ignore[arg-type]
    return render(request, "member_removed.html", {"member": removed, "job": job, "receipt": receipt})


@router.post("/household/devices")
def add_device(
    request: Request,
    signed_in: CheckedDep,
    name: Annotated[str, Form(max_length=200)],
    kind: Annotated[str, Form(max_length=10)] = "shared",
    member: Annotated[str, Form(max_length=200)] = "",
    members: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """A personal device (for one member) or a shared one (for the members ticked; the rest: its shared history)."""
    me = signed_in.member
    require_owner(me)
    try:
        personal = kind == DeviceKind.PERSONAL
        device, token = devices.add(get_vault(request), me.household_id, name, kind=kind, member=member or None,
                                    members=[] if personal else (members or [])[:devices.MAX_LISTED + 1])
    except (BadRequest, Conflict, NotFound) as exc:
        return _page(request, me, status=exc.status, error=exc.message)
    return _page(request, me, status=201, shown={"what": f"device \u201c{device.name}\u201d", "token": token})


@router.post("/household/devices/{device_id}/token")
def new_device_token(request: Request, signed_in: CheckedDep, device_id: str) -> Response:
    me = signed_in.member
    require_owner(me)
    vault = get_vault(request)
    device = accounts.find_device(vault, me.household_id, device_id)
    token = accounts.new_device_token(vault, device.id)
    return _page(request, me, status=201, shown={"what": f"device \u201c{device.name}\u201d", "token": token})


@router.post("/household/devices/{device_id}/members")
def device_members(
    request: Request, signed_in: CheckedDep, device_id: str, members: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """The members a shared device may speak for: exactly those ticked."""
    me = signed_in.member
    require_owner(me)
    try:
        devices.change_members(get_vault(request), me.household_id, device_id, replace=(members or [])[:devices.MAX_LISTED + 1])
    except (BadRequest, NotFound) as exc:
        return _page(request, me, status=exc.status, error=exc.message)
    return redirect("/household?done=device-changed#devices")


@router.post("/household/devices/{device_id}/remove")
def remove_device(request: Request, signed_in: CheckedDep, device_id: str) -> Response:
    """Remove a device and its tokens; a shared device's shared history is deleted with it."""
    me = signed_in.member
    require_owner(me)
    root.remove_device(get_vault(request), me.household_id, device_id)
    return redirect("/household?done=device-removed#devices")


@router.post("/household/satellites")
def add_satellite(
    request: Request, signed_in: CheckedDep, uri: Annotated[str, Form(max_length=satellites.MAX_URI)],
    device: Annotated[str, Form(max_length=200)],
) -> Response:
    """A wyoming-satellite the server drives as `device` (the running server picks it up within seconds)."""
    me = signed_in.member
    require_owner(me)
    try:
        satellites.add(get_vault(request), me.household_id, uri, device)
    except (BadRequest, Conflict, NotFound) as exc:
        return _page(request, me, status=exc.status, error=exc.message)
    return redirect("/household?done=satellite-added#satellites")


@router.post("/household/satellites/{satellite_id}/remove")
def remove_satellite(request: Request, signed_in: CheckedDep, satellite_id: str) -> Response:
    me = signed_in.member
    require_owner(me)
    satellites.remove(get_vault(request), me.household_id, satellite_id)
    return redirect("/household?done=satellite-removed#satellites")


@router.post("/household/tokens/{token_id}/revoke")
def revoke_token(request: Request, signed_in: CheckedDep, token_id: str) -> Response:
    me = signed_in.member
    require_owner(me)
    credentials.revoke_token(get_vault(request), token_id, by=me)  # audited when it is another member's
    return redirect("/household?done=token-revoked#tokens")


@router.post("/household/home")
def connect_home(
    request: Request,
    signed_in: CheckedDep,
    url: Annotated[str, Form(max_length=2000)],
    token: Annotated[str, Form(max_length=4096)],
    keep_days: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Connect the household's Home Assistant (checked first: it must answer and accept the token)."""
    me = signed_in.member
    require_owner(me)
    try:
        days = int(keep_days) if keep_days.strip() else None
    except ValueError:
        return _page(request, me, status=400, error="Keep days is a number of days.")
    try:
        root.connect_home(get_vault(request), me.household_id, url, token, keep_days=days)
    except EcholessError as exc:
        return _page(request, me, status=exc.status, error=exc.message)
    return redirect("/household?done=home-connected#home")


@router.post("/household/home/disconnect")
def disconnect_home(request: Request, signed_in: CheckedDep) -> Response:
    me = signed_in.member
    require_owner(me)
    root.disconnect_home(get_vault(request), me.household_id)
    return redirect("/household?done=home-disconnected#home")
