"""When to post: APScheduler jobs for the announcement service's plan. No discord here.

The database is the source of truth; jobs are only alarms. ``replan()`` asks the service for its
plan and keeps exactly one job per due minute (``announce:YYYYmmddTHHMMZ``), whatever the number
of channels: the job runs ``run_due`` once, which posts that minute in every channel. Stable ids
make re-planning replace and never duplicate. Anything already due runs at once (catch-up on
start). Shutdown cancels a run in progress: what it claimed and did not confirm stays pending and
is sent again, with the same nonce, after a restart.

APScheduler's timers use the wall clock while the service uses the injected clock; a job's run
time is the wall time at which the injected clock will show the due minute, so a clock that
is offset from the wall (the sandbox, a test launcher) still fires on its own time.

A configuration change (an admin's ``/announce`` command) only asks for a re-plan: it runs in the
background ``replan_delay`` later, once for every change made meanwhile, so the command answers
at once however many channels the bot serves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import Clock, system_clock
from bot.planner import job_id
from bot.services.announcements import AnnouncementService

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

JOB_PREFIX = "announce:"
WATCH_JOB = "announce-watch"


class AnnouncementScheduler:
    def __init__(
        self,
        service: AnnouncementService,
        clock: Clock,
        *,
        wall: Callable[[], datetime] = system_clock,
        watch_every: timedelta = timedelta(minutes=1),
        replan_every: timedelta = timedelta(hours=1),
        replan_delay: timedelta = timedelta(seconds=2),
    ) -> None:
        self.service = service
        self.clock = clock
        self.wall = wall
        self.watch_every = watch_every
        self.replan_every = replan_every
        self.replan_delay = replan_delay
        self._scheduler: AsyncIOScheduler | None = None
        self._tasks: set[asyncio.Task[object]] = set()
        self._replan_lock = asyncio.Lock()
        self._fingerprint: tuple[int, int, int] | None = None
        self._last_replan: datetime | None = None
        self._replan_wanted = False
        self._replan_soon: asyncio.Task[None] | None = None
        service.on_change(self.replan_soon)

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    async def start(self) -> None:
        """Start the scheduler, plan, and catch up on anything due (in the background)."""
        if self.running:
            return
        # APScheduler logs every job added, removed and run at INFO: hundreds of lines per release.
        logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLogger().level))
        from apscheduler.schedulers.asyncio import AsyncIOScheduler  # here: the bot is READY first

        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.start()
        self._scheduler.add_job(
            self._watch,
            "interval",
            seconds=self.watch_every.total_seconds(),
            id=WATCH_JOB,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        await self.replan()

    async def shutdown(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None
        tasks = list(self._tasks)
        if self._replan_soon is not None and not self._replan_soon.done():
            tasks.append(self._replan_soon)
        for task in tasks:
            task.cancel()
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=timeout)
            if late:
                log.warning("%d announcement runs did not stop within %.0f s", len(late), timeout)

    def add_interval_job(
        self, func: Callable[[], Awaitable[object]], every: timedelta, job_id: str, *, first_in: timedelta
    ) -> None:
        """Run ``func`` every ``every`` on this scheduler (first after ``first_in``), one run at a
        time; a failing run is logged and the next one still comes. Call after :meth:`start`."""
        if self._scheduler is None:
            raise RuntimeError("the scheduler is not running")

        async def guarded() -> None:
            try:
                await func()
            except Exception:
                log.exception("job %s failed; it runs again in %s", job_id, every)

        self._scheduler.add_job(
            guarded,
            "interval",
            seconds=every.total_seconds(),
            id=job_id,
            next_run_time=self.wall() + first_in,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )

    def job_ids(self) -> list[str]:
        if self._scheduler is None:
            return []
        return sorted(j.id for j in self._scheduler.get_jobs() if j.id.startswith(JOB_PREFIX))

    def next_run(self, job_id: str) -> datetime | None:
        """When a job runs next, on the wall clock (None: no such job, or not running)."""
        job = self._scheduler.get_job(job_id) if self._scheduler is not None else None
        return job.next_run_time if job is not None else None

    @property
    def runs_in_progress(self) -> int:
        """Announcement runs started by this scheduler that have not finished."""
        return len(self._tasks)

    async def replan_soon(self) -> None:
        """Ask for a re-plan after a configuration change, and return at once: it runs in the
        background after ``replan_delay``, once for all the changes made until then (a change
        made while it runs asks for one more)."""
        if not self.running:
            return
        self._replan_wanted = True
        if self._replan_soon is None or self._replan_soon.done():
            self._replan_soon = asyncio.ensure_future(self._replan_later())

    async def _replan_later(self) -> None:
        while self._replan_wanted and self.running:
            await asyncio.sleep(self.replan_delay.total_seconds())
            self._replan_wanted = False
            await self.replan()  # never raises

    async def replan(self) -> None:
        """Re-read the database; one job per future due minute; run what is due now."""
        if not self.running:
            return
        async with self._replan_lock:
            try:
                now, wall_now = self.clock(), self.wall()  # together: planning takes a while
                self._fingerprint = await self.service.store.releases_fingerprint()
                self._last_replan = now
                dues = [s.due for s in await self.service.plan(now)]
                dues += [s.due for s in await self.service.plan_follows(now)]
                overdue = any(due <= now for due in dues)
                minutes = sorted({due for due in dues if due > now})
                del dues
                wanted: set[str] = set()
                assert self._scheduler is not None
                for due in minutes:
                    jid = job_id(due)
                    wanted.add(jid)
                    self._scheduler.add_job(
                        self.fire,
                        "date",
                        run_date=wall_now + (due - now),
                        args=(due,),
                        id=jid,
                        replace_existing=True,
                        misfire_grace_time=None,
                        coalesce=True,
                    )
                for job in self._scheduler.get_jobs():
                    if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                        job.remove()
                # Posts claimed but not confirmed (a crash, a restart) are always due: send them again.
                overdue = overdue or await self.service.store.has_pending()
                log.info(
                    "announcements planned: %d jobs%s", len(wanted), ", catching up now" if overdue else ""
                )
                if overdue:
                    self._spawn(self.service.run_due(now))
            except Exception:
                log.exception("planning announcements failed; the next change or watch will try again")

    def _spawn(self, coro: object) -> asyncio.Task[object]:
        task: asyncio.Task[object] = asyncio.ensure_future(self._guard(coro))  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guard(self, coro: object) -> None:
        try:
            await coro  # type: ignore[misc]
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("an announcement run failed; the scheduler keeps going")

    async def fire(self, due: datetime) -> None:
        """A job: post what is due at this minute, in every channel. Never raises into APScheduler.

        The run is a task of this scheduler, so that shutdown can cancel it."""
        try:
            task = self._spawn(self.service.run_due(not_before=due))
            await asyncio.shield(task)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("announcement job at %s failed", due)

    async def _watch(self) -> None:
        """Re-plan when the releases changed (an import, even from another process) or hourly."""
        try:
            fingerprint = await self.service.store.releases_fingerprint()
            now = self.clock()
            stale = self._last_replan is None or now - self._last_replan >= self.replan_every
            if fingerprint != self._fingerprint or stale:
                await self.replan()
        except Exception:
            log.exception("watching the catalogue for changes failed")
