"""The owner revoking an adult's API token from the Household page acts on that adult's access: it is written
to the audit log and listed in the adult's access events, like the API's reset (issue 14, finding 2)."""

from __future__ import annotations

from apiclient import bearer
from hub import Hub
from echoless.vault import accounts, audit


def test_an_owner_revoking_an_adults_token_is_audited_and_shown_to_the_adult(hub: Hub) -> None:
    household = hub.members["owner"].household_id
    bob = hub.members["bob"]
    (info,) = [t for t in accounts.tokens(hub.home.vault, household, bob.id) if t.revoked_at is None]
    before = audit.verify_chain(hub.home.vault).length
    c = hub.use("owner")
    reply = c.post(f"/household/tokens/{info.id}/revoke", data={"csrf_token": hub.csrf["owner"]}, follow_redirects=False)
    assert reply.status_code == 303
    c = hub.use(None)
    assert c.get("/v1/me", headers=bearer(hub.tokens["bob"])).status_code == 401  # revoked
    chain = audit.verify_chain(hub.home.vault)
    assert chain.ok and chain.length == before + 1
    mine = accounts.new_member_token(hub.home.vault, bob.id)  # bob makes a new one, and sees what happened
    events = c.get("/v1/me/access-events", headers=bearer(mine)).json()["events"]
    assert events[0]["kind"] == "token-revoked-by-owner"
    assert "API token revoked by the household" in hub.use("bob").get("/account").text


def test_an_owner_revoking_a_device_token_is_not_a_members_access_event(hub: Hub) -> None:
    household = hub.members["owner"].household_id
    (info,) = accounts.tokens(hub.home.vault, household, hub.home.device.id)
    before = audit.verify_chain(hub.home.vault).length
    reply = hub.use("owner").post(f"/household/tokens/{info.id}/revoke", data={"csrf_token": hub.csrf["owner"]},
                                  follow_redirects=False)
    assert reply.status_code == 303 and audit.verify_chain(hub.home.vault).length == before
    assert accounts.tokens(hub.home.vault, household, hub.home.device.id)[0].revoked_at is not None
