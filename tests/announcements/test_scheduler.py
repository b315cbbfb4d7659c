"""The APScheduler side: one job per (channel, minute), replaced on re-plan, catch-up on start."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.scheduler import AnnouncementScheduler
from bot.services.announcements import AnnouncementService
from bot.store import Store

from .fakes import FakePoster, weekly

DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)


async def settle(scheduler: AnnouncementScheduler) -> None:
    for _ in range(50):
        if not scheduler._tasks:
            return
        await asyncio.sleep(0.01)


async def test_jobs_are_keyed_by_channel_and_minute_and_replaced(astore: Store, poster: FakePoster) -> None:
    clock = ManualClock(DUE - timedelta(hours=1))
    service = AnnouncementService(astore, clock, poster, rate_per_second=None)
    scheduler = AnnouncementScheduler(service, clock)
    await scheduler.start()
    try:
        assert scheduler.job_ids() == []
        await service.add_channel(1, 10)  # the change re-plans
        await service.add_channel(1, 11)
        assert scheduler.job_ids() == ["announce:10:20220128T0800Z", "announce:11:20220128T0800Z"]
        await scheduler.replan()
        await scheduler.replan()
        assert len(scheduler.job_ids()) == 2  # replaced, never duplicated
        await service.remove_channel(1, 11)
        assert scheduler.job_ids() == ["announce:10:20220128T0800Z"]
        # A job's wall-clock run time is where the injected clock will read the due minute.
        job = scheduler._scheduler.get_job("announce:10:20220128T0800Z")  # type: ignore[union-attr]
        lead = job.next_run_time - datetime.now(UTC)
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


async def test_a_job_runs_its_channel_and_never_raises(astore: Store, poster: FakePoster) -> None:
    clock = ManualClock(DUE - timedelta(minutes=1))
    service = AnnouncementService(astore, clock, poster, rate_per_second=None)
    await service.add_channel(1, 10)
    await service.add_channel(1, 11)
    scheduler = AnnouncementScheduler(service, clock)
    await scheduler._fire(10, DUE)  # the clock lags the timer by a hair: the due minute counts
    assert [p.channel_id for p in poster.sent] == [10]

    async def broken(*_a, **_k):
        raise RuntimeError("database on fire")

    service.run_due = broken  # type: ignore[method-assign]
    await scheduler._fire(11, DUE)  # logged, not raised


async def test_an_import_is_noticed_and_planned(store: Store, poster: FakePoster) -> None:
    clock = ManualClock(DUE - timedelta(hours=1))
    service = AnnouncementService(store, clock, poster, rate_per_second=None)
    await service.add_channel(1, 10)
    scheduler = AnnouncementScheduler(service, clock, watch_every=timedelta(seconds=0.05))
    await scheduler.start()
    try:
        assert scheduler.job_ids() == []
        await store.import_records([weekly()])
        for _ in range(100):
            if scheduler.job_ids():
                break
            await asyncio.sleep(0.02)
        assert scheduler.job_ids() == ["announce:10:20220128T0800Z"]
    finally:
        await scheduler.shutdown()
