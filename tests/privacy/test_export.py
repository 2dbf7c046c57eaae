"""Export: every kept recording byte-identical, one JSON with the rest, nothing left on the server."""

from __future__ import annotations

import io
import json
import zipfile

from apiclient import purged, api, bearer, upload
from homes import Home
from samples import speech, tone_wav


def _files(home: Home) -> set[str]:
    return {str(p) for p in home.settings.home.rglob("*") if p.is_file() and not p.name.endswith(("-wal", "-shm", "-journal"))}


def test_export_holds_everything_kept_and_leaves_nothing_behind(home: Home) -> None:
    jfk = speech("jfk_ask_not.wav").read_bytes()
    with api(home.settings) as client:
        kept = upload(client, home.owner_token, jfk,
                      record={"transcript": "ask not", "response": "noted", "action": {"result": "nothing"}}).json()["id"]
        gone = upload(client, home.owner_token, tone_wav(0.2), record={"transcript": "delete me"}).json()["id"]
        job = client.delete(f"/v1/interactions/{gone}", headers=bearer(home.owner_token)).json()
        purged(client, home.owner_token, job["id"])
        before = _files(home)
        reply = client.get("/v1/export", headers=bearer(home.owner_token))
        assert client.get("/v1/export", headers=bearer(home.device_token)).status_code == 403
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/zip"
    assert "attachment" in reply.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(reply.content))
    document = json.loads(archive.read("history.json"))
    assert [i["id"] for i in document["interactions"]] == [kept]
    item = document["interactions"][0]
    assert (item["transcript"], item["response"], item["action"]) == ("ask not", "noted", {"result": "nothing"})
    assert archive.read(item["audio"]["file"]) == jfk
    assert document["settings"]["retention"]["audio"] == "forever"
    assert [r["deletion_id"] for r in document["receipts"]] and document["shares"] == []
    assert "delete me" not in archive.read("history.json").decode()
    assert "README.txt" in archive.namelist()
    assert _files(home) == before, "the export left a file on the server"


def test_export_of_an_empty_history(home: Home) -> None:
    other, token = home.add_member("newcomer")
    with api(home.settings) as client:
        reply = client.get("/v1/export", headers=bearer(token))
    document = json.loads(zipfile.ZipFile(io.BytesIO(reply.content)).read("history.json"))
    assert document["interactions"] == [] and document["member"]["name"] == "newcomer"
