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

from echoless.sharing import skills
from echoless.sharing.manifest import parse


def _start(home: Home, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "ECHOLESS_HOME": str(home.settings.home), "ECHOLESS_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "echoless.cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _cli(*started: subprocess.Popen[str]) -> list[subprocess.CompletedProcess[str]]:
    """Cold starts are slow: independent commands run side by side."""
    done = []
    for process in started:
        out, err = process.communicate(timeout=60)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def test_install_enable_and_the_ledger_from_the_shell(sqlite_home: Home, tmp_path: Path) -> None:
    home = sqlite_home
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: jokes\npublisher: x\n")
    with skill_server() as skill:
        file = tmp_path / "jokes.json"
        file.write_text(manifest("jokes", skill))
        refused, private = _cli(_start(home, "skills", "install", str(bad)), _start(home, "skills", "install", str(file), "--json"))
        assert refused.returncode == 2 and "invalid-manifest" in refused.stderr and "endpoint" in refused.stderr
        # The test skill listens on 127.0.0.1: without the owner's approval it is not installed.
        assert private.returncode != 0 and "skill-host-refused" in private.stderr, private.stderr
        assert skills.installed(home.vault, home.owner.household_id) == []
        (approved,) = _cli(_start(home, "skills", "install", str(file), "--allow-private-host", "--json"))
        assert approved.returncode == 0, approved.stderr
        (installed,) = skills.installed(home.vault, home.owner.household_id)
        assert installed.manifest.fields == ["intent", "slots"]
        skills.enable(home.vault, home.owner, "jokes")
        item_id, _ = say(home, home.owner, "tell me a joke about cats")
        (listed,) = _cli(_start(home, "shares", "--json"))
        assert listed.returncode == 0, listed.stderr
        (share,) = json.loads(listed.stdout)
        assert share["skill"] == "jokes" and share["interaction_id"] == item_id and share["fields"] == ["intent", "slots"]
        assert "cats" not in listed.stdout  # content-free
