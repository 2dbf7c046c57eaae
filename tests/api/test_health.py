"""/healthz and /readyz: ready once the speech model is warmed and the stores answer."""

from __future__ import annotations

import time

from apiclient import api
from homes import Home


def test_ready_once_the_model_is_warm_and_the_stores_answer(sqlite_home: Home) -> None:
    with api(sqlite_home.settings) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        deadline = time.monotonic() + 120
        while (ready := client.get("/readyz")).status_code != 200:
            assert ready.status_code == 503 and ready.json()["status"] == "not-ready"
            assert time.monotonic() < deadline, ready.json()
            time.sleep(0.2)
    assert ready.json() == {"status": "ready", "checks": {"model": True, "database": True, "keyring": True, "blobs": True}}
