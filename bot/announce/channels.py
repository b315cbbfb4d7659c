"""Where and when a server's announcements go: its channels, its zone, post time and pause; what
is left when Discord deletes a channel or role or the bot leaves a server; and the overview
admins read in ``/announce list``. No discord here: the cog checks what only Discord knows (the
channel's type, the bot's permissions) and reports what Discord deleted."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace

from bot.announce.models import ChannelChange, ChannelConfig, GuildConfig, Kinds
from bot.announce.options import match_platforms, parse_post_time, parse_zone
from bot.announce.port import Embed
from bot.clock import Clock
from bot.errors import BadInput
from bot.i18n import N_, Msg
from bot.planner import DueSlot
from bot.render_announce import list_embed
from bot.store import Store

log = logging.getLogger(__name__)

EVERYONE_REFUSED = N_(
    "I never ping @everyone: pick a role made for release news (for example @Premieres), "
    "or leave the role out."
)


@dataclass(frozen=True, slots=True)
class Overview:
    guild: GuildConfig
    channels: list[ChannelConfig]
    upcoming: list[DueSlot]
    show_titles: dict[str, str]
    platform_names: dict[str, str] = field(default_factory=dict)  # a filter's key -> the catalogue's spelling

    def embed(self) -> Embed:
        return list_embed(self.guild, self.channels, self.upcoming, self.show_titles, self.platform_names)


@dataclass(frozen=True, slots=True)
class Saved:
    """A channel's settings as written, and whether it is new here."""

    config: ChannelConfig
    created: bool
    platform_names: tuple[str, ...]  # the catalogue's spelling of ``config.platforms``


@dataclass(frozen=True, slots=True)
class GuildState:
    """What Discord says a server holds: its channels and roles (from the bot's cache)."""

    guild_id: int
    channel_ids: frozenset[int]
    role_ids: frozenset[int]


@dataclass(slots=True)
class Cleanup:
    """Settings removed because Discord no longer has what they name."""

    guilds: list[int] = field(default_factory=list)  # servers the bot is no longer in
    channels: list[ChannelConfig] = field(default_factory=list)  # deleted channels
    unpinged: list[int] = field(default_factory=list)  # channels whose ping role was deleted

    def __bool__(self) -> bool:
        return bool(self.guilds or self.channels or self.unpinged)


