"""The Discord side of scheduled events: a :class:`bot.events.EventPort` with discord.py.

It calls Discord's REST routes through ``bot.http`` (the bot may not have the server cached, and
with only the ``guilds`` intent it hears of no event changes anyway), and translates Discord's
answers into the port's errors: 403 (Missing Permissions 50013, Missing Access 50001) and 404
Unknown Guild become :class:`EventsForbidden`; 404 Unknown Guild Scheduled Event (10070)
:class:`EventGone`; 400 "Cannot update a finished event" (180000) :class:`EventFinished`; 400
"Maximum number of uncompleted guild scheduled events reached" (30038) :class:`EventLimit`;
server errors, time-outs and connection errors ``TransientDeliveryError``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.announce.port import DeliveryError, TransientDeliveryError
from bot.events import (
    CANCELED,
    EXTERNAL,
    GUILD_ONLY,
    EventFinished,
    EventGone,
    EventLimit,
    EventsForbidden,
    EventSpec,
    ListedEvent,
)

if TYPE_CHECKING:
    from discord.ext import commands

UNKNOWN_GUILD = 10004
UNKNOWN_EVENT = 10070
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
FINISHED = 180000
TOO_MANY = 30038
REASON = "Premiere: a release announced in this server"
FAILURES = (discord.HTTPException, discord.RateLimited, TimeoutError, aiohttp.ClientError, OSError)


def event_error(exc: BaseException) -> DeliveryError:
    """The port's error for what Discord (or the connection) answered."""
    if isinstance(exc, discord.HTTPException):
        code, status = exc.code, exc.status
        if status == 403:
            what = "Missing Access" if code == MISSING_ACCESS else "Missing Permissions"
            return EventsForbidden(f"I lack the Create Events permission ({what})")
        if status == 404 and code == UNKNOWN_GUILD:
            return EventsForbidden("I'm not in that server any more (Unknown Guild)")
        if status == 404 and code == UNKNOWN_EVENT:
            return EventGone("the event was deleted (Unknown Guild Scheduled Event)")
        if code == FINISHED:
            return EventFinished("the event is canceled or over (Cannot update a finished event)")
        if code == TOO_MANY:
            return EventLimit("the server has Discord's maximum of 100 upcoming events")
        if isinstance(exc, discord.DiscordServerError) or status >= 500:
            return TransientDeliveryError(f"Discord had a server error ({status})")
        return DeliveryError(f"Discord refused the event ({status} {code}: {exc.text[:100]})")
    if isinstance(exc, discord.RateLimited):
        return TransientDeliveryError(f"rate limited for {exc.retry_after:.0f} s")
    if isinstance(exc, TimeoutError | aiohttp.ClientError | OSError):
        return TransientDeliveryError(f"could not reach Discord ({type(exc).__name__})")
    return DeliveryError(f"unexpected error ({type(exc).__name__})")


def event_payload(spec: EventSpec) -> dict[str, Any]:
    """An external event's fields as Discord's create and modify routes take them."""
    payload: dict[str, Any] = {
        "name": spec.name,
        "privacy_level": GUILD_ONLY,
        "entity_type": EXTERNAL,
        "entity_metadata": {"location": spec.location},
        "scheduled_start_time": spec.start.isoformat(),
        "scheduled_end_time": spec.end.isoformat(),
        "description": spec.description,
    }
    return payload


def listed_event(data: Any, bot_id: int | None) -> ListedEvent:
    creator = data.get("creator_id")
    return ListedEvent(
        event_id=int(data["id"]),
        name=str(data.get("name") or ""),
        location=(data.get("entity_metadata") or {}).get("location"),
        start=datetime.fromisoformat(str(data["scheduled_start_time"]).replace("Z", "+00:00")),
        status=int(data.get("status") or 0),
        mine=bot_id is not None and creator is not None and int(creator) == bot_id,
    )


class DiscordEventPort:
    def __init__(self, bot: commands.Bot | commands.AutoShardedBot) -> None:
        self.bot = bot

    async def create(self, guild_id: int, spec: EventSpec) -> int:
        payload = event_payload(spec)
        if payload["description"] is None:
            del payload["description"]  # optional when making one; 1 to 1000 characters if given
        try:
            data = await self.bot.http.create_guild_scheduled_event(guild_id, reason=REASON, **payload)
        except FAILURES as exc:
            raise event_error(exc) from exc
        return int(data["id"])

    async def edit(self, guild_id: int, event_id: int, spec: EventSpec) -> None:
        payload = event_payload(spec)
        del payload["privacy_level"], payload["entity_type"]  # as made; only what it says and when
        try:
            await self.bot.http.edit_scheduled_event(guild_id, event_id, reason=REASON, **payload)
        except FAILURES as exc:
            raise event_error(exc) from exc

    async def cancel(self, guild_id: int, event_id: int) -> None:
        try:
            await self.bot.http.edit_scheduled_event(
                guild_id, event_id, reason="Premiere: the release was withdrawn", status=CANCELED
            )
        except FAILURES as exc:
            raise event_error(exc) from exc

    async def delete(self, guild_id: int, event_id: int) -> None:
        try:
            await self.bot.http.delete_scheduled_event(
                guild_id, event_id, reason="Premiere: events were turned off"
            )
        except FAILURES as exc:
            raise event_error(exc) from exc

    async def list(self, guild_id: int) -> list[ListedEvent]:
        try:
            data = await self.bot.http.get_scheduled_events(guild_id, False)
        except FAILURES as exc:
            raise event_error(exc) from exc
        me = self.bot.user.id if self.bot.user is not None else None
        return [listed_event(d, me) for d in data]


__all__ = ["DiscordEventPort", "event_error", "event_payload", "listed_event"]
