"""Deletion follows the data (PRIVACY_MODEL §2 "purged", §3.6): a deletion that covers shared
interactions owes each recipient a signed deletion request.

- The shred hook (before the keys die) finds the covered shares, resolves the pseudonym under the key
  that is about to be destroyed, and journals one notice per (skill, member key) in `share_notices`,
  in the same transaction that marks the shares. It sends nothing: no deletion waits for a skill.
- `deliver_due` (run by the server's courier thread, and callable from anywhere) POSTs each due notice:
    {"request": "<notice id>", "scope": "interactions", "interactions": [...], "user": "<pseudonym>"}
    {"request": "<notice id>", "scope": "all", "user": "<pseudonym>"}       (everything for this user)
  signed like every request (see `wire`). The skill acknowledges with 2xx and `{"deleted": true}`.
  Until then it is retried with exponential backoff (`share_retry_base_seconds`, doubling, capped at
  `share_retry_max_seconds`); after `share_deletion_deadline_days` it is shown as overdue (and still
  retried). On acknowledgement the pseudonym and the interaction ids are cleared from the notice.
- The deletion's receipt lists each recipient as asked, confirmed (with the time) or overdue; it is
  re-signed whenever a notice changes state, and filled in when the receipt is issued.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from echoless.errors import NotFound
from echoless.privacy import receipts
from echoless.vault import audit
from echoless.vault.records import ReceiptRow
from echoless.sharing import wire
from echoless.sharing.records import NoticeRow, ShareRow
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.keyring import KeyDestroyed
from echoless.vault.models import DeletionJob, Member

_LOGGER = logging.getLogger(__name__)
BATCH = 500
SHARED_PARTS = frozenset({"text", "action"})  # what a share was made of; audio is never shared
WAKE = "share-notices"  # the vault's signal that new notices are journalled; the courier wakes up


def _notice_id(deletion_id: str, skill_id: str, key_id: str) -> str:
    return hashlib.sha256(f"notice|{deletion_id}|{skill_id}|{key_id}".encode()).hexdigest()[:32]


def _covered(session: Any, job: DeletionJob) -> list[ShareRow]:
    base = select(ShareRow).where(ShareRow.member_id == job.member_id, ShareRow.notice_id.is_(None))
    if job.key_ids:
        return list(session.scalars(base.where(ShareRow.key_id.in_(list(job.key_ids)))))
    if not SHARED_PARTS & set(job.parts or ()):
        return []
    found: list[ShareRow] = []
    ids = list(job.item_ids or ())
    for start in range(0, len(ids), BATCH):
        found.extend(session.scalars(base.where(ShareRow.interaction_id.in_(ids[start : start + BATCH]))))
    return found


def _journal(vault: Vault, session: Any, *, notice_id: str, deletion_id: str | None, member_id: str,
             shares: list[ShareRow], scope: str, mark: bool = True) -> NoticeRow | None:
    """One notice for shares of one skill under one member key; idempotent by `notice_id`."""
    if session.get(NoticeRow, notice_id) is not None:
        return None
    first = shares[0]
    try:
        pseudonym = wire.member_pseudonym(vault, member_id, first.key_id, first.skill_id)
    except KeyDestroyed:  # nothing can name this user to the skill any more
        _LOGGER.warning("share notice %s: the member key is already gone", notice_id)
        pseudonym = None
    now = utcnow()
    notice = NoticeRow(
        id=notice_id, deletion_id=deletion_id, member_id=member_id, skill_id=first.skill_id,
        recipient=first.recipient, url=first.deletion_endpoint, scope=scope, pseudonym=pseudonym,
        interactions=[] if scope == "all" else sorted(s.pseudo_interaction_id for s in shares),
        state="asked", overdue=False, attempts=0, asked_at=now,
        deadline_at=now + timedelta(days=vault.settings.share_deletion_deadline_days), next_attempt_at=now,
    )
    session.add(notice)
    for share in shares if mark else ():
        share.notice_id = notice_id
    audit.append_in(session, audit.SHARE_DELETION_ASKED, subject=notice_id, counts={"shares": len(shares)}, at=now)
    return notice


def journal_requests(session: Any, vault: Vault, jobs: list[DeletionJob]) -> None:
    """In the journal's transaction: journal the deletion requests while the member key can still name
    the pseudonym. The courier is woken at purge, once they are committed."""
    made = 0
    for job in jobs:
        groups: dict[tuple[str, str], list[ShareRow]] = defaultdict(list)
        for share in _covered(session, job):
            groups[(share.skill_id, share.key_id)].append(share)
        scope = "all" if job.key_ids else "interactions"
        for (skill_id, key_id), shares in sorted(groups.items()):
            notice = _journal(vault, session, notice_id=_notice_id(job.id, skill_id, key_id), deletion_id=job.id,
                              member_id=job.member_id, shares=shares, scope=scope)
            made += notice is not None
    if made:
        _LOGGER.info("%d share deletion requests journalled for %d deletion(s)", made, len(jobs))


def recipients_in_receipts(session: Any, vault: Vault, jobs: list[DeletionJob]) -> None:
    """In the transaction that issued the receipts: name the recipients asked to delete."""
    for job in jobs:
        notices = list(session.scalars(select(NoticeRow).where(NoticeRow.deletion_id == job.id)))
        if notices:
            receipts.update_third_parties_in(session, vault, job.id, _third_parties(notices))


def ask_to_forget(vault: Vault, member: Member, skill: Any) -> str | None:
    """"Disable and ask them to delete": everything this member's current pseudonym gave the skill."""
    with vault.data.write() as session:
        shares = list(session.scalars(select(ShareRow).where(
            ShareRow.member_id == member.id, ShareRow.skill_id == skill.id, ShareRow.key_id == member.key_id,
        )))
        if not shares:
            return None
        notice_id = _notice_id(f"forget-{utcnow().isoformat()}", skill.id, member.key_id)
        pending = [s for s in shares if s.notice_id is None]
        # Shares already covered by an earlier request keep showing that request's answer in the ledger.
        _journal(vault, session, notice_id=notice_id, deletion_id=None, member_id=member.id,
                 shares=pending or shares, scope="all", mark=bool(pending))
    vault.runtime.signal(WAKE).set()
    return notice_id