class ChannelSettings:
    """Changes to servers' announcement settings; each one is announced through ``changed``
    (the scheduler re-plans, in the background)."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        changed: Callable[[], Awaitable[None]],
        owns: Callable[[int], bool] = lambda guild_id: True,
    ) -> None:
        self.store = store
        self.clock = clock
        self.changed = changed
        self.owns = owns  # the servers this process serves (bot.shards): the others' it never tidies

    # -- what admins change ----------------------------------------------------------------------------

    async def configure(self, guild_id: int, channel_id: int, change: ChannelChange) -> Saved:
        """Add a channel, or change only what ``change`` gives; platforms are checked against the
        catalogue first. One transaction: the answer is what was written."""
        if change.role_id is not None and change.role_id == guild_id:
            raise BadInput(EVERYONE_REFUSED)
        known = await self.store.platforms()
        if change.platforms:
            names = match_platforms(change.platforms, known)
            change = replace(change, platforms=tuple(sorted({p.casefold() for p in names})))
        if change.shows is not None:
            change = replace(change, shows=tuple(sorted(set(change.shows))))
        config, created = await self.store.configure_announce_channel(
            guild_id, channel_id, change, now=self.clock()
        )
        await self.changed()
        spelled = {p.casefold(): p for p in known}
        return Saved(config, created, tuple(spelled.get(p, p) for p in config.platforms))

    async def add_channel(
        self,
        guild_id: int,
        channel_id: int,
        *,
        role_id: int | None = None,
        platforms: Iterable[str] | None = None,
        shows: Iterable[str] | None = None,
        kinds: Kinds | None = None,
        threads: bool | None = None,
        publish: bool | None = None,
        name: str | None = None,
    ) -> ChannelConfig:
        """:meth:`configure` with keywords: what is left out keeps its setting (or the default)."""
        change = ChannelChange(
            role_id=role_id,
            platforms=None if platforms is None else tuple(platforms),
            shows=None if shows is None else tuple(shows),
            kinds=kinds,
            threads=threads,
            publish=publish,
            name=name,
        )
        return (await self.configure(guild_id, channel_id, change)).config

    async def remove_channel(self, guild_id: int, channel_id: int) -> ChannelConfig:
        config = await self.store.announce_channel(channel_id)
        if config is None or config.guild_id != guild_id:
            raise BadInput(
                Msg(
                    "{channel} does not receive announcements; see `/announce list`.",
                    channel="<#" + str(channel_id) + ">",
                )
            )
        await self.store.remove_announce_channel(channel_id, guild_id)
        await self.changed()
        return config

    async def set_zone(self, guild_id: int, zone: str) -> GuildConfig:
        g = await self.store.update_announce_guild(guild_id, zone=parse_zone(zone))
        await self.changed()
        return g

    async def set_post_time(self, guild_id: int, text: str) -> GuildConfig:
        g = await self.store.update_announce_guild(guild_id, post_time=parse_post_time(text))
        await self.changed()
        return g

    async def set_paused(self, guild_id: int, paused: bool) -> bool:
        """Pause or resume a server's posts; False when it already was so (nothing changes)."""
        before = await self.store.announce_guild(guild_id)
        if (before.paused if before else False) == paused:
            return False
        await self.store.update_announce_guild(guild_id, paused=paused)
        await self.changed()
        return True

    # -- what Discord deleted ----------------------------------------------------------------------------

    async def channel_deleted(self, channel_id: int) -> ChannelConfig | None:
        """A channel was deleted: its settings go (the delivery ledger keeps its history)."""
        gone = await self.store.forget_announce_channels([channel_id])
        if gone:
            log.info("channel %s was deleted: its announcement settings are removed", channel_id)
            await self.changed()
        return gone[0] if gone else None

    async def role_deleted(self, guild_id: int, role_id: int) -> list[int]:
        """A role was deleted: channels that pinged it ping nobody (never a dead mention)."""
        channels = await self.store.clear_announce_roles(guild_id, [role_id])
        if channels:
            log.info(
                "role %s of guild %s was deleted: %d channels ping nobody now",
                role_id,
                guild_id,
                len(channels),
            )
        return channels

    async def guild_left(self, guild_id: int) -> list[ChannelConfig]:
        """The bot left a server (or was removed): its settings go; the ledger stays."""
        gone = await self.store.forget_announce_guild(guild_id)
        log.info("left guild %s: its announcement settings (%d channels) are removed", guild_id, len(gone))
        await self.changed()
        return gone

    async def channel_renamed(self, channel_id: int, name: str) -> None:
        await self.store.rename_announce_channel(channel_id, name)

    async def reconcile(
        self, servers: Iterable[GuildState], *, member_of: Iterable[int] | None = None
    ) -> Cleanup:
        """Settings naming what Discord no longer has, removed: servers the bot is not in (when
        ``member_of`` lists every server it is in on this process's shards), then the deleted
        channels and roles of each of ``servers``. For what happened while the bot was away (or
        an event it missed)."""
        cleanup = Cleanup()
        servers = list(servers)
        if member_of is not None:
            present = set(member_of)
            # In no server at all is more likely a bad start than a bot removed everywhere: keep all.
            absent = {gid for gid in await self.store.announce_guild_ids() - present if self.owns(gid)}
            for guild_id in sorted(absent) if present else ():
                cleanup.channels += await self.store.forget_announce_guild(guild_id)
                cleanup.guilds.append(guild_id)
        if len(servers) == 1:
            configured = await self.store.announce_channels(servers[0].guild_id)
        else:
            configured = await self.store.announce_channels()
        by_guild: dict[int, list[ChannelConfig]] = {}
        for c in configured:
            by_guild.setdefault(c.guild_id, []).append(c)
        deleted: list[int] = []
        for server in servers:
            mine = by_guild.get(server.guild_id, [])
            deleted += [c.channel_id for c in mine if c.channel_id not in server.channel_ids]
            dead_roles = {
                c.role_id for c in mine if c.role_id is not None and c.role_id not in server.role_ids
            }
            if dead_roles:
                cleanup.unpinged += await self.store.clear_announce_roles(server.guild_id, dead_roles)
        if deleted:
            cleanup.channels += await self.store.forget_announce_channels(deleted)
        if cleanup:
            log.info(
                "announcement settings tidied: %d servers left, %d channels deleted, %d roles gone",
                len(cleanup.guilds),
                len(cleanup.channels),
                len(cleanup.unpinged),
            )
        if cleanup.guilds or cleanup.channels:
            await self.changed()
        return cleanup


__all__ = ["EVERYONE_REFUSED", "ChannelSettings", "Cleanup", "GuildState", "Overview", "Saved"]
