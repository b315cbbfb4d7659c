"""Scheduled events as Discord has them, through discord.py: the fields an external event needs, a
start in the past, who may make, change and delete one, status changes (by hand and by Discord
itself, on localcord's wall clock), the 100-event limit, the gateway events by intent, the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import discord
import pytest

from localcord import LocalDiscord
from localcord import permissions as P

NOW = dt.datetime(2022, 1, 21, 12, 0, tzinfo=dt.UTC)  # localcord's wall clock in these tests
HOUR = dt.timedelta(hours=1)
EVENT_INTENTS = discord.Intents(guilds=True, guild_scheduled_events=True)


@pytest.fixture
def clock(server: LocalDiscord) -> list[dt.datetime]:
    """localcord's wall clock, set by the test: ``clock[0] = ...``."""
    now = [NOW]
    server.wall_clock = lambda: now[0].timestamp()
    return now


def external(start: dt.datetime = NOW + HOUR, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": "All of Us Are Dead — Season 1",
        "privacy_level": 2,
        "entity_type": 3,
        "entity_metadata": {"location": "Netflix"},
        "scheduled_start_time": start.isoformat(),
        "scheduled_end_time": (start + HOUR).isoformat(),
    }
    payload.update(fields)
    return payload


def events_sent(server: LocalDiscord) -> list[tuple[str, dict[str, Any]]]:
    session = server.gateway.shards[0]
    return [
        (p["t"], p["d"]) for _, p in session.buffer if str(p.get("t")).startswith("GUILD_SCHEDULED_EVENT")
    ]


async def test_an_external_event_through_discord_py(server: LocalDiscord, runner, make_bot, clock) -> None:
    guild = server.create_guild("G")
    bot = await runner.start(make_bot(intents=EVENT_INTENTS), server)
    g = bot.get_guild(guild.id)
    ev = await g.create_scheduled_event(
        name="S1 premiere",
        start_time=NOW + HOUR,
        end_time=NOW + 2 * HOUR,
        entity_type=discord.EntityType.external,
        location="Netflix",
        privacy_level=discord.PrivacyLevel.guild_only,
        description="A high school becomes ground zero.",
        reason="a release",
    )
    [stored] = server.scheduled_events(guild)
    assert stored["entity_type"] == 3 and stored["channel_id"] is None and stored["status"] == 1
    assert stored["entity_metadata"] == {"location": "Netflix"} and stored["privacy_level"] == 2
    assert stored["creator_id"] == str(server.bot_user.id)
    assert ev.creator_id == server.bot_user.id and ev.location == "Netflix"
    edited = await ev.edit(start_time=NOW + 3 * HOUR, end_time=NOW + 4 * HOUR)
    assert edited.start_time == NOW + 3 * HOUR
    canceled = await edited.cancel()
    assert canceled.status is discord.EventStatus.cancelled
    await canceled.delete()
    assert server.scheduled_events(guild) == []
    # The bot asked for the intent: it heard of each change.
    assert [t for t, _ in events_sent(server)] == [
        "GUILD_SCHEDULED_EVENT_CREATE",
        "GUILD_SCHEDULED_EVENT_UPDATE",
        "GUILD_SCHEDULED_EVENT_UPDATE",
        "GUILD_SCHEDULED_EVENT_DELETE",
    ]
    assert [(e["action_type"], e["reason"]) for e in server.audit_log(guild)] == [
        (100, "a release"),
        (101, None),
        (101, None),
        (102, None),
    ]


