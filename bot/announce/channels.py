"""Where and when a server's announcements go: its channels, its zone, post time and pause; and
the overview admins read in ``/announce list``. No discord here: the cog checks what only
Discord knows (the channel's type, the bot's permissions) before calling these."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from bot.announce.models import ChannelConfig, GuildConfig, Kinds
from bot.announce.options import parse_post_time, parse_zone
from bot.announce.port import Embed
from bot.clock import Clock
from bot.errors import BadInput
from bot.planner import DueSlot
from bot.render_announce import list_embed
from bot.store import Store

log = logging.getLogger(__name__)

EVERYONE_REFUSED = (
    "I never ping @everyone: pick a role made for release news (for example @Premieres), "
    "or leave the role out."
)


@dataclass(frozen=True, slots=True)
class Overview:
    guild: GuildConfig
    channels: list[ChannelConfig]
    upcoming: list[DueSlot]
    show_titles: dict[str, str]

    def embed(self) -> Embed:
        return list_embed(self.guild, self.channels, self.upcoming, self.show_titles)


class ChannelSettings:
    """Changes to a server's announcement settings; each one is announced through ``changed``
    (the scheduler re-plans)."""

    def __init__(self, store: Store, clock: Clock, changed: Callable[[], Awaitable[None]]) -> None:
        self.store = store
        self.clock = clock
        self.changed = changed

    async def add_channel(
        self,
        guild_id: int,
        channel_id: int,
        *,
        role_id: int | None = None,
        platforms: Iterable[str] = (),
        shows: Iterable[str] = (),
        kinds: Kinds = Kinds.BOTH,
        threads: bool = False,
        publish: bool = False,
    ) -> ChannelConfig:
        if role_id is not None and role_id == guild_id:
            raise BadInput(EVERYONE_REFUSED)
        existing = await self.store.announce_channel(channel_id)
        config = ChannelConfig(
            channel_id=channel_id,
            guild_id=guild_id,
            added_at=existing.added_at if existing and existing.guild_id == guild_id else self.clock(),
            role_id=role_id,
            platforms=tuple(sorted({p.casefold() for p in platforms})),
            shows=tuple(sorted(set(shows))),
            kinds=kinds,
            threads=threads,
            publish=publish,
        )
        saved = await self.store.upsert_announce_channel(config)
        await self.changed()
        return saved

    async def remove_channel(self, guild_id: int, channel_id: int) -> None:
        if not await self.store.remove_announce_channel(channel_id, guild_id):
            raise BadInput(f"<#{channel_id}> does not receive announcements; see `/announce list`.")
        await self.changed()

    async def set_zone(self, guild_id: int, zone: str) -> GuildConfig:
        g = await self.store.update_announce_guild(guild_id, zone=parse_zone(zone))
        await self.changed()
        return g

    async def set_post_time(self, guild_id: int, text: str) -> GuildConfig:
        g = await self.store.update_announce_guild(guild_id, post_time=parse_post_time(text))
        await self.changed()
        return g

    async def set_paused(self, guild_id: int, paused: bool) -> GuildConfig:
        g = await self.store.update_announce_guild(guild_id, paused=paused)
        await self.changed()
        return g


__all__ = ["EVERYONE_REFUSED", "ChannelSettings", "Overview"]
