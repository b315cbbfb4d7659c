"""Fixtures: a localcord server and a real discord.py AutoShardedBot connected to it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket

# pytest puts tests/ on sys.path, where this directory (tests/localcord) would be
# taken for a namespace package named "localcord". Make sure the real package wins.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
if "localcord" in sys.modules and not hasattr(sys.modules["localcord"], "LocalDiscord"):
    for _name in [n for n in sys.modules if n == "localcord" or n.startswith("localcord.")]:
        del sys.modules[_name]

from localcord import LocalDiscord  # noqa: E402


@pytest.fixture
def discord_routes():
    """Points discord.py's class-level REST base and default gateway at a server; restores them."""
    saved_base = discord.http.Route.BASE
    saved_gateway = DiscordWebSocket.DEFAULT_GATEWAY

    def point(server: LocalDiscord) -> None:
        discord.http.Route.BASE = server.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)

    yield point
    discord.http.Route.BASE = saved_base
    DiscordWebSocket.DEFAULT_GATEWAY = saved_gateway


@pytest.fixture
async def server(discord_routes) -> AsyncIterator[LocalDiscord]:
    srv = LocalDiscord(limits=True)
    await srv.start()
    discord_routes(srv)
    try:
        yield srv
    finally:
        await srv.stop()


class BotRunner:
    """Starts and stops a discord.py bot against the server."""

    def __init__(self) -> None:
        self.bots: list[tuple[commands.Bot, asyncio.Task]] = []

    async def start(self, bot: commands.Bot, server: LocalDiscord, *, wait: bool = True) -> commands.Bot:
        task = asyncio.create_task(bot.start(server.token))
        self.bots.append((bot, task))
        if wait:
            done = asyncio.ensure_future(server.wait_for_bot_ready(10))
            await asyncio.wait({done, task}, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                task.result()  # surface the bot's start-up error
            await done
            # localcord has sent every GUILD_CREATE; wait until the client has read them too.
            bot_id = server.core.bot_user.id
            expected = {g.id for g in server.guilds() if bot_id in g.members}
            async with asyncio.timeout(10):
                while not expected <= {g.id for g in bot.guilds}:  # noqa: ASYNC110 (no event per guild)
                    await asyncio.sleep(0.01)
        return bot

    async def close(self) -> None:
        for bot, task in self.bots:
            with contextlib.suppress(Exception):
                await bot.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, 5)


@pytest.fixture
async def runner() -> AsyncIterator[BotRunner]:
    r = BotRunner()
    try:
        yield r
    finally:
        await r.close()


class QuickBot(commands.AutoShardedBot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py waits 5 s between IDENTIFYs (Discord's max_concurrency=1); not needed on loopback.
        return None


def _make_bot(*, intents: discord.Intents | None = None, **kwargs) -> commands.AutoShardedBot:
    """A tiny bot with the app commands used by the tests."""
    bot = QuickBot(
        command_prefix="!",
        intents=intents or discord.Intents.default(),
        guild_ready_timeout=0.05,
        **kwargs,
    )
    bot.events: list[str] = []  # type: ignore[attr-defined]

    @bot.tree.command(name="cast", description="Who plays in a show")
    @app_commands.describe(show="The show")
    async def cast(interaction: discord.Interaction, show: str) -> None:
        await interaction.response.send_message(
            f"Cast of {show} (shard {interaction.guild.shard_id if interaction.guild else 0})"
        )

    @cast.autocomplete("show")
    async def cast_show(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f"{current} #{i}", value=f"{current}-{i}") for i in range(3)]

    @bot.tree.command(name="slow", description="Deferred answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("done thinking")

    @bot.event
    async def on_resumed() -> None:
        bot.events.append("resumed")  # type: ignore[attr-defined]

    return bot


@pytest.fixture
def make_bot() -> Callable[..., commands.AutoShardedBot]:
    return _make_bot


logging.getLogger("discord").setLevel(logging.WARNING)
