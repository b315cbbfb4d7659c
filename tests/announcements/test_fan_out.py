"""Fan-out to many channels: a handful of SQL statements whatever the number of channels, and a
limiter that runs unpaced until Discord's global limit answers, then just under it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.announce.models import ChannelConfig
from bot.announce.pacing import AdaptiveLimiter
from bot.clock import ManualClock
from bot.services.announcements import AnnouncementService
from bot.store import Store

from .fakes import FakePoster

DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)


class Statements:
    """Counts the SQL statements the store sends to its database."""

    def __init__(self, store: Store) -> None:
        self.sql: list[str] = []
        store.db.observe(self.sql.append)

    def __len__(self) -> int:
        return len(self.sql)


async def add_channels(store: Store, n: int, added: datetime, start: int = 1000) -> None:
    for i in range(n):
        await store.upsert_announce_channel(
            ChannelConfig(start + i, 1 + i % 37, added, platforms=("netflix", "disney+") if i % 2 else ())
        )


async def test_planning_any_number_of_channels_is_a_few_queries(astore: Store) -> None:
    clock = ManualClock(DUE - timedelta(hours=1))
    service = AnnouncementService(astore, clock, FakePoster(), rate_per_second=None)
    await add_channels(astore, 10, clock())
    count = Statements(astore)
    few = await service.plan()
    small = len(count)
    await add_channels(astore, 490, clock(), start=5000)
    count.sql.clear()
    many = await service.plan()
    assert len(count) == small <= 6, count.sql  # channels, guilds, releases, ledger, platforms
    assert len(few) == 10 and len(many) == 500
    assert not any("FROM shows" in q and "WHERE" not in q for q in count.sql)  # never every show


async def test_a_run_for_many_channels_is_a_handful_of_statements(astore: Store) -> None:
    clock = ManualClock(DUE - timedelta(hours=1))
    poster = FakePoster()
    service = AnnouncementService(astore, clock, poster, rate_per_second=None)
    await add_channels(astore, 600, clock())
    count = Statements(astore)
    report = await service.run_due(DUE)
    assert len(poster.sent) == 600 and report.messages == 600
    # Planning, shows, one INSERT per 256 posts claimed, one UPDATE batch per flush, the watermark.
    assert len(count) < 40, len(count)
    assert {r for r in (await astore.delivery_counts())} == {"sent"}
    count.sql.clear()
    assert not await service.run_due(DUE + timedelta(minutes=1))
    assert len(count) < 12


async def test_the_limiter_is_unpaced_without_a_limit() -> None:
    limiter = AdaptiveLimiter(ceiling=50)

    async def request() -> None:
        async with limiter.slot():
            await asyncio.sleep(0.001)

    await asyncio.gather(*(request() for _ in range(600)))
    assert limiter.mode == limiter.FREE  # far more than 50 answered within a second: no limit


async def test_the_limiter_paces_after_the_first_global_429_and_sees_no_second() -> None:
    """A fake server with Discord's fixed one-second window of 50 requests."""
    limiter = AdaptiveLimiter(ceiling=50)
    loop = asyncio.get_running_loop()
    window = [loop.time(), 0]
    statuses: list[int] = []

    async def server() -> int:
        now = loop.time()
        if now >= window[0] + 1.0:
            window[:] = [now, 0]
        if window[1] >= 50:
            limiter.rate_limited(global_=True, retry_after=1.0)
            return 429
        window[1] += 1
        return 200

    async def request() -> None:
        async with limiter.slot():
            await asyncio.sleep(0.002)
            status = await server()
            statuses.append(status)
            while status == 429:  # discord.py waits and tries again
                await asyncio.sleep(max(0.0, window[0] + 1.0 - loop.time()))
                status = await server()
                statuses.append(status)

    await asyncio.gather(*(request() for _ in range(150)))
    # The server holds to 50 a second: paced from its answers after the reset, no second 429 comes.
    assert statuses.count(429) == 1 and limiter.mode == limiter.PACED
    assert statuses.count(200) == 150
