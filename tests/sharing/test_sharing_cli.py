"""`echoless skills install FILE` and `echoless shares --json`, run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from homes import Home
from sharing_helpers import say
from skill_server import manifest, skill_server


def _cli(home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ECHOLESS_HOME": str(home.settings.home), "ECHOLESS_LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "echoless.cli", *args], env=env, capture_output=True, text=True, timeout=60)


def test_install_enable_and_the_ledger_from_the_shell(sqlite_home: Home, tmp_path: Path) -> None:
    home = sqlite_home
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: jokes\npublisher: x\n")
    refused = _cli(home, "skills", "install", str(bad))
    assert refused.returncode == 2 and "invalid-manifest" in refused.stderr and "endpoint" in refused.stderr
    with skill_server() as skill:
        file = tmp_path / "jokes.json"
        file.write_text(manifest("jokes", skill))
        installed = _cli(home, "skills", "install", str(file), "--json")
        assert installed.returncode == 0, installed.stderr
        assert json.loads(installed.stdout)["declared_fields"] == ["intent", "slots"]
        enabled = _cli(home, "skills", "enable", "jokes")
        assert enabled.returncode == 0 and "intent, slots" in enabled.stdout
        item_id, _ = say(home, home.owner, "tell me a joke about cats")
        listed = _cli(home, "shares", "--json")
        assert listed.returncode == 0, listed.stderr
        (share,) = json.loads(listed.stdout)
        assert share["skill"] == "jokes" and share["interaction_id"] == item_id and share["fields"] == ["intent", "slots"]
        assert "cats" not in listed.stdout  # content-free
