"""Release announcements: configuration, planning and exactly-once delivery. Never imports discord.

The database is the source of truth. ``plan(now)`` reads it and asks the pure planner what is due;
``run_due(now)`` posts everything due at ``now`` through a :class:`Poster` (the Discord adapter
lives in ``bot/delivery.py``). The scheduler only decides *when* to call ``run_due``; tests call it
directly with a ManualClock.

Exactly once: each post is claimed in the ledger (one row per channel and release, state
``pending``) before it is sent, with a nonce derived from what it announces; Discord returns the
original message for a repeated nonce, so a pending post found after a crash is sent again safely.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from datetime import datetime, time, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, available_timezones

from bot.clock import Clock
from bot.errors import BadInput
from bot.models import Release, Show
from bot.planner import (
    LATE_AFTER,
    LOOKBACK,
    ChannelConfig,
    DueSlot,
    GuildConfig,
    Item,
    Kinds,
    collapse,
    nonce_for,
    plan,
    release_window,
)
from bot.render_announce import item_embed, list_embed, post_content, preview_embeds, split_embeds, test_embed
from bot.store import Store
from bot.store.announcements import Claim, Delivery, Finish

log = logging.getLogger(__name__)

Embed = dict[str, Any]

# Discord permission names the bot needs in an announcement channel.
NEEDED = ("view_channel", "send_messages", "embed_links")
NEEDED_FOR_THREADS = ("create_public_threads", "send_messages_in_threads", "read_message_history")
PERMISSION_LABELS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
    "read_message_history": "Read Message History",
    "manage_messages": "Manage Messages",
}
NONCE_WINDOW = timedelta(minutes=4)  # Discord remembers a nonce for "a few minutes"
MAX_FILTER_ITEMS = 25
WATERMARK_KEY = "announcements_ran_at"  # the last full run: where a run after downtime looks back to


# -- the port to Discord -------------------------------------------------------------------------


class DeliveryError(Exception):
    """A post could not be delivered; ``reason`` is one short line for the ledger and admins."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChannelBroken(DeliveryError):
    """The channel is gone or the bot lost a permission there (403 50013/50001, 404 10003)."""


class TransientDeliveryError(DeliveryError):
    """A server error or a timeout: worth a bounded retry."""


@dataclass(frozen=True, slots=True)
class Post:
    channel_id: int
    content: str
    embeds: list[Embed]
    role_id: int | None  # the only mention the message may ping
    nonce: str | None
    thread_name: str | None = None


class Poster(Protocol):
    async def send(self, post: Post) -> int: ...  # the message id; raises DeliveryError
    async def publish(self, channel_id: int, message_id: int) -> None: ...
    async def open_thread(self, channel_id: int, message_id: int, name: str) -> None: ...
    async def notify_owner(self, guild_id: int, channel_id: int, reason: str) -> None: ...
    async def find_recent(self, post: Post) -> int | None: ...  # a message already carrying this post


