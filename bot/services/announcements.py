"""Release announcements: configuration, planning and exactly-once delivery. Never imports discord.

The database is the source of truth. ``plan(now)`` reads it and asks the pure planner what is due;
``run_due(now)`` posts everything due at ``now`` through a :class:`Poster` (the Discord adapter
lives in ``bot/delivery.py``). The scheduler only decides *when* to call ``run_due``; tests call it
directly with a ManualClock.

This module wires the parts in ``bot/announce/``: the settings of servers and channels
(``channels``), pacing (``pacing``), the port to Discord (``port``), and one delivery run
(``run``), which claims each post in the ledger before it is sent, so it goes out exactly once.

Several processes (``bot.shards``): a service given a ``scope`` plans and sends only for the
servers on its shards, and leaves the pending posts of the others to their owner; followers' DMs,
which are not per server, go out only in the process holding their lease (``bot.lease``). Two
processes can never both send one post, even while their scopes overlap (a re-shard): a post is
claimed by inserting its ledger row, ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` on the
row's key (kind, target, release, lead), and only the process that gets the row back sends it.
That is what ``SELECT ... FOR UPDATE SKIP LOCKED`` gives a queue of rows made in advance, with
no lock to hold: the claim is the lock, taken in one statement that the database serialises,
and it never needs to be released because the row *is* the work. What a lock's release gives a
queue, the next worker taking a dead one's rows, a pending row gives here: claimed and never
confirmed (its process died), it is sent again by the next run of its server's owner, with the
same nonce, so Discord answers with the first message if that one got out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from bot.announce.channels import ChannelSettings, Overview, Saved
from bot.announce.models import ChannelChange, ChannelConfig, GuildConfig, Kinds
from bot.announce.options import missing_permissions, parse_post_time, parse_zone, zone_choices
from bot.announce.pacing import AdaptiveLimiter, Limiter, RateLimiter, make_limiter
from bot.announce.port import ChannelBroken, DeliveryError, Embed, Post, Poster, TransientDeliveryError
from bot.announce.run import DeliveryPolicy, DeliveryRun, RunReport
from bot.clock import Clock
from bot.follows.planner import FollowSlot
from bot.follows.run import FollowReport
from bot.i18n import ENGLISH, texts
from bot.lease import FOLLOWS_LEASE, Held
from bot.models import Show
from bot.planner import LOOKBACK, DueSlot, collapse, plan, release_window
from bot.render_announce import item_embed, preview_embeds, test_embed
from bot.shards import EVERY_SHARD, ShardScope
from bot.store import Store

if TYPE_CHECKING:
    from bot.services.follows import FollowService

log = logging.getLogger(__name__)

WATERMARK_KEY = "announcements_ran_at"  # the last full run: where a run after downtime looks back to


@dataclass(frozen=True, slots=True)
class RunDone:
    """What one run did, for its observers (ops: the metrics, ``bot/metrics.py``)."""

    channels: RunReport
    follows: FollowReport | None  # None: this run sent no followers' DMs
    seconds: float  # from the call to its end, waiting for an earlier run included


class AnnouncementService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        poster: Poster | None = None,
        *,
        grace: timedelta = timedelta(hours=6),
        horizon: timedelta = timedelta(days=2),
        concurrency: int = 64,
        rate_per_second: float | Literal["adaptive"] | None = "adaptive",
        limiter: Limiter | None = None,  # ops: instead of rate_per_second, e.g. a budget shared by processes
        retries: int = 3,
        backoff: float = 1.0,
        send_timeout: float = 30.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        scope: ShardScope = EVERY_SHARD,
        leases: Held | None = None,
    ) -> None:
        self.store = store
        self.scope = scope  # the servers this process serves
        self.leases = leases  # in a cluster: whether this process sends followers' DMs
        self.clock = clock
        self.poster = poster
        self.horizon = horizon
        self.policy = DeliveryPolicy(
            grace=grace,
            retries=max(1, retries),
            backoff=backoff,
            send_timeout=send_timeout,
            concurrency=max(1, concurrency),
        )
        self.limiter: Limiter = limiter if limiter is not None else make_limiter(rate_per_second)
        self.settings = ChannelSettings(store, clock, self.changed, scope.owns)
        self._sleep = sleep
        self._run_lock = asyncio.Lock()  # one run at a time: the ledger is settled between runs
        self._listeners: list[Callable[[], Awaitable[None]]] = []
        self._run_observers: list[Callable[[RunDone], None]] = []  # ops: the metrics
        self.follows: FollowService | None = None
        self.last_follow_report = FollowReport()

    @property
    def grace(self) -> timedelta:
        return self.policy.grace

    def attach(self, poster: Poster) -> None:
        self.poster = poster

    def attach_follows(self, follows: FollowService) -> None:
        """Send followers' DMs too, in the same runs, through the same limiter."""
        self.follows = follows

    def rate_limited(self, *, global_: bool, retry_after: float | None = None) -> None:
        """Discord answered a request with 429 (the Discord adapter reports it): pace if global."""
        self.limiter.rate_limited(global_=global_, retry_after=retry_after)

    def on_change(self, listener: Callable[[], Awaitable[None]]) -> None:
        """Call ``listener`` (the scheduler's re-plan) after every configuration change."""
        self._listeners.append(listener)

    async def changed(self) -> None:
        for listener in self._listeners:
            try:
                await listener()
            except Exception:
                log.exception("re-planning after a change failed")

    # -- configuration (bot.announce.channels) -----------------------------------------------------

    async def add_channel(
        self,
        guild_id: int,
        channel_id: int,
        *,
        role_id: int | None = None,
        platforms: Iterable[str] | None = None,
        shows: Iterable[str] | None = None,
        kinds: Kinds | None = None,
        threads: bool | None = None,
        publish: bool | None = None,
        name: str | None = None,
    ) -> ChannelConfig:
        """Add a channel, or change what is given of its settings (the rest is kept)."""
        return await self.settings.add_channel(
            guild_id,
            channel_id,
            role_id=role_id,
            platforms=platforms,
            shows=shows,
            kinds=kinds,
            threads=threads,
            publish=publish,
            name=name,
        )

    async def configure(self, guild_id: int, channel_id: int, change: ChannelChange) -> Saved:
        return await self.settings.configure(guild_id, channel_id, change)

    async def remove_channel(self, guild_id: int, channel_id: int) -> ChannelConfig:
        return await self.settings.remove_channel(guild_id, channel_id)

    async def set_zone(self, guild_id: int, zone: str) -> GuildConfig:
        return await self.settings.set_zone(guild_id, zone)

    async def set_post_time(self, guild_id: int, text: str) -> GuildConfig:
        return await self.settings.set_post_time(guild_id, text)

    async def set_paused(self, guild_id: int, paused: bool) -> bool:
        """False when the server already was paused (or running): nothing changed."""
        return await self.settings.set_paused(guild_id, paused)

    async def overview(self, guild_id: int, now: datetime | None = None) -> Overview:
        now = now or self.clock()
        guild = await self.store.announce_guild(guild_id) or GuildConfig(guild_id)
        channels = await self.store.announce_channels(guild_id)
        upcoming = [s for s in await self._plan(now, channels, {guild_id: guild}) if s.due > now]
        titles = {}
        if upcoming:
            shows = await self.store.get_shows(i.show_id for s in upcoming for i in s.items)
            titles = {k: v.title for k, v in shows.items()}
        spelled = {}
        if any(c.platforms for c in channels):
            spelled = {p.casefold(): p for p in await self.store.platforms()}
        return Overview(guild, channels, upcoming, titles, spelled)

    async def preview(self, show: Show, now: datetime | None = None, *, lang: str = ENGLISH) -> list[Embed]:
        """The announcement embeds for a show's next dated releases (or its latest ones), in ``lang``
        (the server's language: what its posts would say)."""
        now = now or self.clock()
        releases = [r for r in await self.store.get_releases(show.id) if r.when.instant is not None]
        ahead = [r for r in releases if r.when.instant and r.when.instant + timedelta(days=1) > now]
        chosen = ahead or releases[-1:]
        items = collapse(chosen)
        if not items:
            return preview_embeds(show, [], lang)
        return [item_embed(item, show, lang=lang) for item in items[:10]]

    async def send_test(
        self, channel_id: int, channel_name: str, role_id: int | None, *, lang: str = ENGLISH
    ) -> int:
        """A sample post now, pinging nobody, in ``lang`` (the server's language). Raises
        DeliveryError for the admin to read."""
        if self.poster is None:
            raise DeliveryError("the bot is not connected yet")
        tr = texts(lang)
        text = (
            tr("Test post from Premiere. Real posts will ping the role below.")
            if role_id
            else tr("Test post from Premiere.")
        )
        post = Post(channel_id, text, [test_embed(channel_name, role_id, self.clock(), lang)], None, None)
        async with self.limiter.slot():
            return await self.poster.send(post)

    # -- planning ------------------------------------------------------------------------------------

    async def lookback(self, now: datetime, keys: Sequence[str] | None = None) -> timedelta:
        """How far back a run must look: a week, or back to the last run before a longer downtime,
        so that every missed post is sent late or recorded as skipped, never silently dropped.

        In a cluster each shard has its own mark (one process may be down while the others run);
        a shard without one (new after a re-shard) looks back to the last run of DMs, or of the
        whole bot before it had shards."""
        keys = self.watermarks() if keys is None else keys
        marks = [await self.store.get_meta(key) for key in keys]
        if None in marks and list(keys) != [WATERMARK_KEY]:
            marks.append(await self.store.get_meta(WATERMARK_KEY))
        seen = [datetime.fromisoformat(m) for m in marks if m]
        if not seen:
            return LOOKBACK
        return max(LOOKBACK, now - min(seen) + timedelta(days=1))

    def watermarks(self) -> list[str]:
        """Where this process's runs are marked: one mark, or one per shard served in a cluster."""
        return [f"{WATERMARK_KEY}:{label}" for label in self.scope.labels] or [WATERMARK_KEY]

    async def plan(
        self,
        now: datetime | None = None,
        *,
        channel_ids: Iterable[int] | None = None,
        lookback: timedelta = LOOKBACK,
        horizon: timedelta | None = None,
    ) -> list[DueSlot]:
        """Every post not in the ledger yet, due from ``lookback`` ago to ``horizon`` ahead."""
        now = now or self.clock()
        channels = await self._channels(channel_ids)
        return await self._plan(now, channels, None, lookback, horizon, all_channels=channel_ids is None)

    async def plan_follows(self, now: datetime | None = None) -> list[FollowSlot]:
        """Every follower's DM not in the ledger yet (none without follows)."""
        if self.follows is None:
            return []
        return await self.follows.plan(now or self.clock(), horizon=self.horizon)

    async def _channels(self, channel_ids: Iterable[int] | None) -> list[ChannelConfig]:
        channels = await self.store.announce_channels()
        if channel_ids is None:
            return channels
        wanted = set(channel_ids)
        return [c for c in channels if c.channel_id in wanted]

    async def _plan(
        self,
        now: datetime,
        channels: Sequence[ChannelConfig],
        guilds: Mapping[int, GuildConfig] | None,
        lookback: timedelta = LOOKBACK,
        horizon: timedelta | None = None,
        *,
        all_channels: bool = False,
    ) -> list[DueSlot]:
        """One pass for any number of channels: a handful of queries, whatever their count."""
        channels = [c for c in channels if c.healthy and self.scope.owns(c.guild_id)]
        if not channels:
            return []
        horizon = self.horizon if horizon is None else horizon
        lead = timedelta(minutes=max((m for c in channels for m in c.reminders), default=0))
        start, end = release_window(now, horizon + lead, lookback)
        releases = await self.store.dated_releases_between(start, end)
        if not releases:
            return []
        if guilds is None:
            guilds = await self.store.announce_guilds()
        release_ids = [r.id for r in releases]
        done = await self.store.delivered_keys(
            now - lookback - timedelta(days=1),
            None if all_channels else [c.channel_id for c in channels],
            release_ids=release_ids,
        )
        reminded: set[tuple[int, str, int]] = set()
        if lead:
            reminded = {k for k in await self.store.ledger_keys("channel", release_ids) if k[2]}
        platforms: Mapping[str, str | None] = {}
        if any(c.platforms for c in channels):
            platforms = await self.store.show_platforms({r.show_id for r in releases})
        return plan(
            now,
            guilds,
            channels,
            releases,
            show_platforms=platforms,
            done=done,
            horizon=horizon,
            lookback=lookback,
            reminded=reminded,
        )

    # -- delivery (bot.announce.run) -------------------------------------------------------------------

    @property
    def sends_dms(self) -> bool:
        """Whether this process sends followers' DMs: alone on its database, or holding their lease."""
        return self.leases is None or self.leases.held(FOLLOWS_LEASE)

    async def run_due(
        self,
        now: datetime | None = None,
        *,
        channel_ids: Iterable[int] | None = None,
        not_before: datetime | None = None,
    ) -> RunReport:
        """Post everything due at ``now``: pending posts again, then new ones; record the rest.

        Without ``now`` the clock is read once the run's turn comes (a run queued behind a long
        fan-out must not send a reminder as if it were still the minute it was queued), and
        again before the followers' DMs; ``not_before`` (a job's due minute) is the earliest
        reading taken.

        Safe to call at any time and from several tasks at once: runs take turns, so each one
        starts from a settled ledger, and a claim in the ledger decides who sends what.
        Cancelling a run (shutdown) is safe: what it claimed and did not confirm stays pending
        and is sent again, with the same nonce, by the next run.
        """
        started, follows_before = time.perf_counter(), self.last_follow_report  # ops: for observers
        given = now
        ids = None if channel_ids is None else list(channel_ids)
        async with self._run_lock:
            now = given or self._now(not_before)
            run = DeliveryRun(self.store, self.poster, self.limiter, self.policy, now, sleep=self._sleep)
            try:
                # Posts of other processes' servers are theirs, pending or not.
                pending = [d for d in await self.store.pending_deliveries(ids) if self.scope.owns(d.guild_id)]
                lookback = await self.lookback(now) if ids is None else LOOKBACK
                channels = await self._channels(ids)
                guilds = dict(await self.store.announce_guilds())
                slots = await self._plan(
                    now, channels, guilds, lookback, timedelta(0), all_channels=ids is None
                )
                due = [s for s in slots if s.due <= now]
                await run.execute(pending, {c.channel_id: c for c in channels}, guilds, due)
            finally:
                await run.confirm()
            dms = self.follows if ids is None and self.sends_dms else None  # not per server: by lease
            if dms is not None:
                try:
                    self.last_follow_report = await dms.run_due(
                        given or self._now(now),
                        self.poster,
                        self.limiter,
                        self.policy,
                        lookback=await self.lookback(now, [WATERMARK_KEY]),
                        sleep=self._sleep,
                    )
                except Exception:
                    log.exception("followers' DMs failed in this run; the next run tries again")
            if ids is None:
                marks = self.watermarks() + ([WATERMARK_KEY] if dms is not None else [])
                for key in dict.fromkeys(marks):  # this run's shards; the DMs' mark if it sent them
                    await self.store.set_meta(key, now.isoformat())
        report = run.report
        if report:
            log.info(
                "announcements: %d sent (%d late) in %d messages, %d skipped, %d failed, %d channels broken",
                report.sent,
                report.late,
                report.messages,
                report.skipped,
                report.failed,
                len(report.broken),
            )
        # ops: tell the observers (the metrics) what this run did
        follows = self.last_follow_report if self.last_follow_report is not follows_before else None
        self._observed(RunDone(report, follows, time.perf_counter() - started))
        return report

    def _now(self, not_before: datetime | None) -> datetime:
        now = self.clock()
        return not_before if not_before is not None and not_before > now else now

    # -- observers (ops) -------------------------------------------------------------------------------

    def on_run(self, observer: Callable[[RunDone], None]) -> None:
        """Call ``observer`` with what each finished run did (the metrics count posts with it)."""
        self._run_observers.append(observer)

    def _observed(self, done: RunDone) -> None:
        for observer in self._run_observers:
            try:
                observer(done)
            except Exception:
                log.exception("an observer of announcement runs failed")


__all__ = [
    "AdaptiveLimiter",
    "AnnouncementService",
    "ChannelBroken",
    "DeliveryError",
    "Kinds",
    "Overview",
    "Post",
    "Poster",
    "RateLimiter",
    "RunDone",
    "RunReport",
    "TransientDeliveryError",
    "missing_permissions",
    "parse_post_time",
    "parse_zone",
    "zone_choices",
]
