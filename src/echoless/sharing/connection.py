"""The household's connected home (PRIVACY_MODEL §6): which Home Assistant it acts on, with which long-lived
access token. The URL and the token are encrypted together under the household key; the token never
reaches a log, an argument list or a response. The connected home receives service calls only (the
pipeline's `hass` modules); this store owns the connection and says how it dies and how it is verified."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from echoless.errors import BadRequest, ErrorCode
from echoless.vault import crypto
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import HomeConnectionRow
from echoless.vault.store import DeletionRule, Scan, Store, TableSpec

_LOGGER = logging.getLogger(__name__)

CHANGED = "home-connection-changed"  # told (household id) after a connect or disconnect: drop the live link
HA_DEFAULT_KEEP_DAYS = 10  # Home Assistant's recorder keeps state history 10 days unless its owner says otherwise
MAX_KEEP_DAYS = 3650


@dataclass(frozen=True)
class Connection:
    """A connection's settings. The token is a secret: never printed, never logged (see `__repr__`)."""

    url: str
    token: str
    keep_days: int | None = None

    def __repr__(self) -> str:
        return f"Connection(url=<masked>, token=<masked>, keep_days={self.keep_days!r})"

    @property
    def history_days(self) -> int:
        """How long Home Assistant keeps its state history: the owner's value, else HA's default."""
        return self.keep_days if self.keep_days is not None else HA_DEFAULT_KEEP_DAYS


class ConnectedHomeStore(Store):
    name = "connected-home"
    tables = (
        TableSpec(HomeConnectionRow, DeletionRule.USER_STATE, "the household's own configuration: outlives history",
                  {"secret": "the household key"}),
    )

    def verify(self, vault: Vault, scan: Scan) -> None:
        """Each connection decrypts; its token (and URL) are needles, so a plaintext copy anywhere is found."""
        with vault.data.read() as session:
            rows = list(session.query(HomeConnectionRow))
        for row in rows:
            try:
                connection = _decrypt(vault, row)
            except Exception:  # noqa: BLE001 - any failure is a finding, never its message
                scan.report.add(self.name, "undecryptable", "a home connection does not decrypt", row.household_id)
                continue
            scan.needles[connection.token.encode()] = row.household_id


def _aad(household_id: str) -> bytes:
    return crypto.content_aad(household_id, household_id, "home-connection")


def _decrypt(vault: Vault, row: HomeConnectionRow) -> Connection:
    key = vault.keyring.owner_key(row.household_id, row.household_id)
    data = json.loads(crypto.decrypt(key, row.secret, _aad(row.household_id)))
    return Connection(url=str(data["url"]), token=str(data["token"]), keep_days=row.keep_days)


def check_url(url: str) -> str:
    """A Home Assistant base URL (http or https, a host, no query); returned without a trailing slash."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise BadRequest("the home's URL must be an http:// or https:// address such as http://homeassistant.local:8123",
                         code=ErrorCode.HOME_CONNECTION_INVALID)
    return url.rstrip("/")


def check_token(token: str) -> str:
    token = token.strip()
    if not token or len(token) > 4096 or any(c.isspace() for c in token):
        raise BadRequest("the access token is empty or not a token", code=ErrorCode.HOME_CONNECTION_INVALID)
    return token


def check_keep_days(days: int | None) -> int | None:
    if days is not None and not 1 <= days <= MAX_KEEP_DAYS:
        raise BadRequest(f"keep days is 1 to {MAX_KEEP_DAYS}", code=ErrorCode.HOME_CONNECTION_INVALID)
    return days


def load(vault: Vault, household_id: str) -> Connection | None:
    with vault.data.read() as session:
        row = session.get(HomeConnectionRow, household_id)
    return None if row is None else _decrypt(vault, row)


def save(vault: Vault, household_id: str, connection: Connection) -> None:
    key = vault.keyring.owner_key(household_id, household_id)
    secret = crypto.encrypt(key, json.dumps({"url": connection.url, "token": connection.token}).encode(), _aad(household_id))
    with vault.data.write() as session:
        row = session.get(HomeConnectionRow, household_id)
        if row is None:
            session.add(HomeConnectionRow(household_id=household_id, secret=secret, keep_days=connection.keep_days,
                                          connected_at=utcnow()))
        else:
            row.secret, row.keep_days, row.connected_at = secret, connection.keep_days, utcnow()
    _LOGGER.info("a household connected its home")
    vault.runtime.tell(CHANGED, household_id)


def remove(vault: Vault, household_id: str) -> bool:
    with vault.data.write() as session:
        row = session.get(HomeConnectionRow, household_id)
        if row is not None:
            session.delete(row)
    if row is not None:
        _LOGGER.info("a household disconnected its home")
        vault.runtime.tell(CHANGED, household_id)
    return row is not None
