"""Uploads are authenticated and size-limited before their body is read, and never spooled to disk
(issue 14, finding 6; PRIVACY_MODEL §5). The body arrives chunk by chunk through the ASGI driver,
which counts what the server pulled."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
import starlette.formparsers
from sqlalchemy import func, select

from apiclient import api, bearer, upload
from asgi_driver import CHUNK, multipart, post
from homes import Home
from samples import tone_wav
from echoless.api import uploads
from echoless.api.middleware import MAX_BODY_BYTES
from echoless.vault.models import Interaction

BOUNDARY = "echolessboundary7MA4YWxkTrZu0gW"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
TWENTY_MB = 20 * 1024 * 1024


def _rows(home: Home) -> int:
    with home.vault.data.read() as session:
        return int(session.scalar(select(func.count()).select_from(Interaction)) or 0)


def _blobs(home: Home) -> list[Path]:
    return [p for p in home.settings.resolved_blob_dir.rglob("*") if p.is_file()]


@pytest.mark.parametrize("auth", [None, "Bearer elm_not-a-real-token"], ids=["no-token", "bad-token"])
def test_an_unauthenticated_upload_is_refused_before_its_body_is_read(home: Home, auth: str | None) -> None:
    headers = {**MULTIPART, "Content-Length": str(TWENTY_MB + 300), **({"Authorization": auth} if auth else {})}
    with api(home.settings) as client:
        reply = post(client, "/v1/interactions", headers, multipart(BOUNDARY, {"member": "owner"}, TWENTY_MB))
    assert reply.status == 401 and reply.json()["error"]["code"] == "unauthorized"
    assert reply.consumed == 0, f"the server read {reply.consumed} bytes of an unauthenticated upload"
    assert reply.seconds < 2.0
    assert _rows(home) == 0


def test_a_declared_oversized_upload_is_refused_before_its_body_is_read(home: Home) -> None:
    headers = {**MULTIPART, **bearer(home.device_token), "Content-Length": str(TWENTY_MB + 300)}
    with api(home.settings) as client:
        reply = post(client, "/v1/interactions", headers, multipart(BOUNDARY, {"member": "owner"}, TWENTY_MB))
    assert reply.status == 413 and reply.json()["error"]["code"] == "audio-too-large"
    assert reply.consumed == 0 and _rows(home) == 0


def test_a_streamed_oversized_upload_is_cut_off_at_the_cap(home: Home) -> None:
    """No Content-Length (chunked): the running count stops it once past the cap, not at the end."""
    headers = {**MULTIPART, **bearer(home.device_token)}
    limit = home.settings.max_audio_bytes
    with api(home.settings) as client:
        reply = post(client, "/v1/interactions", headers, multipart(BOUNDARY, {"member": "owner"}, TWENTY_MB))
    assert reply.status == 413 and reply.json()["error"]["code"] == "audio-too-large"
    assert limit < reply.consumed <= uploads.body_limit(limit), reply.consumed
    assert _rows(home) == 0 and _blobs(home) == []


def test_an_oversized_record_field_is_refused_as_it_arrives(home: Home) -> None:
    headers = {**MULTIPART, **bearer(home.owner_token)}  # imports are the member's own
    record = '{"transcript": "' + "x" * (2 * uploads.MAX_FIELD_BYTES) + '"}'
    with api(home.settings) as client:
        reply = post(client, "/v1/interactions", headers, multipart(BOUNDARY, {"record": record}, 1000))
    assert reply.status == 400 and reply.json()["error"]["code"] == "invalid-record"
    assert _rows(home) == 0


def test_uploads_are_never_spooled_to_disk(home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above 1 MB Starlette's form parser would roll a file part over to a temp file: it is not used."""
    def no_disk(*args: object, **kwargs: object) -> None:
        raise AssertionError("an upload was about to be spooled to a temp file")

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", no_disk)
    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", no_disk)
    audio = tone_wav(12.0, rate=96000)  # 2.3 MB, 12 seconds
    assert len(audio) > 2 * 1024 * 1024
    with api(home.settings) as client:
        reply = upload(client, home.owner_token, audio, record={"transcript": "big"})
        assert reply.status_code == 201, reply.text
        fetched = client.get(f"/v1/interactions/{reply.json()['id']}/audio", headers=bearer(home.owner_token))
    assert fetched.content == audio
    assert os.listdir(temp) == []


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"--other\r\nContent-Disposition: form-data; name=\"audio\"\r\n\r\nxx\r\n--other--\r\n", MULTIPART["Content-Type"], 400, "invalid-upload"),
        (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"audio\"\r\n\r\nRIFF".encode(), MULTIPART["Content-Type"], 400, "invalid-upload"),
        (f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nxx\r\n--{BOUNDARY}--\r\n".encode(), MULTIPART["Content-Type"], 400, "invalid-upload"),
        (b"", "multipart/form-data", 400, "invalid-upload"),
        (b"audio=xyz", "application/x-www-form-urlencoded", 422, "invalid-request"),
        ("".join(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="member"\r\n\r\nowner\r\n' for _ in range(2)).encode()
         + f"--{BOUNDARY}--\r\n".encode(), MULTIPART["Content-Type"], 400, "invalid-upload"),
    ],
    ids=["wrong-boundary", "truncated", "no-disposition", "no-boundary", "not-multipart", "field-twice"],
)
def test_malformed_uploads_get_a_clear_error_and_store_nothing(home: Home, body: bytes, content_type: str, status: int, code: str) -> None:
    with api(home.settings) as client:
        reply = client.post("/v1/interactions", content=body, headers={**bearer(home.device_token), "Content-Type": content_type})
    assert reply.status_code == status, reply.text
    assert reply.json()["error"]["code"] == code and reply.json()["error"]["message"]
    assert _rows(home) == 0 and _blobs(home) == []


