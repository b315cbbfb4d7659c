"""The week at a glance end to end: the real bot posts and edits through discord.py to localcord.

The clock moves; the test calls the service's refresh as the bot's job would (``tick`` calls it
when something can have changed), and reads what localcord holds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.announce.models import ChannelChange
from bot.models import Release, Scope, When
from bot.services.weekly import WeeklyService, add_weekly_jobs
from bot.weekly import AHEAD, CONTENT, OUT
from bot.weekly_discord import DiscordWeeklyPoster

from .conftest import LocalDiscord, RunningBot
from .fakes import aoad, film, weekly

P_MANAGE_GUILD = 1 << 5
P_SEND = 1 << 11
AOAD_OUT = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)  # Friday, 17:00 in Seoul
TUESDAY = datetime(2022, 1, 25, 10, 0, tzinfo=UTC)
NEXT_MONDAY_UTC = datetime(2022, 1, 31, 9, 0, tzinfo=UTC)


async def wait_until(predicate: Callable[[], bool], limit: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def glance_service(running: RunningBot) -> WeeklyService:
    """The bot's own weekly service when it has one, else one built on the running bot."""
    service = getattr(running.bot.services, "weekly", None)
    if service is None:
        return WeeklyService(running.store, running.clock, DiscordWeeklyPoster(running.bot))
    if service.poster is None:
        service.attach(DiscordWeeklyPoster(running.bot))
    return service  # type: ignore[no-any-return]


def glances(lc: LocalDiscord, channel: Any) -> list[dict[str, Any]]:
    """The week-at-a-glance messages in a channel (release posts may sit beside them)."""
    return [m for m in lc.messages(channel) if m["content"] == CONTENT]


def listed(message: dict[str, Any]) -> str:
    return str(message["embeds"][0]["description"])


async def weekly_channel(running: RunningBot, guild: Any, channel: Any, **change: Any) -> None:
    saved = await running.service.configure(guild.id, channel.id, ChannelChange(weekly=True, **change))
    assert saved.config.weekly


async def test_posted_at_monday_nine_in_seoul_and_edited_in_place_as_releases_come_out(
    lc: LocalDiscord, running: RunningBot
) -> None:
    seoul = lc.create_guild("Seoul Fans")
    utc = lc.create_guild("UTC Fans")
    kr, gb = lc.create_channel(seoul, "releases"), lc.create_channel(utc, "releases")
    admin = lc.create_member(seoul, "admin", permissions=P_MANAGE_GUILD)
    running.clock.set(datetime(2022, 1, 20, 12, 0, tzinfo=UTC))  # a Thursday, the week before
    await running.start()
    tz = await lc.run_command(seoul, admin, ["announce", "timezone"], options={"zone": "Asia/Seoul"})
    assert "Asia/Seoul" in tz.content
    assert (
        "09:00" in (await lc.run_command(seoul, admin, ["announce", "time"], options={"at": "09:00"})).content
    )
    await running.store.import_records([aoad(), weekly(), film("2022-01-26", "UTC")])
    await weekly_channel(running, seoul, kr)
    await weekly_channel(running, utc, gb)
    service = glance_service(running)

    # Set up on a Thursday: that week's message at once (nothing comes out in it).
    await service.refresh()
    assert [len(glances(lc, c)) for c in (kr, gb)] == [1, 1]
    assert "Nothing comes out this week" in listed(glances(lc, kr)[0])

    # 08:59 on Monday in Seoul: still last week. 09:00: the new week, in Seoul only.
    running.clock.set(datetime(2022, 1, 23, 23, 59, tzinfo=UTC))
    await service.refresh()
    assert [len(glances(lc, c)) for c in (kr, gb)] == [1, 1]
    running.clock.set(datetime(2022, 1, 24, 0, 0, tzinfo=UTC))
    await service.refresh()
    assert [len(glances(lc, c)) for c in (kr, gb)] == [2, 1]
    week = glances(lc, kr)[1]
    assert week["embeds"][0]["title"] == "This week: 24 – 30 January 2022"
    stamp = f"<t:{int(AOAD_OUT.timestamp())}:f>"
    assert f"{AHEAD} **All of Us Are Dead** — Season 1, all 12 episodes · Netflix · {stamp}" in listed(week)
    assert f"{AHEAD} **The Film** — Film · Netflix · Wednesday 26 January" in listed(week)
    assert week["mention_everyone"] is False and week["mentions"] == [] and week["mention_roles"] == []
    running.clock.set(datetime(2022, 1, 24, 9, 0, tzinfo=UTC))  # 09:00 in London: its week too
    await service.refresh()
    assert [len(glances(lc, c)) for c in (kr, gb)] == [2, 2]

    # The clock reaches the release: the announcement goes out, and the same message is edited.
    ids = [m["id"] for m in glances(lc, kr)]
    running.clock.set(AOAD_OUT)
    await running.service.run_due()
    report = await service.refresh()
    assert report.edited == 2 and report.posted == 0
    after = glances(lc, kr)
    assert [m["id"] for m in after] == ids and after[1]["id"] == week["id"]
    assert after[1]["edited_timestamp"] is not None
    assert f"{OUT} ~~**All of Us Are Dead** — Season 1, all 12 episodes · Netflix · {stamp}~~" in listed(
        after[1]
    )
    assert len(lc.messages(kr)) == 3  # two weeks' glances and the release post, nothing else

    # Nothing changed: no request at all.
    before = len(lc.requests())
    assert (await service.refresh(AOAD_OUT + timedelta(minutes=5))).unchanged == 2
    assert len(lc.requests()) == before


