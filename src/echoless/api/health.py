"""/healthz (alive) and /readyz (ready to serve: the speech model loaded and warmed, the databases and the
blob store reachable), for load balancers and orchestrators. The server warms the model on its own
thread as it starts, so a first request is as quick as the next."""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from echoless.vault.instance import Vault

_LOGGER = logging.getLogger(__name__)
router = APIRouter(tags=["meta"])


def warm(vault: Vault, done: threading.Event) -> None:
    """Load the recogniser and run it once on silence (the first run pays for memory and caches)."""
    try:
        recogniser = vault.runtime.recogniser()
        if recogniser is not None and not getattr(recogniser, "warmed", False):  # one model per process
            recogniser.transcribe(np.zeros(16000, dtype=np.float32), initial_prompt=None)
            recogniser.warmed = True
    except Exception as exc:  # /readyz says so; requests will try again
        _LOGGER.error("warming the speech model failed: %s", type(exc).__name__)
        return
    done.set()


def start_warming(vault: Vault) -> threading.Event:
    done = threading.Event()
    threading.Thread(target=warm, args=(vault, done), name="echoless-warm", daemon=True).start()
    return done


def _reachable(vault: Vault) -> dict[str, bool]:
    checks = {}
    for name, db in (("database", vault.data), ("keyring", vault.keyring.db)):
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks[name] = True
        except Exception:
            checks[name] = False
    try:
        next(iter(vault.blobs.list("audio")), None)
        checks["blobs"] = True
    except Exception:
        checks["blobs"] = False
    return checks


@router.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the model warmed, the databases and the blob store reachable",
            responses={503: {"description": "not ready yet, or a store cannot be reached"}})
def readyz(request: Request) -> Any:
    checks = {"model": request.app.state.warmed.is_set(), **_reachable(request.app.state.vault)}
    ready = all(checks.values())
    return JSONResponse({"status": "ready" if ready else "not-ready", "checks": checks}, status_code=200 if ready else 503)
