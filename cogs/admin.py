"""Owner tools: a deliberate command sync."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.translator import lname, reader

if TYPE_CHECKING:
    from bot.client import PremiereBot


class Admin(commands.Cog):
    def __init__(self, bot: PremiereBot) -> None:
        self.bot = bot

    @app_commands.command(
        name=lname("command", "sync"),
        description=locale_str("Bot owner only: publish the slash commands again"),
    )
    @app_commands.default_permissions(administrator=True)
    async def sync(self, interaction: discord.Interaction) -> None:
        tr = reader(interaction)
        if not await self.bot.is_owner(interaction.user):
            await interaction.response.send_message(
                tr("Only the bot's owner can sync commands."), ephemeral=True
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = tr(await self.bot.sync_commands(force=True))
        await interaction.followup.send(result[:1].upper() + result[1:] + ".", ephemeral=True)


async def setup(bot: PremiereBot) -> None:
    await bot.add_cog(Admin(bot))
