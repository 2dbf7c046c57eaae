"""The `echoless` command, run as a real process on a real data home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from samples import speech, tone_wav

ECHOLESS = [sys.executable, "-m", "echoless.cli"]


def run(home: Path, *args: str, ok: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ECHOLESS_HOME": str(home), "ECHOLESS_LOG_LEVEL": "WARNING"}
    done = subprocess.run([*ECHOLESS, *args], env=env, capture_output=True, text=True, input=stdin, timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def data_home(tmp_path: Path) -> Path:
    home = tmp_path / "data"
    created = json.loads(run(home, "init", "--json").stdout)
    assert created["member"]["token"].startswith("elm_") and created["device"]["token"].startswith("eld_")
    run(home, "settings", "set", "--audio", "forever")
    return home


def test_init_prints_tokens_once_and_stores_only_hashes(tmp_path: Path) -> None:
    home = tmp_path / "data"
    created = json.loads(run(home, "init", "--json").stdout)
    again = run(home, "init")
    assert "already initialised" in again.stdout
    disk = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    for token in (created["member"]["token"], created["device"]["token"]):
        assert token.encode() not in disk


def test_record_history_show_play_round_trip(data_home: Path, tmp_path: Path) -> None:
    audio = speech("jfk_ask_not.wav")
    recorded = json.loads(run(data_home, "record", str(audio), "--transcript", "ask not", "--response", "ok", "--json").stdout)
    item_id = recorded["id"]
    listed = json.loads(run(data_home, "history", "--json").stdout)
    assert [i["id"] for i in listed["items"]] == [item_id]
    shown = json.loads(run(data_home, "show", item_id, "--json").stdout)
    assert shown["transcript"] == "ask not" and shown["response"] == "ok"
    out = tmp_path / "back.wav"
    run(data_home, "play", item_id, "--out", str(out))
    assert out.read_bytes() == audio.read_bytes()
    table = run(data_home, "history").stdout
    assert "ask not" in table


def test_members_and_devices(data_home: Path) -> None:
    bob = json.loads(run(data_home, "members", "add", "bob", "--json").stdout)
    assert bob["token"].startswith("elm_")
    assert {m["name"] for m in json.loads(run(data_home, "members", "list", "--json").stdout)} == {"owner", "bob"}
    run(data_home, "devices", "add", "hall speaker", "--shared", "--member", "owner")
    assert "hall speaker" in run(data_home, "devices", "list").stdout
    duplicate = run(data_home, "members", "add", "bob", ok=False)
    assert duplicate.returncode == 2 and "member-exists" in duplicate.stderr


def test_delete_asks_and_yes_skips(data_home: Path, tmp_path: Path) -> None:
    wav = tmp_path / "a.wav"
    wav.write_bytes(tone_wav(0.2))
    ids = [json.loads(run(data_home, "record", str(wav), "--transcript", f"t{i}", "--json").stdout)["id"] for i in range(3)]
    refused = run(data_home, "delete", ids[0], ok=False)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    deleted = json.loads(run(data_home, "delete", ids[0], "--yes", "--json").stdout)
    assert deleted["state"] == "purged" and deleted["counts"]["interactions"] == 1
    missing = run(data_home, "show", ids[0], ok=False)
    assert missing.returncode == 2 and "not-found" in missing.stderr
    everything = json.loads(run(data_home, "delete", "--all", "--yes", "--json").stdout)
    assert everything["scope"] == "all" and everything["counts"]["interactions"] == 2
    assert json.loads(run(data_home, "history", "--json").stdout)["items"] == []


def test_bad_input_is_a_clear_error(data_home: Path, tmp_path: Path) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not audio " * 50)
    failed = run(data_home, "record", str(text_file), "--transcript", "x", ok=False)
    assert failed.returncode == 2 and "audio-unsupported-format" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert not list((data_home / "blobs").rglob("*.*"))
    both = run(data_home, "delete", "abc", "--all", "--yes", ok=False)
    assert both.returncode == 2 and "invalid-scope" in both.stderr
