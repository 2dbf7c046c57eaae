"""A real server for tests: `echoless serve` in its own process on a free loopback port, over a data home
the test prepared, stopped when the test is done."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(home: Path, *, env: dict[str, str] | None = None, timeout: float = 60.0) -> Iterator[str]:
    """Run the server over `home` (closed by the caller first) and yield its base URL once /healthz answers."""
    port = free_port()
    environ = {**os.environ, "ECHOLESS_HOME": str(home), "ECHOLESS_LOG_LEVEL": "WARNING", **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "echoless.cli", "serve", "--port", str(port)], env=environ,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.terminate()  # else reading its stderr would wait for a server that is still starting
                raise RuntimeError(f"the server did not start: {proc.communicate(timeout=10)[1].decode()}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
