"""/v1/home: the household's (simulated) home: areas, devices, shopping list, timers; and
/v1/home/connection: the household's connected Home Assistant (the owner connects and disconnects it; the
token goes in, never out)."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from echoless import root
from echoless.api.deps import MemberDep, VaultDep
from echoless.api.fields import Name
from echoless.api.responses import raises
from echoless.errors import ErrorCode, Forbidden, NotFound
from echoless.terms import Role
from echoless.vault.instance import Vault
from echoless.vault.models import Member
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


# The connected home ------------------------------------------------------------------------------
class NewConnection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="Home Assistant's address, e.g. http://homeassistant.local:8123")
    token: SecretStr = Field(max_length=4096, description="A long-lived access token made in Home Assistant "
                                                          "(your profile → Security). Stored encrypted; never shown again.")
    keep_days: int | None = Field(None, ge=1, le=3650, description="How many days Home Assistant's recorder keeps "
                                  "state history (its purge_keep_days), if not its default of 10.")


class HassArea(BaseModel):
    name: str
    aliases: list[str]


class HassEntity(BaseModel):
    entity_id: str
    name: str
    aliases: list[str]
    area: str | None
    domain: str
    state: str


class ConnectedHome(BaseModel):
    connected: bool = Field(description="False: the simulated home acts (and the other fields are empty).")
    url: str | None = None
    history_days: int | None = Field(None, description="How long Home Assistant keeps its own state history.")
    areas: list[HassArea] = Field(default_factory=list)
    entities: list[HassEntity] = Field(default_factory=list, description="The entities exposed to Assist, with their state.")


_ERRORS = {
    400: {"description": "not an address, or Home Assistant refused the token (home-connection-invalid, home-token-rejected)"},
    403: {"description": "only the household's owner connects a home (owner-only)"},
    503: {"description": "Home Assistant cannot be reached (home-unreachable)"},
}


def _owner(member: Member) -> Member:
    if member.role != Role.OWNER:
        raise Forbidden("only the household's owner manages the connected home", code=ErrorCode.OWNER_ONLY)
    return member


def _connected(vault: Vault, household_id: str) -> ConnectedHome:
    found = root.connected_home(vault, household_id)
    if found is None:
        return ConnectedHome(connected=False)
    settings, view = found
    return ConnectedHome(connected=True, url=settings.url, history_days=settings.history_days, **view.to_json())


@router.get("/connection", summary="The connected Home Assistant: its areas and the entities it exposes to Assist (owner)",
            responses={403: _ERRORS[403], 503: _ERRORS[503]})
def get_connection(vault: VaultDep, member: MemberDep) -> ConnectedHome:
    return _connected(vault, _owner(member).household_id)


@router.put("/connection", summary="Connect the household to a Home Assistant (owner)", responses=_ERRORS)
def put_connection(vault: VaultDep, member: MemberDep, new: NewConnection) -> ConnectedHome:
    me = _owner(member)
    root.connect_home(vault, me.household_id, new.url, new.token.get_secret_value(), keep_days=new.keep_days)
    return _connected(vault, me.household_id)


@router.delete("/connection", status_code=204, summary="Disconnect the household's Home Assistant (owner)",
               responses={403: _ERRORS[403], 404: {"description": "no home is connected (home-not-connected)"}})
def delete_connection(vault: VaultDep, member: MemberDep) -> None:
    if not root.disconnect_home(vault, _owner(member).household_id):
        raise NotFound("no home is connected", code=ErrorCode.HOME_NOT_CONNECTED)
