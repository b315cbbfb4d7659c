"""Scheduled events end to end: the real bot, through discord.py, makes, moves, cancels and deletes
Discord scheduled events in localcord, and /announce events answers admins.

localcord's wall clock is the bot's clock here, so that "the past" for an event's start is the
bot's past. The test calls the service's refresh as the bot's job would (``tick`` calls it
after a change and every ten minutes) and reads what localcord holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import cogs.events
from bot.announce.models import ChannelChange
from bot.events_discord import DiscordEventPort
from bot.models import Release, Scope, When
from bot.services.events import EventService
from localcord import permissions as P

from .conftest import LocalDiscord, RunningBot
from .fakes import aoad, film, weekly

NOW = datetime(2022, 1, 21, 12, 0, tzinfo=UTC)  # a week before All of Us Are Dead
AOAD_OUT = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)  # 17:00 in Seoul
AOAD_EVENT = "All of Us Are Dead — Season 1, all 12 episodes"
EVENTS = ["announce", "events"]
EVENT_ROUTES = "/guilds/*/scheduled-events**"


async def events_service(running: RunningBot) -> EventService:
    """The bot's own event service when it has one; else one built on the running bot, with
    /announce events attached to its command tree."""
    service = getattr(running.bot.services, "events", None)
    if service is None:
        service = EventService(
            running.store, running.clock, DiscordEventPort(running.bot), limiter=running.service.limiter
        )
        assert await cogs.events.install(running.bot, service)
        await running.bot.sync_commands(force=True)
    elif service.port is None:
        service.attach(DiscordEventPort(running.bot))
    return service  # type: ignore[no-any-return]


class Server:
    """A server announcing releases in #releases, with an admin and a member."""

    def __init__(self, lc: LocalDiscord, *, bot_permissions: int = P.DEFAULT_BOT) -> None:
        self.lc = lc
        self.guild = lc.create_guild("Zombie Fans", bot_permissions=bot_permissions)
        self.chan = lc.create_channel(self.guild, "releases")
        self.admin = lc.create_member(self.guild, "admin", permissions=P.MANAGE_GUILD)
        self.fan = lc.create_member(self.guild, "fan")

    async def events(self, sub: str, who: Any = None, **options: Any) -> Any:
        return await self.lc.run_command(self.guild, who or self.admin, [*EVENTS, sub], options=options)

    def scheduled(self) -> list[dict[str, Any]]:
        return self.lc.scheduled_events(self.guild)

    def upcoming(self) -> dict[str, dict[str, Any]]:
        return {e["name"]: e for e in self.scheduled() if e["status"] == 1}


@pytest.fixture
async def fans(lc: LocalDiscord, running: RunningBot) -> tuple[Server, EventService]:
    running.clock.set(NOW)
    lc.wall_clock = lambda: running.clock().timestamp()
    server = Server(lc)
    await running.start()
    await running.store.import_records([aoad(), weekly(), film("2022-01-26", "UTC")])
    await running.service.configure(server.guild.id, server.chan.id, ChannelChange(name="releases"))
    return server, await events_service(running)


async def test_an_event_for_each_release_moved_canceled_and_cleaned_up(
    lc: LocalDiscord, running: RunningBot, fans: tuple[Server, EventService]
) -> None:
    server, service = fans
    on = await server.events("on")
    assert on.ephemeral and on.content.startswith(
        "Events on: I'll add a Discord event for each release announced here, 7 days ahead"
    ), on.content
    assert server.scheduled() == []  # made by the job, not by the command
    report = await service.refresh()
    assert report.created == 4
    assert sorted(server.upcoming()) == [AOAD_EVENT, "Snowdrop — S1E1", "Snowdrop — S1E2", "The Film"]
    event = server.upcoming()[AOAD_EVENT]
    assert event["entity_type"] == 3 and event["privacy_level"] == 2 and event["channel_id"] is None
    assert event["entity_metadata"] == {"location": "Netflix"}
    assert datetime.fromisoformat(event["scheduled_start_time"]) == AOAD_OUT
    assert datetime.fromisoformat(event["scheduled_end_time"]) == AOAD_OUT + timedelta(hours=1)
    assert event["description"] == "A high school becomes ground zero for a zombie virus outbreak."
    assert event["creator_id"] == str(lc.bot_user.id)
    # A date-only release: at the server's post time (09:00 UTC by default).
    film_start = datetime.fromisoformat(server.upcoming()["The Film"]["scheduled_start_time"])
    assert film_start == datetime(2022, 1, 26, 9, 0, tzinfo=UTC)

    # Nothing changed: not one request.
    before = len(lc.requests())
    assert not await service.refresh(NOW + timedelta(minutes=10))
    assert len(lc.requests()) == before

    # Moved an hour later: the same event, moved.
    moved = aoad()
    moved.releases = [
        Release(
            moved.show.id, When.parse("2022-01-28T18:00", "Asia/Seoul"), Scope.SEASON, 1, platform="Netflix"
        )
    ]
    await running.store.import_records([moved])
    assert (await service.refresh()).edited == 1
    again = server.upcoming()[AOAD_EVENT]
    assert again["id"] == event["id"]
    assert datetime.fromisoformat(again["scheduled_start_time"]) == AOAD_OUT + timedelta(hours=1)
    assert len(lc.requests("PATCH " + EVENT_ROUTES)) == 1

    # Withdrawn: canceled, never made again.
    moved.releases = []
    await running.store.import_records([moved])
    assert (await service.refresh()).canceled == 1
    [canceled] = [e for e in server.scheduled() if e["id"] == event["id"]]
    assert canceled["status"] == 4 and AOAD_EVENT not in server.upcoming()
    assert not await service.refresh()
    assert len(lc.requests("POST " + EVENT_ROUTES)) == 4

    # Turned off: every event it made is deleted, and it says how many.
    off = await server.events("off")
    assert off.ephemeral and off.content == "Events off. I removed the 3 events I had added.", off.content
    assert server.scheduled() == []
    assert await running.store.events.event_rows() == []
    again_off = await server.events("off")
    assert again_off.content.startswith("Events are already off here.")
    assert [e["action_type"] for e in lc.audit_log(server.guild)].count(102) == 4