# Receipts ----------------------------------------------------------------------------------------
def status(notice: NoticeRow) -> str:
    if notice.state == "confirmed":
        return "confirmed"
    return "overdue" if notice.overdue else "asked"


def _third_parties(notices: list[NoticeRow]) -> list[dict[str, Any]]:
    return [
        {
            "recipient": n.recipient,
            "asked_at": n.asked_at.isoformat(),
            "status": status(n),
            "confirmed_at": n.confirmed_at.isoformat() if n.confirmed_at else None,
        }
        for n in sorted(notices, key=lambda n: (n.recipient, n.id))
    ]


def refresh_receipt(vault: Vault, deletion_id: str | None) -> None:
    """Re-sign the deletion's receipt when what it says about third parties changed."""
    if deletion_id is None:
        return
    with vault.data.read() as session:
        notices = list(session.scalars(select(NoticeRow).where(NoticeRow.deletion_id == deletion_id)))
        body = session.scalars(select(ReceiptRow.body).where(ReceiptRow.deletion_id == deletion_id)).first()
    if not notices or body is None:
        return  # no recipients, or no receipt yet (the purge hook fills it in when it is issued)
    wanted = _third_parties(notices)
    if json.loads(body).get("third_parties") == wanted:
        return
    try:
        receipts.update_third_parties(vault, deletion_id, wanted)
    except NotFound:
        pass


# Delivery ----------------------------------------------------------------------------------------
def request_body(notice: NoticeRow) -> bytes:
    doc: dict[str, Any] = {"request": notice.id, "scope": notice.scope, "user": notice.pseudonym}
    if notice.scope != "all":
        doc["interactions"] = list(notice.interactions or [])
    return wire.body_bytes(doc)


def _acknowledged(status_code: int, raw: bytes) -> bool:
    if not 200 <= status_code < 300:
        return False
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("deleted") is True


def _backoff(vault: Vault, attempts: int) -> timedelta:
    base = vault.settings.share_retry_base_seconds
    return timedelta(seconds=min(base * (2 ** max(attempts - 1, 0)), vault.settings.share_retry_max_seconds))


