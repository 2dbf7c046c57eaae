"""Each household's simulated home (devices, shopping list, timers), encrypted under the household's
key. The effects of actions live here: they are the household's own state, not history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from echoless.pipeline.home import HomeState, empty_home
from echoless.vault import crypto
from echoless.vault.db import utcnow
from echoless.vault.instance import Vault
from echoless.vault.models import HomeStateRow
from echoless.vault.store import DeletionRule, Store, TableSpec

SAVED = "home-saved"  # told (household id, home) after a home is saved: the timekeeper learns of new timers


class HomeStore(Store):
    name = "home"
    tables = (
        TableSpec(HomeStateRow, DeletionRule.USER_STATE, "the effects of actions are the household's own state",
                  {"state": "the household key"}),
    )


def _aad(household_id: str) -> bytes:
    return crypto.content_aad(household_id, household_id, "home")


def load(vault: Vault, household_id: str) -> HomeState:
    with vault.data.read() as session:
        row = session.get(HomeStateRow, household_id)
    if row is None:
        return empty_home()
    key = vault.keyring.owner_key(household_id, household_id)
    return HomeState.from_json(crypto.decrypt(key, row.state, _aad(household_id)))


def save(vault: Vault, household_id: str, home: HomeState) -> None:
    key = vault.keyring.owner_key(household_id, household_id)
    state = crypto.encrypt(key, home.to_json(), _aad(household_id))
    with vault.data.write() as session:
        row = session.get(HomeStateRow, household_id)
        if row is None:
            session.add(HomeStateRow(household_id=household_id, state=state, updated_at=utcnow()))
        else:
            row.state = state
            row.updated_at = utcnow()
    vault.runtime.tell(SAVED, household_id, home)


@contextmanager
def edit(vault: Vault, household_id: str) -> Iterator[HomeState]:
    """Load, change and save one household's home without losing a concurrent change in this process."""
    with vault.runtime.locks(f"home:{household_id}"):
        home = load(vault, household_id)
        yield home
        save(vault, household_id, home)


def household_ids(vault: Vault) -> list[str]:
    with vault.data.read() as session:
        return list(session.scalars(select(HomeStateRow.household_id)))
