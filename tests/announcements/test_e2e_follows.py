"""End to end through localcord with the real bot: members follow shows, get DMs, reminders.

The story: fans of All of Us Are Dead (2022-01-28, 17:00 in Seoul) follow it before it is out,
from a server, from their DMs, and from a server that never added the bot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from localcord.installs import CommandUnavailable

from .conftest import LocalDiscord, RunningBot
from .fakes import aoad, weekly

DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
P_MANAGE_GUILD = 1 << 5


async def started(lc: LocalDiscord, running: RunningBot):  # type: ignore[no-untyped-def]
    guild = lc.create_guild("Zombie Fans")
    lc.create_channel(guild, "general")
    await running.store.import_records([aoad(), weekly()])
    await running.start()
    await running.bot.catalogue.refresh()
    return guild


async def test_a_member_follows_from_a_server_and_gets_one_dm(lc: LocalDiscord, running: RunningBot) -> None:
    guild = await started(lc, running)
    on_jo = lc.create_member(guild, "on-jo")
    choices = await lc.run_autocomplete(guild, on_jo, "follow", focused="show", value="all of us")
    assert choices[0]["value"] == "all-of-us-are-dead"
    answer = await lc.run_command(guild, on_jo, "follow", {"show": "all-of-us-are-dead", "what": "premiere"})
    assert answer.ephemeral and "Following **All of Us Are Dead**" in answer.content, answer.content
    listing = await lc.run_command(guild, on_jo, "following")
    embed = listing.message["embeds"][0]
    assert listing.ephemeral and embed["title"] == "Following 1 of 100 shows"
    assert "All of Us Are Dead" in embed["description"] and "premieres" in embed["description"]

    ahead = await lc.run_command(guild, on_jo, "follow", {"show": "all-of-us-are-dead", "reminders": "1h"})
    assert "reminders 1 hour ahead" in ahead.content, ahead.content
    running.clock.set(DUE - timedelta(hours=1))
    await running.service.run_due()
    [reminder] = lc.dm_messages(on_jo)
    assert reminder["content"].startswith("\N{ALARM CLOCK} Reminder, 1 hour ahead")
    running.clock.set(DUE)
    await running.service.run_due()
    await running.service.run_due()
    reminder_again, dm = lc.dm_messages(on_jo)
    assert reminder_again["id"] == reminder["id"]
    assert dm["content"].startswith("\N{TELEVISION} New from a show you follow")
    assert dm["embeds"][0]["title"].startswith("All of Us Are Dead")
    assert dm["mentions"] == [] and dm["mention_everyone"] is False
    assert len(lc.requests("POST /users/@me/channels")) == 1


async def test_following_pages_and_unfollow_buttons(lc: LocalDiscord, running: RunningBot) -> None:
    guild = await started(lc, running)
    fan = lc.create_member(guild, "fan")
    for show in ("all-of-us-are-dead", "snowdrop"):
        await lc.run_command(guild, fan, "follow", {"show": show, "what": "every episode"})
        running.clock.advance(timedelta(minutes=1))  # the newest follow is listed first
    listing = await lc.run_command(guild, fan, "following")
    buttons = [c for row in listing.message["components"] for c in row["components"]]
    assert [b["label"] for b in buttons] == ["Unfollow Snowdrop", "Unfollow All of Us Are Dead"]
    pressed = await lc.click_button(listing.message, buttons[0]["custom_id"], fan)
    assert pressed.type == 7 and "Unfollowed **Snowdrop**" in (pressed.message or {}).get("content", "")
    assert [i.follow.show_id for i in (await running.bot.services.follows.following(fan.id)).items] == [
        "all-of-us-are-dead"
    ]
    mine = await lc.run_autocomplete(guild, fan, "unfollow", focused="show", value="")
    assert [c["value"] for c in mine] == ["all-of-us-are-dead"]
    typo = await lc.run_command(guild, fan, "unfollow", {"show": "All of Us Are Ded **"})
    assert typo.ephemeral and "Did you mean **All of Us Are Dead**?" in typo.content
    assert "“All of Us Are Ded \\*\\*”" in typo.content  # what was typed, made inert once
    gone = await lc.run_command(guild, fan, "unfollow", {"show": "all-of-us-are-dead"})
    assert gone.ephemeral and "Unfollowed **All of Us Are Dead**" in gone.content
    nothing = await lc.run_command(guild, fan, "unfollow", {"show": "Squid Game"})
    assert nothing.ephemeral and "You don't follow a show called" in nothing.content
    assert "See `/following` for the shows you follow." in nothing.content


async def test_hostile_input_gets_a_short_private_answer(lc: LocalDiscord, running: RunningBot) -> None:
    guild = await started(lc, running)
    fan = lc.create_member(guild, "fan")
    for reminders in ("abc", "-1h", "9d", "1h,2h,3h,4h", "1 x", "x" * 40):
        answer = await lc.run_command(guild, fan, "follow", {"show": "snowdrop", "reminders": reminders})
        assert answer.ephemeral and len(answer.content) < 300, (reminders, answer.content)
        assert "reminder" in answer.content.lower() or "time ahead" in answer.content, answer.content
    unknown = await lc.run_command(guild, fan, "follow", {"show": "No Such Show At All"})
    assert unknown.ephemeral and "No show called" in unknown.content
    assert await running.bot.services.follows.follower(fan.id) is None  # nothing saved


async def test_closed_dms_pause_and_the_member_is_told_next_time(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = await started(lc, running)
    fan = lc.create_member(guild, "fan")
    await lc.run_command(guild, fan, "follow", {"show": "snowdrop", "what": "every episode"})
    lc.set_dms_open(fan, False)
    running.clock.set(DUE)
    await running.service.run_due()
    sends = len(lc.requests("POST /channels/*/messages"))
    running.clock.set(DUE + timedelta(days=7))  # episode 3: the paused member is not tried again
    await running.service.run_due()
    assert len(lc.requests("POST /channels/*/messages")) == sends
    assert lc.dm_messages(fan) == []

    asked = await lc.run_command(guild, fan, "show", {"title": "snowdrop"})
    [notice] = await asked.wait_for_followups(1)
    assert notice["flags"] & 64 and "your DMs are closed to me" in notice["content"]
    again = await lc.run_command(guild, fan, "show", {"title": "snowdrop"})
    assert again.followups == []  # told once
    listing = await lc.run_command(guild, fan, "following")
    assert "**Paused**" in listing.message["embeds"][0]["description"]
    lc.set_dms_open(fan, True)
    resumed = await lc.click_button(listing.message, "follow:resume", fan)
    assert "DMs resumed" in (resumed.message or {}).get("content", "")
    assert not (await running.bot.services.follows.follower(fan.id)).paused


async def test_user_install_works_in_dms_and_servers_without_the_bot(
    lc: LocalDiscord, running: RunningBot
) -> None:
    await started(lc, running)
    elsewhere = lc.create_guild("A server without Premiere")
    lc.create_channel(elsewhere, "chat")
    lc.remove_bot_from_guild(elsewhere)
    fan = lc.create_member(elsewhere, "fan")
    friend = lc.create_user("friend")
    with pytest.raises(CommandUnavailable):
        await lc.run_command(elsewhere, fan, "show", {"title": "all-of-us-are-dead"})
    lc.install_for_user(fan)
    shown = await lc.run_command(elsewhere, fan, "show", {"title": "지금 우리 학교는"})
    assert shown.message["embeds"][0]["title"].startswith("All of Us Are Dead")
    followed = await lc.run_command(elsewhere, fan, "follow", {"show": "all-of-us-are-dead"})
    assert "Following **All of Us Are Dead**" in followed.content
    private = lc.create_private_channel(fan, friend)
    upcoming = await lc.run_command(None, fan, "upcoming", {"days": 30}, channel=private)
    assert upcoming.message["embeds"]
    in_dm = await lc.run_command(None, fan, "following")
    assert "All of Us Are Dead" in in_dm.message["embeds"][0]["description"]
    for where, channel in ((elsewhere, None), (None, None), (None, private)):
        with pytest.raises(CommandUnavailable):
            await lc.run_command(where, fan, ["announce", "list"], channel=channel)
    running.clock.set(DUE)
    await running.service.run_due()
    assert len(lc.dm_messages(fan)) == 1  # the DM reaches a member of no server of the bot


async def test_a_channel_asks_for_a_reminder_before_each_release(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = await started(lc, running)
    releases = lc.create_channel(guild, "releases")
    fans = lc.create_role(guild, "Fans", mentionable=True)
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    running.clock.set(DUE - timedelta(days=1))
    add = ["announce", "channel", "add"]
    bad = await lc.run_command(guild, admin, add, {"channel": releases, "reminders": "soon"})
    assert bad.ephemeral and "time ahead" in bad.content
    ok = await lc.run_command(
        guild, admin, add, {"channel": releases, "role": fans, "reminders": "1h", "kinds": "premieres"}
    )
    assert "Reminders: 1 hour before each release" in ok.content, ok.content
    running.clock.set(DUE - timedelta(hours=1))
    await running.service.run_due()
    [reminder] = lc.messages(releases)
    assert reminder["content"].startswith("\N{ALARM CLOCK} Reminder, 1 hour ahead")
    assert reminder["mention_roles"] == [] and reminder["embeds"][0]["title"].startswith("All of Us Are Dead")
    running.clock.set(DUE)
    await running.service.run_due()
    post = lc.messages(releases)[-1]
    assert post["mention_roles"] == [str(fans.id)] and len(lc.messages(releases)) == 2