async def test_without_the_intent_no_event_change_is_sent_but_guild_create_lists_them(
    server: LocalDiscord, runner, make_bot, clock
) -> None:
    guild = server.create_guild("G")
    alice = server.create_member(guild, "alice", permissions=P.CREATE_EVENTS)
    server.create_scheduled_event(
        guild,
        alice,
        name="Watch party",
        scheduled_start_time=(NOW + HOUR).isoformat(),
        scheduled_end_time=(NOW + 2 * HOUR).isoformat(),
    )
    bot = await runner.start(make_bot(intents=discord.Intents(guilds=True)), server)
    g = bot.get_guild(guild.id)
    assert [e.name for e in g.scheduled_events] == ["Watch party"]  # from GUILD_CREATE
    await g.create_scheduled_event(
        name="Mine",
        start_time=NOW + HOUR,
        end_time=NOW + 2 * HOUR,
        location="Netflix",
        entity_type=discord.EntityType.external,
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    clock[0] = NOW + 3 * HOUR
    assert {e["status"] for e in server.scheduled_events(guild)} == {3}  # started and ended meanwhile
    assert events_sent(server) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"entity_metadata": None}, "entity_metadata"),
        ({"entity_metadata": {"location": ""}}, "entity_metadata"),
        ({"entity_metadata": {"location": "x" * 101}}, "entity_metadata"),
        ({"scheduled_end_time": None}, "scheduled_end_time"),
        ({"channel_id": "1"}, "channel_id"),
        ({"privacy_level": 1}, "privacy_level"),
        ({"name": "x" * 101}, "name"),
        ({"description": "x" * 1001}, "description"),
        ({"scheduled_start_time": (NOW - HOUR).isoformat()}, "scheduled_start_time"),
        ({"scheduled_end_time": NOW.isoformat()}, "scheduled_end_time"),
    ],
)
async def test_what_an_external_event_must_have(
    server: LocalDiscord, runner, make_bot, clock, change: dict[str, Any], field: str
) -> None:
    guild = server.create_guild("G")
    bot = await runner.start(make_bot(), server)
    with pytest.raises(discord.HTTPException) as exc:
        await bot.http.create_guild_scheduled_event(guild.id, **external(**change))
    assert exc.value.status == 400 and exc.value.code == 50035
    assert field in str(exc.value)
    assert server.scheduled_events(guild) == []


async def test_making_needs_create_events_and_changing_another_ones_needs_manage_events(
    server: LocalDiscord, runner, make_bot, clock
) -> None:
    guild = server.create_guild("G", bot_permissions=P.VIEW_CHANNEL | P.MANAGE_EVENTS)
    alice = server.create_member(guild, "alice", permissions=P.CREATE_EVENTS)
    theirs = server.create_scheduled_event(guild, alice)
    bot = await runner.start(make_bot(), server)
    http = bot.http
    # Manage Events alone no longer lets a bot make an event (since 23 February 2026) ...
    with pytest.raises(discord.Forbidden) as exc:
        await http.create_guild_scheduled_event(guild.id, **external())
    assert exc.value.code == 50013
    # ... but it may change anyone's.
    await http.edit_scheduled_event(guild.id, theirs["id"], name="Renamed")

    server.set_bot_permissions(guild, P.VIEW_CHANNEL | P.CREATE_EVENTS)
    mine = await http.create_guild_scheduled_event(guild.id, **external())
    await http.edit_scheduled_event(guild.id, mine["id"], name="Mine, renamed")
    with pytest.raises(discord.Forbidden):
        await http.edit_scheduled_event(guild.id, theirs["id"], name="Not mine")
    with pytest.raises(discord.Forbidden):
        await http.delete_scheduled_event(guild.id, theirs["id"])
    await http.delete_scheduled_event(guild.id, mine["id"])

    server.set_bot_permissions(guild, P.VIEW_CHANNEL)
    with pytest.raises(discord.Forbidden):
        await http.create_guild_scheduled_event(guild.id, **external())
    assert [e["name"] for e in server.scheduled_events(guild)] == ["Renamed"]


async def test_statuses_move_only_forward_and_a_finished_event_stays_as_it_is(
    server: LocalDiscord, runner, make_bot, clock
) -> None:
    guild = server.create_guild("G")
    bot = await runner.start(make_bot(), server)
    http = bot.http
    ev = await http.create_guild_scheduled_event(guild.id, **external())
    with pytest.raises(discord.HTTPException) as exc:
        await http.edit_scheduled_event(guild.id, ev["id"], status=3)  # SCHEDULED -> COMPLETED
    assert exc.value.code == 50035 and "status" in str(exc.value)
    with pytest.raises(discord.HTTPException) as exc:
        await http.edit_scheduled_event(guild.id, ev["id"], scheduled_start_time=(NOW - HOUR).isoformat())
    assert exc.value.code == 50035 and "scheduled_start_time" in str(exc.value)
    await http.edit_scheduled_event(guild.id, ev["id"], status=4)  # canceled
    for change in ({"name": "again"}, {"status": 1}, {"status": 4}):
        with pytest.raises(discord.HTTPException) as exc:
            await http.edit_scheduled_event(guild.id, ev["id"], **change)
        assert (exc.value.status, exc.value.code) == (400, 180000)
    await http.delete_scheduled_event(guild.id, ev["id"])  # deleting is still allowed
    with pytest.raises(discord.NotFound) as gone:
        await http.edit_scheduled_event(guild.id, ev["id"], name="x")
    assert gone.value.code == 10070


