"""The sign-in throttle under attack (issue 14, finding 7): attempts are reserved before the password is
checked, so concurrent guesses cannot slip past the count; the count is per (name, client address) and
per address, so guessing from one address never locks the member out of their own; and the client
address comes from X-Forwarded-For only when the peer is a trusted proxy."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from apiclient import api
from homes import Home
from hub import CHEAP_HASHER, PASSWORD
from echoless.vault import accounts, sessions
from echoless.web.account import SIGNIN_COOKIE

ATTACKER = ("203.0.113.9", 40000)
MEMBER_HOME = ("198.51.100.20", 50000)
PROXY = ("10.0.0.5", 60000)


class CountingHasher:
    """The cheap test hasher, counting every password check (argon2 verify)."""

    def __init__(self) -> None:
        self.verifies = 0
        self._lock = threading.Lock()

    def verify(self, stored: str, password: str) -> bool:
        with self._lock:
            self.verifies += 1
        return CHEAP_HASHER.verify(stored, password)

    def __getattr__(self, name: str) -> Any:
        return getattr(CHEAP_HASHER, name)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", counting)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", CHEAP_HASHER.hash("an unknown member"))
    monkeypatch.setattr(sessions, "FIRST_DELAY", timedelta(minutes=1))  # no delay may run out during a test
    return counting


def with_bob(home: Home, hasher: CountingHasher) -> Home:
    bob, _ = home.add_member("bob")
    accounts.set_password(home.vault, bob.id, PASSWORD)
    hasher.verifies = 0
    return home


@contextmanager
def hub_app(home: Home, **settings: Any) -> Iterator[TestClient]:
    with api(home.settings.model_copy(update=settings)) as client:
        yield client


def from_address(client: TestClient, address: tuple[str, int]) -> TestClient:
    """Another browser on the same running app, connecting from `address`."""
    return TestClient(client.app, client=address)


def attempt(client: TestClient, name: str, password: str, headers: dict[str, str] | None = None) -> int:
    token = "t" * 43  # the sign-in form's double-submit token: cookie and field agree
    reply = client.post(
        "/sign-in", data={"name": name, "password": password, "csrf_token": token},
        headers={"Cookie": f"{SIGNIN_COOKIE}={token}", **(headers or {})}, follow_redirects=False,
    )
    return reply.status_code


def test_forty_concurrent_wrong_attempts_check_at_most_the_free_passwords(home: Home, hasher: CountingHasher) -> None:
    with hub_app(with_bob(home, hasher)) as client:
        start = threading.Barrier(40)

        def guess(i: int) -> int:
            start.wait()
            return attempt(client, "bob", f"wrong guess {i}")

        with ThreadPoolExecutor(40) as pool:
            statuses = list(pool.map(guess, range(40)))
    assert hasher.verifies <= sessions.PAIR_FREE, f"{hasher.verifies} password checks for {statuses}"
    assert statuses.count(401) == hasher.verifies and statuses.count(429) == 40 - hasher.verifies


def test_guessing_from_another_address_never_locks_the_member_out(sqlite_home: Home, hasher: CountingHasher) -> None:
    with hub_app(with_bob(sqlite_home, hasher)) as client:
        attacker, member = from_address(client, ATTACKER), from_address(client, MEMBER_HOME)
        statuses = [attempt(attacker, "bob", f"guess {i}") for i in range(sessions.PAIR_FREE + 5)]
        assert statuses == [401] * sessions.PAIR_FREE + [429] * 5
        assert attempt(attacker, "bob", PASSWORD) == 429  # the attacker's address waits, even with the password
        assert attempt(member, "bob", PASSWORD) == 303  # bob, from home, signs in
        assert attempt(member, "BOB ", "typo") == 401  # and his own count is his own


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(sqlite_home: Home, hasher: CountingHasher) -> None:
    with hub_app(with_bob(sqlite_home, hasher), trusted_proxies="10.0.0.0/8") as client:
        proxy, direct = from_address(client, PROXY), from_address(client, ATTACKER)
        # Through the proxy: each forwarded client has its own count.
        for i in range(sessions.PAIR_FREE):
            assert attempt(proxy, "bob", f"guess {i}", {"X-Forwarded-For": "192.0.2.1"}) == 401
        assert attempt(proxy, "bob", "guess", {"X-Forwarded-For": "192.0.2.1"}) == 429
        assert attempt(proxy, "bob", PASSWORD, {"X-Forwarded-For": "192.0.2.2"}) == 303
        # A client cannot prepend an address of its choosing: the proxy's own entry is the rightmost.
        assert attempt(proxy, "bob", "guess", {"X-Forwarded-For": "192.0.2.99, 192.0.2.1"}) == 429
        # Straight from an untrusted peer the header is ignored: a new address per guess gains nothing.
        statuses = [attempt(direct, "bob", f"guess {i}", {"X-Forwarded-For": f"192.0.2.{100 + i}"}) for i in range(sessions.PAIR_FREE + 2)]
        assert statuses == [401] * sessions.PAIR_FREE + [429] * 2


def test_a_success_starts_the_count_over(sqlite_home: Home, hasher: CountingHasher) -> None:
    with hub_app(with_bob(sqlite_home, hasher)) as client:
        browser = from_address(client, MEMBER_HOME)
        for _ in range(2):
            for i in range(sessions.PAIR_FREE - 1):
                assert attempt(browser, "bob", f"typo {i}") == 401
            assert attempt(browser, "bob", PASSWORD) == 303
