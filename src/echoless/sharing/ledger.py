"""The share ledger: "what did I share, with whom, and did they delete it". Content-free: the skill,
when, which fields (names only), the interaction (opaque id), the manifest version, the pseudonymous
interaction id the skill saw, the outcome, and the deletion request's state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from echoless.sharing import connection
from echoless.sharing.records import NoticeRow, ShareRow
from echoless.vault.instance import Vault
from echoless.vault.models import Member


def _deletion(notice: NoticeRow | None) -> dict[str, Any]:
    if notice is None:
        return {"status": "not-asked", "asked_at": None, "confirmed_at": None, "attempts": 0}
    if notice.state == "confirmed":
        state = "confirmed"
    else:
        state = "overdue" if notice.overdue else "asked"
    return {
        "status": state,
        "request": notice.id,
        "deletion_id": notice.deletion_id,
        "asked_at": notice.asked_at.isoformat(),
        "confirmed_at": notice.confirmed_at.isoformat() if notice.confirmed_at else None,
        "deadline_at": notice.deadline_at.isoformat(),
        "attempts": notice.attempts,
        "last_error": notice.last_error,
    }


def shares(vault: Vault, member: Member, *, limit: int = 500) -> list[dict[str, Any]]:
    """A member's shares, newest first."""
    with vault.data.read() as session:
        rows = list(session.scalars(
            select(ShareRow).where(ShareRow.member_id == member.id)
            .order_by(ShareRow.sent_at.desc(), ShareRow.id).limit(limit)
        ))
        notice_ids = {r.notice_id for r in rows if r.notice_id}
        notices = {n.id: n for n in session.scalars(select(NoticeRow).where(NoticeRow.id.in_(notice_ids)))} if notice_ids else {}
    return [
        {
            "id": r.id,
            "skill": r.skill_name,
            "recipient": r.recipient,
            "sent_at": r.sent_at.isoformat(),
            "fields": list(r.fields),
            "interaction_id": r.interaction_id,
            "pseudonymous_interaction_id": r.pseudo_interaction_id,
            "manifest_version": r.manifest_version,
            "outcome": r.outcome,
            "deletion": _deletion(notices.get(r.notice_id) if r.notice_id else None),
        }
        for r in rows
    ]


def requests(vault: Vault, member: Member) -> list[dict[str, Any]]:
    """The member's deletion requests to skills (including "disable and forget" ones), newest first."""
    with vault.data.read() as session:
        rows = list(session.scalars(
            select(NoticeRow).where(NoticeRow.member_id == member.id).order_by(NoticeRow.asked_at.desc(), NoticeRow.id)
        ))
    return [{"recipient": n.recipient, "scope": n.scope, "shares": len(n.interactions or []) if n.scope != "all" else None,
             **_deletion(n)} for n in rows]


def recipients(vault: Vault, member: Member) -> list[str]:
    with vault.data.read() as session:
        return sorted(set(session.scalars(select(ShareRow.skill_name).where(ShareRow.member_id == member.id))))


def knowledge_line(vault: Vault, member: Member) -> list[str]:
    """For "what do you know about me?": which skills received something, without any content."""
    names = recipients(vault, member)
    home = connected_home(vault, member)
    lines = [] if home is None else [
        f"Your household's Home Assistant receives the action of each request (never your voice or words) and "
        f"keeps its own history of your home's states for {home['history_days']} days."]
    if not names:
        return lines  # nothing more: the answer stays as it was before skills existed
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    noun = "skill has" if len(names) == 1 else "skills have"
    return [*lines, f"{len(names)} third-party {noun} received requests from you: {listed}. Your share ledger lists each one."]


def connected_home(vault: Vault, member: Member) -> dict[str, Any] | None:
    """The household's connected Home Assistant as a recipient of actions (PRIVACY_MODEL §6), or None: it
    receives the service call of each action (the service and the entity), never audio or words, and keeps
    its own state history (its recorder) for `history_days`, which echoless cannot delete."""
    found = connection.load(vault, member.household_id)
    if found is None:
        return None
    return {
        "recipient": "Home Assistant",
        "url": found.url,
        "receives": ["service call (service and entity)"],
        "never": ["audio", "transcript"],
        "history_days": found.history_days,
        "history_days_set_by_owner": found.keep_days is not None,
        "deletes_with_your_history": False,
    }
