"""The sync's place on the bot's scheduler: the schedule hourly, changed shows daily."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol

from bot.sync.service import CatalogueSync

SCHEDULE_JOB = "sync-schedule"
UPDATES_JOB = "sync-updates"


class IntervalScheduler(Protocol):
    def add_interval_job(
        self, func: Callable[[], Awaitable[object]], every: timedelta, job_id: str, *, first_in: timedelta
    ) -> None: ...


def add_sync_jobs(
    scheduler: IntervalScheduler,
    sync: CatalogueSync,
    *,
    schedule_every: timedelta,
    shows_every: timedelta,
    first_in: timedelta = timedelta(seconds=5),
) -> None:
    """The schedule soon after start and then every ``schedule_every``; changed shows every
    ``shows_every`` (looking back over that span of TVmaze's updates)."""
    since = "day" if shows_every <= timedelta(days=1) else "week"

    async def schedule() -> None:
        await sync.sync_schedule()

    async def updates() -> None:
        await sync.sync_updates(since)

    scheduler.add_interval_job(schedule, schedule_every, SCHEDULE_JOB, first_in=first_in)
    scheduler.add_interval_job(updates, shows_every, UPDATES_JOB, first_in=first_in + timedelta(minutes=10))
