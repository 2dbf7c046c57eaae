"""The Privacy Hub's device pages (issue 14, "Devices: who they speak for"): the owner adds personal and
shared devices and ticks whom a shared device speaks for; the history page offers a shared device's history
to the owner and the adults it lists, and to nobody else."""

from __future__ import annotations

import re

from apiclient import upload
from hub import Hub
from voice import say

from echoless.vault import accounts, devices


def _device_token(html: str) -> str:
    found = re.search(r'<code class="token">(eld_[^<]+)</code>', html)
    assert found, "no device token on the page"
    return found.group(1)


def test_devices_and_their_shared_histories_on_the_pages(hub: Hub) -> None:
    owner, bob = hub.members["owner"], hub.members["bob"]
    household = owner.household_id
    c = hub.use("owner")
    csrf = hub.csrf["owner"]
    made = c.post("/household/devices", data={"name": "hall", "kind": "shared", "members": [owner.id, bob.id], "csrf_token": csrf})
    assert made.status_code == 201 and "Shared history" in made.text
    hall_token = _device_token(made.text)
    phone = c.post("/household/devices", data={"name": "bob's phone", "kind": "personal", "member": bob.id, "csrf_token": csrf})
    assert phone.status_code == 201
    assert devices.info(hub.home.vault, household, "bob's phone").member == "bob"
    unclear = c.post("/household/devices", data={"name": "odd", "kind": "personal", "csrf_token": csrf})
    assert unclear.status_code == 400 and "exactly one member" in unclear.text

    hub.client.cookies.clear()
    heard = upload(hub.client, hall_token, say("turn on the kitchen light"))  # for nobody: the shared history
    assert heard.status_code == 201, heard.text
    item = heard.json()["id"]

    for name in ("owner", "bob"):
        page = hub.use(name).get("/history")
        assert '<option value="hall (shared)"' in page.text
        shared = hub.use(name).get("/history", params={"member": "hall (shared)"})
        assert shared.status_code == 200 and item in shared.text and "shared device" in shared.text

    c = hub.use("owner")
    ticked = c.post(f"/household/devices/{devices.info(hub.home.vault, household, 'hall').device.id}/members",
                    data={"members": [owner.id], "csrf_token": csrf}, follow_redirects=False)
    assert ticked.status_code == 303 and devices.info(hub.home.vault, household, "hall").members == ["owner"]
    b = hub.use("bob")
    assert "hall (shared)" not in b.get("/history").text
    assert b.get("/history", params={"member": "hall (shared)"}).status_code == 404

    c = hub.use("owner")
    deleted = c.post("/delete", data={"scope": "items", "ids": [item], "member": "hall (shared)", "csrf_token": csrf}, follow_redirects=False)
    assert deleted.status_code == 303 and "member=hall" in deleted.headers["location"]
    assert item not in c.get("/history", params={"member": "hall (shared)"}).text
    hall = accounts.find_device(hub.home.vault, household, "hall")
    assert c.post(f"/household/devices/{hall.id}/remove", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert c.get("/history", params={"member": "hall (shared)"}).status_code == 404
