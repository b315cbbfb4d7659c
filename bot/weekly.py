"""The week at a glance: which week a server is in, what it brings a channel, and its message.

Pure, like ``bot.planner``: every function takes ``now`` and plain data; no I/O, no clock, no
discord. The service (``bot.services.weekly``) reads the store, asks these functions what each
channel's message must show, and posts or edits it through a :class:`WeeklyPoster`.

A server's week starts on Monday, and its message is due at the server's post time that day in
the server's zone (``GuildConfig.zone`` / ``post_time``); until then the week before is still
shown. A release is in a week by its day in the server's zone: a date-only release by its date,
an exact one by the local day of its instant. It is "out" from the minute it is announced
(``bot.planner.due_at``). Month, year and TBA releases have no day and are left out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.announce.models import ChannelConfig, GuildConfig
from bot.announce.port import DeliveryError, Embed
from bot.i18n import ENGLISH, N_, Texts, texts
from bot.models import Precision, Release, Scope, Show
from bot.planner import Item, collapse, due_at, local_post_instant, wanted
from bot.render import (
    COLOUR,
    DESCRIPTION_MAX,
    FOOTER,
    TITLE_MAX,
    escape,
    local_title,
    region_text,
    scope_text,
    timestamp,
    truncate,
)

WEEK = timedelta(days=7)
OUT = "✅"
AHEAD = "▫️"
CONTENT = N_("📅 **The week at a glance**")
FOOTER_TEXT = f"{FOOTER} · {OUT} already out · times in your own time zone"  # English; see footer_text
NOTHING = N_("Nothing comes out this week for this channel.")
TITLE_CHARS = 80  # a show's title in one line of the list
READ_MARGIN = timedelta(days=2)  # stored instants of date-only releases: the day's start in their zone


# -- the port to Discord -----------------------------------------------------------------------------


class MessageGone(DeliveryError):
    """The message to edit is no longer there (404 Unknown Message, 10008): someone deleted it."""


class WeeklyPoster(Protocol):
    """What the service needs of Discord; ``bot/weekly_discord.py`` implements it with discord.py.

    Both raise :class:`bot.announce.port.DeliveryError`: ``ChannelBroken`` (and ``ChannelGone``)
    when the bot cannot post in the channel, ``TransientDeliveryError`` for a server error or a
    time-out, :class:`MessageGone` when the message to edit was deleted."""

    async def send(
        self, channel_id: int, content: str, embeds: list[Embed], *, nonce: str | None = None
    ) -> int: ...  # the new message's id

    async def edit(self, channel_id: int, message_id: int, content: str, embeds: list[Embed]) -> None: ...


# -- weeks -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Week:
    """One server's week: Monday ``start`` to Sunday, in ``zone``."""

    start: date  # a Monday
    zone: str = "UTC"
    post_time: time = time(9, 0)

    @property
    def end(self) -> date:
        """The next Monday (the first day after the week)."""
        return self.start + WEEK

    @property
    def posts_at(self) -> datetime:
        """When this week's message is due: its Monday at the server's post time (UTC)."""
        return local_post_instant(self.start, self.post_time, self.zone)

    @property
    def next_at(self) -> datetime:
        """When the next week's message is due, and this one is no longer edited (UTC)."""
        return local_post_instant(self.end, self.post_time, self.zone)

    def span(self) -> tuple[datetime, datetime]:
        """Monday 00:00 to the next Monday 00:00 in the week's zone, as UTC instants."""
        tz = ZoneInfo(self.zone)
        return (
            datetime.combine(self.start, time(0), tzinfo=tz).astimezone(UTC),
            datetime.combine(self.end, time(0), tzinfo=tz).astimezone(UTC),
        )

    def holds(self, day: date) -> bool:
        return self.start <= day < self.end

    def label(self, lang: str = ENGLISH) -> str:
        """ "24 – 30 January 2022", "31 January – 6 February 2022", "27 December 2021 – 2 January 2022"
        (in Korean "2022년 1월 24일~30일")."""
        return texts(lang).date_range(self.start, self.end - timedelta(days=1))