async def test_an_event_starts_and_ends_on_discords_side_and_is_left_alone(
    lc: LocalDiscord, running: RunningBot, fans: tuple[Server, EventService]
) -> None:
    server, service = fans
    await server.events("on", days_ahead=3)
    running.clock.set(AOAD_OUT - timedelta(days=2))
    await service.refresh()
    assert sorted(server.upcoming()) == [AOAD_EVENT, "Snowdrop — S1E1", "Snowdrop — S1E2", "The Film"]
    running.clock.set(AOAD_OUT + timedelta(minutes=30))
    statuses = {e["name"]: e["status"] for e in server.scheduled()}
    # On now (ACTIVE); the film, two days ago, is over (COMPLETED).
    assert statuses == {AOAD_EVENT: 2, "Snowdrop — S1E1": 2, "Snowdrop — S1E2": 2, "The Film": 3}
    before = len(lc.requests(EVENT_ROUTES))
    await service.refresh()
    assert len(lc.requests(EVENT_ROUTES)) == before  # started: Discord's now
    running.clock.set(AOAD_OUT + timedelta(hours=2))
    assert {e["status"] for e in server.scheduled()} == {3}  # COMPLETED


async def test_turning_on_names_the_missing_permission_and_refuses_hostile_days(
    lc: LocalDiscord, running: RunningBot, fans: tuple[Server, EventService]
) -> None:
    server, service = fans
    for days in (0, 31, -3, 10**9):
        res = await server.events("on", days_ahead=days)
        assert res.ephemeral and "**days_ahead** is a number of days from 1 to 30" in res.content, res.content
    res = await server.events("on", who=server.fan)
    assert res.ephemeral and "Manage Server" in res.content
    lc.set_bot_permissions(server.guild, P.DEFAULT_BOT & ~P.CREATE_EVENTS)  # Manage Events alone
    res = await server.events("on", days_ahead=5)
    assert res.ephemeral and "I'm missing **Create Events** in this server" in res.content, res.content
    guild = await running.store.announce_guild(server.guild.id)
    assert guild is not None and not guild.events
    assert lc.requests(EVENT_ROUTES) == []

    lc.set_bot_permissions(server.guild, P.DEFAULT_BOT)
    res = await server.events("on", days_ahead=5)
    assert "5 days ahead" in res.content
    # The permission taken away later: Discord refuses, the bot stops trying and says so.
    lc.set_bot_permissions(server.guild, P.DEFAULT_BOT & ~P.CREATE_EVENTS & ~P.MANAGE_EVENTS)
    report = await service.refresh()
    assert report.blocked == [server.guild.id] and report.created == 0
    assert len(lc.requests("POST " + EVENT_ROUTES, status=403)) == 1
    await service.refresh(NOW + timedelta(minutes=10))
    assert len(lc.requests("POST " + EVENT_ROUTES)) == 1
    status = await server.events("status")
    assert status.ephemeral and "Events are on, 5 days ahead: 0 upcoming events" in status.content
    assert "**Create Events**" in status.content


async def test_a_server_in_seoul_gets_date_only_releases_at_its_post_time(
    lc: LocalDiscord, running: RunningBot, fans: tuple[Server, EventService]
) -> None:
    server, service = fans
    await lc.run_command(server.guild, server.admin, ["announce", "timezone"], options={"zone": "Asia/Seoul"})
    await lc.run_command(server.guild, server.admin, ["announce", "time"], options={"at": "20:00"})
    await server.events("on")
    await service.refresh()
    film_start = datetime.fromisoformat(server.upcoming()["The Film"]["scheduled_start_time"])
    assert film_start == datetime(2022, 1, 26, 11, 0, tzinfo=UTC)  # 20:00 in Seoul
