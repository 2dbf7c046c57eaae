"""Recording and reviewing on a real database and real files (SQLite, and PostgreSQL when enabled)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from homes import Home
from echoless.errors import NotFound
from echoless.vault import interactions
from echoless.vault.store import Registry, Store
from echoless.vault.interactions import NewInteraction
from echoless.vault.keyring import DataKey
from echoless.vault.models import Interaction
from samples import tone_wav


def _record(home: Home, n: int, *, start: datetime | None = None, device: str | None = None) -> list[str]:
    start = start or datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for i in range(n):
        row = interactions.record(
            home.vault,
            home.owner,
            device or home.device.id,
            NewInteraction(
                audio=tone_wav(0.1),
                audio_type="audio/wav",
                transcript=f"utterance {i}",
                response=f"answer {i}",
                action={"intent": "HassTurnOn", "result": f"light {i} on"},
                created_at=start + timedelta(minutes=i),
            ),
        )
        assert row is not None
        ids.append(row.id)
    return ids


def test_history_pages_newest_first_with_a_cursor(home: Home) -> None:
    ids = _record(home, 7)
    seen = []
    cursor = None
    while True:
        page = interactions.history(home.vault, home.owner, limit=3, cursor=cursor)
        seen += [item.id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    first = interactions.history(home.vault, home.owner, limit=1).items[0]
    assert (first.transcript, first.response, first.action["result"]) == ("utterance 6", "answer 6", "light 6 on")
    assert first.device_name == "kitchen speaker"


def test_history_filters_by_time_and_device(home: Home) -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    ids = _record(home, 5, start=start)
    window = interactions.history(
        home.vault, home.owner, since=start + timedelta(minutes=1), until=start + timedelta(minutes=3)
    )
    assert [i.id for i in window.items] == [ids[2], ids[1]]
    assert interactions.history(home.vault, home.owner, device_id="no-such-device").items == []


def test_show_and_audio_are_byte_identical(home: Home) -> None:
    audio = tone_wav(0.3)
    row = interactions.record(home.vault, home.owner, None, NewInteraction(audio=audio, audio_type="audio/wav", transcript="hello"))
    data, content_type = interactions.audio(home.vault, home.owner, row.id)
    assert data == audio and content_type == "audio/wav"
    assert interactions.get(home.vault, home.owner, row.id).transcript == "hello"


def test_another_members_item_is_not_found(home: Home) -> None:
    other, _ = home.add_member("bob")
    (item_id,) = _record(home, 1)
    for call in (interactions.get, interactions.audio):
        with pytest.raises(NotFound) as theirs:
            call(home.vault, other, item_id)
        with pytest.raises(NotFound) as missing:
            call(home.vault, other, "0" * 32)
        assert (theirs.value.code, theirs.value.message) == (missing.value.code, missing.value.message)


def test_retention_dont_save_keeps_nothing_of_that_part(home: Home) -> None:
    member, _ = home.add_member("carol", retention={"audio": "dont_save", "text": "30d", "action": "dont_save"})
    row = interactions.record(
        home.vault, member, None, NewInteraction(audio=tone_wav(0.1), audio_type="audio/wav", transcript="hi", action={"a": 1})
    )
    view = interactions.get(home.vault, member, row.id)
    assert view.transcript == "hi" and view.action is None and not view.has_audio
    assert list(home.vault.blobs.list("audio")) == []
    nothing, _ = home.add_member("dan", retention={"audio": "dont_save", "text": "dont_save", "action": "dont_save"})
    assert interactions.record(home.vault, nothing, None, NewInteraction(audio=b"x", transcript="hi")) is None


def test_a_failed_database_write_leaves_no_blob_and_no_key(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    class DiskFull(Store):  # fails inside the row's transaction, after the row was inserted
        name = "disk-full"

        def record(self, *_: object) -> None:
            raise RuntimeError("disk full")

    monkeypatch.setattr(home.vault, "stores", Registry([*home.vault.stores, DiskFull()]))
    with pytest.raises(RuntimeError):
        interactions.record(home.vault, home.owner, None, NewInteraction(audio=tone_wav(0.1), audio_type="audio/wav", transcript="x"))
    monkeypatch.undo()
    assert list(home.vault.blobs.list("audio")) == []
    with home.vault.keyring.db.read() as session:
        assert session.scalar(select(func.count()).select_from(DataKey)) == 0
    with home.vault.data.read() as session:
        assert session.scalar(select(func.count()).select_from(Interaction)) == 0


def test_content_is_never_stored_in_clear(home: Home) -> None:
    row = interactions.record(home.vault, home.owner, None, NewInteraction(transcript="secret words here", response="reply words"))
    with home.vault.data.read() as session:
        stored = session.get(Interaction, row.id)
    assert b"secret words" not in stored.transcript and b"reply words" not in stored.response