class RateLimiter:
    """Paces calls to at most ``rate`` per second across every task (no bursts, no storms)."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self.rate:
            async with self._lock:
                loop = asyncio.get_running_loop()
                now = loop.time()
                slot = max(now, self._next)
                self._next = slot + 1.0 / self.rate
            if slot > now:
                await asyncio.sleep(slot - now)
        yield

    def rate_limited(self, *, global_: bool, retry_after: float | None) -> None:
        return None


class AdaptiveLimiter:
    """Unpaced until Discord answers a global 429, then paced just under its global limit.

    Discord lets a bot make ``ceiling`` requests per second over all routes, and every request
    counts (a post, a crosspost, a thread). A fixed pace under it wastes what a server with a
    higher limit (or none) allows, so a run starts unpaced: up to ``burst`` requests at once;
    past that, requests go one at a time, each answer seen before the next request, so at most
    one request can cross the limit. Then either

    * a global 429 comes back (reported by :meth:`rate_limited`): from then on requests are
      paced at ``rate`` per second, measured from when each one really went (no catch-up
      bursts after a stall), starting once the limit has reset; or
    * more than twice the ceiling are answered within one second, which no limited server
      allows: unpaced from then on; or
    * neither within ``careful_for`` seconds (a slow link): paced, to be safe.

    After ``idle`` seconds with nothing in flight it starts over. No discord here: the Discord
    adapter calls :meth:`rate_limited` from its HTTP trace.
    """

    PROBING, PACED, FREE = "probing", "paced", "free"

    def __init__(
        self,
        ceiling: int = 50,
        rate: float = 48.0,
        *,
        burst: int | None = None,
        window: float = 1.0,
        careful_for: float = 1.0,
        idle: float = 10.0,
    ) -> None:
        self.ceiling = ceiling
        self.rate = rate
        self.burst = burst if burst is not None else max(1, ceiling - 5)
        self.window = window
        self.careful_for = careful_for
        self.idle = idle
        self.global_429s = 0
        self._reset()
        self._in_flight = 0
        self._last = float("-inf")
        self._careful = asyncio.Lock()
        self._pace = asyncio.Lock()

    def _reset(self) -> None:
        self.mode = self.PROBING
        self._sent = 0
        self._ok: deque[float] = deque()  # send times of requests answered without a global 429
        self._careful_since: float | None = None
        self._next = 0.0
        self._recent: deque[float] = deque(maxlen=max(1, int(self.rate * self.window)))  # paced sends

    def rate_limited(self, *, global_: bool, retry_after: float | None) -> None:
        """Discord answered 429. A global one switches to pacing, after the limit resets."""
        if not global_:
            return
        self.global_429s += 1
        now = asyncio.get_running_loop().time()
        if self.mode != self.PACED:
            log.info("Discord's global rate limit reached: pacing at %.0f requests/s", self.rate)
        self.mode = self.PACED
        wait = self.window if retry_after is None else retry_after + 0.05
        self._next = max(self._next, now + wait)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._in_flight == 0 and now - self._last > self.idle and self.mode != self.PROBING:
            self._reset()
        careful = False
        if self.mode == self.PROBING and (self._careful_since is not None or self._sent >= self.burst):
            await self._careful.acquire()
            careful = True
            now = loop.time()
            if self.mode == self.PROBING:
                if self._careful_since is None:
                    self._careful_since = now
                elif now - self._careful_since > self.careful_for:
                    self.mode = self.PACED
            if self.mode != self.PROBING:
                self._careful.release()
                careful = False
        if self.mode == self.PACED:
            await self._paced(loop)
        sent_at = loop.time()
        self._sent += 1
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._last = loop.time()
            if self.mode == self.PROBING:
                self._ok.append(sent_at)
                while self._ok and self._ok[0] < self._last - self.window:
                    self._ok.popleft()
                if len(self._ok) > 2 * self.ceiling:
                    log.info("no global rate limit in sight: posting unpaced")
                    self.mode = self.FREE
            if careful:
                self._careful.release()

    async def _paced(self, loop: asyncio.AbstractEventLoop) -> None:
        """Slots on a steady grid of 1/rate (late wake-ups do not slow the pace down), with at
        most ``rate`` requests in any one-second window (a stall is not followed by a burst)."""
        interval = 1.0 / self.rate
        async with self._pace:
            while True:
                now = loop.time()
                wait = self._next - now
                if len(self._recent) == self._recent.maxlen:
                    wait = max(wait, self._recent[0] + self.window - now)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self._next = max(self._next, now - interval) + interval
            self._recent.append(now)


class _Unlimited:
    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        yield

    def rate_limited(self, *, global_: bool, retry_after: float | None) -> None:
        return None


@dataclass(slots=True)
class RunReport:
    sent: int = 0  # releases announced (a grouped post counts each release)
    late: int = 0
    skipped: int = 0
    failed: int = 0
    messages: int = 0
    broken: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sent or self.skipped or self.failed or self.broken)


@dataclass(frozen=True, slots=True)
class Overview:
    guild: GuildConfig
    channels: list[ChannelConfig]
    upcoming: list[DueSlot]
    show_titles: dict[str, str]

    def embed(self) -> Embed:
        return list_embed(self.guild, self.channels, self.upcoming, self.show_titles)


# -- parsing admin input (pure) ------------------------------------------------------------------


def parse_zone(text: str) -> str:
    name = (text or "").strip()
    try:
        ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError on odd keys
        raise BadInput(
            f"“{name[:60]}” is not a time zone I know: use an IANA name such as Europe/Paris."
        ) from None
    return name


def parse_post_time(text: str) -> time:
    s = (text or "").strip()
    try:
        h, m = s.split(":")
        if len(m) != 2 or not h.isdigit() or not m.isdigit():
            raise ValueError
        return time(int(h), int(m))
    except ValueError:
        raise BadInput(f"“{s[:20]}” is not a time: use 24-hour HH:MM, for example 09:00 or 18:30.") from None


def parse_list(text: str | None) -> list[str]:
    items = [p.strip() for p in (text or "").split(",")]
    items = [p for p in items if p]
    if len(items) > MAX_FILTER_ITEMS:
        raise BadInput(f"Give at most {MAX_FILTER_ITEMS} items, separated by commas.")
    return list(dict.fromkeys(items))


_ZONES: list[str] | None = None


def zone_choices(text: str, limit: int = 25) -> list[str]:
    """Autocomplete for IANA zones: curated defaults for empty input, else substring matches."""
    global _ZONES
    if _ZONES is None:
        _ZONES = sorted(
            z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
        )
        _ZONES.append("UTC")
    needle = (text or "").strip().casefold().replace(" ", "_")
    if not needle:
        return [
            "UTC",
            "Europe/London",
            "Europe/Paris",
            "America/New_York",
            "America/Los_Angeles",
            "America/Sao_Paulo",
            "Asia/Seoul",
            "Asia/Tokyo",
            "Asia/Kolkata",
            "Australia/Sydney",
        ][:limit]
    starts = [
        z for z in _ZONES if z.casefold().split("/")[-1].startswith(needle) or z.casefold().startswith(needle)
    ]
    inside = [z for z in _ZONES if needle in z.casefold() and z not in starts]
    return (starts + inside)[:limit]


def missing_permissions(granted: Mapping[str, bool], *, threads: bool = False) -> list[str]:
    """Readable names of the permissions the bot lacks in a channel, in a stable order."""
    needed = NEEDED + (NEEDED_FOR_THREADS if threads else ())
    return [PERMISSION_LABELS[p] for p in needed if not granted.get(p, False)]


# -- the service ---------------------------------------------------------------------------------


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
        retries: int = 3,
        backoff: float = 1.0,
        send_timeout: float = 30.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.clock = clock
        self.poster = poster
        self.grace = grace
        self.horizon = horizon
        self.retries = max(1, retries)
        self.backoff = backoff
        self.send_timeout = send_timeout
        self._sleep = sleep
        self.concurrency = max(1, concurrency)
        # "adaptive": unpaced until Discord's global limit answers, then just under it;
        # a number: a fixed pace; None: unpaced (tests).
        self.limiter: RateLimiter | AdaptiveLimiter | _Unlimited = (
            AdaptiveLimiter()
            if rate_per_second == "adaptive"
            else _Unlimited()
            if rate_per_second is None
            else RateLimiter(float(rate_per_second))
        )
        self._run_lock = asyncio.Lock()  # one run at a time: the ledger is settled between runs
        self._listeners: list[Callable[[], Awaitable[None]]] = []

    def attach(self, poster: Poster) -> None:
        self.poster = poster

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

    # -- configuration ---------------------------------------------------------------------------

    async def add_channel(
        self,
        guild_id: int,
        channel_id: int,
        *,
        role_id: int | None = None,
        platforms: Iterable[str] = (),
        shows: Iterable[str] = (),
        kinds: Kinds = Kinds.BOTH,
        threads: bool = False,
        publish: bool = False,
    ) -> ChannelConfig:
        if role_id is not None and role_id == guild_id:
            raise BadInput(
                "I never ping @everyone: pick a role made for release news (for example @Premieres), "
                "or leave the role out."
            )
        existing = await self.store.announce_channel(channel_id)
        config = ChannelConfig(
            channel_id=channel_id,
            guild_id=guild_id,
            added_at=existing.added_at if existing and existing.guild_id == guild_id else self.clock(),
            role_id=role_id,
            platforms=tuple(sorted({p.casefold() for p in platforms})),
            shows=tuple(sorted(set(shows))),
            kinds=kinds,
            threads=threads,
            publish=publish,
        )
        saved = await self.store.upsert_announce_channel(config)
        await self.changed()
        return saved

    async def remove_channel(self, guild_id: int, channel_id: int) -> None:
        if not await self.store.remove_announce_channel(channel_id, guild_id):
            raise BadInput(f"<#{channel_id}> does not receive announcements; see `/announce list`.")
        await self.changed()

    async def set_zone(self, guild_id: int, zone: str) -> GuildConfig:
        g = await self.store.update_announce_guild(guild_id, zone=parse_zone(zone))
        await self.changed()
        return g

    async def set_post_time(self, guild_id: int, text: str) -> GuildConfig:
        g = await self.store.update_announce_guild(guild_id, post_time=parse_post_time(text))
        await self.changed()
        return g

    async def set_paused(self, guild_id: int, paused: bool) -> GuildConfig:
        g = await self.store.update_announce_guild(guild_id, paused=paused)
        await self.changed()
        return g

    async def overview(self, guild_id: int, now: datetime | None = None) -> Overview:
        now = now or self.clock()
        guild = await self.store.announce_guild(guild_id) or GuildConfig(guild_id)
        channels = await self.store.announce_channels(guild_id)
        upcoming = [s for s in await self._plan(now, channels, {guild_id: guild}) if s.due > now]
        titles = {}
        if upcoming:
            shows = await self.store.get_shows(i.show_id for s in upcoming for i in s.items)
            titles = {k: v.title for k, v in shows.items()}
        return Overview(guild, channels, upcoming, titles)

    async def preview(self, show: Show, now: datetime | None = None) -> list[Embed]:
        """The announcement embeds for a show's next dated releases (or its latest ones)."""
        now = now or self.clock()
        releases = [r for r in await self.store.get_releases(show.id) if r.when.instant is not None]
        ahead = [r for r in releases if r.when.instant and r.when.instant + timedelta(days=1) > now]
        chosen = ahead or releases[-1:]
        items = collapse(chosen)
        if not items:
            return preview_embeds(show, [])
        return [item_embed(item, show) for item in items[:10]]

    async def send_test(self, channel_id: int, channel_name: str, role_id: int | None) -> int:
        """A sample post now, pinging nobody. Raises DeliveryError for the admin to read."""
        if self.poster is None:
            raise DeliveryError("the bot is not connected yet")
        text = "Test post from Premiere." + (" Real posts will ping the role below." if role_id else "")
        post = Post(channel_id, text, [test_embed(channel_name, role_id, self.clock())], None, None)
        async with self.limiter.slot():
            return await self.poster.send(post)

    # -- planning --------------------------------------------------------------------------------

    async def lookback(self, now: datetime) -> timedelta:
        """How far back a run must look: a week, or back to the last run before a longer downtime,
        so that every missed post is sent late or recorded as skipped, never silently dropped."""
        mark = await self.store.get_meta(WATERMARK_KEY)
        if not mark:
            return LOOKBACK
        return max(LOOKBACK, now - datetime.fromisoformat(mark) + timedelta(days=1))

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
        channels = await self.store.announce_channels()
        if channel_ids is not None:
            wanted = set(channel_ids)
            channels = [c for c in channels if c.channel_id in wanted]
        return await self._plan(now, channels, None, lookback, horizon, all_channels=channel_ids is None)

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
        channels = [c for c in channels if c.healthy]
        if not channels:
            return []
        horizon = self.horizon if horizon is None else horizon
        start, end = release_window(now, horizon, lookback)
        releases = await self.store.dated_releases_between(start, end)
        if not releases:
            return []
        if guilds is None:
            guilds = await self.store.announce_guilds()
        done = await self.store.delivered_keys(
            now - lookback - timedelta(days=1),
            None if all_channels else [c.channel_id for c in channels],
            release_ids=[r.id for r in releases],
        )
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
        )

    # -- delivery --------------------------------------------------------------------------------

    async def run_due(
        self, now: datetime | None = None, *, channel_ids: Iterable[int] | None = None
    ) -> RunReport:
        """Post everything due at ``now``: pending posts again, then new ones; record the rest.

        Safe to call at any time and from several tasks at once: runs take turns, so each one
        starts from a settled ledger, and a claim in the ledger decides who sends what.
        Cancelling a run (shutdown) is safe: what it claimed and did not confirm stays pending
        and is sent again, with the same nonce, by the next run.
        """
        now = now or self.clock()
        ids = None if channel_ids is None else list(channel_ids)
        async with self._run_lock:
            report = RunReport()
            ledger = _Ledger(self.store, now)
            try:
                await self._run(now, ids, report, ledger)
            finally:
                # Confirm what was sent, even when cancelled (shutdown): fewer posts to send again.
                try:
                    await asyncio.wait_for(ledger.flush(), 5)
                except Exception:
                    log.warning("could not confirm %d posts in the ledger; they stay pending", len(ledger), exc_info=True)
            if ids is None:
                await self.store.set_meta(WATERMARK_KEY, now.isoformat())
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
        return report

    async def _run(self, now: datetime, ids: list[int] | None, report: RunReport, ledger: _Ledger) -> None:
        pending = await self.store.pending_deliveries(ids)
        lookback = await self.lookback(now) if ids is None else LOOKBACK
        channels = await self.store.announce_channels()
        if ids is not None:
            wanted = set(ids)
            channels = [c for c in channels if c.channel_id in wanted]
        by_id = {c.channel_id: c for c in channels}
        guilds = dict(await self.store.announce_guilds())
        slots = await self._plan(now, channels, guilds, lookback, timedelta(0), all_channels=ids is None)
        slots = [s for s in slots if s.due <= now]
        stopped: set[int] = set()
        # 1. Posts claimed before a crash or restart: again, with the same nonce (rare: per channel).
        if pending:
            rows_by_channel: dict[int, list[Delivery]] = defaultdict(list)
            for row in pending:
                rows_by_channel[row.channel_id].append(row)
            pool = _Pool(self.concurrency)
            try:
                for cid, rows in rows_by_channel.items():
                    await pool.spawn(
                        partial(
                            self._guarded,
                            cid,
                            partial(self._pending_channel, by_id.get(cid), cid, rows, now, report, ledger, stopped),
                        )
                    )
                await pool.join()
            finally:
                await pool.cancel()
        # 2. New posts. Each channel's posts go in due order, one step (a message, or a record of
        # what is skipped) per round; a channel that turns out broken takes no further step.
        queues: dict[int, deque[_Step]] = {}
        shows = await self.store.get_shows({i.show_id for s in slots for i in s.items}) if slots else {}
        render = _Renderer(shows)
        for slot in slots:
            channel = by_id.get(slot.channel_id)
            if channel is None or slot.channel_id in stopped:
                continue
            guild = guilds.get(channel.guild_id) or GuildConfig(channel.guild_id)
            queues.setdefault(slot.channel_id, deque()).extend(self._steps(channel, guild, slot, now, render))
        while queues:
            steps = [(queues[cid].popleft()) for cid in queues]
            queues = {cid: q for cid, q in queues.items() if q}
            broken = await self._round(steps, now, report, ledger, render)
            for cid in broken:
                queues.pop(cid, None)

    async def _guarded(self, channel_id: int, make: Callable[[], Awaitable[object]]) -> None:
        try:
            await make()
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a crash stand-in in tests, or a bug: the others go on
            log.error("announcements for channel %s failed", channel_id, exc_info=exc)

    async def _pending_channel(
        self,
        channel: ChannelConfig | None,
        channel_id: int,
        pending: list[Delivery],
        now: datetime,
        report: RunReport,
        ledger: _Ledger,
        stopped: set[int],
    ) -> None:
        if channel is None or not channel.healthy:
            stopped.add(channel_id)
            why = "channel removed" if channel is None else f"channel broken: {channel.broken_reason}"
            for nonce in dict.fromkeys(r.nonce for r in pending):
                report.failed += sum(1 for r in pending if r.nonce == nonce)
                ledger.add(Finish(channel_id, nonce, "failed", reason=why))
            await ledger.maybe_flush()
            return
        if not await self._resend_pending(channel, pending, now, report, ledger):
            stopped.add(channel_id)

    def _steps(
        self, channel: ChannelConfig, guild: GuildConfig, slot: DueSlot, now: datetime, render: _Renderer
    ) -> list[_Step]:
        overdue = now - slot.due
        if overdue > self.grace or guild.paused:
            reason = (
                "announcements were paused"
                if guild.paused
                else f"missed by {_hours(overdue)}, beyond the {_hours(self.grace)} grace window"
            )
            return [_Step(channel, slot, slot.items, False, 0, skip=reason)]
        late = overdue > LATE_AFTER
        return [
            _Step(channel, slot, tuple(slot.items[i] for i in part), late, index)
            for index, part in enumerate(render.parts(slot.items, late))
        ]

    async def _round(
        self, steps: list[_Step], now: datetime, report: RunReport, ledger: _Ledger, render: _Renderer
    ) -> set[int]:
        """One step for each of many channels: claims in batches, sends with bounded concurrency."""
        broken: set[int] = set()
        skips = [s for s in steps if s.skip]
        if skips:
            claims = [
                Claim(s.channel.channel_id, s.channel.guild_id, ids, s.slot.due, nonce_for(s.channel.channel_id, ids),
                      False, "skipped", s.skip)
                for s in skips
                for ids in [tuple(rid for i in s.items for rid in i.release_ids)]
            ]
            got = await self.store.claim_many(claims, now=now)
            for s, c in zip(skips, claims, strict=True):
                n = sum(1 for rid in c.release_ids if (c.channel_id, rid) in got)
                if n:
                    report.skipped += n
                    log.warning(
                        "skipped %d releases in channel %s due %s: %s", n, c.channel_id, s.slot.due, s.skip
                    )
        posts = [s for s in steps if not s.skip]
        if not posts:
            return broken
        pool = _Pool(self.concurrency)
        try:
            for start in range(0, len(posts), _CHUNK):
                chunk = posts[start : start + _CHUNK]
                claims = []
                for s in chunk:
                    ids = tuple(rid for i in s.items for rid in i.release_ids)
                    cid = s.channel.channel_id
                    claims.append(Claim(cid, s.channel.guild_id, ids, s.slot.due, nonce_for(cid, ids), s.late))
                got = await self.store.claim_many(claims, now=now)
                for s, c in zip(chunk, claims, strict=True):
                    claimed = {rid for rid in c.release_ids if (c.channel_id, rid) in got}
                    if not claimed:
                        continue
                    kept = [i for i in s.items if all(r.id in claimed for r in i.releases)]
                    if len(kept) != len(s.items):
                        kept = [Item(i.show_id, tuple(r for r in i.releases if r.id in claimed)) for i in s.items]
                        kept = [i for i in kept if i.releases]
                    post = self._make_post(s.channel, kept, s.late, c.nonce, render, ping=s.index == 0)
                    await pool.spawn(
                        partial(
                            self._guarded,
                            c.channel_id,
                            partial(self._deliver_step, s.channel, post, len(claimed), s.late, now, report, ledger, broken),
                        )
                    )
            await pool.join()
        finally:
            await pool.cancel()
        return broken

    async def _deliver_step(
        self,
        channel: ChannelConfig,
        post: Post,
        count: int,
        late: bool,
        now: datetime,
        report: RunReport,
        ledger: _Ledger,
        broken: set[int],
    ) -> None:
        if not await self._deliver(channel, post, count, late, now, report, ledger):
            broken.add(channel.channel_id)

    def _make_post(
        self, channel: ChannelConfig, items: Sequence[Item], late: bool, nonce: str, render: _Renderer, *, ping: bool
    ) -> Post:
        embeds = render.embeds(items, late)
        thread = None
        if channel.threads:
            first = render.shows.get(items[0].show_id) if items else None
            thread = (first.title if first else "Release") if len(items) == 1 else f"{len(items)} new releases"
            thread = thread[:100]
        role_id = channel.role_id if ping else None
        return Post(
            channel.channel_id,
            post_content(role_id, len(items), continued=not ping),
            embeds,
            role_id,
            nonce,
            thread,
        )

    async def _resend_pending(
        self, channel: ChannelConfig, rows: list[Delivery], now: datetime, report: RunReport, ledger: _Ledger
    ) -> bool:
        by_nonce: dict[str, list[Delivery]] = defaultdict(list)
        for row in rows:
            by_nonce[row.nonce].append(row)
        for nonce in by_nonce:
            # Re-read under the channel lock: another task may have finished it meanwhile.
            fresh = [d for d in await self.store.pending_deliveries([channel.channel_id]) if d.nonce == nonce]
            if not fresh:
                continue
            releases = await self.store.releases_by_ids(d.release_id for d in fresh)
            missing = [d.release_id for d in fresh if d.release_id not in releases]
            if missing and len(missing) == len(fresh):
                report.failed += len(fresh)
                ledger.add(Finish(channel.channel_id, nonce, "failed", reason="release no longer in the catalogue"))
                continue
            late = any(d.late for d in fresh)
            items = collapse(list(releases.values()))
            post = await self._post(channel, items, late, nonce, ping=await self._first_part(channel, fresh))
            post = Post(
                post.channel_id, post.content, post.embeds[:10], post.role_id, nonce, post.thread_name
            )
            if now - min(d.claimed_at for d in fresh) > NONCE_WINDOW and self.poster is not None:
                try:
                    async with self.limiter.slot():
                        found = await self.poster.find_recent(post)
                except Exception:
                    log.warning("could not look for an earlier copy of a pending post", exc_info=True)
                    found = None
                if found:
                    ledger.add(Finish(channel.channel_id, nonce, "sent", message_id=found))
                    report.sent += len(fresh)
                    continue
            log.info(
                "re-sending pending post %s in channel %s (%d releases)",
                nonce,
                channel.channel_id,
                len(fresh),
            )
            if not await self._deliver(channel, post, len(fresh), late, now, report, ledger):
                return False
        return True

    async def _first_part(self, channel: ChannelConfig, rows: list[Delivery]) -> bool:
        """Whether a pending post was the first (pinging) message of its channel and minute."""
        same_minute = await self.store.deliveries(channel.channel_id, due=rows[0].due)
        releases = await self.store.releases_by_ids(d.release_id for d in same_minute)
        items = collapse(list(releases.values()))
        return not items or bool(set(items[0].release_ids) & {d.release_id for d in rows})

    async def _post(
        self,
        channel: ChannelConfig,
        items: Sequence[Item],
        late: bool,
        nonce: str,
        shows: dict[str, Show] | None = None,
        *,
        ping: bool = True,
    ) -> Post:
        if shows is None:
            shows = await self.store.get_shows(i.show_id for i in items)
        return self._make_post(channel, items, late, nonce, _Renderer(shows), ping=ping)

    async def _deliver(
        self,
        channel: ChannelConfig,
        post: Post,
        count: int,
        late: bool,
        now: datetime,
        report: RunReport,
        ledger: _Ledger,
    ) -> bool:
        """Send one claimed post. False when the channel turned out broken (stop serving it).

        Its outcome goes to ``ledger`` (written in batches): a post sent but not yet confirmed
        there when the process dies is pending, and is sent again with the same nonce."""
        assert post.nonce is not None
        cid = channel.channel_id
        if self.poster is None:
            log.warning("no poster attached; post %s stays pending", post.nonce)
            return False
        message_id: int | None = None
        for attempt in range(1, self.retries + 1):
            try:
                async with self.limiter.slot():
                    message_id = await asyncio.wait_for(self.poster.send(post), self.send_timeout)
                break
            except ChannelBroken as exc:
                report.failed += count
                ledger.add(Finish(cid, post.nonce, "failed", reason=exc.reason))
                await ledger.flush()
                await self._break(channel, exc.reason, now, report)
                return False
            except (TransientDeliveryError, TimeoutError) as exc:
                reason = exc.reason if isinstance(exc, DeliveryError) else "Discord did not answer in time"
                await self.store.count_attempt(cid, post.nonce, now)
                if attempt >= self.retries:
                    log.error(
                        "gave up on post %s in channel %s after %d tries: %s",
                        post.nonce,
                        cid,
                        attempt,
                        reason,
                    )
                    report.failed += count
                    ledger.add(Finish(cid, post.nonce, "failed", reason=f"gave up after {attempt} tries: {reason}"))
                    await ledger.maybe_flush()
                    return True
                delay = self.backoff * 2 ** (attempt - 1)
                log.warning(
                    "post %s in channel %s: %s; retry %d in %.1f s", post.nonce, cid, reason, attempt, delay
                )
                await self._sleep(delay)
            except DeliveryError as exc:
                log.error("post %s in channel %s refused: %s", post.nonce, cid, exc.reason)
                report.failed += count
                ledger.add(Finish(cid, post.nonce, "failed", reason=exc.reason))
                await ledger.maybe_flush()
                return True
            except Exception as exc:
                log.exception("post %s in channel %s failed", post.nonce, cid)
                report.failed += count
                ledger.add(Finish(cid, post.nonce, "failed", reason=f"unexpected error: {type(exc).__name__}"))
                await ledger.maybe_flush()
                return True
        assert message_id is not None
        # Extras are best effort; they run before the ledger says "sent", so a crash here is
        # followed by a re-send that returns the same message and tries them again.
        if channel.publish:
            await self._extra("publish", self.poster.publish(cid, message_id))
        if channel.threads and post.thread_name:
            await self._extra("thread", self.poster.open_thread(cid, message_id, post.thread_name))
        ledger.add(Finish(cid, post.nonce, "sent", message_id=message_id))
        report.sent += count
        report.late += count if late else 0
        report.messages += 1
        await ledger.maybe_flush()
        return True

    async def _extra(self, what: str, call: Awaitable[None]) -> None:
        try:
            async with self.limiter.slot():
                await asyncio.wait_for(call, self.send_timeout)
        except Exception:
            log.warning("could not %s an announcement", what, exc_info=True)

    async def _break(self, channel: ChannelConfig, reason: str, now: datetime, report: RunReport) -> None:
        report.broken.append(channel.channel_id)
        if not await self.store.mark_channel_broken(channel.channel_id, reason, now):
            return
        log.warning(
            "channel %s is broken (%s); its posts stop until an admin adds it again",
            channel.channel_id,
            reason,
        )
        if self.poster is None:
            return
        try:
            async with self.limiter.slot():
                await asyncio.wait_for(
                    self.poster.notify_owner(channel.guild_id, channel.channel_id, reason), 30
                )
            await self.store.mark_owner_notified(channel.channel_id)
        except Exception:
            log.warning(
                "could not tell the owner of guild %s about a broken channel", channel.guild_id, exc_info=True
            )


