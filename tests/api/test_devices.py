"""Devices and whom they speak for (PRIVACY_MODEL §4, issue 14 "Devices: who they speak for" and finding 10),
through the real API and WebSocket: a personal device speaks for its member only; a shared device for the
members it lists, anything else going to its shared history, which the owner and the listed adults read and
delete and which is kept under the strictest retention of the members it serves; devices never import."""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

import numpy as np
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, func, select

from apiclient import api, bearer, upload
from echoless import root
from echoless.privacy import deletion
from echoless.privacy import sweeper
from echoless.vault import accounts, devices
from echoless.vault.models import Device, Interaction, Member
from homes import KEEP_EVERYTHING, Home
from samples import tone_wav
from voice import pcm16, say, silence, with_demo_home

CHILD_KEEPS = {"audio": "30d", "text": "30d", "action": "30d"}
VERSIONS = Path(devices.__file__).parent / "migrations" / "data" / "versions"


def _revision(number: str) -> ModuleType:
    """A data migration's module (its upgrade and downgrade run on their own, whatever revisions follow)."""
    (path,) = VERSIONS.glob(f"{number}_*.py")
    spec = importlib.util.spec_from_file_location(f"revision_{number}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _error(reply, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert reply.status_code == status, reply.text
    assert reply.json()["error"]["code"] == code, reply.text


def _speak(client, token: str, member: str | None = None, text: str = "turn on the kitchen light"):  # type: ignore[no-untyped-def]
    return upload(client, token, say(text), member=member)


def _history(client, token: str, of: str | None = None):  # type: ignore[no-untyped-def]
    return client.get("/v1/interactions", headers=bearer(token), params={"member": of} if of else {})


def _ids(client, token: str, of: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    reply = _history(client, token, of)
    assert reply.status_code == 200, reply.text
    return [i["id"] for i in reply.json()["items"]]


def _stream_start(client, token: str, member: str | None) -> dict:  # type: ignore[no-untyped-def]
    with client.websocket_connect("/v1/stream") as ws:
        ws.send_json({"type": "start", "token": token, **({"member": member} if member else {})})
        first = ws.receive_json()
        if first["type"] != "ready":
            return first
        pcm = np.concatenate([silence(0.3), pcm16(say("turn on the kitchen light")), silence(1.5)]).tobytes()
        for start in range(0, len(pcm), 640):
            ws.send_bytes(pcm[start : start + 640])
        while (message := ws.receive_json())["type"] not in ("run-end", "error"):
            pass
        return message


def test_a_personal_device_speaks_only_for_its_member(sqlite_home: Home) -> None:
    home = sqlite_home
    with_demo_home(home)
    bob, bob_token = home.add_member("bob", retention=KEEP_EVERYTHING)
    _, phone = home.add_device("bob's phone", personal=bob)
    with api(home.settings) as client:
        _error(_speak(client, phone, member="owner"), 403, "personal-device")  # before: it spoke as the owner
        refused = _stream_start(client, phone, "owner")
        assert refused["type"] == "error" and refused["data"]["code"] == "personal-device"
        assert _ids(client, home.owner_token) == []
        unnamed = _speak(client, phone).json()["id"]
        named = _speak(client, phone, member="bob").json()["id"]
        streamed = _stream_start(client, phone, None)
        assert streamed["type"] == "run-end"
        assert set(_ids(client, bob_token)) == {unnamed, named, streamed["data"]["id"]}


def test_a_shared_device_speaks_for_the_members_it_lists_and_keeps_the_rest_apart(sqlite_home: Home) -> None:
    home = sqlite_home
    with_demo_home(home)
    _, bob_token = home.add_member("bob", retention=KEEP_EVERYTHING)  # not listed on the kitchen speaker
    with api(home.settings) as client:
        for_owner = _speak(client, home.device_token, member="owner").json()["id"]
        as_bob = _speak(client, home.device_token, member="bob").json()["id"]  # before: it went into Bob's history
        nobody = _speak(client, home.device_token, member="nobody").json()["id"]  # before: 422 unknown-member
        unnamed = _speak(client, home.device_token).json()["id"]  # before: 400 member-required
        streamed = _stream_start(client, home.device_token, "bob")
        assert _ids(client, home.owner_token) == [for_owner]
        assert _ids(client, bob_token) == []
        shared = _history(client, home.owner_token, "kitchen speaker").json()["items"]
        assert {i["id"] for i in shared} == {as_bob, nobody, unnamed, streamed["data"]["id"]}
        assert all(i["device"]["name"] == "kitchen speaker" for i in shared)
        # listed from now on: Bob's requests are his
        devices.change_members(home.vault, home.owner.household_id, "kitchen speaker", add=["bob"])
        now_bobs = _speak(client, home.device_token, member="bob").json()["id"]
        assert _ids(client, bob_token) == [now_bobs]


def test_a_shared_history_is_read_and_deleted_by_the_owner_and_the_listed_adults_only(sqlite_home: Home) -> None:
    home = sqlite_home
    with_demo_home(home)
    _, bob_token = home.add_member("bob", retention=KEEP_EVERYTHING)
    _, carol_token = home.add_member("carol", retention=KEEP_EVERYTHING)
    _, kid_token = home.add_member("kid", "child", retention=CHILD_KEEPS)
    devices.change_members(home.vault, home.owner.household_id, "kitchen speaker", add=["bob", "kid"])
    with api(home.settings) as client:
        item = _speak(client, home.device_token).json()["id"]
        hidden = devices.find_shared(home.vault, home.owner.household_id, "kitchen speaker")
        assert hidden is not None
        for name in ("kitchen speaker", hidden.name, hidden.id, home.device.id):
            assert _ids(client, home.owner_token, name) == [item]
        assert _ids(client, bob_token, "kitchen speaker") == [item]
        for outsider in (carol_token, kid_token):  # not listed, or a child: as if it did not exist
            theirs, missing = _history(client, outsider, "kitchen speaker"), _history(client, outsider, "no such thing")
            assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()
            gone = client.delete(f"/v1/interactions/{item}", headers=bearer(outsider), params={"member": "kitchen speaker"})
            assert gone.status_code == 404
        # settings are the members' own: a shared history's are computed, never set through `member=`
        assert client.get("/v1/settings", headers=bearer(home.owner_token), params={"member": "kitchen speaker"}).status_code == 404
        # no member list, sign-in or token shows it
        assert hidden.id not in {m.id for m in accounts.members(home.vault, home.owner.household_id)}
        job = client.delete(f"/v1/interactions/{item}", headers=bearer(bob_token), params={"member": "kitchen speaker"}).json()
        assert job["state"] == "shredded" and job["items"] == 1
        followed = client.get(f"/v1/deletions/{job['id']}", headers=bearer(bob_token), params={"member": "kitchen speaker"})
        assert followed.status_code == 200 and followed.json()["id"] == job["id"]
        assert _ids(client, home.owner_token, "kitchen speaker") == []


def test_a_shared_history_is_kept_under_the_strictest_retention_of_its_members(sqlite_home: Home) -> None:
    home = sqlite_home
    with_demo_home(home)
    home.add_member("kid", "child", retention=CHILD_KEEPS)
    devices.change_members(home.vault, home.owner.household_id, "kitchen speaker", add=["kid"])
    with api(home.settings) as client:
        item = _speak(client, home.device_token).json()  # the owner keeps everything forever; the kid 30 days
        shown = client.get(f"/v1/interactions/{item['id']}", headers=bearer(home.owner_token), params={"member": "kitchen speaker"}).json()
        created = datetime.fromisoformat(shown["created_at"])
        assert {part: datetime.fromisoformat(t) - created for part, t in shown["expires"].items()} == {
            part: timedelta(days=30) for part in ("audio", "text", "action")}
        assert sweeper.expire_due(home.vault, now=created + timedelta(days=8))["expired_items"] == 0
        # computed at sweep time: the kid leaves the device, the owner now keeps a week
        devices.change_members(home.vault, home.owner.household_id, "kitchen speaker", remove=["kid"])
        week = {"audio": "7d", "text": "7d", "action": "7d"}
        assert client.put("/v1/settings", headers=bearer(home.owner_token), json={"retention": week}).status_code == 200
        assert sweeper.expire_due(home.vault, now=created + timedelta(days=8))["expired_items"] == 1
        assert _ids(client, home.owner_token, "kitchen speaker") == []


def test_the_owner_manages_devices_through_the_api(sqlite_home: Home) -> None:
    home = sqlite_home
    with_demo_home(home)
    _, bob_token = home.add_member("bob", retention=KEEP_EVERYTHING)
    owner = bearer(home.owner_token)
    with api(home.settings) as client:
        _error(client.post("/v1/household/devices", headers=bearer(bob_token), json={"name": "x", "kind": "shared"}), 403, "owner-only")
        _error(client.get("/v1/household/devices", headers=bearer(home.device_token)), 403, "forbidden")
        hall = client.post("/v1/household/devices", headers=owner, json={"name": "hall", "kind": "shared", "members": ["owner", "bob"]})
        assert hall.status_code == 201, hall.text
        assert hall.json()["kind"] == "shared" and hall.json()["members"] == ["owner", "bob"] and hall.json()["token"].startswith("eld_")
        assert hall.json()["shared_history"] == "hall (shared)"
        phone = client.post("/v1/household/devices", headers=owner, json={"name": "bob's phone", "kind": "personal", "member": "bob"})
        assert phone.status_code == 201 and phone.json()["member"] == "bob" and phone.json()["members"] == []
        _error(client.post("/v1/household/devices", headers=owner, json={"name": "y", "kind": "personal", "members": ["bob"]}), 422, "invalid-request")  # the schema: a personal device names one member
        _error(client.post("/v1/household/devices", headers=owner, json={"name": "hall", "kind": "shared"}), 409, "device-exists")
        _error(client.put("/v1/household/devices/bob's phone/members", headers=owner, json={"add": ["owner"]}), 400, "invalid-device-kind")
        changed = client.put("/v1/household/devices/hall/members", headers=owner, json={"remove": ["bob"]})
        assert changed.status_code == 200 and changed.json()["members"] == ["owner"]
        listed = {d["name"]: d for d in client.get("/v1/household/devices", headers=owner).json()["devices"]}
        assert {n: (d["kind"], d["member"], d["members"]) for n, d in listed.items()} == {
            "kitchen speaker": ("shared", None, ["owner"]), "hall": ("shared", None, ["owner"]), "bob's phone": ("personal", "bob", [])}
        # removing a shared device deletes its shared history with it
        heard = _speak(client, hall.json()["token"], member="bob").json()["id"]
        assert _ids(client, home.owner_token, "hall") == [heard]
        removed = client.delete("/v1/household/devices/hall", headers=owner).json()
        # purged from every store at once (the state says purged once the keyring's erase is verified too)
        assert removed["removed"] is True and removed["deletion"]["state"] in ("shredded", "purged")
        _error(_speak(client, hall.json()["token"]), 401, "unauthorized")
        assert _history(client, home.owner_token, "hall").status_code == 404
        with home.vault.data.read() as session:
            assert session.scalar(select(func.count()).select_from(Interaction).where(Interaction.id == heard)) == 0
        # removing a member removes their personal devices
        root.remove_member(home.vault, home.owner.household_id, "bob")
        assert "bob's phone" not in {d["name"] for d in client.get("/v1/household/devices", headers=owner).json()["devices"]}
        _error(_speak(client, phone.json()["token"]), 401, "unauthorized")
    deletion.resume(home.vault)  # a purge the stopped server may have left to do, as a restart would
    assert root.verify(home.vault).clean


def test_a_device_cannot_import(home: Home) -> None:
    """Issue 14, finding 10: text with its own time is for a member's own token (or the operator's CLI)."""
    forged = {"transcript": "I never said this", "response": "ok", "created_at": "2020-01-01T00:00:00+00:00"}
    with api(home.settings) as client:
        for member in ("owner", None):
            _error(upload(client, home.device_token, tone_wav(0.2), member=member, record=forged), 403, "device-cannot-import")
        with home.vault.data.read() as session:
            assert session.scalar(select(func.count()).select_from(Interaction)) == 0
        mine = upload(client, home.owner_token, tone_wav(0.2), record=forged)
        assert mine.status_code == 201 and _ids(client, home.owner_token) == [mine.json()["id"]]


def test_devices_from_before_become_shared_devices_for_every_member(home: Home) -> None:
    """The data migration: a device made before devices had a kind may go on naming any member of the household."""
    alice, alice_token = home.add_member("alice", retention=KEEP_EVERYTHING)
    home.add_member("kid", "child", retention=CHILD_KEEPS)
    hidden = devices.shared_member(home.vault, home.device)
    assert hidden is not None
    revision = _revision("0012")
    with home.vault.data._write_lock, home.vault.data.write_engine.connect() as connection:
        with Operations.context(MigrationContext.configure(connection)):
            revision.downgrade()  # the devices table as it was before 0012
            connection.execute(delete(Member).where(Member.id == hidden.id))
            revision.upgrade()
        connection.commit()
    home.vault.keyring.destroy_owner_keys([hidden.key_id])
    home.vault.close()
    home.vault = root.open_vault(home.settings)  # gives the device its shared history
    device = accounts.find_device(home.vault, home.owner.household_id, "kitchen speaker")
    everyone = {m.id for m in accounts.members(home.vault, home.owner.household_id)}
    assert device.kind == "shared" and len(everyone) == 3 and set(device.members) == everyone
    assert devices.shared_member(home.vault, device) is not None
    with api(home.settings) as client:
        item = _speak(client, home.device_token, member="alice").json()["id"]  # its old token, naming any member
        assert _ids(client, alice_token) == [item]
        unnamed = _speak(client, home.device_token).json()["id"]
        assert _ids(client, home.owner_token, "kitchen speaker") == [unnamed]
        assert [d["kind"] for d in client.get("/v1/household/devices", headers=bearer(home.owner_token)).json()["devices"]] == ["shared"]
    with home.vault.data.read() as session:
        assert session.scalar(select(func.count()).select_from(Device)) == 1
