"""Drive a share without audio (the record path): match the text against the member's enabled skills,
invoke, record the interaction like the pipeline does, and link the share."""

from __future__ import annotations

import time
from typing import Any

from homes import Home
from samples import tone_wav

from echoless.pipeline.run import import_interaction
from echoless.privacy import deletion
from echoless.sharing import invoke, manifest, notices, skills
from echoless.vault.models import Member


def install(home: Home, text: str) -> skills.Skill:
    """The test skill servers listen on 127.0.0.1: the owner approves that host, as a real owner must."""
    return skills.install(home.vault, home.owner, manifest.parse(text), allow_private_host=True)


def say(home: Home, member: Member, text: str) -> tuple[str | None, invoke.Invocation]:
    match = skills.match_text(home.vault, member, text)
    assert match is not None, "no enabled skill matched"
    result = invoke.invoke(home.vault, member, match, text)
    item_id = import_interaction(
        home.vault, member, home.device.id, tone_wav(0.2),
        transcript=text, response=result.response, action=invoke.action(match, result),
    )
    invoke.link(home.vault, result.share_id, item_id)
    return item_id, result


def delete_items(home: Home, member: Member, ids: list[str]) -> Any:
    job = deletion.delete_items(home.vault, member, ids)
    return deletion.purge(home.vault, job.id)


def deliver_until(home: Home, done: Any, *, seconds: float = 10.0) -> None:
    """Run delivery passes (as the courier does) until `done()` is true."""
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "delivery did not finish in time"
        notices.deliver_due(home.vault)
        time.sleep(0.05)
