"""The Wyoming satellites echoless connects to (`echoless satellites add tcp://HOST:PORT --device NAME`): each
speaks as one device of the household, so what it hears is recorded like any of that device's requests
(PRIVACY_MODEL §4, §6). Household configuration, no content: an address and a device. The server connects
to each (voicelink/satellite.py) and notices additions and removals while it runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from echoless.errors import BadRequest, Conflict, ErrorCode, NotFound
from echoless.vault import accounts, audit
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Device, Satellite

MAX_URI = 300


@dataclass(frozen=True)
class SatelliteInfo:
    satellite: Satellite
    device: str  # the device's name

    def to_json(self) -> dict[str, Any]:
        return {"id": self.satellite.id, "uri": self.satellite.uri, "device": self.device,
                "created_at": self.satellite.created_at.isoformat()}


def check_uri(uri: str) -> str:
    """`tcp://HOST:PORT`, as wyoming-satellite's `--uri` listens."""
    uri = uri.strip()
    parsed = urlparse(uri)
    try:
        port = parsed.port
    except ValueError:
        port = None
    if len(uri) > MAX_URI or parsed.scheme != "tcp" or not parsed.hostname or port is None or parsed.path not in ("", "/"):
        raise BadRequest(f"a satellite's address is tcp://HOST:PORT, not {uri[:80]!r}", code=ErrorCode.INVALID_SATELLITE)
    return uri.rstrip("/")


def add(vault: Vault, household_id: str, uri: str, device: str) -> SatelliteInfo:
    """Connect to the satellite at `uri`, speaking as `device` (a name or id)."""
    uri = check_uri(uri)
    found = accounts.find_device(vault, household_id, device)
    row = Satellite(id=accounts.new_id(), household_id=household_id, device_id=found.id, uri=uri, created_at=utcnow())
    try:
        with vault.data.write() as session:
            session.add(row)
            session.flush()
            audit.append_in(session, audit.SATELLITE_ADDED, subject=row.id)
    except IntegrityError as exc:
        raise Conflict(f"the satellite {uri} is already added", code=ErrorCode.SATELLITE_EXISTS) from exc
    return SatelliteInfo(row, found.name)


def listed(vault: Vault, household_id: str | None = None) -> list[SatelliteInfo]:
    """The satellites of a household (of every household when None), oldest first."""
    query = select(Satellite, Device.name).join(Device, Device.id == Satellite.device_id)
    if household_id is not None:
        query = query.where(Satellite.household_id == household_id)
    with vault.data.read() as session:
        return [SatelliteInfo(row, name) for row, name in session.execute(query.order_by(Satellite.created_at, Satellite.id))]


def remove(vault: Vault, household_id: str, uri_or_id: str) -> SatelliteInfo:
    wanted = uri_or_id.strip().rstrip("/")
    for shown in listed(vault, household_id):
        if wanted in (shown.satellite.id, shown.satellite.uri):
            with vault.data.write() as session:
                session.execute(delete(Satellite).where(Satellite.id == shown.satellite.id))
                audit.append_in(session, audit.SATELLITE_REMOVED, subject=shown.satellite.id)
            return shown
    raise NotFound(f"no satellite {uri_or_id!r} in this household", code=ErrorCode.UNKNOWN_SATELLITE)


def forget_device(session: Session, device_id: str) -> None:
    """A device goes: so do the satellites that spoke as it (in the transaction removing it)."""
    for satellite_id in session.scalars(select(Satellite.id).where(Satellite.device_id == device_id)):
        audit.append_in(session, audit.SATELLITE_REMOVED, subject=satellite_id)
    session.execute(delete(Satellite).where(Satellite.device_id == device_id))
