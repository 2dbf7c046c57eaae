"""The FastAPI application: opens the vault, finishes interrupted deletions, runs the sweeper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from echoless import __version__, root
from echoless.api import (
    account, deletions, devices, errors, export, home, interactions, invitations, members, preferences, stream,
)
from echoless.api import requests as typed_requests
from echoless.api import receipts as proofs
from echoless.api import sharing as skills_api
from echoless.api import health, responses
from echoless.api.bus import EventBus
from echoless.api.middleware import Hardening
from echoless.api import derived as derived
from echoless.web import stats_page as derived_pages
from echoless.pipeline.timekeeper import Timekeeper
from echoless.settings import Settings
from echoless.web import routes as privacy_hub
from echoless.voicelink.listen import Listener
from echoless.voicelink.satellite import Satellites
from echoless.voicelink.server import WyomingServer

_LOGGER = logging.getLogger(__name__)

DESCRIPTION = """A self-hosted voice assistant whose voice history belongs to its users.

Authenticate with `Authorization: Bearer <token>`: a **member token** (`elm_…`) reads and deletes
that member's own history; a **device token** (`eld_…`) may only submit interactions and typed requests: a personal device's are
its member's, a shared device's those of the member named when it may speak for them, else its shared history. The Privacy
Hub's session cookie also works here; requests that change something then need `X-CSRF-Token`. Every error has
the shape `{"error": {"code": "...", "message": "...", "status": 404}}` with a stable `code`."""


def create_app(settings: Settings, *, wyoming: tuple[str, Listener] | None = None) -> FastAPI:
    """The app; with `wyoming` (a device's name, where to listen), a Wyoming server beside it on the same vault."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        vault = root.open_vault(settings)
        app.state.vault = vault
        app.state.bus = EventBus()
        runner = root.start_background(vault)
        app.state.warmed = health.start_warming(vault)
        timekeeper = Timekeeper(vault, app.state.bus.publish)
        timekeeper.start()
        link = WyomingServer(vault, *wyoming) if wyoming is not None else None
        if link is not None:
            await link.start()
        satellites = asyncio.create_task(Satellites(vault).run_forever())  # the household's Wyoming satellites
        try:
            yield
        finally:
            satellites.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await satellites
            if link is not None:
                await link.stop()
            timekeeper.stop()
            runner.stop()
            vault.close()

    app = FastAPI(title="echoless", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    errors.install(app)
    app.add_middleware(Hardening)  # security headers; request bodies capped (uploads stream their own)
    # Each published route declares every status it answers, with its error codes (api/responses.py).
    app.include_router(responses.declared(interactions.router))
    app.include_router(responses.declared(typed_requests.router))  # /v1/requests: typed requests
    app.include_router(responses.declared(deletions.router))
    app.include_router(responses.declared(preferences.router))
    app.include_router(responses.declared(home.router))
    app.include_router(responses.declared(export.router))
    app.include_router(stream.router)
    app.include_router(responses.declared(proofs.router))
    app.include_router(responses.declared(derived.router))
    app.include_router(derived_pages.router)  # the owner's usage page (/stats)
    app.include_router(responses.declared(skills_api.router))
    app.include_router(responses.declared(account.router))  # /v1/me: my password, my tokens, resets of my access
    app.include_router(responses.declared(invitations.router))  # /v1/invitations/{code}: set my own password
    app.include_router(responses.declared(members.router))  # /v1/household/members: invitations, parents, resets (owner)
    app.include_router(responses.declared(devices.router))  # /v1/household/devices: personal and shared devices (owner)
    privacy_hub.install(app)  # the Privacy Hub pages (web/), signed in with a session cookie

    app.include_router(responses.declared(health.router))  # /healthz, /readyz

    return app
