"""Calendars of releases: what a server announces, what a member follows. Never imports discord.

The cog (``cogs/calendar.py``) asks for a file or a feed's link; the HTTP server
(``bot/calendar_http.py``) asks for a feed by its token. Both get bytes rendered by
``bot.calendar`` from the store as it is now, so a feed is always current. Each entry's revision
is kept in the store, so a release that moved is the same entry with a higher SEQUENCE, and a
feed remembers its ETag and when what it shows last changed (Last-Modified): a calendar app that
asks again while nothing changed gets "304 Not Modified" and no body.

What a server announces: the releases that any of its working announcement channels would post
(each channel's kinds, platforms and shows, as ``bot.planner.wanted`` decides), whether or not
announcements are paused. What a member follows: their follows, premieres only or every episode
as each follow says (``bot.follows.planner.wants``).

A calendar is in its owner's language: a server's in the server's (its announcements' language),
a member's in theirs as last recorded (their DMs' language), else English; a file asked for with
a command may be said in its reader's (``lang``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.calendar import (
    Entry,
    calendar_about,
    calendar_entries,
    calendar_items,
    calendar_name,
    render,
    window,
)
from bot.calendar_models import Feed, FeedKind, Revision, revise, whole_second
from bot.clock import Clock
from bot.follows.models import What
from bot.follows.planner import wants
from bot.i18n import ENGLISH, language_of, server_language
from bot.models import Release
from bot.planner import Item, wanted
from bot.store import Store

log = logging.getLogger(__name__)

TOKEN_BYTES = 24  # secrets.token_urlsafe(24): 32 characters, 192 random bits
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,128}")
FORGET_AFTER = timedelta(days=400)  # an entry unchanged this long is out of every window
FEED_PATH = "/calendar/{token}.ics"

GuildName = Callable[[int], str | None]


@dataclass(frozen=True, slots=True)
class Rendered:
    """A calendar file and what it holds."""

    body: bytes
    events: int
    start: datetime  # the window it covers
    end: datetime


@dataclass(frozen=True, slots=True)
class Served:
    """A feed as the HTTP server sends it."""

    body: bytes
    etag: str  # a strong ETag, quoted
    last_modified: datetime  # when what the feed shows last changed
    events: int


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class CalendarService:
    def __init__(self, store: Store, clock: Clock, *, guild_name: GuildName | None = None) -> None:
        self.store = store
        self.clock = clock
        self.guild_name = guild_name  # a server's name for its feed's title (the bot's cache)
        self.base_url: str | None = None  # where feeds are served; None: feeds are off
        self._pruned_at: datetime | None = None

    def attach_names(self, guild_name: GuildName) -> None:
        self.guild_name = guild_name

    def serve_at(self, base_url: str | None) -> None:
        """Feeds are served at ``base_url`` (the HTTP server calls this as it starts and stops)."""
        self.base_url = base_url.rstrip("/") if base_url else None

    def url(self, feed: Feed) -> str | None:
        """A feed's address, or None while feeds are off."""
        if self.base_url is None:
            return None
        return self.base_url + FEED_PATH.format(token=feed.token)

    # -- what a calendar holds -----------------------------------------------------------------------

    async def announces(self, guild_id: int) -> bool:
        """Whether the server has a channel that announces releases (a broken one counts: it
        is the server's setting, to be mended)."""
        return bool(await self.store.announce_channels(guild_id))

    async def follows(self, user_id: int) -> int:
        return await self.store.follows.follow_count(user_id)

    async def server_items(self, guild_id: int, now: datetime) -> list[Item]:
        channels = [c for c in await self.store.announce_channels(guild_id) if c.healthy]
        if not channels:
            return []
        start, end = window(now)
        releases: Sequence[Release]
        if all(c.shows for c in channels):
            shows = {s for c in channels for s in c.shows}
            releases = await self.store.calendars.dated_releases_of(shows, start, end)
        else:
            releases = await self.store.dated_releases_between(start, end)
        platforms: Mapping[str, str | None] = {}
        if releases and any(c.platforms for c in channels):
            platforms = await self.store.show_platforms({r.show_id for r in releases})
        return calendar_items(releases, now, lambda item: any(wanted(item, c, platforms) for c in channels))

    async def member_items(self, user_id: int, now: datetime) -> list[Item]:
        follows: dict[str, What] = {f.show_id: f.what for f in await self.store.follows.follows_of(user_id)}
        if not follows:
            return []
        start, end = window(now)
        releases = await self.store.calendars.dated_releases_of(follows, start, end)
        return calendar_items(
            releases, now, lambda item: item.show_id in follows and wants(follows[item.show_id], item)
        )

    async def language(self, kind: FeedKind, owner_id: int) -> str:
        """The language of a calendar read with no reader at hand (a feed): a server's
        announcements' language, a member's recorded Discord language, else English."""
        if kind is FeedKind.SERVER:
            guild = await self.store.announce_guild(owner_id)
            return server_language(guild.language, guild.preferred_locale) if guild else ENGLISH
        follower = await self.store.follows.follower(owner_id)
        return language_of(follower.locale if follower else None)

    async def calendar(
        self,
        kind: FeedKind,
        owner_id: int,
        *,
        server_name: str | None = None,
        now: datetime | None = None,
        lang: str | None = None,
    ) -> Rendered:
        """The calendar of a server (``owner_id``: its id) or a member (their id), as a file, in
        ``lang`` (None: the owner's language, :meth:`language`)."""
        now = now or self.clock()
        if lang is None:
            lang = await self.language(kind, owner_id)
        if kind is FeedKind.SERVER:
            items = await self.server_items(owner_id, now)
            if server_name is None and self.guild_name is not None:
                server_name = self.guild_name(owner_id)
        else:
            items = await self.member_items(owner_id, now)
        shows = await self.store.get_shows({i.show_id for i in items}) if items else {}
        entries = calendar_entries(items, shows, lang)
        revisions = await self._revise(entries, now)
        name = calendar_name(kind, server_name, lang)
        body = render(entries, revisions, name=name, about=calendar_about(kind, server_name, lang))
        start, end = window(now)
        return Rendered(body, len(entries), start, end)

    async def _revise(self, entries: Sequence[Entry], now: datetime) -> dict[str, Revision]:
        """Each entry's revision: the stored one while it shows the same, the next one when not."""
        if not entries:
            return {}
        stored = await self.store.calendars.revisions(e.uid for e in entries)
        changed: dict[str, Revision] = {}
        for e in entries:
            before = stored.get(e.uid)
            after = revise(before, e.digest, now)
            if after is not before:
                changed[e.uid] = after
        if changed:
            await self.store.calendars.save_revisions(changed)
            stored.update(
                await self.store.calendars.revisions(changed)
            )  # as saved: another may have been first
            await self._prune(now)
        return stored

    async def _prune(self, now: datetime) -> None:
        if self._pruned_at is not None and now - self._pruned_at < timedelta(days=1):
            return
        self._pruned_at = now
        forgotten = await self.store.calendars.forget_revisions(now - FORGET_AFTER)
        if forgotten:
            log.info("calendar: forgot %d entries unchanged for %d days", forgotten, FORGET_AFTER.days)

    # -- feeds ---------------------------------------------------------------------------------------

    async def link(self, kind: FeedKind, owner_id: int) -> Feed:
        """The owner's feed, made on first asking."""
        return await self.store.calendars.ensure_feed(kind, owner_id, new_token(), now=self.clock())

    async def reset(self, kind: FeedKind, owner_id: int) -> Feed:
        """A new address for the owner's feed; the old one answers 404 from now on."""
        return await self.store.calendars.replace_feed(kind, owner_id, new_token(), now=self.clock())

    async def serve(self, token: str, now: datetime | None = None) -> Served | None:
        """The feed at ``token`` as it is now, or None for a token that is not (or no longer) one."""
        if not TOKEN_RE.fullmatch(token):
            return None
        feed = await self.store.calendars.feed(token)
        if feed is None:
            return None
        now = now or self.clock()
        rendered = await self.calendar(feed.kind, feed.owner_id, now=now)
        etag = etag_of(rendered.body)
        changed = feed.changed_at
        if feed.etag != etag or changed is None:
            changed = await self.store.calendars.feed_served(token, etag, now=whole_second(now))
            if changed is None:
                return None  # reset meanwhile
        return Served(rendered.body, etag, changed, rendered.events)


__all__ = ["CalendarService", "Feed", "FeedKind", "Rendered", "Served", "etag_of", "new_token"]