_CHUNK = 256  # posts claimed per statement, just ahead of sending them


class _Ledger:
    """Outcomes of posts, written to the ledger in batches (one transaction per batch)."""

    def __init__(self, store: Store, now: datetime, *, size: int = 256, every: float = 0.25) -> None:
        self.store = store
        self.now = now
        self.size = size
        self.every = every
        self._buffer: list[Finish] = []
        self._last = asyncio.get_running_loop().time()

    def add(self, finish: Finish) -> None:
        self._buffer.append(finish)

    def __len__(self) -> int:
        return len(self._buffer)

    async def maybe_flush(self) -> None:
        if len(self._buffer) >= self.size or asyncio.get_running_loop().time() - self._last >= self.every:
            await self.flush()

    async def flush(self) -> None:
        self._last = asyncio.get_running_loop().time()
        batch, self._buffer = self._buffer, []
        if batch:
            try:
                await self.store.finish_many(batch, now=self.now)
            except BaseException:
                self._buffer[:0] = batch  # kept for the next flush; pending rows are re-sent anyway
                raise


class _Pool:
    """At most ``size`` tasks at once; ``spawn`` waits for room. ``cancel`` stops the rest."""

    def __init__(self, size: int) -> None:
        self._room = asyncio.Semaphore(size)
        self._tasks: set[asyncio.Task[None]] = set()

    async def spawn(self, make: Callable[[], Coroutine[Any, Any, None]]) -> None:
        await self._room.acquire()
        task = asyncio.ensure_future(make())
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._room.release()

    async def join(self) -> None:
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    async def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class _Step:
    """One message of a slot in one channel (``index`` 0 pings), or the record of a skipped slot."""

    channel: ChannelConfig
    slot: DueSlot
    items: tuple[Item, ...]
    late: bool
    index: int
    skip: str | None = None


