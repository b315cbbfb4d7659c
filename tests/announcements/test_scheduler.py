"""The APScheduler side: one job per due minute (for every channel), replaced on re-plan,
catch-up on start, runs cancelled promptly on shutdown."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.announce.models import ChannelConfig
from bot.clock import ManualClock
from bot.scheduler import AnnouncementScheduler
from bot.services.announcements import AnnouncementService
from bot.store import Store

from .fakes import FakePoster, weekly

DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)


async def settle(scheduler: AnnouncementScheduler) -> None:
    for _ in range(50):
        if not scheduler.runs_in_progress:
            return
        await asyncio.sleep(0.01)


async def test_one_job_per_due_minute_whatever_the_channels(astore: Store, poster: FakePoster) -> None:
    clock = ManualClock(DUE - timedelta(hours=1))
    service = AnnouncementService(astore, clock, poster, rate_per_second=None)
    scheduler = AnnouncementScheduler(service, clock)
    await scheduler.start()
    try:
        assert scheduler.job_ids() == []
        await service.add_channel(1, 10)  # the change re-plans
        await service.add_channel(1, 11)
        for n in range(200):
            await astore.upsert_announce_channel(ChannelConfig(1000 + n, 2 + n % 7, clock()))
        await scheduler.replan()
        await scheduler.replan()
        assert scheduler.job_ids() == ["announce:20220128T0800Z"]  # replaced, never duplicated
        await service.remove_channel(1, 11)
        assert scheduler.job_ids() == ["announce:20220128T0800Z"]
        # A job's wall-clock run time is where the injected clock will read the due minute.
        run = scheduler.next_run("announce:20220128T0800Z")
        assert run is not None
        lead = run - datetime.now(UTC)
        assert timedelta(minutes=59) < lead <= timedelta(hours=1)
    finally:
        await scheduler.shutdown()


async def test_start_catches_up_on_what_is_overdue(astore: Store, poster: FakePoster) -> None:
    clock = ManualClock(DUE - timedelta(days=1))
    service = AnnouncementService(astore, clock, poster, rate_per_second=None)
    await service.add_channel(1, 10)
    clock.set(DUE + timedelta(hours=2))  # the bot was down at release time
    scheduler = AnnouncementScheduler(service, clock)
    await scheduler.start()
    try:
        await settle(scheduler)
        assert len(poster.sent) == 1 and "posted late" in poster.sent[0].embeds[0]["footer"]["text"]
        assert scheduler.job_ids() == []  # next week's episode is beyond the two-day horizon
    finally:
        await scheduler.shutdown()


async def test_a_job_runs_every_channel_once_and_never_raises(astore: Store, poster: FakePoster) -> None:
    clock = ManualClock(DUE - timedelta(minutes=1))
    service = AnnouncementService(astore, clock, poster, rate_per_second=None)
    await service.add_channel(1, 10)
    await service.add_channel(1, 11)
    scheduler = AnnouncementScheduler(service, clock)
    await scheduler.fire(DUE)  # the clock lags the timer by a hair: the due minute counts
    assert sorted(p.channel_id for p in poster.sent) == [10, 11]
    await scheduler.fire(DUE)
    assert len(poster.sent) == 2

    async def broken(*_a, **_k):
        raise RuntimeError("database on fire")

    service.run_due = broken  # type: ignore[method-assign]
    await scheduler.fire(DUE)  # logged, not raised


async def test_an_import_is_noticed_and_planned(store: Store, poster: FakePoster) -> None:
    clock = ManualClock(DUE - timedelta(hours=1))
    service = AnnouncementService(store, clock, poster, rate_per_second=None)
    await service.add_channel(1, 10)
    scheduler = AnnouncementScheduler(service, clock, watch_every=timedelta(seconds=0.05))
    await scheduler.start()
    try:
        assert scheduler.job_ids() == []
        await store.import_records([weekly()])
        for _ in range(500):  # up to 10 s: the machine may be busy with other test runs
            if scheduler.job_ids():
                break
            await asyncio.sleep(0.02)
        assert scheduler.job_ids() == ["announce:20220128T0800Z"]
    finally:
        await scheduler.shutdown()


class SlowPoster(FakePoster):
    """Discord at a crawl: each post takes a while, so a fan-out is in progress for long."""

    delay: float = 0.02

    async def send(self, post):  # type: ignore[no-untyped-def]
        await asyncio.sleep(self.delay)
        return await super().send(post)


async def test_a_replan_during_a_fan_out_never_posts_twice(astore: Store) -> None:
    poster = SlowPoster()
    clock = ManualClock(DUE - timedelta(hours=1))
    service = AnnouncementService(astore, clock, poster, rate_per_second=None, concurrency=4)
    for n in range(40):
        await astore.upsert_announce_channel(ChannelConfig(1000 + n, 1, clock()))
    scheduler = AnnouncementScheduler(service, clock)
    await scheduler.start()
    try:
        clock.set(DUE)
        fire = asyncio.ensure_future(scheduler.fire(DUE))
        async with asyncio.timeout(10):  # a deadline for the wait
            while len(poster.sent) < 5:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
        await scheduler.replan()  # overdue slots: a catch-up run is queued behind the fan-out
        await service.run_due(DUE + timedelta(seconds=5))  # and a direct one
        await fire
        await settle(scheduler)
        assert sorted(p.channel_id for p in poster.sent) == [1000 + n for n in range(40)]
        assert (await astore.delivery_counts()) == {"sent": 40 * 3}
    finally:
        await scheduler.shutdown()


async def test_shutdown_cancels_a_fan_out_promptly_and_a_restart_finishes_it(astore: Store) -> None:
    poster = SlowPoster()
    poster.delay = 0.5
    clock = ManualClock(DUE - timedelta(hours=1))
    service = AnnouncementService(astore, clock, poster, rate_per_second=None, concurrency=2)
    for n in range(20):
        await astore.upsert_announce_channel(ChannelConfig(1000 + n, 1, clock()))
    scheduler = AnnouncementScheduler(service, clock)
    await scheduler.start()
    clock.set(DUE)
    fire = asyncio.ensure_future(scheduler.fire(DUE))
    async with asyncio.timeout(10):  # a deadline for the wait
        while len(poster.sent) < 2:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    # Shutdown cancels the run in progress: it ends well before the slow fan-out would have.
    async with asyncio.timeout(5):
        await scheduler.shutdown()
        await asyncio.gather(fire, return_exceptions=True)
    counts = await astore.delivery_counts()
    assert 0 < counts.get("sent", 0) < 60 and set(counts) <= {"sent", "pending"}
    # The next process: pending posts again with their nonces, then the rest; one post each.
    poster.delay = 0.0
    again = AnnouncementService(astore, clock, poster, rate_per_second=None)
    await again.run_due(DUE + timedelta(seconds=30))
    assert sorted(p.channel_id for p in poster.sent) == [1000 + n for n in range(20)]
    assert (await astore.delivery_counts()) == {"sent": 20 * 3}


async def test_a_burst_of_setting_changes_is_one_replan_in_the_background(
    astore: Store, poster: FakePoster
) -> None:
    clock = ManualClock(DUE - timedelta(hours=1))
    service = AnnouncementService(astore, clock, poster, rate_per_second=None)
    # The delay outlasts the burst of writes even on a loaded machine (it starts at the first one).
    delay = 1.5
    scheduler = AnnouncementScheduler(service, clock, replan_delay=timedelta(seconds=delay))
    await scheduler.start()
    plans = 0
    plan = service.plan

    async def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal plans
        plans += 1
        return await plan(*args, **kwargs)

    async def until(check, seconds: float = 15.0) -> None:  # type: ignore[no-untyped-def]
        for _ in range(int(seconds / 0.01)):
            if check():
                return
            await asyncio.sleep(0.01)

    service.plan = counted  # type: ignore[method-assign]
    try:
        for n in range(30):  # thirty admins' commands in a row: each returns without planning
            await service.add_channel(1, 10 + n)
        await service.set_zone(1, "Asia/Seoul")
        assert plans == 0 and scheduler.job_ids() == []
        await until(lambda: scheduler.job_ids())
        assert scheduler.job_ids() == ["announce:20220128T0800Z"]
        await asyncio.sleep(delay + 0.2)  # nothing more was asked for: no second plan comes
        assert plans == 1
        await service.set_paused(1, True)  # a later change: one more
        await until(lambda: plans >= 2)
        assert plans == 2
    finally:
        await scheduler.shutdown()
