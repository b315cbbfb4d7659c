"""End to end through localcord: what admins change with /announce, and what the bot makes of
Discord changing under it (channels and roles deleted, the bot removed from a server)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.announce.models import ChannelConfig
from bot.services.announcements import AnnouncementService
from localcord.installs import CommandUnavailable

from .conftest import LocalDiscord, RunningBot
from .fakes import aoad, weekly
from .test_e2e_announce import DUE, P_MANAGE_GUILD, eventually, wait_until

ADD = ["announce", "channel", "add"]


async def test_settings_commands_answer_before_the_replan_and_a_burst_is_planned_once(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Busy")
    chans = lc.create_channels(guild, ["a", "b"])
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    await running.store.import_records([aoad()])
    running.scheduler.replan_delay = timedelta(seconds=1)
    gate, plans = asyncio.Event(), []
    plan = running.service.plan

    async def slow_plan(*args, **kwargs):  # type: ignore[no-untyped-def]
        plans.append(1)
        await gate.wait()  # planning every channel of a big bot takes a while
        return await plan(*args, **kwargs)

    running.service.plan = slow_plan  # type: ignore[method-assign]
    commands = [
        (ADD, {"channel": chans[0]}),
        (ADD, {"channel": chans[1], "kinds": "premieres"}),
        (["announce", "timezone"], {"zone": "Asia/Seoul"}),
        (["announce", "time"], {"at": "18:00"}),
        (["announce", "pause"], {}),
        (["announce", "resume"], {}),
    ]
    for name, options in commands:
        answer = await lc.run_command(guild, admin, name, options=options, timeout=2.0)
        assert answer.ephemeral and not answer.deferred and answer.content, (name, answer.content)
    assert plans == []  # every command answered before any planning
    await wait_until(lambda: len(plans) == 1, limit=5)
    gate.set()
    await wait_until(lambda: "announce:20220128T0800Z" in running.scheduler.job_ids(), limit=5)
    await asyncio.sleep(0.3)
    assert len(plans) == 1  # six changes, one re-plan


# -- platform filters --------------------------------------------------------------------------------


async def test_a_platform_filter_must_be_a_platform_of_the_catalogue(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Filters")
    chan = lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    await running.store.import_records([aoad(), weekly()])  # Netflix and Disney+

    typo = await lc.run_command(guild, admin, ADD, options={"channel": chan, "platforms": "Netflx"})
    assert typo.ephemeral and "not a platform in the catalogue" in typo.content, typo.content
    assert "Did you mean **Netflix**?" in typo.content
    assert await running.store.announce_channel(chan.id) is None  # nothing saved
    unknown = await lc.run_command(guild, admin, ADD, options={"channel": chan, "platforms": "Netflix, Hulu"})
    assert (
        "“Hulu” is not a platform" in unknown.content
        and await running.store.announce_channel(chan.id) is None
    )

    # A zero-width space typed (or pasted) inside a name is the name itself: the post lands.
    ok = await lc.run_command(guild, admin, ADD, options={"channel": chan, "platforms": "net\u200bflix"})
    assert "will be posted in" in ok.content and "Platforms: Netflix." in ok.content, ok.content
    config = await running.store.announce_channel(chan.id)
    assert config is not None and config.platforms == ("netflix",)
    listed = await lc.run_command(guild, admin, ["announce", "list"])
    channels = listed.message["embeds"][0]["fields"][0]["value"]
    assert "platforms: Netflix" in channels, channels  # the catalogue's spelling, not the key
    running.clock.set(DUE)
    await running.service.run_due()
    posts = lc.messages(chan)
    assert len(posts) == 1 and [e["title"] for e in posts[0]["embeds"]] == [
        "All of Us Are Dead (지금 우리 학교는)"
    ]

    choices = await lc.run_autocomplete(
        guild, admin, ADD, focused="platforms", value="netf", options={"channel": chan}
    )
    assert [c["value"] for c in choices] == ["Netflix"]
    choices = await lc.run_autocomplete(
        guild, admin, ADD, focused="platforms", value="Netflix, dis", options={"channel": chan}
    )
    assert [c["value"] for c in choices] == ["Netflix, Disney+"]


# -- changing one setting -----------------------------------------------------------------------------


async def test_channel_add_on_a_configured_channel_changes_only_what_is_given(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Settings")
    chan = lc.create_channel(guild, "releases")
    fans = lc.create_role(guild, "Fans", mentionable=True)
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    await running.store.import_records([aoad(), weekly()])
    first = await lc.run_command(
        guild,
        admin,
        ADD,
        options={"channel": chan, "role": fans, "platforms": "Netflix", "shows": "Snowdrop"},
    )
    assert first.content.startswith("Release announcements will be posted in"), first.content

    changed = await lc.run_command(guild, admin, ADD, options={"channel": chan, "kinds": "premieres"})
    text = changed.content
    assert text.startswith("Updated: release announcements will be posted in") and "premieres." in text, text
    assert f"<@&{fans.id}> and nobody else" in text and "Platforms: Netflix." in text and "Snowdrop" in text
    config = await running.store.announce_channel(chan.id)
    assert config is not None
    assert (config.role_id, config.platforms, config.shows) == (fans.id, ("netflix",), ("snowdrop",))
    assert config.kinds.value == "premieres"

    cleared = await lc.run_command(
        guild, admin, ADD, options={"channel": chan, "platforms": "all", "shows": "all", "no_ping": True}
    )
    assert "Platforms: all." in cleared.content and "Shows: all." in cleared.content
    blank = await lc.run_command(guild, admin, ADD, options={"channel": chan, "platforms": " ,\u200b, "})
    assert "Name at least one item in **platforms**" in blank.content, blank.content
    assert "Posts ping nobody." in cleared.content and "premieres" in cleared.content, cleared.content
    config = await running.store.announce_channel(chan.id)
    assert config is not None and (config.role_id, config.platforms, config.shows) == (None, (), ())


async def test_two_admins_changing_one_channel_at_once_each_read_what_was_written(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Two admins")
    chan = lc.create_channel(guild, "releases")
    fans = lc.create_role(guild, "Fans", mentionable=True)
    alice = lc.create_member(guild, "alice", permissions=P_MANAGE_GUILD)
    bob = lc.create_member(guild, "bob", permissions=P_MANAGE_GUILD)
    await running.start()
    await running.store.import_records([aoad(), weekly()])
    await lc.run_command(guild, alice, ADD, options={"channel": chan})
    for _ in range(5):
        a, b = await asyncio.gather(
            lc.run_command(guild, alice, ADD, options={"channel": chan, "kinds": "episodes"}),
            lc.run_command(guild, bob, ADD, options={"channel": chan, "role": fans}),
        )
        # Each confirmation holds its own change, and the later one both: neither is stale.
        assert "new episodes." in a.content and f"<@&{fans.id}>" in b.content, (a.content, b.content)
        assert f"<@&{fans.id}>" in a.content or "new episodes." in b.content, (a.content, b.content)
        config = await running.store.announce_channel(chan.id)
        assert config is not None and config.role_id == fans.id and config.kinds.value == "episodes"
        await lc.run_command(guild, alice, ADD, options={"channel": chan, "kinds": "both", "no_ping": True})


# -- what Discord deletes ------------------------------------------------------------------------------


async def test_a_deleted_channel_is_forgotten_and_its_history_kept(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Deleting")
    chans = lc.create_channels(guild, ["kept", "deleted"])
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    await running.store.import_records([aoad(), weekly()])
    for ch in chans:
        await lc.run_command(guild, admin, ADD, options={"channel": ch})
    running.clock.set(DUE)
    await running.service.run_due()
    history = await running.store.deliveries(chans[1].id)
    assert history and {d.state for d in history} == {"sent"}

    lc.delete_channel(chans[1])
    await eventually(lambda: running.store.announce_channel(chans[1].id), None)
    assert await running.store.deliveries(chans[1].id) == history  # the ledger keeps what was posted
    listing = await lc.run_command(guild, admin, ["announce", "list"])
    text = str(listing.message["embeds"][0])
    assert str(chans[1].id) not in text and str(chans[0].id) in text
    running.clock.set(DUE + timedelta(days=7))
    report = await running.service.run_due()
    assert report.sent == 1 and report.failed == 0 and not report.broken
    assert not lc.requests(f"POST /channels/{chans[1].id}/messages", status=404)


async def test_a_channel_deleted_unseen_is_named_in_the_list_and_removed(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Unseen")
    chan = lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    # A channel deleted while no event reached the bot: only its id and last name are known.
    missing = chan.id + 1_000
    await running.store.upsert_announce_channel(
        ChannelConfig(missing, guild.id, running.clock(), name="old-news")
    )
    listing = await lc.run_command(guild, admin, ["announce", "list"])
    assert listing.content == "#old-news was deleted: its announcement settings are removed.", listing.content
    assert str(missing) not in str(listing.message["embeds"][0])  # not listed as healthy
    assert await running.store.announce_channel(missing) is None


async def test_the_owner_hears_of_a_deleted_channel_by_its_name(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Owner")
    chan = lc.create_channel(guild, "releases")
    await running.start()
    lc.delete_channel(chan)
    await running.service.poster.notify_owner(
        guild.id, chan.id, "the channel was deleted (Unknown Channel)", channel_name="releases", gone=True
    )
    await running.service.poster.notify_owner(guild.id, chan.id + 7, "Missing Access")
    first, second = (m["content"] for m in lc.dm_messages(guild.owner_id))
    assert "**#releases**" in first and "settings are removed" in first and str(chan.id) not in first
    assert "a channel that was deleted" in second and str(chan.id + 7) not in second


async def test_a_deleted_role_is_never_mentioned(lc: LocalDiscord, running: RunningBot) -> None:
    guild = lc.create_guild("Roles")
    chan = lc.create_channel(guild, "releases")
    fans = lc.create_role(guild, "Fans", mentionable=True)
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    await running.store.import_records([aoad()])
    await lc.run_command(guild, admin, ADD, options={"channel": chan, "role": fans})
    lc.delete_role(guild, fans)
    await eventually(lambda: _role_of(running, chan.id), None)
    running.clock.set(DUE)
    await running.service.run_due()
    (post,) = lc.messages(chan)
    assert post["mention_roles"] == [] and "<@&" not in post["content"]


async def _role_of(running: RunningBot, channel_id: int) -> int | None:
    config = await running.store.announce_channel(channel_id)
    return None if config is None else config.role_id


async def test_removed_from_a_server_the_bot_forgets_it_and_never_posts_there(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Leaving")
    stay = lc.create_guild("Staying")
    chans = lc.create_channels(guild, ["a", "b", "c"])
    other = lc.create_channel(stay, "releases")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    admin2 = lc.create_member(stay, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    await running.store.import_records([aoad()])
    for ch in chans:
        await lc.run_command(guild, admin, ADD, options={"channel": ch})
    await lc.run_command(stay, admin2, ADD, options={"channel": other})
    await lc.run_command(guild, admin, ["announce", "timezone"], options={"zone": "Asia/Seoul"})
    lc.remove_bot_from_guild(guild)
    await eventually(lambda: running.store.announce_channels(guild.id), [])
    assert await running.store.announce_guild(guild.id) is None
    running.clock.set(DUE)
    report = await running.service.run_due()
    assert report.sent == 1 and not report.broken and len(lc.messages(other)) == 1
    assert not [r for r in lc.requests("POST /channels/*/messages") if r.status == 403]


async def test_what_was_deleted_while_the_bot_was_away_is_tidied_at_start(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Away")
    left = lc.create_guild("Left")
    kept, deleted = lc.create_channels(guild, ["kept", "deleted"])
    fans = lc.create_role(guild, "Fans", mentionable=True)
    gone = lc.create_channel(left, "releases")
    offline = AnnouncementService(running.store, running.clock)  # set up before the bot starts
    await offline.add_channel(guild.id, kept.id, role_id=fans.id)
    await offline.add_channel(guild.id, deleted.id)
    await offline.add_channel(left.id, gone.id)
    lc.delete_channel(deleted)
    lc.delete_role(guild, fans)
    lc.remove_bot_from_guild(left)
    await running.start()
    # Each server is tidied when it becomes available, in no set order: wait for both.
    await eventually(lambda: running.store.announce_guild_ids(), {guild.id})

    async def channel_ids() -> list[int]:
        return [c.channel_id for c in await running.store.announce_channels()]

    await eventually(channel_ids, [kept.id])
    await eventually(lambda: _role_of(running, kept.id), None)


# -- refusals that say what is wrong ---------------------------------------------------------------------


async def test_another_servers_channel_is_refused_for_what_it_is(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Mine")
    mine = lc.create_channel(guild, "releases")
    theirs = lc.create_guild("Theirs")  # the bot is there too
    their_channel = lc.create_channel(theirs, "releases")
    private = lc.create_guild("Private", with_bot=False)
    private_channel = lc.create_channel(private, "secret")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    await lc.run_command(guild, admin, ADD, options={"channel": mine})
    for name in (ADD, ["announce", "channel", "remove"], ["announce", "test"]):
        for channel in (their_channel, private_channel):
            answer = await lc.run_command(guild, admin, name, options={"channel": channel})
            assert answer.ephemeral and "not in this server" in answer.content, (name, answer.content)
    assert await running.store.announce_channel(their_channel.id) is None
    assert await running.store.announce_channel(private_channel.id) is None
    assert lc.messages(their_channel) == [] and lc.messages(private_channel) == []


async def test_announce_in_a_dm_says_it_works_only_in_a_server(lc: LocalDiscord, running: RunningBot) -> None:
    guild = lc.create_guild("Somewhere")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    lc.create_channel(guild, "releases")
    await running.start()
    for name, options in ((["announce", "list"], {}), (["announce", "timezone"], {"zone": "Asia/Seoul"})):
        # Discord does not offer a server-only command in a DM; a client with an old command
        # list can still send it, and the answer says why it cannot run there.
        with pytest.raises(CommandUnavailable):
            await lc.run_command(None, admin, name, options=options)
        answer = await lc.run_command(None, admin, name, options=options, stale_client=True)
        assert answer.content == "This command works only in a server.", answer.content


async def test_a_time_zone_is_a_real_iana_zone(lc: LocalDiscord, running: RunningBot) -> None:
    guild = lc.create_guild("Zones")
    lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    zone = ["announce", "timezone"]
    for fake in ("localtime", "posixrules", "Factory", "right/UTC", "posix/Asia/Seoul", "Mars/Olympus"):
        answer = await lc.run_command(guild, admin, zone, options={"zone": fake})
        assert "is not a time zone I know" in answer.content, (fake, answer.content)
    assert await running.store.announce_guild(guild.id) is None  # nothing saved
    answer = await lc.run_command(guild, admin, zone, options={"zone": "asia/seoul"})
    assert "Time zone set to **Asia/Seoul**" in answer.content, answer.content
    for typed in ("local", "posix", "right/", "fact"):
        choices = await lc.run_autocomplete(guild, admin, zone, focused="zone", value=typed)
        assert not [c for c in choices if c["value"] in ("localtime", "posixrules", "Factory")]
        assert not [c for c in choices if c["value"].startswith(("posix/", "right/"))], choices


async def test_a_setting_over_discords_length_limits_is_refused_before_it_is_saved(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Long")
    chan = lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    await running.store.import_records([aoad(), weekly()])
    too_long = [
        (ADD, {"channel": chan, "platforms": ", ".join(["Netflix"] * 400)}, "platforms", 500),
        (ADD, {"channel": chan, "shows": "Snowdrop, " * 200}, "shows", 1000),
        (["announce", "timezone"], {"zone": "Asia/" + "x" * 3000}, "zone", 64),
        (["announce", "time"], {"at": "09:00" * 100}, "at", 5),
    ]
    for name, options, label, limit in too_long:
        answer = await lc.run_command(guild, admin, name, options=options)
        assert (
            answer.ephemeral and f"**{label}** is too long: at most {limit} characters" in answer.content
        ), (
            label,
            answer.content,
        )
    assert (
        await running.store.announce_channel(chan.id) is None
        and await running.store.announce_guild(guild.id) is None
    )
    # Within the limits, a long answer still fits in one message.
    platforms = ", ".join(["netflix", "Disney+ "] * 12)
    answer = await lc.run_command(guild, admin, ADD, options={"channel": chan, "platforms": platforms})
    assert "will be posted in" in answer.content and len(answer.content) <= 2000


async def test_pause_and_resume_twice_say_the_second_time_that_nothing_changed(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Paused")
    lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    said = []
    for name in ("resume", "pause", "pause", "resume", "resume"):
        answer = await lc.run_command(guild, admin, ["announce", name])
        assert answer.ephemeral
        said.append(answer.content.split(".")[0].split(";")[0].split(":")[0])
    assert said == [
        "Announcements are not paused",
        "Announcements paused",
        "Announcements are already paused",
        "Announcements resumed",
        "Announcements are not paused",
    ]
    config = await running.store.announce_guild(guild.id)
    assert config is not None and not config.paused
