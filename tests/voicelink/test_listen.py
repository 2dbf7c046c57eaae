"""Where the Wyoming server may listen and whom it answers (no authentication in Wyoming: loopback unless
told otherwise, and then only an allow-list)."""

from __future__ import annotations

import pytest

from echoless.voicelink.listen import AddressRefused, listener


def test_loopback_by_default_answers_loopback_clients_only() -> None:
    where = listener()
    assert (where.host, where.port, where.uri) == ("127.0.0.1", 10300, "tcp://127.0.0.1:10300")
    assert where.admits("127.0.0.1") and where.admits("::1") and where.admits("::ffff:127.0.0.1")
    assert not where.admits("192.168.1.20") and not where.admits(None) and not where.admits("not an address")


@pytest.mark.parametrize("uri", ["tcp://0.0.0.0:10300", "tcp://192.168.1.5:10300", "tcp://[::]:10300"])
def test_another_address_needs_the_explicit_option_and_an_allow_list(uri: str) -> None:
    with pytest.raises(AddressRefused, match="--beyond-loopback"):
        listener(uri)
    with pytest.raises(AddressRefused, match="allow-list"):
        listener(uri, beyond_loopback=True)
    where = listener(uri, beyond_loopback=True, allow=["192.168.1.0/24", "10.0.0.7"])
    assert where.admits("192.168.1.20") and where.admits("10.0.0.7")
    assert not where.admits("10.0.0.8") and not where.admits("127.0.0.1")


def test_an_allow_list_narrows_loopback_too() -> None:
    where = listener("tcp://127.0.0.1:10300", allow=["127.0.0.2"])
    assert where.admits("127.0.0.2") and not where.admits("127.0.0.1")


@pytest.mark.parametrize("uri", ["udp://127.0.0.1:10300", "tcp://127.0.0.1", "127.0.0.1:10300", "tcp://127.0.0.1:port"])
def test_what_is_not_tcp_host_port_is_refused(uri: str) -> None:
    with pytest.raises(AddressRefused, match="tcp://HOST:PORT"):
        listener(uri)


def test_an_allow_list_entry_that_is_no_address_is_refused() -> None:
    with pytest.raises(AddressRefused, match="not a client address"):
        listener(allow=["kitchen"])
