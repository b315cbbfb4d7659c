"""/announce events on|off|status: a Discord event for each release announced in this server.

An extension of its own, loaded after cogs.announce: ``setup`` attaches an ``events`` group to
the ``/announce`` group that cog made (Manage Server, servers only, as the group is), with three
subcommands, so that ``off`` offers no ``days_ahead`` and each one reads as what it does:

- ``/announce events on [days_ahead]``: checks that the bot has **Create Events** in the server
  (what Discord requires of a bot making events since 23 February 2026) and names it when it
  lacks it; then turns the feature on (1 to 30 days ahead, default 7); the events come with the
  service's next tick;
- ``/announce events off``: deletes the events the bot made here and says how many;
- ``/announce events status``: whether it is on, how many events are upcoming, what is missing.

Every answer is private, in the admin's own Discord language; the events themselves are in the
server's. What is said is in :mod:`bot.events`; this module gathers the facts from Discord and
asks :class:`bot.services.events.EventService`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot import events as ev
from bot.errors import BadInput
from bot.translator import lname, reader

if TYPE_CHECKING:
    from bot.client import PremiereBot
    from bot.services.events import EventService

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
COMMAND = "events"
GROUP = "announce"
manage_guild = app_commands.checks.has_permissions(manage_guild=True)


async def _reply(interaction: discord.Interaction, text: str) -> None:
    """The one private answer: the deferred ("thinking") response becomes it, else a new one."""
    if interaction.response.is_done():
        await interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


def _in_server(interaction: discord.Interaction) -> discord.Guild:
    """The server the bot is in where this happens: not a DM, nor a server reached only through
    someone's own install of the app."""
    guild = interaction.guild
    if (
        guild is None
        or not interaction.is_guild_integration()
        or not isinstance(interaction.user, discord.Member)
    ):
        raise app_commands.NoPrivateMessage()
    return guild


async def _can_create(client: discord.Client, guild: discord.Guild) -> bool:
    """Whether the bot may make events in the server (a server-wide permission)."""
    me = guild.me
    if me is None:
        assert client.user is not None
        me = await guild.fetch_member(client.user.id)
    return me.guild_permissions.create_events


def events_group(service: EventService) -> app_commands.Group:
    """A new ``events`` group (one per bot: a command belongs to one group)."""
    group = app_commands.Group(
        name=lname("command", "events"),
        description=locale_str("A Discord event for each release announced here"),
    )

    @group.command(
        name=lname("command", "on"),
        description=locale_str("Add a Discord event for each release announced here"),
    )
    @app_commands.describe(
        # TRANSLATORS: 1, 30 and 7 are bot.events' MIN_DAYS, MAX_DAYS and DEFAULT_DAYS.
        days_ahead=locale_str("How many days ahead each event is added (1–30, default 7)")
    )
    @app_commands.rename(days_ahead=lname("option", "days_ahead"))
    @manage_guild
    async def on(
        interaction: discord.Interaction,
        days_ahead: app_commands.Range[int, ev.MIN_DAYS, ev.MAX_DAYS] | None = None,
    ) -> None:
        guild = _in_server(interaction)
        ev.parse_days(days_ahead)  # a raw interaction can send any number: refused before anything
        if not await _can_create(interaction.client, guild):
            raise BadInput(ev.MISSING_PERMISSION)
        tr = reader(interaction)
        config = await service.enable(guild.id, days_ahead)
        status = await service.status(guild.id)
        text = ev.on_text(config.events_days, channels=status.channels, paused=config.paused, lang=tr.lang)
        await _reply(interaction, text)

    @group.command(
        name=lname("command", "off"),
        description=locale_str("Stop adding events, and remove the ones I added"),
    )
    @manage_guild
    async def off(interaction: discord.Interaction) -> None:
        guild = _in_server(interaction)
        tr = reader(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        status = await service.status(guild.id)
        report = await service.disable(guild.id)
        if not status.guild.events and not report.deleted and not report.left:
            await _reply(interaction, tr(ev.ALREADY_OFF))
            return
        await _reply(interaction, ev.off_text(report.deleted, report.left, tr.lang))

    @group.command(
        name=lname("command", "status"),
        description=locale_str("Whether events are on here, and what is missing"),
    )
    @manage_guild
    async def status_(interaction: discord.Interaction) -> None:
        guild = _in_server(interaction)
        tr = reader(interaction)
        status = await service.status(guild.id)
        can = await _can_create(interaction.client, guild) if status.guild.events else True
        text = ev.status_text(
            status.guild,
            upcoming=status.upcoming,
            problem=status.blocked,
            channels=status.channels,
            can_create=can,
            lang=tr.lang,
        )
        await _reply(interaction, text)

    return group


async def install(bot: Any, service: EventService) -> bool:
    """Attach ``/announce events`` for ``service`` (False: no /announce group to attach it to).
    The extension's ``setup`` calls it with the bot's own service."""
    group = bot.tree.get_command(GROUP)
    if not isinstance(group, app_commands.Group):
        log.info("no /announce group (is cogs.announce loaded first?); /announce events is not added")
        return False
    if group.get_command(COMMAND) is None:
        group.add_command(events_group(service))
    return True


async def setup(bot: PremiereBot) -> None:
    service = getattr(bot.services, "events", None)
    if service is None:
        log.info("no scheduled-event service passed to the bot; /announce events is not added")
        return
    await install(bot, service)


async def teardown(bot: PremiereBot) -> None:
    group = bot.tree.get_command(GROUP)
    if isinstance(group, app_commands.Group):
        group.remove_command(COMMAND)
