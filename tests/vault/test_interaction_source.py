"""How a request came (spoken, typed, through Wyoming, imported) is kept with the interaction, content-free,
and migration 0014 gives the rows from before it `spoken`."""

from __future__ import annotations

import importlib.util
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
import pytest

from homes import Home
from samples import canary, tone_wav

from echoless import root
from echoless.errors import TextError
from echoless.vault import interactions

VERSIONS = Path(interactions.__file__).parent / "migrations" / "data" / "versions"


def _revision(number: str) -> ModuleType:
    (path,) = VERSIONS.glob(f"{number}_*.py")
    spec = importlib.util.spec_from_file_location(f"revision_{number}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sources(home: Home) -> dict[str, str]:
    return {item.id: item.source for item in interactions.history(home.vault, home.owner).items}


def test_each_way_in_is_recorded_and_rows_from_before_are_spoken(home: Home) -> None:
    imported = root.import_recording(home.vault, home.owner, None, tone_wav(0.2), transcript="t", response=None, action=None)
    typed = root.ask_text(home.vault, home.owner, "what time is it", device_id=home.device.id).id
    wyoming = root.ask_text(home.vault, home.owner, "what time is it", device_id=home.device.id, source="wyoming").id
    assert _sources(home) == {imported: "imported", typed: "typed", wyoming: "wyoming"}
    revision = _revision("0014")
    with home.vault.data._write_lock, home.vault.data.write_engine.connect() as connection:
        with Operations.context(MigrationContext.configure(connection)):
            revision.downgrade()
            revision.upgrade()
        connection.commit()
    assert set(_sources(home).values()) == {"spoken"}


def test_a_typed_request_is_understood_at_the_time_given_else_the_servers(sqlite_home: Home) -> None:
    at = datetime(2026, 1, 1, 15, 4, tzinfo=timezone(timedelta(hours=1)))
    assert root.ask_text(sqlite_home.vault, sqlite_home.owner, "what time is it", now=at).response == "3:04 PM"
    told = root.ask_text(sqlite_home.vault, sqlite_home.owner, "what time is it").response
    assert told == f"{datetime.now().astimezone():%-I:%M %p}" or told.endswith(("AM", "PM"))


def test_typed_text_follows_the_transcript_setting_and_its_action_the_action_setting(sqlite_home: Home) -> None:
    member, _ = sqlite_home.add_member("ann", retention={"audio": "forever", "text": "dont_save", "action": "30d"})
    kept = root.ask_text(sqlite_home.vault, member, "what time is it").id
    assert kept is not None
    item = interactions.get(sqlite_home.vault, member, kept)
    assert item.transcript is None and item.response is None and item.action is not None
    assert set(item.expires) == {"action"} and not item.has_audio
    nothing, _ = sqlite_home.add_member("ben", retention={"audio": "forever", "text": "dont_save", "action": "dont_save"})
    assert root.ask_text(sqlite_home.vault, nothing, "what time is it").id is None


def test_typed_text_reaches_no_log(sqlite_home: Home, caplog: pytest.LogCaptureFixture) -> None:
    secret = canary("typed")
    with caplog.at_level(logging.DEBUG):
        root.ask_text(sqlite_home.vault, sqlite_home.owner, f"add {secret} to my shopping list")
        with pytest.raises(TextError):
            root.ask_text(sqlite_home.vault, sqlite_home.owner, f"add {secret}\x07 to my shopping list")
    assert caplog.records and secret not in caplog.text
