"""Where a skill may be reached (issue 14, finding 12): never link-local or cloud-metadata addresses;
loopback and private networks only for a host the owner approved; checked on the resolved address, at
install and again at every call, and the request goes to the very address that was checked."""

from __future__ import annotations

import ipaddress
import json
import socket
from typing import Any

import pytest

from homes import Home
from sharing_helpers import say
from skill_server import manifest, skill_server

from echoless.errors import BadRequest
from echoless.sharing import hosts, invoke, ledger, skills, wire
from echoless.sharing.manifest import parse

REAL_GETADDRINFO = socket.getaddrinfo


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("169.254.169.254", "forbidden"), ("169.254.10.1", "forbidden"), ("fe80::1", "forbidden"), ("fd00:ec2::254", "forbidden"),
        ("::ffff:169.254.169.254", "forbidden"), ("64:ff9b::a9fe:a9fe", "forbidden"), ("2002:a9fe:a9fe::1", "forbidden"),
        ("0.0.0.0", "forbidden"), ("::", "forbidden"), ("224.0.0.1", "forbidden"), ("100.100.100.200", "forbidden"),
        ("127.0.0.1", "private"), ("127.8.9.10", "private"), ("::1", "private"), ("10.1.2.3", "private"), ("172.16.0.9", "private"),
        ("192.168.1.20", "private"), ("fc00::5", "private"), ("100.64.0.1", "private"), ("::ffff:10.0.0.1", "private"),
        ("93.184.215.14", "public"), ("2606:4700::6810:84e5", "public"),
    ],
)
def test_addresses_are_classified(address: str, kind: str) -> None:
    assert hosts.classify(ipaddress.ip_address(address)) == kind


def _manifest_at(name: str, base: str) -> Any:
    doc = json.loads(manifest(name, base="http://127.0.0.1:9"))
    doc.update(endpoint=f"{base}/ask", deletion_endpoint=f"{base}/forget")
    return parse(json.dumps(doc))


@pytest.mark.parametrize("base", ["https://169.254.169.254", "https://[fe80::1]", "https://[fd00:ec2::254]", "https://[::ffff:169.254.169.254]"])
def test_link_local_and_metadata_endpoints_are_never_installed(sqlite_home: Home, base: str) -> None:
    for approved in (False, True):
        with pytest.raises(BadRequest) as refused:
            skills.install(sqlite_home.vault, sqlite_home.owner, _manifest_at("meta", base), allow_private_host=approved)
        assert refused.value.code == "skill-host-refused" and "never" in refused.value.message
    assert skills.installed(sqlite_home.vault, sqlite_home.owner.household_id) == []


def test_a_loopback_or_private_host_needs_the_owners_approval(sqlite_home: Home) -> None:
    home = sqlite_home
    for base in ("http://127.0.0.1:9", "http://localhost:9", "https://10.0.0.7", "https://[::1]:9"):
        with pytest.raises(BadRequest) as refused:
            skills.install(home.vault, home.owner, _manifest_at("lan", base))
        assert refused.value.code == "skill-host-refused" and "allow_private_host" in refused.value.message
    installed = skills.install(home.vault, home.owner, _manifest_at("lan", "http://127.0.0.1:9"), allow_private_host=True)
    assert installed.approved_hosts == ("127.0.0.1",) and installed.to_json()["private_host_approved"] is True
    assert skills.find(home.vault, home.owner.household_id, "lan").approved_hosts == ("127.0.0.1",)
    # A new manifest is a new decision: without the approval again, it is refused.
    with pytest.raises(BadRequest):
        skills.install(home.vault, home.owner, _manifest_at("lan", "http://127.0.0.1:10"))


def test_a_public_host_needs_no_approval_and_an_unresolvable_one_is_checked_at_call_time(sqlite_home: Home) -> None:
    skills.install(sqlite_home.vault, sqlite_home.owner, _manifest_at("public", "https://93.184.215.14"))
    skills.install(sqlite_home.vault, sqlite_home.owner, _manifest_at("later", "https://skills.invalid"))
    names = [s.name for s in skills.installed(sqlite_home.vault, sqlite_home.owner.household_id)]
    assert names == ["later", "public"]


def _resolve_as(monkeypatch: pytest.MonkeyPatch, name: str, address: str) -> None:
    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == name:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port))]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.parametrize("rebound", ["169.254.169.254", "10.0.0.7", "::1"])
def test_the_address_is_checked_again_at_every_call(sqlite_home: Home, monkeypatch: pytest.MonkeyPatch, rebound: str) -> None:
    """A name that resolved to a public address at install (or not at all) and now resolves to a
    metadata or unapproved private address: nothing is sent, the member hears the fallback."""
    home = sqlite_home
    _resolve_as(monkeypatch, "skills.example", "93.184.215.14")
    skills.install(home.vault, home.owner, _manifest_at("jokes", "https://skills.example"))
    skills.enable(home.vault, home.owner, "jokes")
    _resolve_as(monkeypatch, "skills.example", rebound)

    def no_connection(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a connection was attempted to a refused address")

    monkeypatch.setattr(wire.httpx, "Client", no_connection)
    _, result = say(home, home.owner, "tell me a joke about cats")
    assert result.outcome == "unreachable" and str(result.response) == invoke.fallback("jokes")
    assert [s["outcome"] for s in ledger.shares(home.vault, home.owner)] == ["unreachable"]


def test_even_an_approved_host_is_refused_when_it_resolves_to_metadata(sqlite_home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    home = sqlite_home
    with skill_server() as skill:
        port = skill.server.server_address[1]
        skills.install(home.vault, home.owner, _manifest_at("jokes", f"http://localhost:{port}"), allow_private_host=True)
        skills.enable(home.vault, home.owner, "jokes")
        _, answered = say(home, home.owner, "tell me a joke about cats")
        assert answered.ok and len(skill.asks()) == 1  # localhost, approved, resolved to 127.0.0.1: sent
        _resolve_as(monkeypatch, "localhost", "169.254.169.254")
        _, refused = say(home, home.owner, "tell me a joke about dogs")
        assert refused.outcome == "unreachable" and len(skill.asks()) == 1  # nothing more was sent


def test_the_request_goes_to_the_checked_address_with_the_real_host_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pinned to the address it checked, the request still names its host (Host header, TLS SNI)."""
    _resolve_as(monkeypatch, "skills.example", "93.184.215.14")
    (pinned,) = hosts.targets("https://skills.example:8443/ask?x=1", ())
    assert pinned.url == "https://93.184.215.14:8443/ask?x=1"
    assert pinned.host_header == "skills.example:8443" and pinned.extensions() == {"sni_hostname": "skills.example"}
