"""Leases in the data database: a restore runs alone, with no server serving the same data. Servers
renew theirs as they work; a crashed holder's lease expires. Taken in one write transaction (SQLite:
BEGIN IMMEDIATE; PostgreSQL: a row lock on the holders), so two takers never both succeed."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select, text

from echoless.errors import Conflict, ErrorCode
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Lease

SERVER = "server"
RESTORE = "restore"
# A kind may not be taken while any of these are held by someone else.
EXCLUDES = {SERVER: {RESTORE}, RESTORE: {SERVER, RESTORE}}


def new_holder() -> str:
    return secrets.token_hex(16)


def take(vault: Vault, kind: str, holder: str, seconds: float) -> None:
    """Take (or renew) a lease; refuse with a clear error while an excluding one is held."""
    now = utcnow()
    with vault.data.write() as session:
        if not vault.data.is_sqlite:
            session.execute(text("LOCK TABLE leases IN EXCLUSIVE MODE"))
        session.execute(delete(Lease).where(Lease.expires_at < now))
        held = session.execute(select(Lease.kind, Lease.expires_at).where(
            Lease.kind.in_(EXCLUDES[kind]), Lease.holder != holder)).all()
        if held:
            other, until = held[0]
            raise Conflict(
                f"a {other} is working on this data until {until:%H:%M:%S} UTC at the latest; "
                + ("stop the server first" if other == SERVER else "wait for it to finish"),
                code=ErrorCode.LEASE_HELD,
            )
        row = session.get(Lease, holder)
        if row is None:
            session.add(Lease(holder=holder, kind=kind, expires_at=now + timedelta(seconds=seconds)))
        else:
            row.expires_at = now + timedelta(seconds=seconds)


def release(vault: Vault, holder: str) -> None:
    with vault.data.write() as session:
        session.execute(delete(Lease).where(Lease.holder == holder))
