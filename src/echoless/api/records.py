"""The `record` field of an upload: text a client already has, stored instead of running the pipeline
(an import). Bounded in size and depth; anything unexpected is a 400 `invalid-record`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from echoless.api import client_json
from echoless.api.uploads import MAX_FIELD_BYTES
from echoless.errors import BadRequest, ErrorCode

MAX_DEPTH = client_json.MAX_DEPTH
FIELDS = {"transcript", "response", "action", "created_at"}


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _invalid(message: str) -> BadRequest:
    return BadRequest(message, code=ErrorCode.INVALID_RECORD)


def parse(raw: str | None) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return None
    record = client_json.loads(raw, what="`record`", max_chars=MAX_FIELD_BYTES, limit_code=ErrorCode.INVALID_RECORD)
    if not isinstance(record, dict):
        raise BadRequest("`record` must be a JSON object", code=ErrorCode.INVALID_JSON)
    unknown = set(record) - FIELDS
    if unknown:
        raise _invalid(f"unknown field(s) in `record`: {', '.join(sorted(unknown))}")
    for name in ("transcript", "response"):
        if record.get(name) is not None and not isinstance(record[name], str):
            raise _invalid(f"`record.{name}` must be a string")
    action = record.get("action")
    if isinstance(action, str):
        record["action"] = {"result": action}
    elif action is not None and not isinstance(action, dict):
        raise _invalid("`record.action` must be an object or a string")
    if record.get("created_at") is not None:
        try:
            record["created_at"] = aware(datetime.fromisoformat(record["created_at"]))
        except (TypeError, ValueError) as exc:
            raise _invalid("`record.created_at` must be an ISO 8601 time") from exc
    return record
