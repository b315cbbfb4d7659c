"""The Discord side of the week at a glance: a :class:`bot.weekly.WeeklyPoster` with discord.py.

Discord's answers become the port's errors as ``bot.delivery.translate`` says for posts (403
50001/50013 and 404 10003: the channel is broken; 5xx, time-outs, connection errors: transient),
and 404 Unknown Message (10008) on an edit becomes :class:`bot.weekly.MessageGone`. Nothing the
message holds can ping anyone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.announce.port import DeliveryError, Embed
from bot.delivery import translate
from bot.weekly import MessageGone

if TYPE_CHECKING:
    from discord.ext import commands

UNKNOWN_MESSAGE = 10008
FAILURES = (discord.HTTPException, discord.RateLimited, TimeoutError, aiohttp.ClientError, OSError)


def weekly_error(exc: BaseException) -> DeliveryError:
    """The port's error for what Discord (or the connection) answered."""
    if isinstance(exc, discord.HTTPException) and exc.status == 404 and exc.code == UNKNOWN_MESSAGE:
        return MessageGone("the message was deleted (Unknown Message)")
    return translate(exc)


class DiscordWeeklyPoster:
    def __init__(self, bot: commands.Bot | commands.AutoShardedBot) -> None:
        self.bot = bot

    async def send(
        self, channel_id: int, content: str, embeds: list[Embed], *, nonce: str | None = None
    ) -> int:
        channel = self.bot.get_partial_messageable(channel_id)
        shown = [discord.Embed.from_dict(e) for e in embeds]
        quiet = discord.AllowedMentions.none()
        try:
            if nonce:
                message = await channel.send(content, embeds=shown, allowed_mentions=quiet, nonce=nonce)
            else:
                message = await channel.send(content, embeds=shown, allowed_mentions=quiet)
        except FAILURES as exc:
            raise weekly_error(exc) from exc
        return message.id

    async def edit(self, channel_id: int, message_id: int, content: str, embeds: list[Embed]) -> None:
        message = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
        try:
            await message.edit(
                content=content,
                embeds=[discord.Embed.from_dict(e) for e in embeds],
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except FAILURES as exc:
            raise weekly_error(exc) from exc


__all__ = ["DiscordWeeklyPoster", "UNKNOWN_MESSAGE", "weekly_error"]