class _Renderer:
    """Embeds and splits, made once per item and shared by every channel that posts them."""

    def __init__(self, shows: Mapping[str, Show]) -> None:
        self.shows = shows
        self._embeds: dict[tuple[tuple[str, ...], bool], Embed] = {}
        self._parts: dict[tuple[tuple[tuple[str, ...], ...], bool], list[list[int]]] = {}

    def embed(self, item: Item, late: bool) -> Embed:
        key = (item.release_ids, late)
        e = self._embeds.get(key)
        if e is None:
            e = self._embeds[key] = item_embed(item, self.shows.get(item.show_id), late=late)
        return e

    def embeds(self, items: Sequence[Item], late: bool) -> list[Embed]:
        return [self.embed(i, late) for i in items]

    def parts(self, items: Sequence[Item], late: bool) -> list[list[int]]:
        key = (tuple(i.release_ids for i in items), late)
        p = self._parts.get(key)
        if p is None:
            p = self._parts[key] = split_embeds(self.embeds(items, late))
        return p


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


__all__ = [
    "AdaptiveLimiter",
    "AnnouncementService",
    "ChannelBroken",
    "DeliveryError",
    "Kinds",
    "Post",
    "Poster",
    "RateLimiter",
    "RunReport",
    "TransientDeliveryError",
    "missing_permissions",
    "parse_post_time",
    "parse_zone",
    "zone_choices",
    "Release",
]
