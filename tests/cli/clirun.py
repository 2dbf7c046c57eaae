"""Running the real `echoless` command from tests: side by side (each is a cold Python start), with the
log level left to the CLI (no ECHOLESS_LOG_LEVEL), at 80 columns, or on a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

from homes import Home
from samples import tone_wav

from echoless import root
from echoless.privacy import deletion, receipts

ECHOLESS = [sys.executable, "-m", "echoless.cli"]
ACTION = {"intent": "HassTurnOn", "slots": {"name": "kitchen light"}, "success": True, "result": "turned on kitchen light"}


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ECHOLESS_LOG_LEVEL", "COLUMNS", "LINES")}
    return {**env, "ECHOLESS_HOME": str(home), "COLUMNS": "80", **extra}


def databases(home: Home) -> dict[str, str]:
    """The environment that points the command at a test home's databases (PostgreSQL ones included)."""
    urls = {"ECHOLESS_DATABASE_URL": home.settings.database_url, "ECHOLESS_KEYRING_URL": home.settings.keyring_url}
    return {name: url for name, url in urls.items() if url}


def start(home: Path, *args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*ECHOLESS, *args], env=environment(home, **extra), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )


def run_all(*started: subprocess.Popen[str]) -> list[subprocess.CompletedProcess[str]]:
    done = []
    for process in started:
        out, err = process.communicate(timeout=180)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def on_terminal(home: Path, *args: str) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal; what the terminal showed."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([*ECHOLESS, *args], env=environment(home), stdin=subprocess.DEVNULL,
                               stdout=terminal, stderr=terminal)
    os.close(terminal)
    shown = bytearray()
    while True:
        try:
            data = os.read(controller, 65536)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not data:
            break
        shown += data
    os.close(controller)
    return process.wait(timeout=180), shown.decode(errors="replace")


def record(home: Home, transcript: str, audio: bytes | None = None) -> str:
    item_id = root.import_recording(home.vault, home.owner, home.device.id, audio or tone_wav(0.2),
                                    transcript=transcript, response="Turned on the kitchen light", action=ACTION)
    assert item_id is not None
    return item_id


def receipt_for(home: Home, *item_ids: str) -> dict[str, Any]:
    """Delete these interactions (shred and purge, as a one-shot command does) and return the receipt."""
    job = deletion.purge(home.vault, deletion.delete_items(home.vault, home.owner, list(item_ids)).id)
    return receipts.for_deletion(home.vault, home.owner, job.id)
