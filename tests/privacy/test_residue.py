"""PRIVACY_MODEL §2: after deletion, nothing of a deleted item is left on disk or decryptable with the
master key, and no content is ever at rest in clear — not even for kept items."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import create_engine, inspect, select, text

from apiclient import purged, api, bearer, upload
from homes import Home
from echoless.privacy.verifier import verify
from echoless.vault import crypto
from echoless.vault.keyring import DataKey, OwnerKey
from echoless.vault.masterkey import key_provider
from echoless.vault.models import Interaction
from samples import canary, tone_wav


@dataclass
class Item:
    id: str
    canaries: list[str]


def _record(client, home: Home, n: int) -> list[Item]:  # type: ignore[no-untyped-def]
    items = []
    for _ in range(n):
        marks = [canary("AUDIO"), canary("HEARD"), canary("SAID"), canary("DID")]
        reply = upload(
            client,
            home.owner_token,  # an import: the member's own token
            tone_wav(0.4, marker=marks[0].encode()),
            record={"transcript": f"please {marks[1]}", "response": f"okay {marks[2]}", "action": {"result": marks[3]}},
        )
        assert reply.status_code == 201, reply.text
        items.append(Item(reply.json()["id"], marks))
    return items


def _disk(home: Home) -> bytes:
    files = [p for p in home.settings.home.rglob("*") if p.is_file()]
    assert any(p.name.startswith("keyring.db") for p in files) or home.backend == "postgres"
    return b"\n".join(p.read_bytes() for p in files)


def _database_dump(url: str) -> bytes:
    """Every row of every table, read directly (PostgreSQL stores outside the data home)."""
    engine = create_engine(url)
    chunks = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                chunks += [v if isinstance(v, bytes) else str(v).encode() for v in row]
    engine.dispose()
    return b"\n".join(chunks)


def _secrets_of(home: Home, item_ids: list[str]) -> list[bytes]:
    """The wrapped keys and ciphertexts of these items as they are stored now."""
    found = []
    with home.vault.keyring.db.read() as session:
        found += [k.wrapped for k in session.scalars(select(DataKey).where(DataKey.item_id.in_(item_ids)))]
    with home.vault.data.read() as session:
        for row in session.scalars(select(Interaction).where(Interaction.id.in_(item_ids))):
            found += [b for b in (row.transcript, row.response, row.action) if b]
    found += [home.vault.blobs.get("audio", i) for i in item_ids]
    return found


def _decrypt_everything(home: Home) -> bytes:
    """With the master key: unwrap every key found and decrypt every ciphertext found."""
    master = key_provider(home.settings).master_key()
    out = []
    with home.vault.keyring.db.read() as session:
        owners = {}
        for row in session.scalars(select(OwnerKey)):
            owners[row.id] = crypto.unwrap_key(master, row.wrapped, f"owner|{row.owner_id}|{row.id}".encode())
        keys = {}
        for row in session.scalars(select(DataKey)):
            if row.key_id in owners:
                keys[(row.item_id, row.part)] = home.vault.keyring.unwrap_data_row(owners[row.key_id], row)
    with home.vault.data.read() as session:
        rows = list(session.scalars(select(Interaction)))
    for row in rows:
        for key_part, part, blob in (("text", "transcript", row.transcript), ("text", "response", row.response), ("action", "action", row.action)):
            if blob and (row.id, key_part) in keys:
                out.append(crypto.decrypt(keys[(row.id, key_part)], blob, crypto.content_aad(row.member_id, row.id, part)))
    for blob_id in home.vault.blobs.list("audio"):
        for (item_id, part), key in keys.items():
            if item_id == blob_id and part == "audio":
                owner = next(r.member_id for r in rows if r.id == item_id)
                out.append(crypto.decrypt(key, home.vault.blobs.get("audio", blob_id), crypto.content_aad(owner, item_id, "audio")))
    return b"\n".join(out)


def test_deleted_items_leave_nothing_and_nothing_is_in_clear(home: Home) -> None:
    with api(home.settings) as client:
        items = _record(client, home, 6)
        doomed = [items[1], items[4]]
        before = _secrets_of(home, [i.id for i in doomed])
        first = client.delete(f"/v1/interactions/{items[1].id}", headers=bearer(home.owner_token))
        assert first.status_code == 200
        reply = client.post("/v1/deletions", headers=bearer(home.owner_token), json={"scope": "items", "ids": [items[4].id]})
        assert reply.status_code == 201 and reply.json()["state"] == "shredded"
        listed = {i["id"] for i in client.get("/v1/interactions", headers=bearer(home.owner_token)).json()["items"]}
        for job in (first.json(), reply.json()):  # what follows looks at the disk after the purge
            assert purged(client, home.owner_token, job["id"])["state"] == "purged"
    assert listed == {i.id for i in items} - {i.id for i in doomed}

    disk = _disk(home)
    stores = disk
    if home.backend == "postgres":
        stores += _database_dump(home.settings.database_url) + _database_dump(home.settings.keyring_url)
    for item in items:
        for mark in item.canaries:
            assert mark.encode() not in stores, "content at rest in clear"
    for secret in before:
        assert secret not in stores, "a wrapped key or ciphertext of a deleted item survived"

    plaintexts = _decrypt_everything(home)
    for item in items:
        for mark in item.canaries:
            present = mark.encode() in plaintexts
            assert present == (item not in doomed), "kept items decrypt; deleted items never do"
    report = verify(home.vault)
    assert report.clean, report.to_json()


def test_delete_everything_destroys_the_member_key(home: Home) -> None:
    with api(home.settings) as client:
        items = _record(client, home, 4)
        with home.vault.keyring.db.read() as session:
            old_owner_key = session.get(OwnerKey, home.member(home.owner.id).key_id).wrapped
        before = _secrets_of(home, [i.id for i in items]) + [old_owner_key]
        reply = client.post("/v1/deletions", headers=bearer(home.owner_token), json={"scope": "all"})
        assert reply.status_code == 201, reply.text
        assert client.get("/v1/interactions", headers=bearer(home.owner_token)).json()["items"] == []
        survivor = _record(client, home, 1)[0]  # the member goes on with a fresh key
        assert client.get(f"/v1/interactions/{survivor.id}", headers=bearer(home.owner_token)).status_code == 200
    stores = _disk(home)
    if home.backend == "postgres":
        stores += _database_dump(home.settings.database_url) + _database_dump(home.settings.keyring_url)
    for secret in before:
        assert secret not in stores
    plaintexts = _decrypt_everything(home)
    assert all(mark.encode() not in plaintexts for item in items for mark in item.canaries)
    assert all(mark.encode() in plaintexts for mark in survivor.canaries[1:])
    assert verify(home.vault).clean


def test_verifier_finds_planted_plaintext(sqlite_home: Home) -> None:
    with api(sqlite_home.settings) as client:
        (item,) = _record(client, sqlite_home, 1)
    (sqlite_home.settings.home / "notes.txt").write_text(f"leaked: please {item.canaries[1]}")
    report = verify(sqlite_home.vault)
    assert [(f.store, f.kind, f.ref) for f in report.findings] == [("files", "plaintext", item.id)]
    assert item.canaries[1] not in json.dumps(report.to_json()), "findings never quote content"


def test_verifier_finds_an_orphan_blob_and_a_deleted_items_key(sqlite_home: Home) -> None:
    home = sqlite_home
    with api(home.settings) as client:
        items = _record(client, home, 2)
        with home.vault.keyring.db.read() as session:
            kept_keys = [
                (k.item_id, k.part, k.key_id, k.wrapped, k.created_at)
                for k in session.scalars(select(DataKey).where(DataKey.item_id == items[0].id))
            ]
        client.delete(f"/v1/interactions/{items[0].id}", headers=bearer(home.owner_token))
    home.vault.blobs.put("audio", "f" * 32, b"stray bytes")
    with home.vault.keyring.db.write() as session:  # plant the deleted item's wrapped key back
        session.add_all(DataKey(item_id=i, part=p, key_id=k, wrapped=w, created_at=c) for i, p, k, w, c in kept_keys)
    kinds = {(f.store, f.kind, f.ref) for f in verify(home.vault).findings}
    assert ("blobs", "orphan-blob", "f" * 32) in kinds
    assert ("keyring", "deleted-residue", items[0].id) in kinds
