"""PRIVACY_MODEL §3.7: the audit log is append-only, hash-chained and content-free; any edit, removal,
reordering or truncation is detected and named by seq."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, text, update

from apiclient import api
from homes import Home
from proofs_helpers import delete as delete_via_api, receipt_of, record
from echoless.errors import BadRequest
from echoless.vault import audit
from echoless.vault.records import AuditRow
from samples import canary


def _fill(home: Home, n: int = 5) -> list[audit.AuditEntry]:
    return [audit.append(home.vault, audit.MEMBER_ADDED, subject=f"m{i:02d}", counts={"n": i}) for i in range(n)]


def _problem_seqs(home: Home) -> set[int]:
    report = audit.verify_chain(home.vault)
    assert not report.ok
    return {p.seq for p in report.problems}


def test_a_fresh_chain_verifies(home: Home) -> None:
    before = audit.entries(home.vault)  # setting up the home (member, device) is already recorded
    assert [e.kind for e in before] == [audit.MEMBER_ADDED, audit.SETTINGS_CHANGED, audit.DEVICE_ADDED] or [
        e.kind for e in before
    ] == [audit.MEMBER_ADDED, audit.DEVICE_ADDED]
    assert before[0].prev_hash == audit.GENESIS
    assert audit.verify_chain(home.vault).ok
    made = _fill(home)
    assert [e.seq for e in made] == [len(before) + i for i in range(1, 6)]
    assert made[0].prev_hash == before[-1].hash and all(b.prev_hash == a.hash for a, b in zip(made, made[1:]))
    report = audit.verify_chain(home.vault)
    assert report.ok and report.length == len(before) + 5 and report.head == made[-1].hash == audit.head(home.vault)
    assert audit.entries(home.vault) == before + made


def test_append_is_content_free_by_construction(sqlite_home: Home) -> None:
    vault = sqlite_home.vault
    for kind in ("interaction-recorded", "transcript", "", "MEMBER-ADDED"):
        with pytest.raises(BadRequest):
            audit.append(vault, kind)
    for counts in ({"n": 1.5}, {"n": "3"}, {"n": True}, {"n": None}, {"said hello": 1}, {"n": [1]}):
        with pytest.raises(BadRequest):
            audit.append(vault, audit.EXPORT_MADE, counts=counts)  # type: ignore[arg-type]
    for subject in ("turn on the light", "x" * 81, "", "a\nb"):
        with pytest.raises(BadRequest):
            audit.append(vault, audit.EXPORT_MADE, subject=subject)
    before = audit.entries(vault)
    assert [e.kind for e in before] == [audit.MEMBER_ADDED, audit.DEVICE_ADDED]  # setting up the home; nothing refused
    assert audit.append(vault, audit.EXPORT_MADE, subject="member:abc123", counts={"items": 0}).seq == len(before) + 1


@pytest.mark.parametrize("column,value", [("counts", {"n": 99}), ("kind", audit.MEMBER_REMOVED), ("subject", "zz")])
def test_an_edited_entry_is_named(home: Home, column: str, value: object) -> None:
    _fill(home)
    with home.vault.data.write() as session:
        session.execute(update(AuditRow).where(AuditRow.seq == 3).values({column: value}))
    assert 3 in _problem_seqs(home)
    assert min(_problem_seqs(home)) == 3


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(home: Home) -> None:
    made = _fill(home)
    e = made[2]
    forged = audit.entry_hash(e.seq, e.at, e.kind, e.subject, {"n": 99}, e.prev_hash)
    with home.vault.data.write() as session:
        session.execute(update(AuditRow).where(AuditRow.seq == e.seq).values(counts={"n": 99}, hash=forged))
    report = audit.verify_chain(home.vault)
    assert [(p.seq, "link broken" in p.what) for p in report.problems] == [(e.seq + 1, True)]


def test_a_removed_entry_is_named(home: Home) -> None:
    _fill(home)
    with home.vault.data.write() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == 3))
    report = audit.verify_chain(home.vault)
    assert {p.seq for p in report.problems} == {4}
    assert any("seq 3" in p.what for p in report.problems)


def test_a_removed_first_entry_is_named(sqlite_home: Home) -> None:
    _fill(sqlite_home)
    with sqlite_home.vault.data.write() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == 1))
    assert _problem_seqs(sqlite_home) == {2}


def test_swapped_entries_are_named(home: Home) -> None:
    _fill(home)
    with home.vault.data.write() as session:
        session.execute(text("UPDATE audit_log SET seq = -1 WHERE seq = 2"))
        session.execute(text("UPDATE audit_log SET seq = 2 WHERE seq = 3"))
        session.execute(text("UPDATE audit_log SET seq = 3 WHERE seq = -1"))
    assert {2, 3} <= _problem_seqs(home)
    assert min(_problem_seqs(home)) == 2


def test_a_truncated_tail_shows_through_the_receipt_head(home: Home) -> None:
    with api(home.settings) as client:
        job = delete_via_api(client, home.owner_token, scope="items", ids=[record(client, home)])
        doc = receipt_of(client, home.owner_token, job["id"])
    assert audit.verify_chain(home.vault).ok
    with home.vault.data.write() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq >= doc["audit_seq"]))
    report = audit.verify_chain(home.vault)
    assert not report.ok and any(doc["receipt_id"] in p.what for p in report.problems)
    assert {p.seq for p in report.problems} == {doc["audit_seq"]}  # named by the receipt and by the signed checkpoint
    # offline: a receipt held by the member shows it even if the receipts table went too
    offline = audit.check(audit.entries(home.vault), [("my receipt", doc["audit_head"])])
    assert not offline.ok


def test_no_transcript_canary_reaches_the_audit_log_or_receipts(home: Home) -> None:
    secret = canary("HEARD")
    before = len(audit.entries(home.vault))
    with api(home.settings) as client:
        item = record(client, home, transcript=f"remind me {secret}")
        delete_via_api(client, home.owner_token, scope="items", ids=[item])
        delete_via_api(client, home.owner_token, scope="all")
    with home.vault.data.read() as session:
        audit_rows = [tuple(r) for r in session.execute(text("SELECT * FROM audit_log"))]
        receipt_rows = [tuple(r) for r in session.execute(text("SELECT * FROM receipts"))]
    assert len(audit_rows) == before + 8 and len(receipt_rows) == 2
    dump = repr(audit_rows + receipt_rows)
    assert secret not in dump and "remind" not in dump


def test_concurrent_appends_never_fork(home: Home) -> None:
    errors: list[BaseException] = []
    before = len(audit.entries(home.vault))

    def work(i: int) -> None:
        try:
            for _ in range(5):
                audit.append(home.vault, audit.SETTINGS_CHANGED, subject=f"m{i}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit.verify_chain(home.vault)
    assert report.ok and report.length == before + 20


def test_a_chain_recomputed_without_the_deletions_and_without_receipts_fails_its_signed_checkpoints(home: Home) -> None:
    from echoless.vault.records import ReceiptRow

    with api(home.settings) as client:
        delete_via_api(client, home.owner_token, scope="items", ids=[record(client, home)])
    rows = [e for e in audit.entries(home.vault) if not e.kind.startswith("deletion-") and e.kind != audit.RECEIPT_ISSUED]
    with home.vault.data.write() as session:  # an insider rewrites history: no deletion ever happened
        session.execute(delete(ReceiptRow))
        session.execute(delete(AuditRow))
        prev = audit.GENESIS
        for seq, entry in enumerate(rows, start=1):
            digest = audit.entry_hash(seq, entry.at, entry.kind, entry.subject, entry.counts, prev)
            session.add(AuditRow(seq=seq, at=entry.at, kind=entry.kind, subject=entry.subject, counts=entry.counts,
                                 prev_hash=prev, hash=digest))
            prev = digest
    report = audit.verify_chain(home.vault)
    assert not report.ok and any("checkpoint" in p.what for p in report.problems)
