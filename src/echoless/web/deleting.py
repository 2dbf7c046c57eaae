"""Deleting from the pages: one item, selected items, a day, a date range, everything. Each goes through
a confirmation page that says what will be gone and that it cannot be undone; the deletion is
journalled and shredded in the request, purged just after, and its page shows the state and receipt."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from echoless import root
from echoless.terms import JobState, Scope
from echoless.errors import BadRequest, ErrorCode
from echoless.privacy import deletion
from echoless.vault import interactions
from echoless.vault.access import history_subject
from echoless.vault.instance import Vault
from echoless.vault.models import Interaction, Member
from echoless.web import receipts_view
from echoless.web.history import day_bounds, parse_day, subject_query
from echoless.web.pages import CheckedDep, SignedInDep, get_vault, redirect, render

router = APIRouter(include_in_schema=False)
SCOPES = ("items", "day", "range", "all")
MAX_SELECTED = interactions.MAX_PAGE


def _count(vault: Vault, member: Member, since: Any = None, until: Any = None) -> int:
    query = select(func.count()).select_from(Interaction).where(
        Interaction.member_id == member.id, Interaction.key_id == member.key_id, Interaction.deleted_at.is_(None)
    )
    if since is not None:
        query = query.where(Interaction.created_at >= since)
    if until is not None:
        query = query.where(Interaction.created_at < until)
    with vault.data.read() as session:
        return int(session.scalar(query) or 0)


class Plan:
    """What a deletion request covers, checked before anything is shown or changed."""

    def __init__(self, vault: Vault, subject: Member, scope: str, ids: list[str], day: str | None, since: str | None, until: str | None) -> None:
        if scope not in SCOPES:
            raise BadRequest(f"scope must be one of {', '.join(SCOPES)}", code=ErrorCode.INVALID_SCOPE)
        self.scope = scope
        self.ids = list(dict.fromkeys(i for i in ids if i))
        self.items: list[interactions.InteractionView] = []
        self.since_day: date | None = None
        self.until_day: date | None = None
        if scope == "items":
            if not self.ids:
                raise BadRequest("choose at least one item to delete", code=ErrorCode.NOTHING_TO_DELETE)
            if len(self.ids) > MAX_SELECTED:
                raise BadRequest(f"choose at most {MAX_SELECTED} items at a time", code=ErrorCode.TOO_MANY_ITEMS)
            self.items = [interactions.get(vault, subject, i) for i in self.ids]  # 404 for anything not theirs
            self.count = len(self.items)
        elif scope == "day":
            self.since_day = self.until_day = parse_day(day, "day")
            if self.since_day is None:
                raise BadRequest("name the day to delete", code=ErrorCode.INVALID_DATE)
        elif scope == "range":
            self.since_day, self.until_day = parse_day(since, "From"), parse_day(until, "To")
            if self.since_day is None and self.until_day is None:
                raise BadRequest("a range needs a start date, an end date or both", code=ErrorCode.INVALID_RANGE)
        self.since, self.until = day_bounds(self.since_day, self.until_day)
        if scope in ("day", "range"):
            self.count = _count(vault, subject, self.since, self.until)
        elif scope == "all":
            self.count = _count(vault, subject)

    def hidden(self) -> list[tuple[str, str]]:
        fields = [("scope", self.scope)] + [("ids", i) for i in self.ids]
        if self.scope == "day" and self.since_day:
            fields.append(("day", self.since_day.isoformat()))
        if self.scope == "range":
            fields += [(k, v.isoformat()) for k, v in (("since", self.since_day), ("until", self.until_day)) if v]
        return fields

    def run(self, vault: Vault, subject: Member) -> deletion.DeletionJob:  # type: ignore[name-defined]
        scope = {"items": Scope.ITEMS, "all": Scope.ALL}.get(self.scope, Scope.RANGE)  # a day is a range
        return root.request_deletion(vault, subject, scope, ids=self.ids, since=self.since, until=self.until)


@router.get("/delete")
def confirm_page(
    request: Request,
    signed_in: SignedInDep,
    scope: Annotated[str, Query(max_length=10)] = "items",
    ids: Annotated[list[str] | None, Query()] = None,
    day: Annotated[str | None, Query(max_length=20)] = None,
    since: Annotated[str | None, Query(max_length=20)] = None,
    until: Annotated[str | None, Query(max_length=20)] = None,
    member: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    vault = get_vault(request)
    subject = history_subject(vault, signed_in.member, member, shared=True)
    plan = Plan(vault, subject, scope, ids or [], day, since, until)
    return render(request, "delete_confirm.html", {
        "plan": plan, "subject": subject, "subject_query": subject_query(signed_in.member, subject),
    })


@router.post("/delete")
def delete(
    request: Request,
    signed_in: CheckedDep,
    scope: Annotated[str, Form(max_length=10)],
    ids: Annotated[list[str] | None, Form()] = None,
    day: Annotated[str | None, Form(max_length=20)] = None,
    since: Annotated[str | None, Form(max_length=20)] = None,
    until: Annotated[str | None, Form(max_length=20)] = None,
    member: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    vault = get_vault(request)
    subject = history_subject(vault, signed_in.member, member, shared=True)
    plan = Plan(vault, subject, scope, ids or [], day, since, until)
    job = plan.run(vault, subject)
    query = subject_query(signed_in.member, subject)
    return redirect(f"/deletions/{job.id}" + (f"?member={query['member']}" if query else ""))


@router.get("/deletions/{job_id}")
def deletion_page(
    request: Request, signed_in: SignedInDep, job_id: str, member: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    vault = get_vault(request)
    subject = history_subject(vault, signed_in.member, member, shared=True)
    job = deletion.get_job(vault, subject, job_id)
    receipt = receipts_view.for_deletion(vault, subject, job) if job.state == JobState.PURGED else None
    return render(request, "deletion.html", {
        "job": job, "subject": subject, "subject_query": subject_query(signed_in.member, subject), "receipt": receipt,
    })
