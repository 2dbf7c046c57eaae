"""The Privacy Hub pages end to end in process: history by day with filters, every delete scope with
its confirmation, the deletion's state and receipt, settings, household management, try it."""

from __future__ import annotations

import re
import time

from hub import PASSWORD, Hub
from invites import invitation_path, redeem
from speech_synth import synthesise_wav
from echoless.pipeline.home import demo_home
from echoless.vault import accounts
from echoless.pipeline import homes


def test_history_grouped_by_day_and_filtered(hub: Hub) -> None:
    c = hub.use("owner")
    assert "No voice history" in c.get("/history").text
    old = hub.record("owner", "the first of may", created_at="2026-05-01T12:00:00+00:00", on_device=True)
    new = hub.record("owner", "the third of may", created_at="2026-05-03T12:00:00+00:00")
    page = c.get("/history").text
    assert page.index("the third of may") < page.index("the first of may")
    assert len(re.findall(r'<section class="day"', page)) == 2
    assert f'src="/history/{new}/audio"' in page and "kitchen speaker" in page and "kitchen light off" in page
    ranged = c.get("/history", params={"since": "2026-05-02", "until": "2026-05-04"}).text
    assert "the third of may" in ranged and "the first of may" not in ranged
    by_device = c.get("/history", params={"device": hub.home.device.id}).text
    assert "the first of may" in by_device
    empty = c.get("/history", params={"since": "2027-01-01"}).text
    assert "Nothing matches" in empty
    assert c.get("/history", params={"since": "garbage"}).status_code == 400
    audio = c.get(f"/history/{old}/audio")
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF" and audio.headers["cache-control"] == "no-store"


