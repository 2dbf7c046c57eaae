"""Privacy Hub sign-ins: server-side sessions and the sign-in throttle, both in the data database.

The browser holds a random session id in a cookie; the database keeps only its SHA-256, the member,
the expiry and the session's CSRF synchronizer token.

The sign-in throttle counts attempts per (member name, client address) and per client address, under
keyed hashes (no names or addresses in clear) in the data database, so a restart resets nothing. An
attempt is *reserved* — counted and checked in one write transaction, the row locked — before the
password is checked, so concurrent attempts cannot all slip past the count. Past a few free attempts
each further one waits a growing delay instead of meeting a hard lock: nobody can lock a member out
from another address, since a member's own address has its own count."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from echoless.errors import EcholessError, ErrorCode
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Member, SignInThrottle, WebSession

_LOGGER = logging.getLogger(__name__)

COOKIE = "echoless_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
PAIR_FREE = 5  # attempts per (name, address) before the delays start
ADDRESS_FREE = 20  # attempts per client address (any name) before the delays start
FIRST_DELAY = timedelta(seconds=2)  # then doubling for each further attempt ...
MAX_DELAY = timedelta(minutes=15)  # ... up to this
QUIET = timedelta(hours=1)  # a count with no attempt for this long starts over
_TOUCH_EVERY = timedelta(minutes=5)


class TooManyAttempts(EcholessError):
    code = ErrorCode.TOO_MANY_ATTEMPTS

    def __init__(self, retry_after: int) -> None:
        amount, unit = (retry_after, "second") if retry_after < 60 else (math.ceil(retry_after / 60), "minute")
        super().__init__(f"too many failed sign-ins; try again in {amount} {unit}{'s' if amount != 1 else ''}")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    session: WebSession
    member: Member

    @property
    def csrf(self) -> str:
        return self.session.csrf_token


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def session_hash(session_id: str) -> str:
    """What the sessions table keeps of a session id."""
    return _hash(session_id)


def start(vault: Vault, member: Member) -> str:
    """A new session for the member; returns the id for the cookie (stored only as a hash)."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    row = WebSession(
        id_hash=_hash(session_id),
        member_id=member.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=vault.settings.session_hours),
    )
    with vault.data.write() as session:
        session.execute(delete(WebSession).where(WebSession.member_id == member.id, WebSession.expires_at < now))
        session.add(row)
    _LOGGER.info("signed in")
    return session_id


def lookup(vault: Vault, session_id: str | None) -> SignedIn | None:
    if not session_id or len(session_id) > 200:
        return None
    now = utcnow()
    with vault.data.read() as session:
        row = session.get(WebSession, _hash(session_id))
        member = session.get(Member, row.member_id) if row is not None else None
    if row is None or member is None or row.expires_at <= now:
        return None
    if now - row.last_seen_at > _TOUCH_EVERY:
        with vault.data.write() as session:
            current = session.get(WebSession, row.id_hash)
            if current is not None:
                current.last_seen_at = now
    return SignedIn(row, member)


def end(vault: Vault, session_id: str | None) -> None:
    if not session_id:
        return
    with vault.data.write() as session:
        session.execute(delete(WebSession).where(WebSession.id_hash == _hash(session_id)))


def end_all(vault: Vault, member_id: str) -> int:
    with vault.data.write() as session:
        return session.execute(delete(WebSession).where(WebSession.member_id == member_id)).rowcount


def csrf_ok(signed_in: SignedIn, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(signed_in.csrf.encode(), str(token).encode())


# The sign-in throttle --------------------------------------------------------------------------
# A row holds `failures`, the attempts counted (a success refunds its own), and `window_start`, the
# time of the last counted attempt: the next one may start once its delay has passed since then.
def _key(vault: Vault, kind: str, value: str) -> str:
    secret = vault.signing_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return hmac.new(hashlib.sha256(b"echoless-throttle" + secret).digest(), f"{kind}:{value}".encode(), "sha256").hexdigest()


def _address(address: str) -> str:
    """IPv6 clients are counted per /64 (one subscriber's prefix), so rotating addresses gains nothing."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False)) if parsed.version == 6 else str(parsed)


def _keys(vault: Vault, household_id: str, name: str, address: str) -> dict[str, tuple[str, int]]:
    client = _address(address)
    return {
        "pair": (_key(vault, "pair", f"{household_id}:{name.strip().casefold()}:{client}"), PAIR_FREE),
        "address": (_key(vault, "address", client), ADDRESS_FREE),
    }


def delay(failures: int, free: int) -> timedelta:
    """How long after the last attempt the next may start, once `failures` attempts were counted."""
    if failures < free:
        return timedelta(0)
    return min(FIRST_DELAY * (2 ** min(failures - free, 20)), MAX_DELAY)


def _locked_row(session: Session, key: str, now: datetime) -> SignInThrottle:
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    session.execute(
        insert(SignInThrottle).values(key_hash=key, failures=0, window_start=now).on_conflict_do_nothing(index_elements=["key_hash"])
    )
    return session.scalars(select(SignInThrottle).where(SignInThrottle.key_hash == key).with_for_update()).one()


def reserve(vault: Vault, household_id: str, name: str, address: str) -> None:
    """Count a sign-in attempt before its password is checked; refuse it (429) while a delay runs."""
    now = utcnow()
    with vault.data.write() as session:
        session.execute(delete(SignInThrottle).where(SignInThrottle.window_start < now - QUIET))
        rows = [(_locked_row(session, key, now), free) for key, free in _keys(vault, household_id, name, address).values()]
        wait = max((row.window_start + delay(row.failures, free) - now).total_seconds() for row, free in rows)
        if wait > 0:
            raise TooManyAttempts(math.ceil(wait))  # rolls back: a refused attempt counts for nothing
        for row, _free in rows:
            row.failures += 1
            row.window_start = now


def succeeded(vault: Vault, household_id: str, name: str, address: str) -> None:
    """A right password: this name's count from this address starts over; the address gets its attempt back."""
    keys = _keys(vault, household_id, name, address)
    with vault.data.write() as session:
        session.execute(delete(SignInThrottle).where(SignInThrottle.key_hash == keys["pair"][0]))
        row = session.get(SignInThrottle, keys["address"][0])
        if row is not None and row.failures > 0:
            row.failures -= 1
