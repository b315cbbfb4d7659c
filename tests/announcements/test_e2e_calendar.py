"""Calendars end to end: the real bot answers /calendar through discord.py and localcord, and its
feed server answers a calendar app (aiohttp, from the test) over HTTP on loopback.

The story: Zombie Fans announce All of Us Are Dead (2022-01-28, 17:00 in Seoul) and put the
releases in their calendars, as a file and as a feed; the release moves a day, and the feed
shows the same entry at the new time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import aiohttp
import icalendar
from multidict import CIMultiDict

from bot.calendar_http import CalendarHTTP, start_calendar_http, stop_calendar_http
from bot.calendar_models import FeedKind
from bot.models import Release, Scope, When
from bot.services.calendar import CalendarService
from cogs.calendar import Calendar

from .conftest import LocalDiscord, RunningBot
from .fakes import aoad, film, weekly

P_MANAGE_GUILD = 1 << 5
AOAD_UID = "all-of-us-are-dead-season-s1-netflix-ww@premiere"
AOAD_OUT = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
URL = re.compile(r"<(http://127\.0\.0\.1:\d+/calendar/[A-Za-z0-9_-]+\.ics)>")
HTTP_SECONDS = 5


@dataclasses.dataclass
class Story:
    lc: LocalDiscord
    running: RunningBot
    guild: Any
    releases: Any
    admin: Any
    fan: Any
    service: CalendarService


@contextlib.asynccontextmanager
async def story(lc: LocalDiscord, running: RunningBot, *, feeds: bool = True) -> AsyncIterator[Story]:
    """The bot with /calendar, Zombie Fans announcing in #releases; feeds on a free port."""
    running.settings = dataclasses.replace(
        running.settings, calendar_http_port=0 if feeds else None, calendar_http_host="127.0.0.1"
    )
    guild = lc.create_guild("Zombie Fans")
    lc.create_channel(guild, "general")
    releases = lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    fan = lc.create_member(guild, "fan")
    await running.store.import_records([aoad(), weekly(), film("2022-02-10", "Asia/Seoul")])
    await running.start()
    await running.bot.catalogue.refresh()
    http: CalendarHTTP | None = None
    service = getattr(running.bot.services, "calendar", None)
    if service is None:  # the bot is not wired with calendars yet: wire them here as it will
        service = CalendarService(
            running.store, running.clock, guild_name=lambda gid: guild_name(running, gid)
        )
        await running.bot.add_cog(Calendar(running.bot, service))
        await running.bot.tree.sync()
        http = await start_calendar_http(service, running.settings)
    added = await lc.run_command(guild, admin, ["announce", "channel", "add"], {"channel": releases})
    assert f"<#{releases.id}>" in added.content, added.content
    try:
        yield Story(lc, running, guild, releases, admin, fan, service)
    finally:
        await stop_calendar_http(http)


def guild_name(running: RunningBot, guild_id: int) -> str | None:
    guild = running.bot.get_guild(guild_id)
    return guild.name if guild is not None else None


def attached(lc: LocalDiscord, answer: Any) -> tuple[str, bytes]:
    [attachment] = answer.message["attachments"]
    return attachment["filename"], lc.attachment_bytes(attachment)


