"""Durable deletion (PRIVACY_MODEL §3.5): kill the server with SIGKILL at random points while it
records and deletes, many times; after a restart, the verifier finds nothing of a deleted item,
every acknowledged deletion is complete, and every acknowledged, undeleted recording is intact."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from echoless.privacy.verifier import verify
from echoless.settings import Settings
from echoless.vault import accounts, interactions
from echoless.root import open_vault
from homes import open_home
from samples import canary, tone_wav

ROUNDS = int(os.environ.get("ECHOLESS_CRASH_ROUNDS", "10"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "ECHOLESS_HOME": str(home), "ECHOLESS_LOG_LEVEL": "WARNING", "ECHOLESS_RECONCILE_GRACE_SECONDS": "0"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "echoless.cli", "serve", "--port", str(self.port)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _load(
    url: str, device: str, owner: str, acked: dict[str, bytes], deleted: set[str], asked: set[str], stop: threading.Event
) -> None:
    """Record and delete until the server dies, noting what it acknowledged."""
    rng = random.Random()
    with httpx.Client(base_url=url, timeout=10) as client:
        while not stop.is_set():
            try:
                if acked.keys() - deleted and rng.random() < 0.35:
                    victims = rng.sample(sorted(acked.keys() - deleted), k=min(len(acked.keys() - deleted), rng.randint(1, 4)))
                    asked.update(victims)  # a deletion in flight when the server dies may or may not complete
                    reply = client.post("/v1/deletions", headers={"Authorization": f"Bearer {owner}"}, json={"scope": "items", "ids": victims})
                    if reply.status_code == 201:
                        deleted.update(victims)
                else:
                    mark = canary("CRASH").encode()
                    reply = client.post(
                        "/v1/interactions", headers={"Authorization": f"Bearer {owner}"},  # imports: the member's own
                        files={"audio": ("a.wav", tone_wav(0.1, marker=mark))},
                        data={"record": f'{{"transcript": "{mark.decode()}"}}'},
                    )
                    if reply.status_code == 201:
                        acked[reply.json()["id"]] = mark
            except httpx.HTTPError:
                return


@pytest.mark.slow
def test_sigkill_during_ingest_and_purge_loses_nothing(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "data")
    home = open_home(settings, "sqlite")
    device, owner = home.device_token, home.owner_token
    home.vault.close()
    acked: dict[str, bytes] = {}
    deleted: set[str] = set()
    asked: set[str] = set()
    rng = random.Random(7)
    for _ in range(ROUNDS):
        server = Server(settings.home)
        stop = threading.Event()
        worker = threading.Thread(target=_load, args=(server.url, device, owner, acked, deleted, asked, stop))
        worker.start()
        time.sleep(rng.uniform(0.2, 1.5))
        server.kill()
        stop.set()
        worker.join()
    server = Server(settings.home)  # the last start resumes deletions and removes half-written leftovers
    server.stop()

    vault = open_vault(settings)
    try:
        owner_member = accounts.find_member(vault, accounts.default_household(vault).id, "owner")
        kept = {item.id: item for item in _all(vault, owner_member)}
        assert deleted and len(acked) > len(deleted), "the load made too little to test"
        assert not (deleted & kept.keys()), "an acknowledged deletion came back"
        for item_id in acked.keys() - asked:
            assert item_id in kept, "an acknowledged recording was lost"
            assert kept[item_id].transcript == acked[item_id].decode()
            audio, _ = interactions.audio(vault, owner_member, item_id)
            assert acked[item_id] in audio
        report = verify(vault)
        assert report.clean, report.to_json()
    finally:
        vault.close()


def _all(vault, member):  # type: ignore[no-untyped-def]
    cursor = None
    while True:
        page = interactions.history(vault, member, cursor=cursor, limit=200)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
