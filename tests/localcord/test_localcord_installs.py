"""Install contexts: commands of an app installed to a user's account, run in a server without the
bot, in the bot's DM and in DMs and group DMs between users, through the real discord.py client."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import pytest
from discord import app_commands

from localcord import CommandUnavailable, LocalDiscord
from localcord import permissions as P


class Wave(discord.ui.View):
    """A persistent button on the bot's answers; whoever presses it is answered privately."""

    def __init__(self, seen: list[discord.Interaction]) -> None:
        super().__init__(timeout=None)
        self.seen = seen

    @discord.ui.button(label="Wave", custom_id="wave")
    async def wave(self, interaction: discord.Interaction, _: discord.ui.Button[Wave]) -> None:
        self.seen.append(interaction)
        await interaction.response.send_message(f"{interaction.user.name} waves back", ephemeral=True)


class Harness:
    """A bot whose commands say where they ran, and record what Discord refused them."""

    def __init__(self, make_bot: Any) -> None:
        self.seen: list[discord.Interaction] = []
        self.errors: list[int] = []
        self.chatty_done = asyncio.Event()
        self.bot = bot = make_bot()
        bot.add_view(Wave(self.seen))
        everywhere = app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)

        @bot.tree.command(name="profile", description="Where am I?")
        @app_commands.allowed_installs(guilds=True, users=True)
        @everywhere
        async def profile(interaction: discord.Interaction) -> None:
            self.seen.append(interaction)
            await interaction.response.send_message("profile", view=Wave(self.seen))
            try:
                await interaction.channel.send("posted directly")  # type: ignore[union-attr]
            except discord.HTTPException as exc:
                self.errors.append(exc.code)
            await interaction.followup.send("a follow-up")

        @bot.tree.command(name="mine", description="Only for those who installed the app")
        @app_commands.allowed_installs(guilds=False, users=True)
        @everywhere
        async def mine(interaction: discord.Interaction) -> None:
            self.seen.append(interaction)
            await interaction.response.send_message("yours", ephemeral=True)

        @bot.tree.command(name="setup", description="Server only")
        @app_commands.guild_only()
        async def setup(interaction: discord.Interaction) -> None:
            self.seen.append(interaction)
            await interaction.response.send_message("set up", ephemeral=True)

        @bot.tree.command(name="chatty", description="Six follow-ups")
        @app_commands.allowed_installs(guilds=True, users=True)
        @everywhere
        async def chatty(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("start")
            try:
                for i in range(6):
                    try:
                        await interaction.followup.send(f"follow-up {i}")
                    except discord.HTTPException as exc:
                        self.errors.append(exc.code)
            finally:
                self.chatty_done.set()

    async def start(self, server: LocalDiscord, runner: Any) -> None:
        await runner.start(self.bot, server)
        await self.bot.tree.sync()


@pytest.fixture
async def harness(server: LocalDiscord, runner: Any, make_bot: Any) -> Harness:
    h = Harness(make_bot)
    await h.start(server, runner)
    return h


async def test_a_user_install_runs_in_a_server_without_the_bot(
    server: LocalDiscord, harness: Harness
) -> None:
    elsewhere = server.create_guild("No bot here", with_bot=False)
    chan = server.create_channel(elsewhere, "general")
    alice = server.create_member(elsewhere, "alice")
    bob = server.create_member(elsewhere, "bob")
    with pytest.raises(CommandUnavailable, match="USER_INSTALL"):
        await server.run_command(elsewhere, alice, "profile", channel=chan)  # not installed yet

    server.install_for_user(alice)
    res = await server.run_command(elsewhere, alice, "profile", channel=chan)
    payload = res.payload
    assert payload["context"] == 0
    assert payload["authorizing_integration_owners"] == {"1": str(alice.id)}
    assert payload["guild_id"] == str(elsewhere.id) and payload["member"]["user"]["id"] == str(alice.id)
    assert "permission_overwrites" not in payload["channel"] and payload["channel"]["name"] == "general"
    member_perms = int(payload["member"]["permissions"])
    assert int(payload["app_permissions"]) == P.user_install_app_permissions(member_perms)
    assert P.has(int(payload["app_permissions"]), P.SEND_MESSAGES | P.EMBED_LINKS | P.ATTACH_FILES)
    assert not int(payload["app_permissions"]) & P.MANAGE_MESSAGES

    # The answer and its follow-up are in the channel; the bot could not post there itself.
    assert res.type == 4 and not res.ephemeral and res.content == "profile"
    await res.wait_for_followups(1)
    assert [m["content"] for m in server.messages(chan)] == ["profile", "a follow-up"]
    assert harness.errors == [50001]
    assert server.requests("POST /channels/*/messages", status=403)
    # discord.py sees a user integration in a server it has no cache of.
    inter = harness.seen[-1]
    assert inter.is_user_integration() and not inter.is_guild_integration()
    assert harness.bot.get_guild(elsewhere.id) is None and inter.guild_id == elsewhere.id
    # Discord sent nothing of this server but the interactions.
    assert {e for _, e, gid in server.dispatch_log if gid == str(elsewhere.id)} == {"INTERACTION_CREATE"}

    # Anyone who sees the answer may press its button; the click is authorized by alice's install.
    click = await server.click_button(res.message, "wave", bob)
    assert click.ephemeral and click.content == "bob waves back"
    assert click.payload["authorizing_integration_owners"] == {"1": str(alice.id)}
    assert click.payload["context"] == 0


async def test_where_a_command_is_not_offered_it_cannot_be_run(
    server: LocalDiscord, harness: Harness
) -> None:
    home = server.create_guild("Home")  # the bot is here
    home_chan = server.create_channel(home, "general")
    alice = server.create_member(home, "alice")
    elsewhere = server.create_guild("Elsewhere", with_bot=False)
    server.create_channel(elsewhere, "general")
    server.create_member(elsewhere, user=alice)
    server.install_for_user(alice)

    # A guild-only command (a guild install only): never where the app is only user-installed.
    with pytest.raises(CommandUnavailable, match="contexts are \\['GUILD'\\]"):
        await server.run_command(None, alice, "setup")
    with pytest.raises(CommandUnavailable, match="GUILD_INSTALL"):
        await server.run_command(elsewhere, alice, "setup")
    # A user-install-only command: where the user installed the app, also in a server with the bot.
    res = await server.run_command(home, alice, "mine", channel=home_chan)
    assert res.payload["authorizing_integration_owners"] == {"1": str(alice.id)} and res.content == "yours"
    # Both installs: both owners.
    res = await server.run_command(home, alice, "profile", channel=home_chan)
    assert res.payload["authorizing_integration_owners"] == {"0": str(home.id), "1": str(alice.id)}
    assert int(res.payload["app_permissions"]) == server.bot_permissions_in(home_chan)
    assert harness.errors == []  # the bot is in Home: its own post went through

    # A command registered to Home alone is offered only there, with the bot in it.
    harness.bot.tree.add_command(local, guild=discord.Object(home.id))
    await harness.bot.tree.sync(guild=discord.Object(home.id))
    assert (await server.run_command(home, alice, "local", channel=home_chan)).content == "ok"
    with pytest.raises(LookupError):
        await server.run_command(elsewhere, alice, "local")
    server.remove_bot_from_guild(home)
    with pytest.raises(CommandUnavailable, match="registered to guild"):
        await server.run_command(home, alice, "local", channel=home_chan)
    # ... where the global, user-installable /profile now runs under alice's install alone.
    res = await server.run_command(home, alice, "profile", channel=home_chan)
    assert res.payload["authorizing_integration_owners"] == {"1": str(alice.id)}

    # A client with an outdated command list can still send what Discord no longer offers.
    stale = await server.run_command(None, alice, "setup", stale_client=True)
    assert stale.payload["context"] == 1 and stale.content == "set up"


@app_commands.command(name="local", description="Home only")
async def local(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("ok", ephemeral=True)


async def test_the_bots_dm_under_either_install(server: LocalDiscord, harness: Harness) -> None:
    alice = server.create_user("alice")
    res = await server.run_command(None, alice, "profile")
    assert res.payload["context"] == 1 and res.payload["authorizing_integration_owners"] == {"0": "0"}
    assert P.has(int(res.payload["app_permissions"]), P.BOT_DM_APP)
    with pytest.raises(CommandUnavailable):
        await server.run_command(None, alice, "mine")
    server.install_for_user(alice)
    res = await server.run_command(None, alice, "mine")
    assert res.payload["authorizing_integration_owners"] == {"1": str(alice.id)} and res.content == "yours"
    res = await server.run_command(None, alice, "profile")
    assert res.payload["authorizing_integration_owners"] == {"0": "0", "1": str(alice.id)}
    assert harness.seen[-1].context.dm_channel
    server.uninstall_for_user(alice)
    assert not server.user_installed(alice)
    with pytest.raises(CommandUnavailable):
        await server.run_command(None, alice, "mine")


async def test_a_group_dm_and_a_dm_between_users(server: LocalDiscord, harness: Harness) -> None:
    alice, bob, carol = (server.create_user(n) for n in ("alice", "bob", "carol"))
    group = server.create_private_channel(alice, bob, carol)
    dm = server.create_private_channel(alice, bob)
    assert group.type == 3 and dm.type == 1
    with pytest.raises(CommandUnavailable):
        await server.run_command(None, alice, "profile", channel=group)  # not installed
    server.install_for_user(alice)
    with pytest.raises(CommandUnavailable, match="contexts are \\['GUILD'\\]"):
        await server.run_command(None, alice, "setup", channel=group)
    with pytest.raises(KeyError):
        await server.run_command(None, server.create_user("dave"), "profile", channel=group)

    res = await server.run_command(None, alice, "profile", channel=group)
    payload = res.payload
    assert payload["context"] == 2 and payload["authorizing_integration_owners"] == {"1": str(alice.id)}
    assert payload["channel"]["type"] == 3 and payload["user"]["id"] == str(alice.id)
    assert int(payload["app_permissions"]) == P.PRIVATE_CHANNEL_APP
    assert harness.seen[-1].context.private_channel and isinstance(
        harness.seen[-1].channel, discord.GroupChannel
    )
    await res.wait_for_followups(1)
    assert [m["content"] for m in server.messages(group)] == ["profile", "a follow-up"]
    assert harness.errors == [50001]  # the bot is no party to the group DM
    # ... and hears nothing of it.
    for session in server.gateway.shards.values():
        created = [p["d"] for _, p in session.buffer if p["t"] == "MESSAGE_CREATE"]
        assert all(d["channel_id"] != str(group.id) for d in created)

    click = await server.click_button(res.message, "wave", carol)
    assert click.content == "carol waves back" and click.payload["context"] == 2
    assert click.payload["authorizing_integration_owners"] == {"1": str(alice.id)}

    res = await server.run_command(None, alice, "mine", channel=dm)
    assert res.payload["context"] == 2 and res.payload["channel"]["type"] == 1 and res.content == "yours"


async def test_a_server_may_keep_user_installed_apps_private(server: LocalDiscord, harness: Harness) -> None:
    elsewhere = server.create_guild("Strict", with_bot=False)
    chan = server.create_channel(elsewhere, "general")
    alice = server.create_member(elsewhere, "alice")
    server.install_for_user(alice)
    server.take_permission(elsewhere, chan, "everyone", P.USE_EXTERNAL_APPS)
    res = await server.run_command(elsewhere, alice, "profile", channel=chan)
    assert res.ephemeral and res.content == "profile"
    assert server.messages(chan) == []


async def test_a_user_install_alone_gets_five_follow_ups(server: LocalDiscord, harness: Harness) -> None:
    elsewhere = server.create_guild("No bot here", with_bot=False)
    chan = server.create_channel(elsewhere, "general")
    alice = server.create_member(elsewhere, "alice")
    server.install_for_user(alice)
    res = await server.run_command(elsewhere, alice, "chatty", channel=chan)
    async with asyncio.timeout(5):
        await harness.chatty_done.wait()
    assert len(res.followups) == 5 and harness.errors == [40094]

    home = server.create_guild("Home")
    home_chan = server.create_channel(home, "general")
    server.create_member(home, user=alice)
    harness.chatty_done.clear()
    res = await server.run_command(home, alice, "chatty", channel=home_chan)
    async with asyncio.timeout(5):
        await harness.chatty_done.wait()
    assert len(res.followups) == 6 and harness.errors == [40094]  # a guild install has no such limit
