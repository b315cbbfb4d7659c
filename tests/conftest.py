from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import hypothesis
import hypothesis.configuration
import pytest

from bot.clock import ManualClock
from bot.config import BUNDLED_CATALOGUE
from bot.services.catalogue import CatalogueService
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent

# Tests write only in their temporary folders: no example database of hypothesis's in the tree.
hypothesis.configuration.set_hypothesis_home_dir(tempfile.mkdtemp(prefix="premiere-hypothesis-"))
hypothesis.settings.register_profile("premiere", database=None)
hypothesis.settings.load_profile("premiere")


@pytest.fixture(autouse=True, scope="session")
def _no_outside_tvmaze():
    """No test, and no bot process a test starts, ever reaches the real TVmaze: the live catalogue
    is off unless a test turns it on against its own local server."""
    import os

    saved = {k: os.environ.get(k) for k in ("CATALOGUE_SYNC", "TVMAZE_API_BASE")}
    os.environ["CATALOGUE_SYNC"] = "off"
    os.environ["TVMAZE_API_BASE"] = "http://127.0.0.1:9"  # the discard port: refused at once
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
async def store(tmp_path: Path):
    s = await Store.open(tmp_path / "premiere.sqlite3")
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture(scope="session")
def bundled_records():
    from bot.catalogue.validate import load_path

    return load_path(BUNDLED_CATALOGUE)


@pytest.fixture
async def seeded_store(store: Store, bundled_records):
    await store.import_records(bundled_records)
    return store


@pytest.fixture
def clock() -> ManualClock:
    # A week before All of Us Are Dead came out.
    return ManualClock(datetime(2022, 1, 21, 12, 0, tzinfo=UTC))


@pytest.fixture
async def catalogue(seeded_store: Store, clock: ManualClock) -> CatalogueService:
    service = CatalogueService(seeded_store, clock)
    await service.refresh()
    return service


# -- end to end: localcord in this process, the real bot against it --------------------------------

import asyncio  # noqa: E402
import contextlib  # noqa: E402
from collections.abc import AsyncIterator  # noqa: E402
from datetime import timedelta  # noqa: E402
from typing import Any  # noqa: E402

import discord  # noqa: E402
import yarl  # noqa: E402
from discord.gateway import DiscordWebSocket  # noqa: E402

from bot.config import Settings  # noqa: E402
from localcord import LocalDiscord  # noqa: E402


@pytest.fixture
async def lc() -> AsyncIterator[LocalDiscord]:
    """A localcord server with Discord's limits on; discord.py pointed at it, then restored."""
    saved_base, saved_gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    server = LocalDiscord(limits=True, interaction_timeout=5.0)
    await server.start()
    discord.http.Route.BASE = server.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
    try:
        yield server
    finally:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved_base, saved_gateway
        await server.stop()


def settings_for(server: LocalDiscord, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        token=server.token,
        api_base=server.api_base,
        database_path=tmp_path / "premiere.sqlite3",
        log_level="INFO",
        dev_guild_id=None,
        grace_hours=6.0,
        log_file=None,
        catalogue_dir=tmp_path / "none",
    )
    values.update(overrides)
    return Settings(**values)


class RunningBot:
    """The real PremiereBot, wired as `python -m bot` wires it, connected to localcord in-process."""

    def __init__(self, server: LocalDiscord, store: Store, clock: ManualClock, settings: Settings) -> None:
        self.server, self.store, self.clock, self.settings = server, store, clock, settings
        self.bot: Any = None
        self.task: asyncio.Task[None] | None = None

    async def start(self, *, watch_every: timedelta | None = None, **service_options: Any) -> Any:
        from bot.app import build_bot

        service_options.setdefault("rate_per_second", 40.0)
        self.bot = await build_bot(self.settings, self.store, self.clock, **service_options)
        self.catalogue = self.bot.catalogue
        self.service = self.bot.services.announcements
        self.scheduler = self.bot.services.scheduler
        if watch_every is not None:
            self.scheduler.watch_every = watch_every
        self.task = asyncio.create_task(self.bot.start(self.server.token))
        ready = asyncio.ensure_future(self.server.wait_for_bot_ready(10))
        await asyncio.wait({ready, self.task}, return_when=asyncio.FIRST_COMPLETED)
        if self.task.done():
            ready.cancel()
            self.task.result()
        await ready
        if self.bot.scheduler_started is not None:
            await self.bot.scheduler_started
        return self.bot

    async def close(self) -> None:
        if self.bot is not None:
            with contextlib.suppress(Exception):
                await self.bot.close()
        if self.task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self.task, 5)