async def test_a_release_added_moved_or_removed_changes_the_message_at_the_next_refresh(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Live")
    chan = lc.create_channel(guild, "weekly")
    running.clock.set(TUESDAY)
    await running.start()
    await running.store.import_records([aoad()])
    await weekly_channel(running, guild, chan)
    service = glance_service(running)
    await service.refresh()
    [message] = glances(lc, chan)
    assert "All of Us Are Dead" in listed(message)

    # Added: a film on Thursday.
    await running.store.import_records([film("2022-01-27", "UTC")])
    assert (await service.refresh()).edited == 1
    [message] = glances(lc, chan)
    assert "**The Film** — Film · Netflix · Thursday 27 January" in listed(message)

    # Moved to next week, then removed: gone from this week's list.
    moved = aoad()
    moved.releases = [
        Release(moved.show.id, When.parse("2022-02-01", "UTC"), Scope.SEASON, 1, platform="Netflix")
    ]
    await running.store.import_records([moved])
    await service.refresh()
    gone = film("2022-01-27", "UTC")
    gone.releases = []
    await running.store.import_records([gone])
    await service.refresh()
    [message] = glances(lc, chan)
    assert listed(message) == "Nothing comes out this week for this channel."
    edits = lc.requests(f"PATCH /channels/{chan.id}/messages/*")
    assert len(edits) == 3 and len(lc.requests(f"POST /channels/{chan.id}/messages")) == 1

    # The next week: a new message; last week's stays.
    running.clock.set(NEXT_MONDAY_UTC)
    await service.refresh()
    last, new = glances(lc, chan)
    assert last["id"] == message["id"] and "**All of Us Are Dead**" in listed(new)
    assert new["embeds"][0]["title"] == "This week: 31 January – 6 February 2022"


async def test_a_deleted_message_is_posted_again_and_there_is_one_per_week(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Tidy")
    chan = lc.create_channel(guild, "weekly")
    running.clock.set(TUESDAY)
    await running.start()
    await running.store.import_records([aoad(), weekly()])
    await weekly_channel(running, guild, chan)
    service = glance_service(running)
    await service.refresh()
    [first] = glances(lc, chan)
    lc.core.messages.delete(first)  # a moderator deletes it
    assert glances(lc, chan) == []

    running.clock.set(AOAD_OUT)  # what it shows changes: the edit answers 404 Unknown Message
    report = await service.refresh()
    assert report.replaced == 1
    assert lc.requests(f"PATCH /channels/{chan.id}/messages/{first['id']}", status=404)
    [again] = glances(lc, chan)
    assert again["id"] != first["id"] and f"{OUT} ~~**All of Us Are Dead**" in listed(again)
    row = await running.store.weekly.weekly_message(chan.id, date(2022, 1, 24))
    assert row is not None and row.message_id == int(again["id"])

    # Many refreshes through the week: still one message, edited only when it changed.
    for hours in range(0, 60, 6):
        await service.refresh(AOAD_OUT + timedelta(hours=hours))
    assert [m["id"] for m in glances(lc, chan)] == [again["id"]]
    running.clock.set(NEXT_MONDAY_UTC)
    await service.refresh()
    await service.refresh(NEXT_MONDAY_UTC + timedelta(minutes=5))
    assert len(glances(lc, chan)) == 2


async def test_filters_pause_and_a_broken_channel(lc: LocalDiscord, running: RunningBot) -> None:
    guild = lc.create_guild("Filters")
    netflix, everything, shut = lc.create_channels(guild, ["netflix", "everything", "shut"])
    quiet = lc.create_guild("Paused")
    paused = lc.create_channel(quiet, "weekly")
    admin = lc.create_member(quiet, "admin", permissions=P_MANAGE_GUILD)
    running.clock.set(TUESDAY)
    await running.start()
    await running.store.import_records([aoad(), weekly(), film("2022-01-26", "UTC")])
    await weekly_channel(running, guild, netflix, platforms=("Netflix",))
    await weekly_channel(running, guild, everything)
    await weekly_channel(running, guild, shut)
    await weekly_channel(running, quiet, paused)
    assert "paused" in (await lc.run_command(quiet, admin, ["announce", "pause"])).content
    lc.take_permission(guild, shut, "bot", P_SEND)

    report = await glance_service(running).refresh()
    assert report.posted == 2 and report.broken == [shut.id] and report.skipped == 1
    [only_netflix] = glances(lc, netflix)
    [all_of_it] = glances(lc, everything)
    assert "Snowdrop" not in listed(only_netflix) and "All of Us Are Dead" in listed(only_netflix)
    assert "Snowdrop" in listed(all_of_it)
    assert lc.messages(shut) == [] and lc.messages(paused) == []


async def test_the_job_on_the_bots_scheduler_posts_the_week(lc: LocalDiscord, running: RunningBot) -> None:
    guild = lc.create_guild("Scheduled")
    chan = lc.create_channel(guild, "weekly")
    running.clock.set(TUESDAY)
    await running.start()
    await running.store.import_records([aoad()])
    await weekly_channel(running, guild, chan)
    service = glance_service(running)
    add_weekly_jobs(running.scheduler, service, every=timedelta(seconds=0.2), first_in=timedelta(seconds=0))
    await wait_until(lambda: bool(glances(lc, chan)))
    running.clock.set(AOAD_OUT)  # the next tick is due: the release came out
    await wait_until(lambda: OUT in listed(glances(lc, chan)[0]))
    assert len(glances(lc, chan)) == 1
