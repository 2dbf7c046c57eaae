"""A signed-in Privacy Hub for tests: one in-process app, members with passwords, and a switch
between their browser sessions (cookies) on one TestClient."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from apiclient import api, upload
from homes import KEEP_EVERYTHING, Home
from samples import tone_wav
from echoless import root
from echoless.vault import accounts, sessions
from echoless.vault.models import Interaction, Member

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_in(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@dataclass
class Hub:
    home: Home
    client: TestClient
    members: dict[str, Member] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)

    def sign_in(self, name: str, password: str = PASSWORD) -> Any:
        self.client.cookies.clear()
        page = self.client.get("/")
        reply = self.client.post("/sign-in", data={"name": name, "password": password, "csrf_token": csrf_in(page.text)}, follow_redirects=False)
        if reply.status_code == 303:
            self.cookies[name] = reply.cookies[sessions.COOKIE]
            self.csrf[name] = csrf_in(self.client.get("/settings").text)
        return reply

    def use(self, name: str | None) -> TestClient:
        """Act as this member's browser (None: signed out)."""
        self.client.cookies.clear()
        if name is not None:
            self.client.cookies.set(sessions.COOKIE, self.cookies[name])
        return self.client

    def record(self, name: str, transcript: str, created_at: str | None = None, *, on_device: bool = False) -> str:
        """Import an interaction for `name` with their own token (devices cannot import); `on_device`: as the
        operator's `echoless record` would, heard on the household's kitchen speaker."""
        body: dict[str, Any] = {"transcript": transcript, "response": f"answer to {transcript}", "action": {"intent": "HassTurnOff", "result": "kitchen light off"}}
        member = accounts.find_member(self.home.vault, self.home.owner.household_id, name)
        if on_device:
            when = datetime.fromisoformat(created_at) if created_at else None
            item = root.import_recording(self.home.vault, member, self.home.device.id, tone_wav(0.2), transcript=transcript,
                                         response=body["response"], action=body["action"], created_at=when)
            assert item is not None
            return item
        if created_at:
            body["created_at"] = created_at
        saved = dict(self.client.cookies)
        self.client.cookies.clear()
        token = self.tokens.get(name) or accounts.new_member_token(self.home.vault, member.id)
        reply = upload(self.client, token, tone_wav(0.2), record=body)
        for key, value in saved.items():
            self.client.cookies.set(key, value)
        assert reply.status_code == 201, reply.text
        return reply.json()["id"]

    def visible(self, name: str) -> set[str]:
        member = accounts.get_member(self.home.vault, self.members[name].id)
        with self.home.vault.data.read() as session:
            return set(session.scalars(select(Interaction.id).where(
                Interaction.member_id == member.id, Interaction.key_id == member.key_id, Interaction.deleted_at.is_(None))))

    def count_all(self) -> int:
        with self.home.vault.data.read() as session:
            return int(session.scalar(select(func.count()).select_from(Interaction)) or 0)


CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its real cost takes ~0.4 s a hash here; the tests check the logic, not the cost."""
    monkeypatch.setattr(accounts, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", CHEAP_HASHER.hash("an unknown member"))


@contextmanager
def open_hub(home: Home) -> Iterator[Hub]:
    """owner (owner), bob (adult), kid (child), each with a password and kept history."""
    accounts.set_password(home.vault, home.owner.id, PASSWORD)
    with api(home.settings) as client:
        hub = Hub(home, client)
        hub.members["owner"] = home.owner
        hub.tokens["owner"] = home.owner_token
        for name, role, keep in (("bob", "adult", KEEP_EVERYTHING), ("kid", "child", {"audio": "30d", "text": "30d", "action": "30d"})):
            member, token = home.add_member(name, role, keep)
            accounts.set_password(home.vault, member.id, PASSWORD)
            hub.members[name], hub.tokens[name] = member, token
        for name in ("owner", "bob", "kid"):
            assert hub.sign_in(name).status_code == 303
        hub.client.cookies.clear()
        yield hub
