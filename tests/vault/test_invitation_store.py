"""Invitations, resets and parents on real databases (SQLite and PostgreSQL): an invitation is kept only
as a hash and works once even when redeemed twice at the same moment; a reset revokes every way in and
stays pending until acknowledged; parents are adults or owners of the household."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from homes import Home
from hub import cheap_passwords  # noqa: F401
from echoless.errors import BadRequest, Conflict, NotFound, Unauthorized
from echoless.vault import accounts, audit, credentials, invitations, parents
from echoless.vault.models import Token


@pytest.fixture
def adult(home: Home, cheap_passwords: None):  # type: ignore[no-untyped-def]  # noqa: F811
    member, _token = home.add_member("alice", "adult")
    return member


def test_an_invitation_is_kept_as_a_hash_and_works_once(home: Home, adult) -> None:  # type: ignore[no-untyped-def]
    invitation = invitations.issue(home.vault, adult)
    with home.vault.data.read() as session:
        rows = list(session.scalars(select(Token).where(Token.kind == invitations.KIND)))
    assert [r.hash for r in rows] == [accounts.hash_token(invitation.code)] and invitation.code not in str(rows[0].__dict__)
    results: list[str] = []

    def redeem(password: str) -> None:
        try:
            invitations.redeem(home.vault, invitation.code, password)
            results.append("ok")
        except NotFound:
            results.append("refused")

    threads = [threading.Thread(target=redeem, args=(f"password number {i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused", "refused", "refused"]
    with pytest.raises(invitations.InvalidInvitation):
        invitations.member_of(home.vault, invitation.code)
    with pytest.raises(Conflict):
        invitations.issue(home.vault, adult)  # a password is set now: a reset, not a new invitation
    with pytest.raises(Unauthorized):
        accounts.authenticate(home.vault, invitation.code)  # never a bearer token


def test_a_reset_revokes_everything_and_stays_until_acknowledged(home: Home, adult) -> None:  # type: ignore[no-untyped-def]
    invitations.redeem(home.vault, invitations.issue(home.vault, adult).code, "alice's password")
    token = accounts.new_member_token(home.vault, adult.id)
    with pytest.raises(Conflict):
        credentials.reset(home.vault, home.owner, by=home.owner)
    invitation = credentials.reset(home.vault, accounts.get_member(home.vault, adult.id), by=home.owner)
    current = accounts.get_member(home.vault, adult.id)
    assert current.password_hash is None and len(credentials.pending_resets(current)) == 1
    with pytest.raises(Unauthorized):
        accounts.authenticate(home.vault, token)
    assert invitations.member_of(home.vault, invitation.code).id == adult.id
    kinds = [e.kind for e in audit.entries(home.vault) if e.subject == adult.id]
    assert kinds[-2:] == [audit.ACCESS_RESET, audit.INVITATION_ISSUED]
    assert credentials.acknowledge(home.vault, current) == 1
    assert credentials.pending_resets(accounts.get_member(home.vault, adult.id)) == []
    assert credentials.acknowledge(home.vault, current) == 0
    assert audit.verify_chain(home.vault).ok


def test_parents_are_adults_or_owners_of_the_household(home: Home, adult) -> None:  # type: ignore[no-untyped-def]
    kid, _ = parents.add_child(home.vault, home.owner.household_id, "kid", ["alice"], made_by=home.owner)
    assert parents.named(kid) == [adult.id]
    assert parents.is_parent(adult, kid) and not parents.is_parent(home.owner, kid)
    with pytest.raises(BadRequest):
        parents.add_child(home.vault, home.owner.household_id, "kid2", ["kid"])
    legacy, _ = accounts.add_member(home.vault, home.owner.household_id, "legacy", "child")  # no list: the owners
    assert parents.is_parent(home.owner, legacy) and not parents.is_parent(adult, legacy)
