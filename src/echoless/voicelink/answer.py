"""Understanding and acting on a request that arrives as text (a Wyoming `transcript` sent for handling).

STOPGAP: the shared use case `root.ask_text(vault, member, text, *, device_id=None, source="typed", now=None)`
is being added on another branch; until it is on main this module holds a local function with the same
signature, built from the pipeline's own steps (understand, act — privacy intents limited like any device's —,
answer, record). At merge, callers switch to `root.ask_text` and this module goes. The data model has no
`source` column yet, so `source` is accepted and not stored."""

from __future__ import annotations

import time
from datetime import datetime

from echoless.content import Content
from echoless.pipeline import events as ev
from echoless.pipeline import homes
from echoless.pipeline.run import RunResult, _act, _ask_skill, _succeeded, local_now
from echoless.pipeline.understand import IntentMatch, get_understander
from echoless.sharing import invoke as sharing_invoke
from echoless.sharing import skills as sharing
from echoless.vault import interactions
from echoless.vault.instance import Vault
from echoless.vault.models import Member


def ask_text(
    vault: Vault, member: Member, text: str, *, device_id: str | None = None, source: str = "typed",
    now: datetime | None = None,
) -> RunResult:
    """Understand `text`, act, answer and record it (transcript, answer, action; no audio)."""
    del source  # recorded once the data model has a source (see the module docstring)
    started = time.perf_counter()
    now = now or local_now()
    with homes.edit(vault, member.household_id) as home:
        match = get_understander().understand(text, home)
        skill = sharing.match_text(vault, member, text) if match is None else None
        if skill is not None:
            match = IntentMatch(name=skill.intent_name, slots=dict(skill.slots), response=skill.intent)
        outcome = _act(vault, member, device_id, match, home, now) if skill is None else None
    if skill is not None:
        outcome = _ask_skill(vault, member, skill, text)
    assert outcome is not None
    item_id = None
    if outcome.record:
        row = interactions.record(vault, member, device_id, interactions.NewInteraction(
            transcript=text, response=outcome.response, action=outcome.action,
            run=interactions.RunFacts(match.name if match else None, _succeeded(match, outcome), time.perf_counter() - started),
        ))
        item_id = row.id if row is not None else None
    if outcome.share_id is not None:
        sharing_invoke.link(vault, outcome.share_id, item_id)
    return RunResult(
        id=item_id, transcript=Content(text), intent=match.name if match else None, slots=match.slots if match else {},
        action=outcome.action, response=Content(outcome.response), events=[ev.Event(ev.RUN_END, {"id": item_id})],
    )
