"""REST routes used through discord.py's high-level API."""

from __future__ import annotations

import asyncio

import discord
import pytest

from localcord import LocalDiscord
from localcord import permissions as P


async def test_guild_channel_role_member_routes(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("Routes")
    chan = server.create_channel(guild, "releases", topic="new episodes")
    role = server.create_role(guild, "Watchers", mentionable=True)
    alice = server.create_member(guild, "alice", roles=[role])
    server.set_bot_permissions(guild, P.DEFAULT_BOT | P.MANAGE_CHANNELS | P.MANAGE_ROLES)
    intents = discord.Intents.default()
    intents.members = True
    bot = await runner.start(make_bot(intents=intents), server)

    g = await bot.fetch_guild(guild.id)
    assert g.name == "Routes" and g.owner_id == guild.owner_id
    channels = await g.fetch_channels()
    assert [c.name for c in channels] == ["releases"]
    roles = await g.fetch_roles()
    assert {r.name for r in roles} >= {"@everyone", "Watchers", "Premiere"}
    member = await g.fetch_member(alice.id)
    assert member.name == "alice" and role.id in [r.id for r in member.roles]
    members = [m async for m in g.fetch_members(limit=None)]
    assert {m.id for m in members} == set(guild.members)
    with pytest.raises(discord.NotFound) as exc:
        await g.fetch_member(1)
    assert exc.value.code == 10007

    live = bot.get_channel(chan.id)
    edited = await live.edit(topic="season 2")
    assert edited.topic == "season 2" and server.state_channel(chan).topic == "season 2"
    new_role = await bot.get_guild(guild.id).create_role(name="Fans", mentionable=True)
    assert server.state_role(guild, new_role.id).mentionable
    await live.delete()
    assert server.messages(chan) == [] and chan.id not in server.state_guild(guild).channels


async def test_single_command_routes(server: LocalDiscord, runner, make_bot) -> None:
    server.create_guild("G")
    bot = await runner.start(make_bot(), server)
    await bot.tree.sync()
    fetched = await bot.tree.fetch_commands()
    assert sorted(c.name for c in fetched) == ["cast", "slow"]
    cast = next(c for c in fetched if c.name == "cast")
    edited = await cast.edit(description="Who is in it")
    assert edited.description == "Who is in it"
    assert edited.id == cast.id
    created = await bot.http.upsert_global_command(
        server.application_id, {"name": "new", "description": "d", "type": 1}
    )
    assert created["name"] == "new" and len(server.commands()) == 3
    await cast.delete()
    assert sorted(c["name"] for c in server.commands()) == ["new", "slow"]
    # a bulk sync keeps ids of commands with the same name
    ids_before = {c["name"]: c["id"] for c in server.commands()}
    await bot.tree.sync()
    after = {c["name"]: c["id"] for c in server.commands()}
    assert after["slow"] == ids_before["slow"]


async def test_deferred_edit_original_and_followups(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "c")
    alice = server.create_member(guild, "alice")
    bot = make_bot()
    finished = asyncio.Event()

    @bot.tree.command(name="multi", description="edits and follow-ups")
    async def multi(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content="page 1")
        original = await interaction.original_response()
        assert original.content == "page 1"
        await interaction.followup.send("more", ephemeral=True)
        msg = await interaction.followup.send("public", wait=True)
        await msg.edit(content="public (edited)")
        finished.set()

    @bot.tree.command(name="modal", description="opens a modal")
    async def modal(interaction: discord.Interaction) -> None:
        m = discord.ui.Modal(title="Suggest a show", custom_id="suggest")
        m.add_item(discord.ui.TextInput(label="Title", custom_id="title"))
        await interaction.response.send_modal(m)

    await runner.start(bot, server)
    await bot.tree.sync()
    result = await server.run_command(guild, alice, "multi", channel=chan)
    await result.wait_for_followups(2)
    await asyncio.wait_for(finished.wait(), 5)
    assert result.type == 5 and result.ephemeral
    assert result.message["content"] == "page 1"
    assert [m["content"] for m in result.followups] == ["more", "public (edited)"]
    assert [m["content"] for m in server.messages(chan)] == ["public (edited)"]  # ephemerals are private

    shown = await server.run_command(guild, alice, "modal", channel=chan)
    assert (
        shown.type == 9 and shown.modal["custom_id"] == "suggest" and shown.modal["title"] == "Suggest a show"
    )


async def test_already_acknowledged(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "c")
    alice = server.create_member(guild, "alice")
    bot = make_bot()
    codes: list = []

    @bot.tree.command(name="twice", description="answers twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("one")
        route = discord.http.Route(
            "POST", "/interactions/{i}/{t}/callback", i=interaction.id, t=interaction.token
        )
        try:
            await bot.http.request(route, json={"type": 4, "data": {"content": "two"}})
        except discord.HTTPException as e:
            codes.append((e.status, e.code))

    await runner.start(bot, server)
    await bot.tree.sync()
    await server.run_command(guild, alice, "twice", channel=chan)
    for _ in range(50):
        if codes:
            break
        await asyncio.sleep(0.01)
    assert codes == [(400, 40060)]
