"""Pure planning of release announcements: which post is due in which channel, and when.

No I/O, no clock and no discord here: every function takes ``now`` and plain data, so the maths
(exact vs date-only in the guild's zone, DST, kinds filters, grouping, job ids, nonces) is
tested directly. The service feeds it from the store; the scheduler turns slots into jobs.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.announce.models import DEFAULT_POST_TIME, ChannelConfig, GuildConfig, Kinds
from bot.models import Precision, Release, Scope

NONCE_MAX = 25  # Discord's limit for a message nonce
LOOKBACK = timedelta(days=7)  # how far back a plan looks for missed posts (>= the largest grace)
LATE_AFTER = timedelta(minutes=2)  # a post sent later than this after its due minute is "late"
REMINDER_GRACE = timedelta(minutes=10)  # a reminder is sent up to this late, then never
MAX_LEAD = timedelta(days=7)  # the longest reminder ahead of a release


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a post: one release, or a streaming drop of several episodes at once."""

    show_id: str
    releases: tuple[Release, ...]

    @property
    def release_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.releases)

    @property
    def is_premiere(self) -> bool:
        return any(r.is_premiere for r in self.releases)

    @property
    def platform(self) -> str | None:
        return self.releases[0].platform


@dataclass(frozen=True, slots=True)
class DueSlot:
    """Everything due in one channel at one minute: one post (split only by Discord's limits).

    ``lead`` > 0 makes it a reminder, that many minutes before its releases are due."""

    channel_id: int
    guild_id: int
    due: datetime
    items: tuple[Item, ...] = field(default_factory=tuple)
    lead: int = 0

    @property
    def release_due(self) -> datetime:
        """When its releases are due (its own due, or a reminder's release)."""
        return self.due + timedelta(minutes=self.lead)

    @property
    def job_id(self) -> str:
        """The scheduler job that posts this slot: one job per due minute, for every channel."""
        return job_id(self.due)

    @property
    def release_ids(self) -> tuple[str, ...]:
        return tuple(rid for item in self.items for rid in item.release_ids)


_Table = list[tuple[datetime, list[Item]]]  # (due, items) in due order


def job_id(due: datetime) -> str:
    """A stable scheduler job id for one due minute (one job posts that minute in every channel)."""
    return f"announce:{due.astimezone(UTC):%Y%m%dT%H%M}Z"


def nonce_for(channel_id: int, release_ids: Iterable[str], *, kind: str = "channel", lead: int = 0) -> str:
    """A Discord nonce (<= 25 characters) derived from the target, what the post announces, and
    whether it is a reminder (``lead``) or a DM (``kind='user'``).

    The same post always gets the same nonce, so a retry after a crash is recognised by Discord
    (``enforce_nonce``) and returns the original message instead of posting twice.
    """
    prefix = "" if kind == "channel" and not lead else f"{kind}/{lead}/"
    key = f"{prefix}{channel_id}:" + ",".join(sorted(release_ids))
    digest = hashlib.blake2b(key.encode(), digest_size=15).digest()
    text = "p" + base64.b32encode(digest).decode().rstrip("=").lower()
    return text[:NONCE_MAX]


def ceil_minute(dt: datetime) -> datetime:
    floor = dt.replace(second=0, microsecond=0)
    return floor if floor == dt else floor + timedelta(minutes=1)


