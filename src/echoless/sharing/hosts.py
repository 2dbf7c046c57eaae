"""Where echoless may send a skill request: checked on the resolved address, at install and at every call.

- never a link-local address (169.254.0.0/16, fe80::/10), a cloud metadata address (169.254.169.254,
  fd00:ec2::254, 100.100.100.200), an unspecified, multicast or reserved one — not even when approved;
- a loopback or private-network address (127.0.0.0/8, ::1, 10/8, 172.16/12, 192.168/16, fc00::/7,
  100.64/10, ...) only for a host the owner approved when installing the skill (`allow_private_host`);
- any public address.

The request then goes to the very address that was checked (the name is not resolved a second time,
so a DNS answer cannot change between the check and the connection); TLS still verifies the name."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select

from echoless.sharing.records import SkillRow
from echoless.vault.instance import Vault

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Kind = Literal["public", "private", "forbidden"]
APPROVED_KEY = "_approved_private_hosts"  # beside the manifest in the skills row: the owner's approval
METADATA = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="skill-dns")  # getaddrinfo has no timeout of its own


class HostRefused(ValueError):
    """A skill URL whose host resolves to an address echoless will not call (counts as unreachable)."""


def _embedded(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def classify(address: Address) -> Kind:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _classify_one(address.ipv4_mapped)  # ::ffff:a.b.c.d is a.b.c.d
    kinds: list[Kind] = [_classify_one(address)]
    if isinstance(address, ipaddress.IPv6Address) and (inner := _embedded(address)) is not None:
        kinds.append(_classify_one(inner))
    return "forbidden" if "forbidden" in kinds else "private" if "private" in kinds else "public"


def _classify_one(address: Address) -> Kind:
    if address in METADATA or address.is_link_local or address.is_multicast or address.is_unspecified:
        return "forbidden"
    if address.is_loopback:
        return "private"
    if address.is_reserved:
        return "forbidden"
    if address.is_private or not address.is_global:
        return "private"
    return "public"


def hostname(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def resolve(url: str, timeout: float = 5.0) -> list[Address]:
    """Every address the URL's host resolves to, within `timeout` seconds (socket.gaierror, an
    OSError, when it does not resolve; TimeoutError when the resolver takes too long)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    lookup = _resolver.submit(socket.getaddrinfo, parts.hostname or "", port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=timeout)
    except FuturesTimeout:
        raise TimeoutError(f"resolving {parts.hostname} took too long") from None
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))


def check(url: str, addresses: list[Address], approved: Collection[str]) -> list[Address]:
    """The addresses to connect to, in order; HostRefused when any address of the host is out of bounds."""
    host = hostname(url)
    if not addresses:
        raise HostRefused(f"{host} has no address")
    for address in addresses:
        kind = classify(address)
        if kind == "forbidden":
            raise HostRefused(f"{host} resolves to {address}, a link-local or metadata address that skills may never use")
        if kind == "private" and host not in approved:
            raise HostRefused(
                f"{host} resolves to {address}, a loopback or private-network address; only the owner can allow "
                "that, when installing the skill (allow_private_host)"
            )
    return addresses


@dataclass(frozen=True)
class Target:
    """Where to connect (the checked address), and the name for the Host header and TLS."""

    url: str
    host_header: str
    server_name: str

    def extensions(self) -> dict[str, Any]:
        return {"sni_hostname": self.server_name}


def targets(url: str, approved: Collection[str], timeout: float = 5.0) -> list[Target]:
    """One target per checked address of the URL's host (try them in order)."""
    original = httpx.URL(url)
    return [
        Target(str(original.copy_with(host=str(address))), original.netloc.decode("ascii"), original.host)
        for address in check(url, resolve(url, timeout), approved)
    ]


def approved_anywhere(vault: Vault) -> set[str]:
    """The private hosts the owner approved for any installed skill (for deletion requests, which
    know the URL but not the skill)."""
    with vault.data.read() as session:
        manifests = session.scalars(select(SkillRow.manifest))
        return {host for doc in manifests for host in (doc or {}).get(APPROVED_KEY, [])}