def mark_overdue(vault: Vault, now: datetime | None = None) -> int:
    now = now or utcnow()
    changed: list[NoticeRow] = []
    with vault.data.write() as session:
        for notice in session.scalars(select(NoticeRow).where(
            NoticeRow.state == "asked", NoticeRow.overdue.is_(False), NoticeRow.deadline_at <= now,
        )):
            notice.overdue = True
            audit.append_in(session, audit.SHARE_DELETION_OVERDUE, subject=notice.id, at=now)
            changed.append(notice)
    for deletion_id in {n.deletion_id for n in changed}:
        refresh_receipt(vault, deletion_id)
    if changed:
        _LOGGER.warning("%d share deletion requests are overdue", len(changed))
    return len(changed)


def _claim(vault: Vault, notice_id: str, now: datetime) -> NoticeRow | None:
    """Take a due notice for one attempt (a lease), so two processes do not send it at once."""
    lease = now + timedelta(seconds=vault.settings.share_timeout_seconds * 2 + 1)
    with vault.data.write() as session:
        claimed = session.execute(
            update(NoticeRow)
            .where(NoticeRow.id == notice_id, NoticeRow.state == "asked", NoticeRow.next_attempt_at <= now)
            .values(next_attempt_at=lease)
        ).rowcount
        if not claimed:
            return None
        notice = session.get(NoticeRow, notice_id)
        session.expunge(notice)
        return notice


def attempt(vault: Vault, notice: NoticeRow) -> bool:

    error: str | None = None
    try:
        if notice.pseudonym is None:
            raise LookupError("no pseudonym")
        code, raw = wire.post_signed(vault, notice.url, request_body(notice), vault.settings.share_timeout_seconds)
        if not _acknowledged(code, raw):
            error = f"status-{code}" if not 200 <= code < 300 else "bad-answer"
    except httpx.TimeoutException:
        error = "timeout"
    except (httpx.HTTPError, ValueError, OSError):
        error = "unreachable"
    except LookupError:
        error = "no-pseudonym"
    now = utcnow()
    with vault.data.write() as session:
        row = session.get(NoticeRow, notice.id)
        row.attempts += 1
        row.last_attempt_at = now
        if error is None:
            row.state = "confirmed"
            row.confirmed_at = now
            row.last_error = None
            row.pseudonym = None  # nothing left to name: the skill has forgotten
            row.interactions = []
            audit.append_in(session, audit.SHARE_DELETION_CONFIRMED, subject=row.id, at=now)
        else:
            row.last_error = error
            row.next_attempt_at = now + _backoff(vault, row.attempts)
        deletion_id = row.deletion_id
    if error is None:
        _LOGGER.info("share notice %s confirmed", notice.id)
        refresh_receipt(vault, deletion_id)
    else:
        _LOGGER.info("share notice %s not acknowledged (%s); will retry", notice.id, error)
    return error is None


def deliver_due(vault: Vault, *, limit: int = 100) -> dict[str, int]:
    """One pass: mark what is overdue, then try every due notice once. Safe to run from any process."""
    now = utcnow()
    overdue = mark_overdue(vault, now)
    with vault.data.read() as session:
        due = list(session.scalars(
            select(NoticeRow.id).where(NoticeRow.state == "asked", NoticeRow.next_attempt_at <= now)
            .order_by(NoticeRow.next_attempt_at).limit(limit)
        ))
    confirmed = failed = 0
    for notice_id in due:
        notice = _claim(vault, notice_id, now)
        if notice is None:
            continue
        if attempt(vault, notice):
            confirmed += 1
        else:
            failed += 1
    return {"overdue": overdue, "confirmed": confirmed, "failed": failed}


def pending(vault: Vault) -> int:
    with vault.data.read() as session:
        return len(list(session.scalars(select(NoticeRow.id).where(NoticeRow.state == "asked"))))


class Courier:
    """The server's delivery thread: its own loop, so a slow or dead skill delays nothing else."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="echoless-share-notices", daemon=True)

    @property
    def interval(self) -> float:
        settings = self.vault.settings
        return max(0.05, min(settings.share_retry_base_seconds, settings.sweep_interval_seconds))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.vault.runtime.signal(WAKE).set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                deliver_due(self.vault)
            except Exception as exc:  # the journal keeps the work; the next pass retries
                _LOGGER.error("share notice delivery failed: %s", type(exc).__name__)
            wake = self.vault.runtime.signal(WAKE)
            wake.wait(self.interval)
            wake.clear()