def test_delete_selected_day_range_and_everything(hub: Hub) -> None:
    ids = [hub.record("owner", f"item {d}", created_at=f"2026-05-0{d}T12:00:00+00:00") for d in range(1, 7)]
    c = hub.use("owner")
    csrf = hub.csrf["owner"]
    confirm = c.get("/delete", params=[("scope", "items"), ("ids", ids[0]), ("ids", ids[1])])
    assert confirm.status_code == 200 and "Delete 2 items?" in confirm.text and "cannot be undone" in confirm.text
    assert "item 1" in confirm.text and hub.visible("owner") == set(ids)  # confirming shows, changes nothing
    done = c.post("/delete", data={"scope": "items", "ids": [ids[0], ids[1]], "csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and hub.visible("owner") == set(ids[2:])
    day = c.get("/delete", params={"scope": "day", "day": "2026-05-03"})
    assert "1 item of your history will be gone" in day.text
    assert c.post("/delete", data={"scope": "day", "day": "2026-05-03", "csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert hub.visible("owner") == set(ids[3:])
    rng = c.get("/delete", params={"scope": "range", "since": "2026-05-04", "until": "2026-05-05"})
    assert "2 items of your history will be gone" in rng.text
    c.post("/delete", data={"scope": "range", "since": "2026-05-04", "until": "2026-05-05", "csrf_token": csrf})
    assert hub.visible("owner") == {ids[5]}
    nothing = c.get("/delete", params={"scope": "range", "since": "2020-01-01", "until": "2020-01-02"})
    assert "nothing to delete" in nothing.text and 'action="/delete"' not in nothing.text
    everything = c.get("/delete", params={"scope": "all"})
    assert "entire voice history" in everything.text
    gone = c.post("/delete", data={"scope": "all", "csrf_token": csrf}, follow_redirects=False)
    assert gone.status_code == 303 and hub.visible("owner") == set()
    state = c.get(gone.headers["location"])
    deadline = time.monotonic() + 20
    while "Signature valid" not in state.text and time.monotonic() < deadline:  # the page refreshes itself while purging
        assert 'http-equiv="refresh"' in state.text
        time.sleep(0.05)
        state = c.get(gone.headers["location"])
    assert state.status_code == 200 and "Deleted" in state.text and "Signature valid" in state.text
    receipts = c.get("/receipts").text
    assert receipts.count("Signature valid") == 4
    receipt_id = re.search(r'/receipts/([0-9a-f]+)/download', receipts).group(1)
    download = c.get(f"/receipts/{receipt_id}/download")
    assert download.status_code == 200 and download.json()["receipt_id"] == receipt_id
    assert "attachment" in download.headers["content-disposition"]
    assert hub.use("bob").get(f"/receipts/{receipt_id}/download").status_code == 404
    assert c.get("/delete", params={"scope": "nonsense"}).status_code == 400


def test_settings_save_and_child_limit(hub: Hub) -> None:
    c = hub.use("bob")
    page = c.get("/settings").text
    assert "Recordings" in page and "Until I delete" in page
    saved = c.post("/settings", data={"audio": "7d", "text": "3m", "action": "18m", "voice_delete_all": "on", "csrf_token": hub.csrf["bob"]}, follow_redirects=False)
    assert saved.status_code == 303
    bob = accounts.get_member(hub.home.vault, hub.members["bob"].id)
    assert bob.settings["retention"] == {"audio": "7d", "text": "3m", "action": "18m"} and bob.settings["voice_delete_all"] is True
    c.post("/settings/recordings", data={"saving": "off", "csrf_token": hub.csrf["bob"]})
    assert accounts.get_member(hub.home.vault, hub.members["bob"].id).settings["retention"]["audio"] == "dont_save"
    kid = hub.use("kid")
    assert "forever" not in kid.get("/settings").text
    refused = kid.post("/settings", data={"audio": "forever", "text": "30d", "action": "30d", "csrf_token": hub.csrf["kid"]})
    assert refused.status_code == 400 and "at most 30 days" in refused.text
    assert accounts.get_member(hub.home.vault, hub.members["kid"].id).settings["retention"]["audio"] == "30d"


def test_household_members_devices_and_tokens(hub: Hub) -> None:
    c = hub.use("owner")
    csrf = hub.csrf["owner"]
    household = hub.members["owner"].household_id
    added = c.post("/household/members", data={"name": "eve", "role": "adult", "csrf_token": csrf}, follow_redirects=False)
    assert added.status_code == 201 and "it is not shown again" in added.text
    eve = accounts.find_member(hub.home.vault, household, "eve")
    assert all(t.revoked_at for t in accounts.tokens(hub.home.vault, household, eve.id))  # the owner holds no key to eve
    assert redeem(hub, "eve", invitation_path(added.text), "eve's password").status_code == 303
    assert hub.sign_in("eve", "eve's password").status_code == 303
    made = hub.use("eve").post("/settings/tokens", data={"csrf_token": hub.csrf["eve"]})  # eve makes her own token
    hub.tokens["eve"] = re.search(r'<code class="token">(elm_[^<]+)</code>', made.text).group(1)
    hub.record("eve", "eve's words")
    c = hub.use("owner")
    assert c.post("/household/members", data={"name": "eve", "csrf_token": csrf}).status_code == 409
    confirm = c.get(f"/household/members/{eve.id}/remove")
    assert "cannot be undone" in confirm.text
    removed = c.post(f"/household/members/{eve.id}/remove", data={"csrf_token": csrf})
    assert removed.status_code == 200 and "has been removed" in removed.text and "Signature valid" in removed.text
    assert "eve" not in {m.name for m in accounts.members(hub.home.vault, household)}
    assert accounts.tokens(hub.home.vault, household, eve.id) == [] and hub.count_all() == 0
    assert hub.use("eve").get("/history", follow_redirects=False).status_code == 303  # her session is gone
    c = hub.use("owner")
    assert c.post(f"/household/members/{hub.members['owner'].id}/remove", data={"csrf_token": csrf}).status_code == 409
    device = c.post("/household/devices", data={"name": "hall speaker", "csrf_token": csrf})
    assert device.status_code == 201
    token = re.search(r'<code class="token">(eld_[^<]+)</code>', device.text).group(1)
    hall = accounts.find_device(hub.home.vault, household, "hall speaker")
    assert accounts.authenticate(hub.home.vault, token).device.id == hall.id
    (info,) = accounts.tokens(hub.home.vault, household, hall.id)
    assert c.post(f"/household/tokens/{info.id}/revoke", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert accounts.tokens(hub.home.vault, household, hall.id)[0].revoked_at is not None
    assert c.post(f"/household/devices/{hall.id}/remove", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert [d.name for d in accounts.devices(hub.home.vault, household)] == ["kitchen speaker"]


def test_own_api_tokens(hub: Hub) -> None:
    c = hub.use("bob")
    made = c.post("/settings/tokens", data={"csrf_token": hub.csrf["bob"]})
    assert made.status_code == 201
    token = re.search(r'<code class="token">(elm_[^<]+)</code>', made.text).group(1)
    assert c.get("/v1/interactions", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    info = next(t for t in accounts.tokens(hub.home.vault, hub.members["bob"].household_id, hub.members["bob"].id) if not t.revoked_at and token.startswith("elm_"))
    assert info is not None


def test_try_it_runs_the_real_pipeline(hub: Hub) -> None:
    homes.save(hub.home.vault, hub.members["owner"].household_id, demo_home())
    c = hub.use("owner")
    assert 'src="/static/try.js"' in c.get("/try").text
    reply = c.post("/try/run", files={"audio": ("request.wav", synthesise_wav("turn off the kitchen light"), "audio/wav")},
                   headers={"X-CSRF-Token": hub.csrf["owner"]})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert "kitchen" in body["transcript"].lower() and body["stored"] is True, body
    assert body["intent"] and body["action"]["result"], {k: body[k] for k in ("intent", "action", "response")}
    bad = c.post("/try/run", files={"audio": ("x.webm", b"not audio at all", "audio/webm")}, headers={"X-CSRF-Token": hub.csrf["owner"]})
    assert bad.status_code in (415, 422) and bad.json()["error"]["code"].startswith("audio-")


def test_unknown_page_and_static(hub: Hub) -> None:
    c = hub.use("bob")
    missing = c.get("/no-such-page")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert c.get("/v1/no-such").json()["error"]["code"] == "not-found"
    assert c.get("/static/hub.css").status_code == 200
    assert PASSWORD not in c.get("/settings").text