def week_of(now: datetime, guild: GuildConfig) -> Week:
    """The week a server's message shows at ``now``: the one whose Monday post time has come."""
    today = now.astimezone(ZoneInfo(guild.zone)).date()
    monday = today - timedelta(days=today.weekday())
    if now < local_post_instant(monday, guild.post_time, guild.zone):
        monday -= WEEK
    return Week(monday, guild.zone, guild.post_time)


def read_window(weeks: Iterable[Week]) -> tuple[datetime, datetime]:
    """The span of stored release instants that holds every release of these weeks."""
    spans = [w.span() for w in weeks]
    if not spans:
        raise ValueError("no week to read")
    return min(s for s, _ in spans) - READ_MARGIN, max(e for _, e in spans) + READ_MARGIN


def release_day(release: Release, zone: str) -> date | None:
    """A release's day in a server's zone: a date-only release's own date, an exact release's
    local day; None for month, year and TBA."""
    w = release.when
    if w.precision is Precision.DATE and w.local:
        return date.fromisoformat(w.local)
    if w.precision is Precision.EXACT and w.instant is not None:
        return w.instant.astimezone(ZoneInfo(zone)).date()
    return None


# -- what a week brings ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the list: an item (a release, or episodes dropped at once) and when it is out."""

    due: datetime
    item: Item

    def out(self, now: datetime) -> bool:
        return self.due <= now


def week_entries(week: Week, guild: GuildConfig, releases: Iterable[Release]) -> list[Entry]:
    """Every release of the week in a server, grouped as its posts are (per due minute,
    episodes dropped at once as one item), in due order."""
    by_due: dict[datetime, list[Release]] = {}
    for r in releases:
        day = release_day(r, week.zone)
        if day is None or not week.holds(day):
            continue
        due = due_at(r, guild)
        if due is not None:
            by_due.setdefault(due, []).append(r)
    return [Entry(due, item) for due, rs in sorted(by_due.items()) for item in collapse(rs)]


def channel_entries(
    entries: Sequence[Entry], channel: ChannelConfig, show_platforms: Mapping[str, str | None]
) -> list[Entry]:
    """The entries a channel's filters take (kinds, platforms, shows: as its posts)."""
    return [e for e in entries if wanted(e.item, channel, show_platforms)]


def filters_key(channel: ChannelConfig) -> tuple[object, ...]:
    """Channels with equal filters in one server see the same list."""
    return (channel.kinds, channel.platforms, channel.shows)


# -- the message -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Glance:
    """A week's message for one channel, and its digest (what it shows, to edit only on change)."""

    content: str
    embeds: list[Embed]
    digest: str
    listed: int  # entries named in the list
    more: int  # entries left out by Discord's limits


def what_text(item: Item, show: Show | None, lang: str = ENGLISH) -> str:
    """ "S1E3", "S1E1–E8", "Season 1, all 12 episodes", "Film"..."""
    tr = texts(lang)
    rs = item.releases
    first = rs[0]
    if len(rs) > 1 and first.scope is Scope.EPISODE:
        eps = sorted(r.episode or 0 for r in rs)
        return tr("S{season}E{first}–E{last}", season=first.season, first=eps[0], last=eps[-1])
    return scope_text(first, show, lang)


def day_text(day: date, lang: str = ENGLISH) -> str:
    """ "Wednesday 26 January" (in Korean "1월 26일 수요일")."""
    return texts(lang).weekday(day)


def when_line(release: Release, lang: str = ENGLISH) -> str:
    """An exact release as a Discord timestamp (each reader's own zone), a date-only one as its date."""
    tr = texts(lang)
    w = release.when
    if w.precision is Precision.EXACT and w.instant is not None:
        return timestamp(w.instant, "f")
    day = release_day(release, w.zone)
    return day_text(day, lang) if day else tr("To be announced")


def entry_line(item: Item, show: Show | None, *, out: bool, lang: str = ENGLISH) -> str:
    """One line: what comes out, where and when; struck through and ticked once it is out."""
    r = item.releases[0]
    title = escape(truncate(local_title(show, lang), TITLE_CHARS)) if show else escape(item.show_id)
    platform = r.platform or (show.platform if show else None)
    region = region_text(r.region, lang) if r.region != "WW" else ""
    where = " · ".join(x for x in (escape(platform), region) if x)
    body = f"**{title}** — {what_text(item, show, lang)}"
    if where:
        body += f" · {where}"
    body += f" · {when_line(r, lang)}"
    return f"{OUT} ~~{body}~~" if out else f"{AHEAD} {body}"


