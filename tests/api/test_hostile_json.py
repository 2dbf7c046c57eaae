"""No input makes the server answer 500 or log a traceback (issue 14, finding 11; PRIVACY_MODEL §5):
JSON from a client is bounded in size and depth wherever it is parsed — the `record` field of an
upload, JSON bodies, the WebSocket's start and control messages, skill manifests."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select

from apiclient import api, bearer, upload
from homes import Home
from samples import tone_wav
from echoless.api import client_json
from echoless.vault.models import Interaction

DEEP = "[" * 100000


def _nested(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


def _rows(home: Home) -> int:
    with home.vault.data.read() as session:
        return int(session.scalar(select(func.count()).select_from(Interaction)) or 0)


def _no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert loud == [], [r.getMessage() for r in loud]


@pytest.mark.parametrize(
    "record",
    [DEEP, "[" * 1000, "{\"a\": " * 40 + "1" + "}" * 40, json.dumps({"transcript": "x", "action": {"a": _nested(40)}})],
    ids=["100000-brackets", "1000-brackets", "40-objects", "deep-action"],
)
def test_a_deeply_nested_record_is_a_400(home: Home, record: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with api(home.settings) as client:
        reply = upload(client, home.owner_token, tone_wav(0.2), record=record)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == "invalid-record"
    assert _rows(home) == 0
    _no_errors_logged(caplog)


def test_brackets_inside_strings_are_only_text(home: Home) -> None:
    with api(home.settings) as client:
        reply = upload(client, home.owner_token, tone_wav(0.2), record={"transcript": "[{" * 100, "response": "\\\"[["})
    assert reply.status_code == 201, reply.text
    assert client_json.depth(json.dumps({"a": ["[[[", "\\\"]]", {"b": "{"}]})) == 3


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/deletions"), ("PUT", "/v1/settings"), ("POST", "/v1/skills/jokes/enable"), ("POST", "/v1/skills"),
     ("PUT", "/v1/corpus/consent")],
)
@pytest.mark.parametrize("body", [DEEP, "[" * 5000 + "]" * 5000, '{"scope": ' * 3000 + "1" + "}" * 3000], ids=["open", "closed", "objects"])
def test_deep_json_bodies_are_a_4xx(sqlite_home: Home, method: str, path: str, body: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with api(sqlite_home.settings) as client:
        reply = client.request(method, path, content=body.encode(), headers={**bearer(sqlite_home.owner_token), "Content-Type": "application/json"})
    assert 400 <= reply.status_code < 500, reply.text
    assert set(reply.json()) == {"error"}
    _no_errors_logged(caplog)


@pytest.mark.parametrize(
    ("first", "code"),
    [(DEEP, "invalid-json"), ("[" * 1000, "invalid-json"), ("x" * 100000, "invalid-json"),
     (json.dumps({"type": "start", "token": ["x"]}), "invalid-message"), (json.dumps({"type": "start", "member": {"a": 1}}), "invalid-message")],
    ids=["100000-brackets", "1000-brackets", "long", "token-not-text", "member-not-text"],
)
def test_a_hostile_start_message_is_refused_cleanly(sqlite_home: Home, first: str, code: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with api(sqlite_home.settings) as client:
        with client.websocket_connect("/v1/stream") as ws:
            ws.send_text(first)
            message = ws.receive_json()
    assert message["type"] == "error" and message["data"]["code"] == code
    _no_errors_logged(caplog)


def test_a_binary_first_frame_is_refused_cleanly(sqlite_home: Home, caplog: pytest.LogCaptureFixture) -> None:
    with api(sqlite_home.settings) as client:
        with client.websocket_connect("/v1/stream") as ws:
            ws.send_bytes(b"\0" * 640)
            message = ws.receive_json()
    assert message["type"] == "error" and message["data"]["code"] == "invalid-message"
    _no_errors_logged(caplog)


@pytest.mark.parametrize("control", [DEEP, "[" * 1000, "[]", "5", "{\"type\": [\"end\"]}"])
def test_hostile_control_messages_keep_the_stream_open(sqlite_home: Home, control: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with api(sqlite_home.settings) as client:
        with client.websocket_connect("/v1/stream") as ws:
            ws.send_json({"type": "start", "token": sqlite_home.owner_token})
            assert ws.receive_json()["type"] == "ready"
            ws.send_text(control)
            assert ws.receive_json()["data"]["code"] == "invalid-message"
            ws.send_text(control)  # still open, still answering
            assert ws.receive_json()["data"]["code"] == "invalid-message"
    _no_errors_logged(caplog)


@pytest.mark.parametrize("text", [DEEP, "a: " * 2000 + "b", "x: &a [1, 2]\ny: [*a, *a, *a]"], ids=["brackets", "mappings", "aliases"])
def test_a_hostile_manifest_is_a_400(sqlite_home: Home, text: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with api(sqlite_home.settings) as client:
        reply = client.post("/v1/skills", content=text.encode(), headers=bearer(sqlite_home.owner_token))
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "invalid-manifest", reply.text
    _no_errors_logged(caplog)
