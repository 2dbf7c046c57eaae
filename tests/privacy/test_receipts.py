"""PRIVACY_MODEL §3.7: each deletion yields one receipt signed by the instance, verifiable offline,
visible only to the member it concerns."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from apiclient import api, bearer
from homes import Home
from proofs_helpers import delete, receipt_of, record
from echoless.errors import BadRequest
from echoless.privacy import receipts
from echoless.vault import audit
from echoless.vault.records import AuditRow, ReceiptRow
from echoless.vault.keyring import PARTS
from echoless.vault.models import DeletionJob


def test_api_deletion_yields_a_signed_receipt_whose_counts_match(home: Home) -> None:
    with api(home.settings) as client:
        ids = [record(client, home) for _ in range(3)]
        job = delete(client, home.owner_token, scope="items", ids=ids[:2])
        doc = receipt_of(client, home.owner_token, job["id"])
        key = client.get("/v1/pubkey").json()["public_key"]  # no auth needed
        history = client.get("/v1/interactions", headers=bearer(home.owner_token)).json()

    assert [i["id"] for i in history["items"]] == [ids[2]]
    assert doc["member"] == home.owner.id and doc["scope"] == "items" and doc["scope_detail"] == {"count": 2}
    assert doc["counts"] == job["counts"]
    assert doc["counts"]["interactions"] == 2 and doc["counts"]["audio_blobs"] == 2
    assert doc["counts"]["data_keys_destroyed"] >= 2
    assert sorted(doc["keys_destroyed"]) == sorted(f"data:{i}:{p}" for i in ids[:2] for p in PARTS)
    assert doc["third_parties"] == []
    assert doc["shredded_at"] == job["shredded_at"] and doc["purged_at"] == job["purged_at"]
    assert key.startswith("ed25519:") and doc["instance_public_key"] == key
    assert receipts.verify_document(doc, key)
    # the head it names is the `receipt-issued` entry, which is in the chain
    report = audit.verify_chain(home.vault)
    assert report.ok, report.problems
    kinds = {(e.kind, e.subject): e for e in audit.entries(home.vault)}
    assert kinds[(audit.RECEIPT_ISSUED, doc["receipt_id"])].hash == doc["audit_head"]
    for kind in (audit.DELETION_REQUESTED, audit.DELETION_SHREDDED, audit.DELETION_PURGED):
        assert (kind, job["id"]) in kinds
    assert kinds[(audit.DELETION_PURGED, job["id"])].counts["interactions"] == 2


def test_delete_everything_lists_the_member_keys_destroyed(sqlite_home: Home) -> None:
    home = sqlite_home
    old_key = home.owner.key_id
    with api(home.settings) as client:
        record(client, home)
        record(client, home)
        job = delete(client, home.owner_token, scope="all")
        doc = receipt_of(client, home.owner_token, job["id"])
        fetched = client.get(f"/v1/receipts/{doc['receipt_id']}", headers=bearer(home.owner_token), params={"download": 1})
    assert doc["scope"] == "all" and doc["keys_destroyed"] == [f"member:{old_key}"]
    assert doc["counts"]["interactions"] == 2 and doc["counts"]["member_keys_destroyed"] == 1
    assert fetched.status_code == 200 and fetched.json() == doc
    assert fetched.headers["content-disposition"].startswith("attachment;")


def test_a_receipt_is_issued_once(sqlite_home: Home) -> None:
    home = sqlite_home
    with api(home.settings) as client:
        job = delete(client, home.owner_token, scope="items", ids=[record(client, home)])
        first = receipt_of(client, home.owner_token, job["id"])
    with home.vault.data.read() as session:
        row = session.get(DeletionJob, job["id"])
    length = len(audit.entries(home.vault))
    assert receipts.issue(home.vault, row) == first
    assert len(audit.entries(home.vault)) == length  # no second receipt-issued, no repeated lifecycle
    with home.vault.data.read() as session:
        assert session.scalar(select(func.count()).select_from(ReceiptRow)) == 1
        assert session.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.kind == audit.RECEIPT_ISSUED)) == 1


@pytest.fixture
def signed(sqlite_home: Home) -> tuple[dict, str]:
    with api(sqlite_home.settings) as client:
        job = delete(client, sqlite_home.owner_token, scope="items", ids=[record(client, sqlite_home)])
        return receipt_of(client, sqlite_home.owner_token, job["id"]), client.get("/v1/pubkey").json()["public_key"]


CHANGES = {
    "counts": lambda d: d["counts"].update(interactions=d["counts"]["interactions"] + 1),
    "purged_at": lambda d: d.update(purged_at="2020-01-01T00:00:00+00:00"),
    "member": lambda d: d.update(member="0" * 32),
    "third_parties": lambda d: d["third_parties"].append(
        {"recipient": "x", "asked_at": None, "status": "confirmed", "confirmed_at": None}
    ),
    "keys_destroyed": lambda d: d["keys_destroyed"].pop(),
    "audit_head": lambda d: d.update(audit_head="f" * 64),
    "added-field": lambda d: d.update(extra=1),
}


def test_any_change_breaks_the_signature(signed: tuple[dict, str]) -> None:
    doc, key = signed
    assert receipts.verify_document(doc, key)
    for name, change in CHANGES.items():
        altered = copy.deepcopy(doc)
        change(altered)
        assert altered != doc, name
        assert not receipts.verify_document(altered, key), name
        assert not receipts.verify_document(altered), name


def test_wrong_or_missing_key(signed: tuple[dict, str]) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from echoless.vault.signing import public_key_text

    doc, key = signed
    other = public_key_text(Ed25519PrivateKey.generate().public_key())
    assert not receipts.verify_document(doc, other)
    # a forger who re-signs with their own key and names it in the document still fails a pinned check
    forged = {**doc, "instance_public_key": other}
    assert not receipts.verify_document(forged, key)
    unpinned = receipts.check_document(doc)
    assert unpinned.valid and not unpinned.pinned and "not pinned" in unpinned.reason
    assert receipts.check_document(doc, key).pinned
    for broken in ({}, {"signature": "!!"}, [], {**doc, "signature": "AAAA"}):
        assert not receipts.verify_document(broken, key)  # type: ignore[arg-type]
    assert not receipts.verify_document(doc, "ed25519:bm90IGEga2V5")


def test_another_member_cannot_list_or_fetch(home: Home) -> None:
    bob, bob_token = home.add_member("bob")
    with api(home.settings) as client:
        job = delete(client, home.owner_token, scope="items", ids=[record(client, home)])
        doc = receipt_of(client, home.owner_token, job["id"])
        assert client.get("/v1/receipts", headers=bearer(bob_token)).json() == {"items": []}
        theirs = client.get(f"/v1/receipts/{doc['receipt_id']}", headers=bearer(bob_token))
        missing = client.get(f"/v1/receipts/{'0' * 32}", headers=bearer(bob_token))
        as_device = client.get(f"/v1/receipts/{doc['receipt_id']}", headers=bearer(home.device_token))
        anonymous = client.get("/v1/receipts")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() and theirs.json()["error"]["code"] == "not-found"
    assert as_device.status_code == 403 and anonymous.status_code == 401
    assert receipts.list_for(home.vault, bob) == []


def test_update_third_parties_re_signs(sqlite_home: Home, signed: tuple[dict, str]) -> None:
    doc, key = signed
    asked = [{"recipient": "weather-skill", "asked_at": "2026-11-25T10:00:00+00:00", "status": "confirmed",
              "confirmed_at": "2026-11-25T10:05:00+00:00"}]
    updated = receipts.update_third_parties(sqlite_home.vault, doc["deletion_id"], asked)
    assert updated["third_parties"] == asked and updated["receipt_id"] == doc["receipt_id"]
    assert receipts.verify_document(updated, key)
    assert receipts.get(sqlite_home.vault, sqlite_home.owner, doc["receipt_id"]) == updated
    with pytest.raises(BadRequest):
        receipts.update_third_parties(sqlite_home.vault, doc["deletion_id"], [{"recipient": "x", "status": "maybe"}])


def test_audit_verify_endpoint_needs_a_member_and_says_little(sqlite_home: Home) -> None:
    with api(sqlite_home.settings) as client:
        delete(client, sqlite_home.owner_token, scope="items", ids=[record(client, sqlite_home)])
        ok = client.get("/v1/audit/verify", headers=bearer(sqlite_home.owner_token))
        device = client.get("/v1/audit/verify", headers=bearer(sqlite_home.device_token))
    assert ok.status_code == 200 and device.status_code == 403
    setup = 2  # member-added, device-added
    assert ok.json() == {"ok": True, "length": setup + 4, "head": audit.head(sqlite_home.vault), "problems": 0}