def more_text(n: int, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    return tr("…and {n} more", n=n)


def footer_text(lang: str = ENGLISH) -> str:
    """ "Premiere · ✅ already out · times in your own time zone"."""
    tr = texts(lang)
    return tr("{footer} · {out} already out · times in your own time zone", footer=FOOTER, out=OUT)


def fit_lines(
    entries: Sequence[Entry],
    lines: Sequence[str],
    now: datetime,
    limit: int = DESCRIPTION_MAX,
    lang: str = ENGLISH,
) -> tuple[str, int, int]:
    """The list under ``limit`` characters: (text, entries listed, entries left out).

    When everything does not fit, the releases already out are counted in one line instead of
    listed, and the rest is listed in order until the limit, then "…and N more"."""
    whole = "\n".join(lines)
    if len(whole) <= limit:
        return whole, len(lines), 0
    tr = texts(lang)
    ahead = [line for e, line in zip(entries, lines, strict=True) if not e.out(now)]
    done = len(lines) - len(ahead)
    head = [tr("{out} {n} already out this week", out=OUT, n=done)] if done else []
    kept: list[str] = []
    size = sum(len(h) + 1 for h in head)
    reserve = len(more_text(len(lines), lang)) + 1  # the longest tail there can be
    for line in ahead:
        if size + len(line) + 1 + reserve > limit:
            break
        kept.append(line)
        size += len(line) + 1
    left = len(ahead) - len(kept)
    text = "\n".join([*head, *kept, *([more_text(left, lang)] if left else [])])
    return text, len(kept), left


def digest_of(content: str, embeds: Sequence[Embed]) -> str:
    blob = json.dumps([content, list(embeds)], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


class GlanceRenderer:
    """Renders weeks' messages; each line is made once per language and shared by every channel
    listing it."""

    def __init__(self, shows: Mapping[str, Show]) -> None:
        self.shows = shows
        self._lines: dict[tuple[tuple[str, ...], bool, str], str] = {}

    def line(self, entry: Entry, now: datetime, lang: str = ENGLISH) -> str:
        out = entry.out(now)
        key = (entry.item.release_ids, out, lang)
        text = self._lines.get(key)
        if text is None:
            item = entry.item
            text = self._lines[key] = entry_line(item, self.shows.get(item.show_id), out=out, lang=lang)
        return text

    def render(self, week: Week, entries: Sequence[Entry], now: datetime, lang: str = ENGLISH) -> Glance:
        """The message of a week for a channel whose entries these are, in its server's language."""
        tr: Texts = texts(lang)
        if entries:
            lines = [self.line(e, now, lang) for e in entries]
            description, listed, more = fit_lines(entries, lines, now, lang=lang)
        else:
            description, listed, more = tr(NOTHING), 0, 0
        embed: Embed = {
            "type": "rich",
            "title": truncate(tr("This week: {week}", week=week.label(lang)), TITLE_MAX),
            "description": description,
            "color": COLOUR,
            "footer": {"text": footer_text(lang)},
        }
        content = tr(CONTENT)
        return Glance(content, [embed], digest_of(content, [embed]), listed, more)


def render_week(
    week: Week, entries: Sequence[Entry], shows: Mapping[str, Show], now: datetime, lang: str = ENGLISH
) -> Glance:
    """One channel's message for a week (see :class:`GlanceRenderer` to render many)."""
    return GlanceRenderer(shows).render(week, entries, now, lang)


__all__ = [
    "AHEAD",
    "CONTENT",
    "NOTHING",
    "OUT",
    "WEEK",
    "Entry",
    "Glance",
    "GlanceRenderer",
    "MessageGone",
    "Week",
    "WeeklyPoster",
    "channel_entries",
    "day_text",
    "digest_of",
    "entry_line",
    "filters_key",
    "fit_lines",
    "footer_text",
    "read_window",
    "release_day",
    "render_week",
    "week_entries",
    "week_of",
    "what_text",
    "when_line",
]
