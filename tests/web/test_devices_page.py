"""The Privacy Hub tells each member, per device that can speak for them, where what it hears goes and what a
Wyoming peer of it receives and may keep (PRIVACY_MODEL §6); the owner adds and removes satellites."""

from __future__ import annotations

from hub import Hub

from echoless.vault import accounts, devices, satellites


def test_each_member_sees_their_devices_and_what_their_wyoming_peers_receive(hub: Hub) -> None:
    household = hub.home.owner.household_id
    bob = hub.members["bob"]
    devices.add(hub.home.vault, household, "bob's phone", kind="personal", member=bob.id)
    satellites.add(hub.home.vault, household, "tcp://127.0.0.1:10700", hub.home.device.name)

    mine = hub.use("owner").get("/devices")
    assert mine.status_code == 200
    assert hub.home.device.name in mine.text and "tcp://127.0.0.1:10700" in mine.text
    assert "the answer as text and as speech" in mine.text and "pipeline runs" in mine.text
    assert "bob&#39;s phone" not in mine.text and "bob's phone" not in mine.text  # personal to bob

    his = hub.use("bob").get("/devices")
    assert "bob&#39;s phone" in his.text and "Everything it hears is yours" in his.text
    assert hub.home.device.name not in his.text  # a shared device that does not list bob
    assert "No satellite is driven as this device" in his.text


def test_the_owner_adds_and_removes_satellites_on_the_household_page(hub: Hub) -> None:
    c, csrf = hub.use("owner"), hub.csrf["owner"]
    added = c.post("/household/satellites", data={"uri": "tcp://127.0.0.1:10700", "device": hub.home.device.id,
                                                  "csrf_token": csrf}, follow_redirects=False)
    assert added.status_code == 303
    page = c.get("/household")
    assert "tcp://127.0.0.1:10700" in page.text
    bad = c.post("/household/satellites", data={"uri": "udp://x", "device": hub.home.device.id, "csrf_token": csrf})
    assert bad.status_code == 400 and "tcp://HOST:PORT" in bad.text
    (shown,) = satellites.listed(hub.home.vault, hub.home.owner.household_id)
    assert c.post(f"/household/satellites/{shown.satellite.id}/remove", data={"csrf_token": csrf},
                  follow_redirects=False).status_code == 303
    assert satellites.listed(hub.home.vault) == []
    assert hub.use("bob").post("/household/satellites", data={"uri": "tcp://127.0.0.1:10701", "device": hub.home.device.id,
                                                              "csrf_token": hub.csrf["bob"]}).status_code == 403
    assert accounts.find_device(hub.home.vault, hub.home.owner.household_id, hub.home.device.name)
