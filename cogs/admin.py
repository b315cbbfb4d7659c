"""Owner tools: a deliberate command sync."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import PremiereBot


class Admin(commands.Cog):
    def __init__(self, bot: PremiereBot) -> None:
        self.bot = bot

    @app_commands.command(name="sync", description="Bot owner only: publish the slash commands again")
    @app_commands.default_permissions(administrator=True)
    async def sync(self, interaction: discord.Interaction) -> None:
        if not await self.bot.is_owner(interaction.user):
            await interaction.response.send_message("Only the bot's owner can sync commands.", ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.bot.sync_commands(force=True)
        await interaction.followup.send(result.capitalize() + ".", ephemeral=True)


async def setup(bot: PremiereBot) -> None:
    await bot.add_cog(Admin(bot))
