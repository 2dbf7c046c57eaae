"""Export: everything echoless keeps about a member, as a zip streamed in memory — every kept
recording in its original format, one JSON with transcripts, responses, actions, settings, shares and
receipts, and a short README. Nothing of the export is written to the server's disk."""

from __future__ import annotations

import json
import logging
import mimetypes
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from echoless import __version__
from echoless.derived import vocabulary
from echoless.privacy import preferences, receipts
from echoless.sharing import ledger
from echoless.vault import audit
from echoless.vault import interactions
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import Member

_LOGGER = logging.getLogger(__name__)
PAGE = 200
EXTENSIONS = {"audio/wav": ".wav", "audio/flac": ".flac", "audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/webm": ".webm", "audio/mp4": ".m4a"}

README = """echoless export
===============

This archive holds everything echoless keeps about you, as of {when}.

- history.json: every kept interaction (what was heard, what echoless answered, what it did), your
  privacy settings, what was shared with third-party skills, and your deletion receipts.
- audio/: each kept recording, byte for byte as it was uploaded, named after its interaction id.

Receipts are signed by this instance ({key}); `echoless receipt verify FILE --pubkey KEY` checks one
offline. Nothing of this export was kept on the server.
"""

class _Pipe:
    """A write-only, unseekable file whose bytes are handed out as they are written."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _items(vault: Vault, member: Member) -> Iterator[interactions.InteractionView]:
    cursor = None
    while True:
        page = interactions.history(vault, member, cursor=cursor, limit=PAGE)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def count(vault: Vault, member: Member) -> int:
    return interactions.summary(vault, member).items


def stream_export(
    vault: Vault, member: Member, *, progress: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    pipe = _Pipe()
    history: list[dict[str, Any]] = []
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[arg-type]
        for done, item in enumerate(_items(vault, member), start=1):
            entry = item.to_json()
            if item.has_audio:
                data, content_type = interactions.audio(vault, member, item.id)
                name = f"audio/{item.created_at:%Y%m%dT%H%M%S}_{item.id}{_extension(content_type)}"
                archive.writestr(zipfile.ZipInfo(name, date_time=_stamp(item.created_at)), data, compress_type=zipfile.ZIP_STORED)
                entry["audio"]["file"] = name
            history.append(entry)
            if progress is not None:
                progress(done)
            yield pipe.take()
        document = {
            "format": "echoless-export/1",
            "echoless_version": __version__,
            "exported_at": utcnow().isoformat(),
            "member": {"id": member.id, "name": member.name, "role": member.role},
            "settings": preferences.of(member).to_json(),
            "interactions": history,
            "receipts": receipts.list_for(vault, member),
            "shares": ledger.shares(vault, member, limit=10**9),
            "deletion_requests": ledger.requests(vault, member),
            "learned_words": vocabulary.to_json(vault, member),
        }
        archive.writestr("history.json", json.dumps(document, indent=2, ensure_ascii=False, default=str))
        archive.writestr("README.txt", README.format(when=document["exported_at"], key=receipts.instance_public_key(vault)))
    audit.append(vault, audit.EXPORT_MADE, subject=member.id, counts={"items": len(history)})
    _LOGGER.info("export made: %d items", len(history))
    yield pipe.take()


def _extension(content_type: str) -> str:
    return EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type) or ".bin"


def _stamp(moment: datetime) -> tuple[int, int, int, int, int, int]:
    local = moment.astimezone()
    return (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)
