"""/v1/household/devices (the owner): add personal and shared devices, change whom a shared device may speak
for, remove a device (a shared device's shared history with it). The rules are vault/devices.py's."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from echoless import root
from echoless.api.deps import MemberDep, VaultDep
from echoless.api.fields import Name
from echoless.api.responses import raises
from echoless.errors import ErrorCode, Forbidden
from echoless.privacy import deletion
from echoless.terms import DeviceKind, Role
from echoless.vault import devices
from echoless.vault.models import Member

router = APIRouter(prefix="/v1/household/devices", tags=["household"])
DevicePath = Annotated[str, Path(max_length=200, description="The device's name or id.")]


class NewPersonalDevice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: Literal[DeviceKind.PERSONAL] = Field(description="personal: it speaks for `member` only.")
    member: Name = Field(description="The device's member (name or id).")


class NewSharedDevice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: Literal[DeviceKind.SHARED] = Field(description="shared: it speaks for the `members` listed, anything else "
                                                         "going to its shared history.")
    members: list[Name] = Field(default_factory=list, max_length=devices.MAX_LISTED,
                                description="The members it may speak for (names or ids).")


# One shape per kind: a personal device names its member, a shared device lists members.
NewDevice = Annotated[NewPersonalDevice | NewSharedDevice, Field(discriminator="kind")]


class MembersChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    members: list[Name] | None = Field(None, max_length=devices.MAX_LISTED, description="The whole new list (replaces it).")
    add: list[Name] = Field(default_factory=list, max_length=devices.MAX_LISTED, description="Members to add to the list.")
    remove: list[Name] = Field(default_factory=list, max_length=devices.MAX_LISTED, description="Members to remove from it.")


def _owner(member: Member) -> Member:
    if member.role != Role.OWNER:
        raise Forbidden("only the household's owner manages devices", code=ErrorCode.OWNER_ONLY)
    return member


@router.get("", responses=raises(ErrorCode.OWNER_ONLY), summary="The household's devices and whom each speaks for (owner)")
def list_devices(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    me = _owner(member)
    return {"devices": [d.to_json() for d in devices.describe(vault, me.household_id)]}


@router.post("", status_code=201, responses=raises(ErrorCode.OWNER_ONLY, ErrorCode.INVALID_NAME, ErrorCode.DEVICE_EXISTS, ErrorCode.INVALID_DEVICE_KIND, ErrorCode.UNKNOWN_MEMBER, ErrorCode.TOO_MANY_ITEMS),
             summary="Add a personal or a shared device (owner); its token is shown once")
def add_device(vault: VaultDep, member: MemberDep, new: NewDevice) -> dict[str, Any]:
    me = _owner(member)
    if isinstance(new, NewPersonalDevice):
        device, token = devices.add(vault, me.household_id, new.name, kind=new.kind, member=new.member)
    else:
        device, token = devices.add(vault, me.household_id, new.name, kind=new.kind, members=new.members)
    return {**devices.info(vault, me.household_id, device.id).to_json(), "token": token}


@router.get("/{device}", responses=raises(ErrorCode.OWNER_ONLY, ErrorCode.UNKNOWN_DEVICE), summary="One device and whom it speaks for (owner)")
def get_device(vault: VaultDep, member: MemberDep, device: DevicePath) -> dict[str, Any]:
    me = _owner(member)
    return devices.info(vault, me.household_id, device).to_json()


@router.put("/{device}/members", responses=raises(ErrorCode.OWNER_ONLY, ErrorCode.UNKNOWN_DEVICE, ErrorCode.UNKNOWN_MEMBER, ErrorCode.INVALID_DEVICE_KIND, ErrorCode.TOO_MANY_ITEMS),
            summary="Change the members a shared device may speak for (owner)")
def change_members(vault: VaultDep, member: MemberDep, device: DevicePath, change: MembersChange) -> dict[str, Any]:
    me = _owner(member)
    return devices.change_members(vault, me.household_id, device, add=change.add, remove=change.remove,
                                  replace=change.members).to_json()


class Placement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: Name | None = Field(None, description="The area it stands in, as the home names it (null: no area). "
                                                "\"Turn on the lights\" heard there acts on that area.")


@router.put("/{device}/area", responses=raises(ErrorCode.OWNER_ONLY, ErrorCode.UNKNOWN_DEVICE, ErrorCode.INVALID_NAME),
            summary="Place a device in an area (owner)")
def place_device(vault: VaultDep, member: MemberDep, device: DevicePath, placement: Placement) -> dict[str, Any]:
    me = _owner(member)
    return devices.place(vault, me.household_id, device, placement.area).to_json()


@router.delete("/{device}", responses=raises(ErrorCode.OWNER_ONLY, ErrorCode.UNKNOWN_DEVICE),
               summary="Remove a device and its tokens (owner); a shared device's shared history is deleted with it")
def remove_device(vault: VaultDep, member: MemberDep, device: DevicePath) -> dict[str, Any]:
    me = _owner(member)
    removed, job = root.remove_device(vault, me.household_id, device)
    return {"id": removed.id, "name": removed.name, "removed": True, "deletion": deletion.job_json(job) if job else None}
