"""/v1/home: the household's (simulated) home: areas, devices, shopping list, timers."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from echoless.api.deps import MemberDep, VaultDep
from echoless.api.fields import Name
from echoless.api.responses import raises
from echoless.errors import ErrorCode
from echoless.pipeline import home as home_model
from echoless.pipeline import homes

router = APIRouter(prefix="/v1/home", tags=["home"])


class NewDevice(BaseModel):
    name: Name = Field(description="What people call it, e.g. \"kitchen light\".")
    kind: Literal["light", "switch"]
    area: str | None = Field(None, max_length=200, description="An existing area, e.g. \"kitchen\".")


class NewArea(BaseModel):
    name: Name


def home_json(state: home_model.HomeState) -> dict[str, Any]:
    return json.loads(state.to_json())


@router.get("", summary="The household's home: areas, devices and their state, shopping list, timers")
def get_home(vault: VaultDep, member: MemberDep) -> dict[str, Any]:
    return home_json(homes.load(vault, member.household_id))


@router.post("/devices", status_code=201, responses=raises(ErrorCode.HOME_INVALID, ErrorCode.HOME_CONFLICT, ErrorCode.NOT_FOUND), summary="Add a device")
def add_device(vault: VaultDep, member: MemberDep, device: NewDevice) -> dict[str, Any]:
    with homes.edit(vault, member.household_id) as state:
        home_model.add_device(state, device.name, device.kind, device.area)
    return home_json(state)


@router.delete("/devices/{name}", responses=raises(ErrorCode.NOT_FOUND), summary="Remove a device")
def remove_device(vault: VaultDep, member: MemberDep, name: str) -> dict[str, Any]:
    with homes.edit(vault, member.household_id) as state:
        home_model.remove_device(state, name)
    return home_json(state)


@router.post("/areas", status_code=201, responses=raises(ErrorCode.HOME_INVALID, ErrorCode.HOME_CONFLICT), summary="Add an area")
def add_area(vault: VaultDep, member: MemberDep, area: NewArea) -> dict[str, Any]:
    with homes.edit(vault, member.household_id) as state:
        home_model.add_area(state, area.name)
    return home_json(state)


@router.delete("/areas/{name}", responses=raises(ErrorCode.NOT_FOUND), summary="Remove an area (its devices stay, without an area)")
def remove_area(vault: VaultDep, member: MemberDep, name: str) -> dict[str, Any]:
    with homes.edit(vault, member.household_id) as state:
        home_model.remove_area(state, name)
    return home_json(state)