def test_try_it_is_signed_in_before_its_upload_is_read(home: Home) -> None:
    headers = {**MULTIPART, "Content-Length": str(TWENTY_MB + 200)}
    with api(home.settings) as client:
        reply = post(client, "/try/run", headers, multipart(BOUNDARY, {}, TWENTY_MB))
    assert reply.status == 401 and reply.consumed == 0


def test_other_request_bodies_are_capped(home: Home) -> None:
    """Form and JSON routes parse their body before any dependency runs: a cap keeps every one of them
    in memory and small, signed in or not."""
    with api(home.settings) as client:
        declared = post(client, "/v1/deletions", {**bearer(home.owner_token), "Content-Type": "application/json",
                                                  "Content-Length": str(TWENTY_MB)}, [b"{" * CHUNK] * 320)
        assert declared.status == 413 and declared.json()["error"]["code"] == "request-too-large" and declared.consumed == 0
        streamed = post(client, "/sign-in", MULTIPART, multipart(BOUNDARY, {"name": "owner"}, TWENTY_MB))
        assert streamed.status == 413 and streamed.consumed <= MAX_BODY_BYTES + CHUNK


def test_over_a_real_socket_the_refusal_comes_before_the_body_is_sent(home: Home) -> None:
    """A real server (uvicorn): the client sends only the headers of a 20 MB upload and already has its
    answer, 401 without a token and 413 with one."""
    import socket
    import threading

    import uvicorn

    from echoless.api.app import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(home.settings), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        for extra, status in (("", 401), (f"Authorization: Bearer {home.device_token}\r\n", 413)):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall((f"POST /v1/interactions HTTP/1.1\r\nHost: x\r\n{extra}Content-Type: {MULTIPART['Content-Type']}\r\n"
                              f"Content-Length: {TWENTY_MB}\r\n\r\n").encode())
                started = time.monotonic()
                head = sock.recv(4096).decode("latin-1")
                assert head.startswith(f"HTTP/1.1 {status} "), head
                assert time.monotonic() - started < 2.0
    finally:
        server.should_exit = True
        thread.join(timeout=10)
