"""Where the Wyoming server listens, and whom it answers. Wyoming has no authentication: whoever reaches the
port speaks as the device. So the server listens on loopback unless `beyond_loopback` is set explicitly, and
then only with an allow-list of client addresses; a client outside the allow-list (when one is given, on
loopback too) is refused before any event is read."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlparse

from echoless.errors import BadRequest, ErrorCode

DEFAULT_URI = "tcp://127.0.0.1:10300"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressRefused(BadRequest):
    code = ErrorCode.WYOMING_ADDRESS_REFUSED


@dataclass(frozen=True)
class Listener:
    host: str
    port: int
    allowed: tuple[Network, ...] = field(default_factory=tuple)  # empty: any client (loopback only)

    @property
    def uri(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"

    def admits(self, peer: str | None) -> bool:
        """May this client address speak to the server?"""
        try:
            address = ipaddress.ip_address((peer or "").split("%")[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not self.allowed:
            return address.is_loopback
        return any(address in network for network in self.allowed)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _networks(allow: Iterable[str]) -> tuple[Network, ...]:
    found = []
    for entry in allow:
        try:
            found.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise AddressRefused(f"{entry!r} is not a client address or network (e.g. 192.168.1.20 or 192.168.1.0/24)") from exc
    return tuple(found)


def listener(uri: str = DEFAULT_URI, *, beyond_loopback: bool = False, allow: Iterable[str] = ()) -> Listener:
    """Check where to listen: `tcp://HOST:PORT`; a host other than loopback needs `beyond_loopback` and an
    allow-list, since any client that reaches the port would speak as the device."""
    parsed = urlparse(uri)
    try:
        port = parsed.port
    except ValueError:
        port = None
    if parsed.scheme != "tcp" or not parsed.hostname or port is None:
        raise AddressRefused(f"{uri!r} is not tcp://HOST:PORT")
    allowed = _networks(allow)
    if not _is_loopback(parsed.hostname):
        if not beyond_loopback:
            raise AddressRefused(f"{parsed.hostname} is not loopback: Wyoming has no authentication, so listening on "
                                 "another address needs --beyond-loopback and --allow for each client address")
        if not allowed:
            raise AddressRefused("listening beyond loopback needs an allow-list: --allow ADDRESS (repeat) for each client")
    return Listener(parsed.hostname, port, allowed)
