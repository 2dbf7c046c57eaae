"""A deletion of a shared device's history has its receipt, listed in GET /v1/receipts for those who may see
that history (the owner and the adults the device lists) and for nobody else (issue 14, devices)."""

from __future__ import annotations

import time

from apiclient import api, bearer
from homes import KEEP_EVERYTHING, Home
from samples import tone_wav
from echoless import root
from echoless.vault import devices

SHARED = {"member": "kitchen speaker"}


def test_the_receipt_of_a_shared_history_deletion_is_listed_for_those_who_may_see_it(sqlite_home: Home) -> None:
    home = sqlite_home
    _, bob_token = home.add_member("bob", retention=KEEP_EVERYTHING)
    _, carol_token = home.add_member("carol", retention=KEEP_EVERYTHING)
    _, kid_token = home.add_member("kid", "child", retention={"audio": "30d", "text": "30d", "action": "30d"})
    devices.change_members(home.vault, home.owner.household_id, "kitchen speaker", add=["bob", "kid"])
    hidden = devices.find_shared(home.vault, home.owner.household_id, "kitchen speaker")
    assert hidden is not None
    item = root.import_recording(home.vault, hidden, home.device.id, tone_wav(0.2), transcript="who left the milk out",
                                 response=None, action=None)
    with api(home.settings) as client:
        job = client.delete(f"/v1/interactions/{item}", headers=bearer(bob_token), params=SHARED).json()
        deadline = time.monotonic() + 20
        while client.get(f"/v1/deletions/{job['id']}", headers=bearer(bob_token), params=SHARED).json()["state"] != "purged":
            assert time.monotonic() < deadline, "the deletion was not purged"
            time.sleep(0.05)
        listed = {}
        for who, token in (("owner", home.owner_token), ("bob", bob_token), ("carol", carol_token), ("kid", kid_token)):
            reply = client.get("/v1/receipts", headers=bearer(token))
            assert reply.status_code == 200, reply.text
            listed[who] = [doc for doc in reply.json()["items"] if doc["deletion_id"] == job["id"]]
        assert len(listed["owner"]) == len(listed["bob"]) == 1 and listed["owner"] == listed["bob"]
        assert listed["carol"] == listed["kid"] == []  # not listed on the device, or a child
        receipt_id = listed["bob"][0]["receipt_id"]
        for token, status in ((home.owner_token, 200), (bob_token, 200), (carol_token, 404), (kid_token, 404)):
            assert client.get(f"/v1/receipts/{receipt_id}", headers=bearer(token)).status_code == status
