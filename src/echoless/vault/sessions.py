"""Privacy Hub sign-ins: server-side sessions and the sign-in throttle, both in the data database.

The browser holds a random session id in a cookie; the database keeps only its SHA-256, the member,
the expiry and the session's CSRF synchronizer token. Failed sign-ins are counted per member name and
per client address under keyed hashes (no names or addresses in clear), so a restart resets nothing."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from sqlalchemy import delete

from echoless.errors import EcholessError, ErrorCode
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Member, SignInThrottle, WebSession

_LOGGER = logging.getLogger(__name__)

COOKIE = "echoless_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
NAME_LIMIT = 5  # failed sign-ins per member name per window
ADDRESS_LIMIT = 20  # failed sign-ins per client address per window
WINDOW = timedelta(minutes=15)
_TOUCH_EVERY = timedelta(minutes=5)


class TooManyAttempts(EcholessError):
    code = ErrorCode.TOO_MANY_ATTEMPTS

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(f"too many failed sign-ins; try again in {minutes} minute{'s' if minutes != 1 else ''}")
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
def _key(vault: Vault, kind: str, value: str) -> str:
    secret = vault.signing_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return hmac.new(hashlib.sha256(b"echoless-throttle" + secret).digest(), f"{kind}:{value}".encode(), "sha256").hexdigest()


def _keys(vault: Vault, household_id: str, name: str, address: str) -> dict[str, tuple[str, int]]:
    return {
        "name": (_key(vault, "name", f"{household_id}:{name.strip().casefold()}"), NAME_LIMIT),
        "address": (_key(vault, "address", address or "unknown"), ADDRESS_LIMIT),
    }


def check(vault: Vault, household_id: str, name: str, address: str) -> None:
    """Refuse a sign-in attempt (429) while the name or the address has too many recent failures."""
    now = utcnow()
    wait = 0
    with vault.data.read() as session:
        for key, limit in _keys(vault, household_id, name, address).values():
            row = session.get(SignInThrottle, key)
            if row is not None and row.window_start + WINDOW > now and row.failures >= limit:
                wait = max(wait, int((row.window_start + WINDOW - now).total_seconds()) + 1)
    if wait:
        raise TooManyAttempts(wait)


def failed(vault: Vault, household_id: str, name: str, address: str) -> None:
    now = utcnow()
    with vault.data.write() as session:
        session.execute(delete(SignInThrottle).where(SignInThrottle.window_start < now - WINDOW))
        for key, _limit in _keys(vault, household_id, name, address).values():
            row = session.get(SignInThrottle, key)
            if row is None:
                session.add(SignInThrottle(key_hash=key, failures=1, window_start=now))
            else:
                row.failures += 1


def succeeded(vault: Vault, household_id: str, name: str) -> None:
    key = _keys(vault, household_id, name, "")["name"][0]
    with vault.data.write() as session:
        session.execute(delete(SignInThrottle).where(SignInThrottle.key_hash == key))
