from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.services.announcements import AnnouncementService
from bot.store import Store

from .fakes import FakePoster, aoad, film, weekly


@pytest.fixture
def t0() -> datetime:
    # One minute before All of Us Are Dead came out (17:00 in Seoul).
    return datetime(2022, 1, 28, 7, 59, tzinfo=UTC)


@pytest.fixture
def aclock(t0: datetime) -> ManualClock:
    return ManualClock(t0 - timedelta(days=1))


@pytest.fixture
async def astore(store: Store) -> Store:
    await store.import_records([aoad(), weekly(), film()])
    return store


@pytest.fixture
def poster() -> FakePoster:
    return FakePoster()


@pytest.fixture
def service(astore: Store, aclock: ManualClock, poster: FakePoster) -> AnnouncementService:
    async def no_sleep(_: float) -> None:
        return None

    return AnnouncementService(astore, aclock, poster, rate_per_second=None, sleep=no_sleep)


# -- end to end: localcord in this process, the real bot against it ---------------------------------

import asyncio  # noqa: E402
import contextlib  # noqa: E402
import sys  # noqa: E402
from collections.abc import AsyncIterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import discord  # noqa: E402
import yarl  # noqa: E402
from discord.gateway import DiscordWebSocket  # noqa: E402

from bot.config import Settings  # noqa: E402

# tests/ is on sys.path, where tests/localcord would pass for a namespace package: the real one wins.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
if "localcord" in sys.modules and not hasattr(sys.modules["localcord"], "LocalDiscord"):
    for _name in [n for n in sys.modules if n == "localcord" or n.startswith("localcord.")]:
        del sys.modules[_name]

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
    """The real PremiereBot (catalogue + announcements) connected to localcord, in this process."""

    def __init__(self, server: LocalDiscord, store: Store, clock: ManualClock, settings: Settings) -> None:
        self.server, self.store, self.clock, self.settings = server, store, clock, settings
        self.bot: Any = None
        self.task: asyncio.Task[None] | None = None

    async def start(self, *, watch_every: timedelta | None = None, **service_options: Any) -> Any:
        from bot.app import attach_poster, build_announcements
        from bot.client import PremiereBot
        from bot.services.catalogue import CatalogueService

        catalogue = CatalogueService(self.store, self.clock)
        await catalogue.refresh()
        service_options.setdefault("rate_per_second", 40.0)
        self.service, self.scheduler = build_announcements(
            self.store, self.clock, self.settings, **service_options
        )
        if watch_every is not None:
            self.scheduler.watch_every = watch_every
        self.bot = PremiereBot(
            settings=self.settings,
            store=self.store,
            clock=self.clock,
            catalogue=catalogue,
            announcements=self.service,
            scheduler=self.scheduler,
        )
        attach_poster(self.bot, self.service)
        self.task = asyncio.create_task(self.bot.start(self.server.token))
        ready = asyncio.ensure_future(self.server.wait_for_bot_ready(10))
        await asyncio.wait({ready, self.task}, return_when=asyncio.FIRST_COMPLETED)
        if self.task.done():
            ready.cancel()
            self.task.result()
        await ready
        return self.bot

    async def close(self) -> None:
        if self.bot is not None:
            with contextlib.suppress(Exception):
                await self.bot.close()
        if self.task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self.task, 5)


@pytest.fixture
async def running(lc: LocalDiscord, store: Store, tmp_path: Path) -> AsyncIterator[RunningBot]:
    clock = ManualClock(datetime(2022, 1, 28, 7, 0, tzinfo=UTC))
    rb = RunningBot(lc, store, clock, settings_for(lc, tmp_path))
    try:
        yield rb
    finally:
        await rb.close()
