"""The API contract (issue 14): schemathesis against the live OpenAPI of a real server, as the owner, an
adult, a child and a device. Every operation the server publishes is tested, with every check (no 5xx, each
status and content type declared, each answer conforming to its schema, schema-valid requests accepted,
invalid ones refused, undeclared methods answered 405). tests/api/schemathesis.toml holds the budget (a fixed
number of examples per operation, a fixed seed, deterministic generation) and, with their reasons, the few
operations and checks left out."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from homes import KEEP_EVERYTHING, make_settings, open_home, set_retention
from live import serving
from samples import tone_wav
from echoless import root
from echoless.vault import accounts, parents

CONFIG = Path(__file__).with_name("schemathesis.toml")
ROLES = ("owner", "adult", "child", "device")
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@dataclass
class Live:
    base: str
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A household with an owner, an adult, a child profile (the owner its parent), a shared device, and some
    history for each, served by `echoless serve`."""
    home = open_home(make_settings(tmp_path_factory.mktemp("contract"), "sqlite", None), "sqlite")
    household = home.owner.household_id
    adult, adult_token = accounts.add_member(home.vault, household, "bob", "adult")
    adult = set_retention(home.vault, adult, KEEP_EVERYTHING)
    child, child_token = parents.add_child(home.vault, household, "kid", [home.owner.name])
    for member in (home.owner, adult, child):
        root.import_recording(home.vault, member, None, tone_wav(0.2), transcript=f"hello from {member.name}",
                              response="hello", action={"intent": "HassGetTime"})
    tokens = {"owner": home.owner_token, "adult": adult_token, "child": child_token, "device": home.device_token}
    home.vault.close()
    with serving(home.settings.home) as base:
        yield Live(base, tokens)


def _schemathesis() -> list[str]:
    return [sys.executable, "-c", "from schemathesis.cli import schemathesis; schemathesis()"]


@pytest.mark.parametrize("role", ROLES)
def test_the_live_api_keeps_its_contract(live: Live, role: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    command = [*_schemathesis(), "--config-file", str(CONFIG), "--no-color", "run", f"{live.base}/openapi.json",
               "-H", f"Authorization: Bearer {live.tokens[role]}", "--report", "json", "--report-json-path", str(report)]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert report.exists(), run.stdout[-5000:] + run.stderr[-5000:]
    summary = json.loads(report.read_text())
    failures = {f["code"] + " " + f["title"]: f["operations"] for f in summary["failures"]}
    assert run.returncode == 0 and not failures and not summary["errors"], (
        json.dumps(failures, indent=1) + "\n" + run.stdout[-20000:])
    published = httpx.get(f"{live.base}/openapi.json").json()["paths"]
    operations = sum(1 for item in published.values() for method in item if method in METHODS)
    excluded = sum(1 for op in tomllib.loads(CONFIG.read_text())["operations"] if op.get("enabled") is False)
    assert summary["operations"]["tested"] == operations - excluded, summary["operations"]  # none skipped silently
    # The run kept its caller: nothing it did revoked the token it ran with.
    still = httpx.get(f"{live.base}/v1/me", headers={"Authorization": f"Bearer {live.tokens[role]}"})
    assert still.status_code == (403 if role == "device" else 200), still.text