def local_post_instant(day: date, post_time: time, zone: str) -> datetime:
    """``post_time`` on ``day`` in ``zone``, as UTC. A time in a DST gap moves forward with it."""
    local = datetime.combine(day, post_time, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def due_at(release: Release, guild: GuildConfig) -> datetime | None:
    """When a release is announced in a guild, or None when it never is.

    Exact: at its instant (the next whole minute if it has seconds). Date-only: at the guild's
    post time on that date in the guild's zone. Month, year and TBA: never.
    """
    w = release.when
    if w.precision is Precision.EXACT and w.instant is not None:
        return ceil_minute(w.instant.astimezone(UTC))
    if w.precision is Precision.DATE and w.local:
        return local_post_instant(date.fromisoformat(w.local), guild.post_time, guild.zone)
    return None


def collapse(releases: Sequence[Release]) -> list[Item]:
    """Releases due together -> post items; episodes of one season dropped at once become one."""
    groups: dict[tuple[object, ...], list[Release]] = {}
    for r in releases:
        if r.scope is Scope.EPISODE:
            key: tuple[object, ...] = ("drop", r.show_id, r.season, r.platform, r.region)
        else:
            key = ("one", r.id)
        groups.setdefault(key, []).append(r)
    items = [
        Item(rs[0].show_id, tuple(sorted(rs, key=lambda r: (r.episode or 0, r.id)))) for rs in groups.values()
    ]
    items.sort(key=_item_order)
    return items


def wanted(item: Item, channel: ChannelConfig, show_platforms: Mapping[str, str | None]) -> bool:
    """Whether a channel's filters (kinds, platforms, shows) take this item."""
    if channel.kinds is Kinds.PREMIERES and not item.is_premiere:
        return False
    if channel.kinds is Kinds.EPISODES and item.is_premiere:
        return False
    if channel.shows and item.show_id not in channel.shows:
        return False
    if channel.platforms:
        platform = item.platform or show_platforms.get(item.show_id)
        if not platform or platform.casefold() not in channel.platforms:
            return False
    return True


def plan(
    now: datetime,
    guilds: Mapping[int, GuildConfig],
    channels: Iterable[ChannelConfig],
    releases: Iterable[Release],
    *,
    show_platforms: Mapping[str, str | None] | None = None,
    done: set[tuple[int, str]] | frozenset[tuple[int, str]] = frozenset(),
    horizon: timedelta = timedelta(days=2),
    lookback: timedelta = LOOKBACK,
    reminded: set[tuple[int, str, int]] | frozenset[tuple[int, str, int]] = frozenset(),
) -> list[DueSlot]:
    """Every post not yet in the ledger, due from ``now - lookback`` to ``now + horizon``, and
    every reminder of a channel that asks for them (``ChannelConfig.reminders``) not yet in the
    ledger (``reminded``: (channel, release, lead)), due from ``now - REMINDER_GRACE`` to
    ``now + horizon`` and before its release is due.

    Past slots are included on purpose: the service sends them late within the grace window and
    records them as skipped beyond it. Nothing due before a channel was added is ever planned,
    and broken channels are left out until an admin adds them again.

    One pass for any number of channels: when a release is due depends only on the guild's zone
    and post time, so releases are placed and grouped once per (zone, post time), not per guild
    or channel, and a channel that follows a few shows only looks at those shows' items.
    """
    show_platforms = show_platforms or {}
    start, end = now - lookback, now + horizon
    channels = list(channels)
    lead_max = max((m for c in channels for m in c.reminders), default=0)
    table_end = end + timedelta(minutes=lead_max)  # a reminder inside the horizon, its release past it
    releases = list(releases)
    # (zone, post time) -> [(due, items)] in due order, and show id -> [(due, item)]
    tables: dict[tuple[str, time], tuple[_Table, dict[str, list[tuple[datetime, Item]]]]] = {}
    slots: list[DueSlot] = []
    for channel in sorted(channels, key=lambda c: c.channel_id):
        if not channel.healthy:
            continue
        guild = guilds.get(channel.guild_id) or GuildConfig(channel.guild_id)
        key = (guild.zone, guild.post_time)
        if key not in tables:
            by_due: dict[datetime, list[Release]] = {}
            for r in releases:
                due = due_at(r, guild)
                if due is not None and start <= due <= table_end:
                    by_due.setdefault(due, []).append(r)
            ordered = [(due, collapse(rs)) for due, rs in sorted(by_due.items())]
            by_show: dict[str, list[tuple[datetime, Item]]] = {}
            for due, items in ordered:
                for item in items:
                    by_show.setdefault(item.show_id, []).append((due, item))
            tables[key] = (ordered, by_show)
        ordered, by_show = tables[key]
        if channel.shows:
            picked: dict[datetime, list[Item]] = {}
            for sid in channel.shows:
                for due, item in by_show.get(sid, ()):
                    picked.setdefault(due, []).append(item)
            candidates = [(due, sorted(items, key=_item_order)) for due, items in sorted(picked.items())]
        else:
            candidates = ordered
        cid = channel.channel_id
        for lead in channel.reminders:
            slots += _reminders(now, channel, candidates, lead, end, show_platforms, reminded)
        for due, due_items in candidates:
            if due < channel.added_at or due > end:
                continue
            items = []
            for item in due_items:
                if not wanted(item, channel, show_platforms):
                    continue
                if done:
                    left = tuple(r for r in item.releases if (cid, r.id) not in done)
                    if left:
                        items.append(item if len(left) == len(item.releases) else Item(item.show_id, left))
                else:
                    items.append(item)
            if items:
                slots.append(DueSlot(cid, channel.guild_id, due, tuple(items)))
    slots.sort(key=lambda s: (s.due, s.channel_id, s.lead))
    return slots


def _reminders(
    now: datetime,
    channel: ChannelConfig,
    candidates: Sequence[tuple[datetime, Sequence[Item]]],
    lead: int,
    end: datetime,
    show_platforms: Mapping[str, str | None],
    reminded: set[tuple[int, str, int]] | frozenset[tuple[int, str, int]],
) -> list[DueSlot]:
    """A channel's reminders ``lead`` minutes ahead: due inside the window, after the channel
    was added, not yet in the ledger, and not past (a release that moved closer than ``lead``
    gets no reminder: it is skipped, never sent late)."""
    ahead = timedelta(minutes=lead)
    cid = channel.channel_id
    out = []
    for due, due_items in candidates:
        at = due - ahead
        if at > end or at < now - REMINDER_GRACE or at < channel.added_at or due <= now:
            continue
        items = []
        for item in due_items:
            if not wanted(item, channel, show_platforms):
                continue
            left = tuple(r for r in item.releases if (cid, r.id, lead) not in reminded)
            if left:
                items.append(item if len(left) == len(item.releases) else Item(item.show_id, left))
        if items:
            out.append(DueSlot(cid, channel.guild_id, at, tuple(items), lead))
    return out


def _item_order(i: Item) -> tuple[object, ...]:
    return (i.show_id, i.releases[0].season or 0, i.releases[0].episode or 0, i.release_ids)


def release_window(
    now: datetime, horizon: timedelta, lookback: timedelta = LOOKBACK
) -> tuple[datetime, datetime]:
    """The span of stored release instants a plan must read: date-only instants are the start of
    the day in the release's zone, and a guild's post time can be up to a day and a half away."""
    return now - lookback - timedelta(days=2), now + horizon + timedelta(days=2)


__all__ = [
    "DEFAULT_POST_TIME",
    "LATE_AFTER",
    "LOOKBACK",
    "MAX_LEAD",
    "NONCE_MAX",
    "REMINDER_GRACE",
    "ChannelConfig",  # the settings types live in bot.announce.models; kept importable from here
    "DueSlot",
    "GuildConfig",
    "Item",
    "Kinds",
    "ceil_minute",
    "collapse",
    "due_at",
    "job_id",
    "local_post_instant",
    "nonce_for",
    "plan",
    "release_window",
    "wanted",
]
