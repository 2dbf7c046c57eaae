"""Issue 14, findings 3 and 5, for the corpus: the owner who makes themselves reviewer reads an adult's
samples only if that adult agreed to human review (a consent of its own); each view is shown to the
contributor; a child profile cannot contribute at all. Through the real API."""

from __future__ import annotations

from apiclient import api, bearer
from helpers import say
from homes import Home
from echoless.vault import audit

SHOP = {"intent": "HassShoppingListAddItem", "slots": {"item": "kombucha"}}


def test_a_reviewer_reads_only_samples_whose_contributor_agreed_to_human_review(home: Home) -> None:
    sam, sam_token = home.add_member("sam", retention={"audio": "forever", "text": "forever", "action": "forever"})
    with api(home.settings) as client:
        owner = bearer(home.owner_token)
        assert client.put("/v1/household/reviewers/owner", json={"reviewer": True}, headers=owner).status_code == 200
        consent = client.put("/v1/corpus/consent", json={"contribute": True}, headers=bearer(sam_token)).json()
        assert consent == {"contribute": True, "human_review": False, "samples_removed": 0}
        say(home.vault, home.member(sam.id), "add kombucha to my shopping list", action=SHOP)
        assert client.get("/v1/corpus/samples", headers=owner).json()["samples"] == []  # contributed, not for people
        agreed = client.put("/v1/corpus/consent", json={"contribute": True, "human_review": True}, headers=bearer(sam_token))
        assert agreed.json()["human_review"] is True
        [sample] = client.get("/v1/corpus/samples", headers=owner).json()["samples"]
        assert client.get(f"/v1/corpus/samples/{sample['id']}", headers=owner).json()["transcript"].startswith("add kombucha")
        reviews = client.get("/v1/corpus/reviews", headers=bearer(sam_token)).json()["reviews"]
        assert [r["sample"] for r in reviews] == [sample["id"]]  # the contributor sees the view
        assert client.get("/v1/corpus/reviews", headers=owner).json()["reviews"] == []
    assert [e.kind for e in audit.entries(home.vault)].count(audit.SAMPLE_VIEWED) == 1


def test_a_child_profile_cannot_contribute(home: Home) -> None:
    _kid, kid_token = home.add_member("kid", role="child")
    with api(home.settings) as client:
        refused = client.put("/v1/corpus/consent", json={"contribute": True}, headers=bearer(kid_token))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "child-cannot-contribute"
