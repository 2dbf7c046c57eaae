"""The Privacy Hub's "Devices" page, for every member: the devices that can speak for me, where what each
hears goes, and what a Wyoming peer of each (a satellite echoless drives, Home Assistant using echoless for
speech) receives and may keep (PRIVACY_MODEL §6)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from echoless.terms import DeviceKind
from echoless.vault import devices, satellites
from echoless.vault.instance import Vault
from echoless.vault.models import Member
from echoless.web.pages import SignedInDep, get_vault, render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class MyDevice:
    info: devices.DeviceInfo
    mine: bool  # personal to me (else a shared device that lists me, or whose shared history I may see)
    satellites: list[str]  # the addresses of the satellites echoless drives as this device


def mine(vault: Vault, me: Member) -> list[MyDevice]:
    """The devices whose requests can be mine or that I may review: my personal devices, the shared devices
    that list me, and (the owner) every shared device's history."""
    driven: dict[str, list[str]] = {}
    for shown in satellites.listed(vault, me.household_id):
        driven.setdefault(shown.satellite.device_id, []).append(shown.satellite.uri)
    found = []
    for info in devices.describe(vault, me.household_id):
        personal = info.device.kind == DeviceKind.PERSONAL
        hidden = devices.shared_member(vault, info.device)
        if (personal and info.device.member_id == me.id) or (not personal and (
                me.name in info.members or (hidden is not None and devices.may_see(vault, me, hidden)))):
            found.append(MyDevice(info, personal, driven.get(info.device.id, [])))
    return found


@router.get("/devices")
def devices_page(request: Request, signed_in: SignedInDep) -> Response:
    me = signed_in.member
    return render(request, "devices.html", {"devices": mine(get_vault(request), me)})
