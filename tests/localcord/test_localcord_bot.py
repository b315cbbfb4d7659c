"""End-to-end: the unmodified discord.py client against localcord."""

from __future__ import annotations

import asyncio

import discord
import pytest

from localcord import InteractionTimeout, LocalDiscord


async def test_login_ready_and_guild_create(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("Zombie Fans")
    chan = server.create_channel(guild, "releases")
    news = server.create_channel(guild, "news", type=5)
    ready = asyncio.Event()
    bot = make_bot()

    @bot.event
    async def on_ready() -> None:
        ready.set()

    await runner.start(bot, server)
    await asyncio.wait_for(ready.wait(), 5)
    assert bot.user.id == server.bot_user.id
    assert bot.application_id == server.application_id
    g = bot.get_guild(guild.id)
    assert g is not None and g.name == "Zombie Fans"
    assert isinstance(g.get_channel(chan.id), discord.TextChannel)
    assert g.get_channel(news.id).is_news()
    assert g.me is not None and g.me.id == server.bot_user.id
    assert g.me.guild_permissions.send_messages
    assert server.identify_count == 1
    assert ("GET", "/gateway/bot", 200) in server.request_log
    assert ("GET", "/oauth2/applications/@me", 200) in server.request_log


async def test_sync_command_answer_defer_and_autocomplete(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("Zombie Fans")
    chan = server.create_channel(guild, "releases")
    alice = server.create_member(guild, "alice")
    bot = await runner.start(make_bot(), server)

    synced = await bot.tree.sync()
    assert sorted(c.name for c in synced) == ["cast", "slow"]
    registered = server.commands()
    assert {c["name"] for c in registered} == {"cast", "slow"}
    assert all(c["application_id"] == str(server.application_id) for c in registered)

    result = await server.run_command(
        guild, alice, "cast", options={"show": "All of Us Are Dead"}, channel=chan
    )
    assert result.type == 4
    assert result.message["content"].startswith("Cast of All of Us Are Dead")
    assert server.messages(chan)[-1]["id"] == result.message["id"]
    assert result.message["interaction_metadata"]["user"]["id"] == str(alice.id)

    deferred = await server.run_command(guild, alice, "slow", channel=chan)
    assert deferred.type == 5
    assert deferred.message["content"] == "done thinking"
    assert not deferred.message["flags"] & 128  # no longer loading
    assert [m["content"] for m in deferred.followups] == ["done thinking"]

    choices = await server.run_autocomplete(guild, alice, "cast", focused="show", value="지금")
    assert choices == [{"name": f"지금 #{i}", "value": f"지금-{i}"} for i in range(3)]


async def test_guild_sync_and_subcommands(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("Subs")
    chan = server.create_channel(guild, "general")
    role = server.create_role(guild, "Watchers")
    alice = server.create_member(guild, "alice", roles=[role])
    bot = make_bot()
    seen: dict = {}
    announce = discord.app_commands.Group(name="announce", description="Announcements")
    channel_group = discord.app_commands.Group(name="channel", description="Channels", parent=announce)

    @channel_group.command(name="add", description="Add a channel")
    async def add(
        interaction: discord.Interaction, target: discord.TextChannel, ping: discord.Role, who: discord.Member
    ) -> None:
        seen.update(target=target, ping=ping, who=who)
        await interaction.response.send_message(f"added {target.mention}", ephemeral=True)

    bot.tree.add_command(announce, guild=discord.Object(guild.id))
    await runner.start(bot, server)
    await bot.tree.sync(guild=discord.Object(guild.id))
    assert [c["name"] for c in server.commands(guild)] == ["announce"]
    assert server.commands() == []

    result = await server.run_command(
        guild,
        alice,
        "announce channel add",
        options={"target": chan, "ping": role, "who": alice},
        channel=chan,
    )
    assert result.type == 4 and result.ephemeral
    assert result.message["content"] == f"added <#{chan.id}>"
    assert server.messages(chan) == []  # ephemeral messages are not in the channel
    assert seen["target"].id == chan.id and seen["ping"].id == role.id and seen["who"].id == alice.id


async def test_interaction_too_late_is_unknown(server: LocalDiscord, runner, make_bot) -> None:
    server.interaction_timeout = 0.2
    guild = server.create_guild("Slow")
    chan = server.create_channel(guild, "general")
    alice = server.create_member(guild, "alice")
    bot = make_bot()
    errors: list = []

    @bot.tree.command(name="late", description="answers too late")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.4)
        try:
            await interaction.response.send_message("too late")
        except discord.NotFound as e:
            errors.append(e.code)

    await runner.start(bot, server)
    await bot.tree.sync()
    with pytest.raises(InteractionTimeout):
        await server.run_command(guild, alice, "late", channel=chan, timeout=1.0)
    await asyncio.sleep(0.1)
    assert errors == [10062]
    assert server.late_callbacks == 1


async def test_buttons_update_message(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("Pages")
    chan = server.create_channel(guild, "general")
    alice = server.create_member(guild, "alice")
    bot = make_bot()

    class Pager(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=30)
            self.page = 1

        @discord.ui.button(label="Next", custom_id="pager:next")
        async def next(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
            self.page += 1
            await interaction.response.edit_message(content=f"page {self.page}", view=self)

    @bot.tree.command(name="pages", description="paged")
    async def pages(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("page 1", view=Pager())

    await runner.start(bot, server)
    await bot.tree.sync()
    result = await server.run_command(guild, alice, "pages", channel=chan)
    assert result.message["components"][0]["components"][0]["custom_id"] == "pager:next"
    update = await server.click_button(result.message, "pager:next", alice)
    assert update.type == 7
    assert update.message["content"] == "page 2"
    assert server.messages(chan)[-1]["content"] == "page 2"
    assert len(server.messages(chan)) == 1


async def test_dm_channel_messages(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("DMs")
    alice = server.create_member(guild, "alice")
    bot = await runner.start(make_bot(), server)
    user = await bot.fetch_user(alice.id)
    await user.send("your show is out")
    assert [m["content"] for m in server.dm_messages(alice)] == ["your show is out"]
    server.set_dms_open(alice, False)
    with pytest.raises(discord.Forbidden) as exc:
        await user.send("again")
    assert exc.value.code == 50007
