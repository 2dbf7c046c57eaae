"""What each route declares it may answer, so that the OpenAPI is the contract (issue 14, "The API contract";
pinned by tests/api/test_contract.py, schemathesis against the live server).

A route names the domain errors it raises, by code: `responses=raises(ErrorCode.NOT_FOUND, ...)`; the status
of each comes from the one catalogue (errors.STATUS). What a route answers because of what it is, `declared`
adds from the route itself as the app includes its router: 401 when it authenticates the caller, 403 when a device
token or a sign-in without its CSRF header is refused, 422 for a parameter or body the schema refuses, 413
when it takes a body. Each error status is declared with the one error shape (api/errors.py) whose `code` may be only
the codes listed for that status, in the description and in `x-error-codes`."""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from echoless.errors import STATUS, ErrorCode

Responses = dict[int | str, dict[str, Any]]
CODES = "x-error-codes"

# Any caller may be refused at the door: no token or an unknown one (401), a signed-in browser request that
# changes something without its CSRF header (403).
AUTHENTICATED = (ErrorCode.UNAUTHORIZED, ErrorCode.CSRF_FAILED)
MEMBER = (ErrorCode.FORBIDDEN,)  # a device token where a member is needed
PARAMETERS = (ErrorCode.INVALID_REQUEST,)  # a parameter or body the schema refuses
BODY = (ErrorCode.REQUEST_TOO_LARGE,)  # a body above the cap of api/middleware.py


def error_schema(status: int, codes: Iterable[str]) -> dict[str, Any]:
    """The JSON schema of the error shape, for this status and these codes only."""
    detail = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "enum": sorted(codes), "description": "Stable: see `x-error-codes`."},
            "message": {"type": "string", "description": "What was wrong, for a person."},
            "status": {"type": "integer", "enum": [status]},
        },
        "required": ["code", "message", "status"],
        "additionalProperties": False,
    }
    return {"type": "object", "properties": {"error": detail}, "required": ["error"], "additionalProperties": False}


def _response(status: int, codes: Iterable[str]) -> dict[str, Any]:
    ordered = sorted(set(codes))
    return {
        "description": f"{HTTPStatus(status).phrase}: " + ", ".join(f"`{code}`" for code in ordered),
        "content": {"application/json": {"schema": error_schema(status, ordered)}},
        CODES: ordered,
    }


def raises(*codes: ErrorCode) -> Responses:
    """`responses=` for a route that may answer with these error codes (one entry per status)."""
    by_status: dict[int, set[str]] = {}
    for code in codes:
        by_status.setdefault(STATUS[code], set()).add(str(code))
    return {status: _response(status, found) for status, found in sorted(by_status.items())}


def _calls(dependant: Dependant) -> Iterable[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _has_body(route: APIRoute) -> bool:
    return route.body_field is not None or "requestBody" in (route.openapi_extra or {})


def implied(route: APIRoute) -> tuple[ErrorCode, ...]:
    """The errors a route answers with because of what it is: its authentication, parameters and body."""
    from echoless.api.deps import get_member, get_principal  # deps needs the vault; this module does not

    calls = set(_calls(route.dependant))
    codes: list[ErrorCode] = []
    if get_principal in calls:
        codes += AUTHENTICATED
    if get_member in calls:
        codes += MEMBER
    codes += PARAMETERS  # every route: a parameter the schema refuses, or a NUL in its query (api/middleware.py)
    if _has_body(route):
        codes += BODY
    return tuple(codes)


def _merge(declared: Responses, extra: Responses) -> Responses:
    merged = dict(declared)
    for status, response in extra.items():
        mine = merged.get(status)
        if mine is None:
            merged[status] = response
        elif CODES in mine:
            merged[status] = _response(int(status), [*mine[CODES], *response[CODES]])
        # else: the route declared this status its own way (e.g. /readyz's 503), which stands
    return merged


def declared(router: APIRouter) -> APIRouter:
    """The router, each of its published routes declaring the statuses it answers because of what it is
    (call it before the router is included: an app copies or wraps the routes it includes)."""
    for route in router.routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            route.responses = _merge(dict(route.responses), raises(*implied(route)))
    return router
