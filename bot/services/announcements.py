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
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Protocol
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
from bot.store.announcements import Delivery

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

    async def __aenter__(self) -> None:
        if not self.rate:
            return
        async with self._lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            slot = max(now, self._next)
            self._next = slot + 1.0 / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)

    async def __aexit__(self, *exc: object) -> None:
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
        concurrency: int = 16,
        rate_per_second: float | None = 40.0,
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
        self._semaphore = asyncio.Semaphore(max(1, concurrency))
        self.limiter = RateLimiter(rate_per_second)
        self._channel_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._listeners: list[Callable[[], Awaitable[None]]] = []

    def attach(self, poster: Poster) -> None:
        self.poster = poster

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
        ids = [c.channel_id for c in channels]
        upcoming = [s for s in await self.plan(now, channel_ids=ids) if s.due > now] if ids else []
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
        async with self.limiter:
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
    ) -> list[DueSlot]:
        """Every post not in the ledger yet, due from ``lookback`` ago to ``horizon`` ahead."""
        now = now or self.clock()
        channels = await self.store.announce_channels()
        if channel_ids is not None:
            wanted = set(channel_ids)
            channels = [c for c in channels if c.channel_id in wanted]
        if not channels:
            return []
        guilds = await self.store.announce_guilds()
        start, end = release_window(now, self.horizon, lookback)
        releases = await self.store.dated_releases_between(start, end)
        if not releases:
            return []
        done = await self.store.delivered_keys(
            now - lookback - timedelta(days=1), [c.channel_id for c in channels]
        )
        return plan(
            now,
            guilds,
            channels,
            releases,
            show_platforms=await self.store.show_platforms(),
            done=done,
            horizon=self.horizon,
            lookback=lookback,
        )

    # -- delivery --------------------------------------------------------------------------------

    async def run_due(
        self, now: datetime | None = None, *, channel_ids: Iterable[int] | None = None
    ) -> RunReport:
        """Post everything due at ``now``: pending posts again, then new ones; record the rest.

        Safe to call at any time and from several tasks at once: each channel is handled by one
        task at a time, and a claim in the ledger decides who sends what.
        """
        now = now or self.clock()
        ids = None if channel_ids is None else list(channel_ids)
        report = RunReport()
        pending = await self.store.pending_deliveries(ids)
        lookback = await self.lookback(now) if ids is None else LOOKBACK
        slots = [s for s in await self.plan(now, channel_ids=ids, lookback=lookback) if s.due <= now]
        work: dict[int, tuple[list[Delivery], list[DueSlot]]] = defaultdict(lambda: ([], []))
        for row in pending:
            work[row.channel_id][0].append(row)
        for slot in slots:
            work[slot.channel_id][1].append(slot)
        results = await asyncio.gather(
            *(
                self._run_channel(cid, rows, chan_slots, now, report)
                for cid, (rows, chan_slots) in work.items()
            ),
            return_exceptions=True,
        )
        for cid, result in zip(work, results, strict=True):
            if isinstance(result, BaseException):
                log.error("announcements for channel %s failed", cid, exc_info=result)
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

    async def _run_channel(
        self, channel_id: int, pending: list[Delivery], slots: list[DueSlot], now: datetime, report: RunReport
    ) -> None:
        async with self._semaphore, self._channel_locks[channel_id]:
            channel = await self.store.announce_channel(channel_id)
            if channel is None or not channel.healthy:
                for nonce in {r.nonce for r in pending}:
                    why = "channel removed" if channel is None else f"channel broken: {channel.broken_reason}"
                    report.failed += await self.store.finish_deliveries(
                        channel_id, nonce, "failed", now=now, reason=why
                    )
                return
            guild = await self.store.announce_guild(channel.guild_id) or GuildConfig(channel.guild_id)
            # 1. Posts claimed before a crash or restart: again, with the same nonce.
            if not await self._resend_pending(channel, pending, now, report):
                return
            # 2. New posts, in due order; stale pending rows were just handled, claims skip the rest.
            for slot in sorted(slots, key=lambda s: s.due):
                if not await self._run_slot(channel, guild, slot, now, report):
                    return

    async def _resend_pending(
        self, channel: ChannelConfig, rows: list[Delivery], now: datetime, report: RunReport
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
                report.failed += await self.store.finish_deliveries(
                    channel.channel_id, nonce, "failed", now=now, reason="release no longer in the catalogue"
                )
                continue
            late = any(d.late for d in fresh)
            items = collapse(list(releases.values()))
            post = await self._post(channel, items, late, nonce, ping=await self._first_part(channel, fresh))
            post = Post(
                post.channel_id, post.content, post.embeds[:10], post.role_id, nonce, post.thread_name
            )
            if now - min(d.claimed_at for d in fresh) > NONCE_WINDOW and self.poster is not None:
                try:
                    async with self.limiter:
                        found = await self.poster.find_recent(post)
                except Exception:
                    log.warning("could not look for an earlier copy of a pending post", exc_info=True)
                    found = None
                if found:
                    n = await self.store.finish_deliveries(
                        channel.channel_id, nonce, "sent", now=now, message_id=found
                    )
                    report.sent += n
                    continue
            log.info(
                "re-sending pending post %s in channel %s (%d releases)",
                nonce,
                channel.channel_id,
                len(fresh),
            )
            if not await self._deliver(channel, post, len(fresh), late, now, report):
                return False
        return True

    async def _first_part(self, channel: ChannelConfig, rows: list[Delivery]) -> bool:
        """Whether a pending post was the first (pinging) message of its channel and minute."""
        same_minute = await self.store.deliveries(channel.channel_id, due=rows[0].due)
        releases = await self.store.releases_by_ids(d.release_id for d in same_minute)
        items = collapse(list(releases.values()))
        return not items or bool(set(items[0].release_ids) & {d.release_id for d in rows})

    async def _run_slot(
        self, channel: ChannelConfig, guild: GuildConfig, slot: DueSlot, now: datetime, report: RunReport
    ) -> bool:
        cid = channel.channel_id
        overdue = now - slot.due
        if overdue > self.grace or guild.paused:
            reason = (
                "announcements were paused"
                if guild.paused
                else f"missed by {_hours(overdue)}, beyond the {_hours(self.grace)} grace window"
            )
            ids = list(slot.release_ids)
            claimed = await self.store.claim_deliveries(
                cid,
                channel.guild_id,
                ids,
                due=slot.due,
                nonce=nonce_for(cid, ids),
                late=False,
                now=now,
                state="skipped",
                reason=reason,
            )
            if claimed:
                report.skipped += len(claimed)
                log.warning(
                    "skipped %d releases in channel %s due %s: %s", len(claimed), cid, slot.due, reason
                )
            return True
        late = overdue > LATE_AFTER
        shows = await self.store.get_shows(i.show_id for i in slot.items)
        embeds = [item_embed(item, shows.get(item.show_id), late=late) for item in slot.items]
        for index, part in enumerate(split_embeds(embeds)):
            items = [slot.items[i] for i in part]
            ids = [rid for item in items for rid in item.release_ids]
            nonce = nonce_for(cid, ids)
            claimed = set(
                await self.store.claim_deliveries(
                    cid, channel.guild_id, ids, due=slot.due, nonce=nonce, late=late, now=now
                )
            )
            if not claimed:
                continue
            kept = [Item(i.show_id, tuple(r for r in i.releases if r.id in claimed)) for i in items]
            kept = [i for i in kept if i.releases]
            # Only the first message of a split post pings: one ping per channel and minute.
            post = await self._post(channel, kept, late, nonce, shows, ping=index == 0)
            if not await self._deliver(channel, post, len(claimed), late, now, report):
                return False
        return True

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
        embeds = [item_embed(i, shows.get(i.show_id), late=late) for i in items]
        first = shows.get(items[0].show_id) if items else None
        thread = None
        if channel.threads:
            thread = (
                (first.title if first else "Release") if len(items) == 1 else f"{len(items)} new releases"
            )
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

    async def _deliver(
        self, channel: ChannelConfig, post: Post, count: int, late: bool, now: datetime, report: RunReport
    ) -> bool:
        """Send one claimed post. False when the channel turned out broken (stop serving it)."""
        assert post.nonce is not None
        cid = channel.channel_id
        if self.poster is None:
            log.warning("no poster attached; post %s stays pending", post.nonce)
            return False
        message_id: int | None = None
        for attempt in range(1, self.retries + 1):
            try:
                async with self.limiter:
                    message_id = await asyncio.wait_for(self.poster.send(post), self.send_timeout)
                break
            except ChannelBroken as exc:
                report.failed += await self.store.finish_deliveries(
                    cid, post.nonce, "failed", now=now, reason=exc.reason
                )
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
                    report.failed += await self.store.finish_deliveries(
                        cid, post.nonce, "failed", now=now, reason=f"gave up after {attempt} tries: {reason}"
                    )
                    return True
                delay = self.backoff * 2 ** (attempt - 1)
                log.warning(
                    "post %s in channel %s: %s; retry %d in %.1f s", post.nonce, cid, reason, attempt, delay
                )
                await self._sleep(delay)
            except DeliveryError as exc:
                log.error("post %s in channel %s refused: %s", post.nonce, cid, exc.reason)
                report.failed += await self.store.finish_deliveries(
                    cid, post.nonce, "failed", now=now, reason=exc.reason
                )
                return True
            except Exception as exc:
                log.exception("post %s in channel %s failed", post.nonce, cid)
                report.failed += await self.store.finish_deliveries(
                    cid, post.nonce, "failed", now=now, reason=f"unexpected error: {type(exc).__name__}"
                )
                return True
        assert message_id is not None
        # Extras are best effort; they run before the ledger says "sent", so a crash here is
        # followed by a re-send that returns the same message and tries them again.
        if channel.publish:
            await self._extra("publish", self.poster.publish(cid, message_id))
        if channel.threads and post.thread_name:
            await self._extra("thread", self.poster.open_thread(cid, message_id, post.thread_name))
        n = await self.store.finish_deliveries(cid, post.nonce, "sent", now=now, message_id=message_id)
        report.sent += n
        report.late += n if late else 0
        report.messages += 1
        return True

    async def _extra(self, what: str, call: Awaitable[None]) -> None:
        try:
            async with self.limiter:
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
            async with self.limiter:
                await asyncio.wait_for(
                    self.poster.notify_owner(channel.guild_id, channel.channel_id, reason), 30
                )
            await self.store.mark_owner_notified(channel.channel_id)
        except Exception:
            log.warning(
                "could not tell the owner of guild %s about a broken channel", channel.guild_id, exc_info=True
            )


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


__all__ = [
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