def events(body: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(body)
    found = cal.walk("VEVENT")
    by_uid = {str(e["UID"]): e for e in found}
    assert len(by_uid) == len(found)
    return by_uid


def summaries(body: bytes) -> list[str]:
    return [str(e["SUMMARY"]) for e in events(body).values()]


async def get(url: str, method: str = "GET", **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    """A calendar app's request: status, headers (any case) and body."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_SECONDS)) as session:
        async with session.request(method, url, headers=headers) as response:
            return response.status, response.headers.copy(), await response.read()


SERVER_CALENDAR = [
    "All of Us Are Dead — Season 1, all 12 episodes",
    "Snowdrop — S1E1",
    "Snowdrop — S1E2",
    "Snowdrop — S1E3",
    "The Film — Film",
]


async def test_the_server_calendar_is_an_ics_file_for_any_member(
    lc: LocalDiscord, running: RunningBot
) -> None:
    async with story(lc, running) as s:
        for options in ({"scope": "server"}, {}):  # in a server that added the bot, server is the default
            answer = await lc.run_command(s.guild, s.fan, ["calendar", "file"], options)
            assert answer.ephemeral, answer.content
            assert "5 releases of what **Zombie Fans** announces" in answer.message["content"]
            name, body = attached(lc, answer)
            assert name == "premiere-zombie-fans.ics"
            assert summaries(body) == SERVER_CALENDAR
            cal = icalendar.Calendar.from_ical(body)
            assert str(cal["NAME"]) == "Premiere: releases in Zombie Fans"
            aoad_event = events(body)[AOAD_UID]
            assert aoad_event.start == AOAD_OUT and b"DTSTART:20220128T080000Z" in body
            film_event = next(e for e in events(body).values() if str(e["SUMMARY"]) == "The Film — Film")
            assert film_event.start == date(2022, 2, 10)
        assert lc.messages(s.releases) == []  # nothing posted for anyone else to see


async def test_my_follows_as_a_file_in_a_dm(lc: LocalDiscord, running: RunningBot) -> None:
    async with story(lc, running) as s:
        nothing = await lc.run_command(None, s.fan, ["calendar", "file"], {"scope": "my follows"})
        assert nothing.ephemeral and "You don't follow any show yet" in nothing.content
        await lc.run_command(s.guild, s.fan, "follow", {"show": "snowdrop", "what": "every episode"})
        await lc.run_command(s.guild, s.fan, "follow", {"show": "all-of-us-are-dead"})
        for options in ({"scope": "my follows"}, {}):  # in a DM, my follows is the default
            answer = await lc.run_command(None, s.fan, ["calendar", "file"], options)
            name, body = attached(lc, answer)
            assert name == "premiere-my-follows.ics" and "the shows you follow" in answer.message["content"]
            assert summaries(body) == SERVER_CALENDAR[:4]
            assert str(icalendar.Calendar.from_ical(body)["NAME"]) == "Premiere: shows I follow"
        in_dm = await lc.run_command(None, s.fan, ["calendar", "file"], {"scope": "server"})
        assert in_dm.ephemeral and "needs a server" in in_dm.content and not in_dm.message["attachments"]


async def test_the_feed_is_served_cheaply_and_follows_a_moved_release(
    lc: LocalDiscord, running: RunningBot
) -> None:
    async with story(lc, running) as s:
        link = await lc.run_command(s.guild, s.fan, ["calendar", "link"], {"scope": "server"})
        assert link.ephemeral and "Google Calendar" in link.content and "Outlook" in link.content
        [url] = URL.findall(link.content)
        again = await lc.run_command(s.guild, s.fan, ["calendar", "link"], {"scope": "server"})
        assert URL.findall(again.content) == [url]  # one feed per server

        status, headers, body = await get(url)
        assert status == 200 and headers["Content-Type"].startswith("text/calendar")
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert etag.startswith('"') and headers["Cache-Control"].startswith("private")
        assert summaries(body) == SERVER_CALENDAR
        assert events(body)[AOAD_UID].start == AOAD_OUT

        # Nothing changed: 304 and no body, by ETag or by date; HEAD has no body either.
        running.clock.advance(timedelta(minutes=30))
        status, headers, body304 = await get(url, **{"If-None-Match": etag})
        assert (status, body304, headers["ETag"]) == (304, b"", etag)
        status, _, body304 = await get(url, **{"If-Modified-Since": modified})
        assert (status, body304) == (304, b"")
        status, headers, nobody = await get(url, "HEAD")
        assert (status, nobody, headers["ETag"]) == (200, b"", etag)

        # The release moves a day: a new ETag, the same entry at the new time, revised.
        running.clock.advance(timedelta(minutes=30))
        moved = aoad()
        moved.releases[0] = Release(
            moved.show.id,
            When.parse("2022-01-29T17:00", "Asia/Seoul"),
            Scope.SEASON,
            season=1,
            platform="Netflix",
        )
        await running.store.import_records([moved])
        status, headers, body = await get(url, **{"If-None-Match": etag})
        assert status == 200 and headers["ETag"] != etag
        assert headers["Last-Modified"] == format_datetime(
            running.clock().replace(microsecond=0), usegmt=True
        )
        event = events(body)[AOAD_UID]
        assert event.start == AOAD_OUT + timedelta(days=1)
        assert int(event["SEQUENCE"]) == 1 and event["LAST-MODIFIED"].dt == running.clock()
        assert len(events(body)) == 5

        # Only a manager resets; then the old address is gone and the new one works.
        refused = await lc.run_command(s.guild, s.fan, ["calendar", "reset"], {"scope": "server"})
        assert refused.ephemeral and "Manage Server" in refused.content
        assert (await get(url))[0] == 200
        reset = await lc.run_command(s.guild, s.admin, ["calendar", "reset"], {"scope": "server"})
        assert reset.ephemeral and "the old one no longer works" in reset.content
        [new_url] = URL.findall(reset.content)
        assert new_url != url
        gone_status, _, gone_body = await get(url)
        assert gone_status == 404
        assert (await get(url.rsplit("/", 2)[0] + "/nothing"))[2] == gone_body  # no hint it ever existed
        status, _, body = await get(new_url)
        assert status == 200 and events(body)[AOAD_UID].start == AOAD_OUT + timedelta(days=1)


async def test_my_follows_feed_and_its_reset_from_a_dm(lc: LocalDiscord, running: RunningBot) -> None:
    async with story(lc, running) as s:
        await lc.run_command(s.guild, s.fan, "follow", {"show": "the-film"})
        link = await lc.run_command(None, s.fan, ["calendar", "link"], {"scope": "my follows"})
        assert link.ephemeral and "Keep it to yourself" in link.content
        [url] = URL.findall(link.content)
        status, _, body = await get(url)
        assert status == 200 and summaries(body) == ["The Film — Film"]
        reset = await lc.run_command(None, s.fan, ["calendar", "reset"])  # my follows, the default in a DM
        [new_url] = URL.findall(reset.content)
        assert (await get(url))[0] == 404 and (await get(new_url))[0] == 200


async def test_without_feeds_link_says_so_and_the_file_still_works(
    lc: LocalDiscord, running: RunningBot
) -> None:
    async with story(lc, running, feeds=False) as s:
        link = await lc.run_command(s.guild, s.fan, ["calendar", "link"], {"scope": "server"})
        assert link.ephemeral and "CALENDAR_HTTP_PORT" in link.content and "/calendar file" in link.content
        assert not URL.findall(link.content)
        answer = await lc.run_command(s.guild, s.fan, ["calendar", "file"], {"scope": "server"})
        assert len(events(attached(lc, answer)[1])) == 5


async def test_refusals_are_short_and_private(lc: LocalDiscord, running: RunningBot) -> None:
    async with story(lc, running) as s:
        quiet = lc.create_guild("No announcements here")
        lc.create_channel(quiet, "chat")
        member = lc.create_member(quiet, "member", permissions=P_MANAGE_GUILD)
        elsewhere = lc.create_guild("Without Premiere")
        lc.create_channel(elsewhere, "chat")
        lc.remove_bot_from_guild(elsewhere)
        fan = lc.create_member(elsewhere, "fan")
        lc.install_for_user(fan)
        for guild, who, command, options in (
            (quiet, member, "file", {"scope": "server"}),
            (quiet, member, "link", {}),
            (quiet, member, "reset", {"scope": "server"}),
            (elsewhere, fan, "file", {"scope": "server"}),
            (None, s.fan, "link", {"scope": "server"}),
            (None, s.fan, "reset", {"scope": "server"}),
            (s.guild, s.fan, "file", {"scope": "everything"}),  # a stale or forged client
        ):
            answer = await lc.run_command(guild, who, ["calendar", command], options)
            assert answer.ephemeral and len(answer.content) < 300, (command, options, answer.content)
            assert not answer.message["attachments"], answer.content
            assert re.search(r"server|follows|understand", answer.content), answer.content
        # With a user install, my follows works in a server that never added the bot.
        await lc.run_command(elsewhere, fan, "follow", {"show": "all-of-us-are-dead"})
        mine = await lc.run_command(elsewhere, fan, ["calendar", "file"])
        assert summaries(attached(lc, mine)[1]) == ["All of Us Are Dead — Season 1, all 12 episodes"]
        assert await running.store.calendars.feed_of(FeedKind.SERVER, quiet.id) is None  # nothing made
