"""The voice history page: a member's interactions grouped by day, filtered by date range and device,
with the recording played through a session-authenticated route. A parent may switch to a child profile's
history, the owner and the adults a shared device lists to its shared history (vault/access.py holds the rule)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from echoless.errors import BadRequest, ErrorCode
from echoless.vault import accounts, interactions
from echoless.vault.access import history_subject, readable_members
from echoless.vault.devices import shared_histories
from echoless.vault.models import Member
from echoless.web.pages import SignedInDep, get_vault, local, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def parse_day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadRequest(f"{field} must be a date like 2026-05-01", code=ErrorCode.INVALID_DATE) from exc


def day_start(day: date) -> datetime:
    """Local midnight at the start of `day` (the server's time zone), as an aware time."""
    return datetime.combine(day, time.min).astimezone()


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """`until` is inclusive on the page: items up to the end of that day."""
    if since and until and since > until:
        raise BadRequest("the start date must not be after the end date", code=ErrorCode.INVALID_RANGE)
    return (day_start(since) if since else None, day_start(until + timedelta(days=1)) if until else None)


def subject_query(me: Member, subject: Member) -> dict[str, str]:
    return {} if subject.id == me.id else {"member": subject.name}


def action_summary(action: dict[str, Any] | None) -> str | None:
    if not action:
        return None
    result = action.get("result")
    if result:
        return str(result)
    return str(action.get("intent") or "") or None


@router.get("/history")
def history_page(
    request: Request,
    signed_in: SignedInDep,
    member: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[str | None, Query(max_length=20)] = None,
    until: Annotated[str | None, Query(max_length=20)] = None,
    device: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    vault = get_vault(request)
    me = signed_in.member
    subject = history_subject(vault, me, member, shared=True)
    since_day, until_day = parse_day(since, "From"), parse_day(until, "To")
    start, end = day_bounds(since_day, until_day)
    devices = accounts.devices(vault, me.household_id)
    device_id = accounts.find_device(vault, me.household_id, device).id if device else None
    if q and q.strip():  # the keyed-token index (derived/search.py); the date and device filters do not apply
        from echoless.derived import search as index

        page = index.search(vault, subject, q, cursor=cursor or None, limit=PAGE_SIZE)
    else:
        page = interactions.history(vault, subject, since=start, until=end, device_id=device_id, cursor=cursor or None, limit=PAGE_SIZE)
    days = [
        (day, [dict(item=i, did=action_summary(i.action)) for i in items])
        for day, items in groupby(page.items, key=lambda i: local(i.created_at).date())  # type: ignore[union-attr]
    ]
    filters = {k: v for k, v in {"since": since, "until": until, "device": device, "q": q}.items() if v}
    base = subject_query(me, subject)
    return render(
        request,
        "history.html",
        {
            "subject": subject,
            "subject_query": base,
            "people": readable_members(vault, me) + shared_histories(vault, me),
            "days": days,
            "devices": devices,
            "filters": filters,
            "filtered": bool(filters),
            "next_query": {**base, **filters, "cursor": page.next_cursor} if page.next_cursor else None,
            "paged": bool(cursor),
            "deleted": request.query_params.get("deleted"),
        },
    )


@router.get("/history/{item_id}/audio")
def history_audio(
    request: Request, signed_in: SignedInDep, item_id: str, member: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    vault = get_vault(request)
    data, content_type = interactions.audio(vault, history_subject(vault, signed_in.member, member, shared=True), item_id)
    return Response(content=data, media_type=content_type, headers={"Cache-Control": "no-store", "Content-Disposition": "inline"})
