"""The week at a glance: one message per announcement channel and week, edited in place. No discord.

``refresh(now)`` reads the store (a handful of queries, whatever the number of channels), asks the
pure functions of ``bot.weekly`` what each weekly channel's message must show, and compares that
with the digest stored for the channel's week: only a message whose content changed is edited,
and a week without a message gets one. So a refresh when nothing changed sends no request.

``tick()`` is the scheduler's job (every minute): it refreshes only when something can have
changed, i.e. when a listed release comes out, when a server's week starts (Monday at its post
time in its zone), after a configuration change (``changed``), and otherwise every
``refresh_every`` (the catalogue is live: releases move, come and go).

A message someone deleted (editing it answers 404 Unknown Message) is posted again and
remembered. A channel the bot cannot post in is left to the announcement run, which marks it
broken; it is logged once and tried again after ``broken_retry``. Paused servers and broken
channels are not served. A new message carries a nonce derived from its channel, week and the
message it replaces, so a refresh that dies between Discord's answer and the store's write posts
it again as the same message (Discord remembers a nonce for a few minutes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Protocol, TypeVar

from bot.announce.batches import Pool
from bot.announce.models import ChannelConfig, GuildConfig
from bot.announce.pacing import Limiter, Unlimited
from bot.announce.port import ChannelBroken, DeliveryError
from bot.announce.posts import guild_language
from bot.clock import Clock
from bot.planner import nonce_for
from bot.shards import EVERY_SHARD, ShardScope
from bot.store import Store
from bot.store.weekly import WeeklyMessage
from bot.weekly import (
    WEEK,
    Entry,
    Glance,
    GlanceRenderer,
    MessageGone,
    Week,
    WeeklyPoster,
    channel_entries,
    filters_key,
    read_window,
    week_entries,
    week_of,
)

log = logging.getLogger(__name__)

JOB_ID = "weekly-glance"
T = TypeVar("T")
Timing = tuple[str, time]  # a server's zone and post time: what its week depends on
View = tuple[Timing, tuple[object, ...]]  # and a channel's filters: what its list depends on


def weekly_nonce(channel_id: int, week: Week, replaces: int | None = None) -> str:
    """The nonce of a week's message in a channel; a message posted again after a deletion
    gets its own (from the message it replaces), or Discord would answer with the deleted one."""
    return nonce_for(channel_id, [f"weekly:{week.start.isoformat()}:{replaces or 0}"])


@dataclass(slots=True)
class WeeklyReport:
    posted: int = 0  # new messages: a new week, or a channel newly set up
    edited: int = 0
    replaced: int = 0  # deleted by someone: posted again
    unchanged: int = 0
    skipped: int = 0  # channels not served: a paused server, a broken channel
    failed: int = 0
    broken: list[int] = field(default_factory=list)  # channels the bot could not post in

    def __bool__(self) -> bool:
        return bool(self.posted or self.edited or self.replaced or self.failed or self.broken)


@dataclass(frozen=True, slots=True)
class _Job:
    channel: ChannelConfig
    week: Week
    glance: Glance
    row: WeeklyMessage | None


class WeeklyService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        poster: WeeklyPoster | None = None,
        *,
        limiter: Limiter | None = None,
        refresh_every: timedelta = timedelta(minutes=5),
        broken_retry: timedelta = timedelta(hours=1),
        concurrency: int = 4,
        send_timeout: float = 30.0,
        scope: ShardScope = EVERY_SHARD,
    ) -> None:
        self.store = store
        self.clock = clock
        self.poster = poster
        self.scope = scope  # the servers this process serves (bot.shards)
        self.limiter: Limiter = limiter if limiter is not None else Unlimited()
        self.refresh_every = refresh_every
        self.broken_retry = broken_retry
        self.concurrency = max(1, concurrency)
        self.send_timeout = send_timeout
        self.next_refresh: datetime | None = None  # when ``tick`` refreshes next (None: at once)
        self._lock = asyncio.Lock()  # one refresh at a time: each starts from what the last wrote
        self._broken: dict[int, datetime] = {}  # channel -> when to try it again
        self._pruned_before: date | None = None
        self._changes = 0  # configuration changes heard of: one during a refresh asks for another

    def attach(self, poster: WeeklyPoster) -> None:
        self.poster = poster

    async def changed(self) -> None:
        """A configuration change (a channel, a zone, a pause): the next tick refreshes."""
        self._changes += 1
        self.next_refresh = None

    async def tick(self, now: datetime | None = None) -> WeeklyReport | None:
        """The scheduler's job: refresh when something can have changed, else nothing at all."""
        now = now or self.clock()
        if self.next_refresh is not None and now < self.next_refresh:
            return None
        return await self.refresh(now)

    async def refresh(self, now: datetime | None = None) -> WeeklyReport:
        """Post or edit the message of every weekly channel's week, where what it shows changed."""
        async with self._lock:
            now = now or self.clock()
            report = WeeklyReport()
            changes = self._changes
            self.next_refresh = now + self.refresh_every
            jobs = await self._plan(now, report)
            if jobs:
                await self._run(jobs, now, report)
            if self._changes != changes:  # changed meanwhile: what was read may be stale
                self.next_refresh = None
        if report:
            log.info(
                "week at a glance: %d posted, %d edited, %d posted again, %d failed, %d channels broken",
                report.posted,
                report.edited,
                report.replaced,
                report.failed,
                len(report.broken),
            )
        return report

    # -- what each channel's message must show ----------------------------------------------------

    async def _plan(self, now: datetime, report: WeeklyReport) -> list[_Job]:
        channels = [
            c for c in await self.store.announce_channels() if c.weekly and self.scope.owns(c.guild_id)
        ]
        if not channels:
            return []
        guilds = await self.store.announce_guilds()
        served: list[tuple[ChannelConfig, GuildConfig]] = []
        for c in channels:
            guild = guilds.get(c.guild_id) or GuildConfig(c.guild_id)
            retry = self._broken.get(c.channel_id)
            if guild.paused or not c.healthy or (retry is not None and now < retry):
                report.skipped += 1
                continue
            served.append((c, guild))
        if not served:
            return []
        # Channels of servers with one zone and post time share a week; channels with equal
        # filters in those servers share a list and its rendering.
        weeks: dict[Timing, Week] = {(g.zone, g.post_time): week_of(now, g) for _, g in served}
        start, end = read_window(weeks.values())
        releases = await self.store.dated_releases_between(start, end)
        platforms: dict[str, str | None] = {}
        if releases and any(c.platforms for c, _ in served):
            platforms = await self.store.show_platforms({r.show_id for r in releases})
        tables = {
            key: week_entries(week, GuildConfig(0, key[0], key[1]), releases) for key, week in weeks.items()
        }
        lists: dict[View, list[Entry]] = {}
        for c, g in served:
            key = (g.zone, g.post_time)
            view = (key, filters_key(c))
            if view not in lists:
                lists[view] = channel_entries(tables[key], c, platforms)
        shown = {e.item.show_id for entries in lists.values() for e in entries}
        render = GlanceRenderer(await self.store.get_shows(shown) if shown else {})
        glances: dict[tuple[View, str], Glance] = {}  # a list is rendered once per server language
        for c, g in served:
            view, lang = ((g.zone, g.post_time), filters_key(c)), guild_language(g)
            if (view, lang) not in glances:
                glances[(view, lang)] = render.render(weeks[view[0]], lists[view], now, lang)
        self._schedule(now, weeks.values(), lists.values())

        first = min(w.start for w in weeks.values())
        rows = await self.store.weekly.weekly_messages(first)
        jobs: list[_Job] = []
        for c, g in served:
            key = (g.zone, g.post_time)
            week, glance = weeks[key], glances[((key, filters_key(c)), guild_language(g))]
            row = rows.get((c.channel_id, week.start))
            if row is not None and row.message_id is not None and row.digest == glance.digest:
                report.unchanged += 1
            else:
                jobs.append(_Job(c, week, glance, row))
        if self._pruned_before != first:  # once a week: the rows of weeks never edited again
            await self.store.weekly.forget_weekly_messages(first - WEEK)
            self._pruned_before = first
        return jobs

    def _schedule(self, now: datetime, weeks: Iterable[Week], lists: Iterable[Sequence[Entry]]) -> None:
        """The next refresh: the next release to come out, the next week to start, or the usual."""
        nxt = now + self.refresh_every
        for week in weeks:
            nxt = min(nxt, week.next_at)
        for entries in lists:
            for e in entries:
                if e.due > now:
                    nxt = min(nxt, e.due)
                    break  # in due order
        self.next_refresh = nxt

    # -- posting and editing ------------------------------------------------------------------------

    async def _run(self, jobs: Sequence[_Job], now: datetime, report: WeeklyReport) -> None:
        if self.poster is None:
            log.warning("week at a glance: no poster attached; %d messages wait", len(jobs))
            return

        async def one(job: _Job) -> None:
            try:
                await self._publish(job, now, report)
            except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
                raise
            except Exception:
                report.failed += 1
                log.exception("week at a glance for channel %s failed", job.channel.channel_id)

        pool = Pool(self.concurrency)
        try:
            for job in jobs:
                await pool.spawn(partial(one, job))
            await pool.join()
        finally:
            await pool.cancel()

    async def _publish(self, job: _Job, now: datetime, report: WeeklyReport) -> None:
        poster = self.poster
        assert poster is not None
        c, week, g = job.channel, job.week, job.glance
        cid = c.channel_id
        try:
            if job.row is not None and job.row.message_id is not None:
                old = job.row.message_id
                try:
                    await self._call(partial(poster.edit, cid, old, g.content, g.embeds))
                    message_id = old
                    report.edited += 1
                except MessageGone:
                    log.info("week at a glance in channel %s was deleted; posting it again", cid)
                    nonce = weekly_nonce(cid, week, old)
                    message_id = await self._call(partial(poster.send, cid, g.content, g.embeds, nonce=nonce))
                    report.replaced += 1
            else:
                nonce = weekly_nonce(cid, week)
                message_id = await self._call(partial(poster.send, cid, g.content, g.embeds, nonce=nonce))
                report.posted += 1
        except ChannelBroken as exc:
            report.broken.append(cid)
            if cid not in self._broken:
                log.warning(
                    "week at a glance: cannot post in channel %s (%s); left to the announcements, "
                    "tried again in %s",
                    cid,
                    exc.reason,
                    self.broken_retry,
                )
            self._broken[cid] = now + self.broken_retry
            return
        except (DeliveryError, TimeoutError) as exc:
            report.failed += 1
            reason = exc.reason if isinstance(exc, DeliveryError) else "Discord did not answer in time"
            log.warning("week at a glance in channel %s failed (%s); tried again later", cid, reason)
            return
        self._broken.pop(cid, None)
        await self.store.weekly.save_weekly_message(
            cid, week.start, c.guild_id, message_id, g.digest, now=now
        )

    async def _call(self, request: Callable[[], Awaitable[T]]) -> T:
        async with self.limiter.slot():
            return await asyncio.wait_for(request(), self.send_timeout)


class IntervalJobs(Protocol):
    """The part of the bot's scheduler (``AnnouncementScheduler``) the job needs."""

    def add_interval_job(
        self, func: Callable[[], Awaitable[object]], every: timedelta, job_id: str, *, first_in: timedelta
    ) -> None: ...


def add_weekly_jobs(
    scheduler: IntervalJobs,
    service: WeeklyService,
    *,
    every: timedelta = timedelta(minutes=1),
    first_in: timedelta = timedelta(seconds=5),
) -> None:
    """``service.tick`` every ``every`` (first after ``first_in``): a tick with nothing to do reads
    nothing, so a week's message goes out within a minute of its Monday post time, and a
    release's line is ticked within a minute of it coming out."""

    async def tick() -> None:
        await service.tick()

    scheduler.add_interval_job(tick, every, JOB_ID, first_in=first_in)


__all__ = ["JOB_ID", "IntervalJobs", "WeeklyReport", "WeeklyService", "add_weekly_jobs", "weekly_nonce"]
