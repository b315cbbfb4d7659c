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


# -- the store, on each backend -----------------------------------------------------------------
#
# Every test that uses ``store`` (or a fixture built on it: ``seeded_store``, ``catalogue``,
# ``astore`` ...) runs twice: on SQLite (a file in its temporary folder) and on PostgreSQL (a
# migrated database, emptied after each test, in one throwaway server for the whole session:
# tests/pg/server.py). The ids say which: ``test_x[sqlite]``, ``test_x[postgresql]``.
#
# Both halves run for the store and the services over it. The end-to-end tests, which drive the
# whole bot through localcord (they use the ``lc`` fixture), test Discord's side far more than
# the database's and cost the most: they run on SQLite, and on PostgreSQL only those named in
# ``POSTGRES_END_TO_END`` (the announcements' exactly once, follows and their DMs, /show and its
# autocomplete, the settings commands), so that the suite stays quick.
#
# Without PostgreSQL's binaries the PostgreSQL half is skipped, saying why; CI sets
# PREMIERE_REQUIRE_POSTGRES=1 (.ci/run installs the package), which makes it a failure instead.

BACKENDS = ("sqlite", "postgresql")
POSTGRES_END_TO_END = {
    "tests/announcements/test_e2e_announce.py",
    "tests/announcements/test_e2e_follows.py",
    "tests/announcements/test_e2e_settings.py",
    "tests/e2e/test_commands.py",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the PostgreSQL half of the end-to-end tests not named in POSTGRES_END_TO_END."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("backend") == "postgresql"
        module = item.nodeid.split("::", 1)[0]
        end_to_end = "lc" in getattr(item, "fixturenames", ())
        if on_postgres and end_to_end and module not in POSTGRES_END_TO_END:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL for the session (started at the first test that needs it)."""
    import os

    from tests.pg.server import REQUIRE_VAR, PostgresUnavailable, ThrowawayPostgres, find_bindir

    try:
        server = ThrowawayPostgres(find_bindir())
    except PostgresUnavailable as exc:
        if os.environ.get(REQUIRE_VAR):
            pytest.fail(f"{exc} ({REQUIRE_VAR} is set)", pytrace=False)
        pytest.skip(str(exc))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest):
    """Where a test's store lives: a SQLite file, or the URL of an empty, migrated PostgreSQL
    database (emptied again after the test)."""
    if backend == "sqlite":
        yield tmp_path / "premiere.sqlite3"
        return
    server = request.getfixturevalue("postgres_server")
    url = await server.scratch_database()
    try:
        yield url
    finally:
        await server.empty(url)


@pytest.fixture
async def store(database_target: Path | str):
    s = await Store.open(database_target)
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
