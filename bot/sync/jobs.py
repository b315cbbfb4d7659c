"""The sync's place on the bot's scheduler: the schedule hourly, changed shows daily.

In a cluster of processes on one database the syncs run once for the whole bot, in the process
holding their lease (``bot.lease.SYNC_LEASE``): every process has the jobs, and ``held`` says
whether this one runs them now (the others' scheduler then re-plans from what the sync wrote,
which their watch notices)."""

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
    held: Callable[[], bool] | None = None,
) -> None:
    """The schedule soon after start and then every ``schedule_every``; changed shows every
    ``shows_every`` (looking back over that span of TVmaze's updates). With ``held``, a run
    happens only while it says this process holds the syncs' lease."""
    since = "day" if shows_every <= timedelta(days=1) else "week"

    def ours() -> bool:
        return held is None or held()

    async def schedule() -> None:
        if ours():
            await sync.sync_schedule()

    async def updates() -> None:
        if ours():
            await sync.sync_updates(since)

    scheduler.add_interval_job(schedule, schedule_every, SCHEDULE_JOB, first_in=first_in)
    scheduler.add_interval_job(updates, shows_every, UPDATES_JOB, first_in=first_in + timedelta(minutes=10))