async def test_discord_starts_and_ends_external_events_and_cancels_others_not_started(
    server: LocalDiscord, runner, make_bot, clock
) -> None:
    guild = server.create_guild("G", bot_permissions=P.DEFAULT_BOT | P.CONNECT)
    voice = server.create_channel(guild, "watch", type=2)
    bot = await runner.start(make_bot(intents=EVENT_INTENTS), server)
    http = bot.http
    ext = await http.create_guild_scheduled_event(guild.id, **external())
    vc = await http.create_guild_scheduled_event(
        guild.id,
        name="Watch together",
        privacy_level=2,
        entity_type=2,
        channel_id=str(voice.id),
        scheduled_start_time=(NOW + HOUR).isoformat(),
    )
    clock[0] = NOW + HOUR + dt.timedelta(minutes=1)
    by_id = {e["id"]: e["status"] for e in await http.get_scheduled_events(guild.id, False)}
    assert by_id == {ext["id"]: 2, vc["id"]: 1}  # the external one is on; the voice one waits
    with pytest.raises(discord.HTTPException):
        await http.edit_scheduled_event(guild.id, ext["id"], status=4)  # ACTIVE -> CANCELED: no
    clock[0] = NOW + 5 * HOUR
    by_id = {e["id"]: e["status"] for e in await http.get_scheduled_events(guild.id, False)}
    assert by_id == {ext["id"]: 3, vc["id"]: 4}
    updates = [(d["id"], d["status"]) for t, d in events_sent(server) if t == "GUILD_SCHEDULED_EVENT_UPDATE"]
    assert updates == [(ext["id"], 2), (ext["id"], 3), (vc["id"], 4)]
    with pytest.raises(discord.HTTPException) as exc:
        await http.edit_scheduled_event(guild.id, ext["id"], name="too late")
    assert exc.value.code == 180000


async def test_a_voice_event_needs_its_channel(server: LocalDiscord, runner, make_bot, clock) -> None:
    guild = server.create_guild("G")
    voice = server.create_channel(guild, "watch", type=2)
    bot = await runner.start(make_bot(), server)
    with pytest.raises(discord.HTTPException) as exc:
        await bot.http.create_guild_scheduled_event(
            guild.id, name="v", privacy_level=2, entity_type=2, scheduled_start_time=(NOW + HOUR).isoformat()
        )
    assert exc.value.code == 50035 and "channel_id" in str(exc.value)
    server.take_permission(guild, voice, "bot", P.CONNECT)
    with pytest.raises(discord.Forbidden):
        await bot.http.create_guild_scheduled_event(
            guild.id,
            name="v",
            privacy_level=2,
            entity_type=2,
            channel_id=str(voice.id),
            scheduled_start_time=(NOW + HOUR).isoformat(),
        )


async def test_at_most_100_upcoming_events(server: LocalDiscord, runner, make_bot, clock) -> None:
    guild = server.create_guild("G")
    alice = server.create_member(guild, "alice", permissions=P.CREATE_EVENTS)
    for i in range(100):
        server.create_scheduled_event(guild, alice, name=f"party {i}")
    bot = await runner.start(make_bot(), server)
    with pytest.raises(discord.HTTPException) as exc:
        await bot.http.create_guild_scheduled_event(guild.id, **external())
    assert (exc.value.status, exc.value.code) == (400, 30038)
    first = server.scheduled_events(guild)[0]
    server.set_bot_permissions(guild, P.DEFAULT_BOT | P.MANAGE_EVENTS)
    await bot.http.edit_scheduled_event(guild.id, first["id"], status=4)  # a canceled one leaves room
    await bot.http.create_guild_scheduled_event(guild.id, **external())
    assert len(server.scheduled_events(guild)) == 101
