"""Who is on the other end: the client's address and whether it came over HTTPS.

Behind a reverse proxy every request comes from the proxy, which names the client in
`X-Forwarded-For` and the scheme in `X-Forwarded-Proto`. Anyone can send those headers, so they are
believed only from the peers listed in ECHOLESS_TRUSTED_PROXIES; from anyone else they are ignored."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip("[]")
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(text: str, networks: Sequence[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


def _networks(connection: HTTPConnection) -> Sequence[Network]:
    return connection.app.state.vault.settings.trusted_proxy_networks


def _peer(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else UNKNOWN


def _header_values(connection: HTTPConnection, name: str) -> list[str]:
    return [part.strip() for value in connection.headers.getlist(name) for part in value.split(",") if part.strip()]


def client_address(connection: HTTPConnection) -> str:
    """The client's address: the peer, or, while the hop is a trusted proxy, the address it forwarded
    (read right to left, so a client cannot prepend an address of its choosing)."""
    networks = _networks(connection)
    current = _peer(connection)
    forwarded = _header_values(connection, "x-forwarded-for")
    while forwarded and _trusted(current, networks):
        current = forwarded.pop()
    address = _address(current)
    return str(address) if address is not None else current[:100]


def is_https(connection: HTTPConnection) -> bool:
    """True for a TLS connection, or when a trusted proxy says it terminated TLS."""
    if connection.url.scheme in ("https", "wss"):
        return True
    if not _trusted(_peer(connection), _networks(connection)):
        return False
    proto = _header_values(connection, "x-forwarded-proto")
    return bool(proto) and proto[-1].lower() == "https"


def cookie_secure(connection: HTTPConnection) -> bool:
    """Whether cookies get the `Secure` flag: as configured, else as the listening address suggests,
    and always for a request that arrived over HTTPS (directly or through a trusted proxy)."""
    settings = connection.app.state.vault.settings
    if settings.cookie_secure is not None:
        return bool(settings.cookie_secure)
    return settings.resolved_cookie_secure or is_https(connection)
