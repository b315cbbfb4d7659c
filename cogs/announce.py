"""/announce: where, when and in which language release announcements are posted. Manage Server only.

Thin: it checks what only Discord knows (the channel is this server's and a text channel, the
bot's permissions there, the role is this server's), then asks the announcement service, which
saves, plans and posts. It also tells the service what Discord deleted: a channel, a role, the
bot's membership of a server (as it happens, and on each start for what happened meanwhile),
and each server's preferred locale (the language of its posts until an admin picks one with
``/announce language``): when an admin uses /announce, when Discord says it changed, and on
each start. Every answer is in the admin's own language; posts are in the server's.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.announce import rolebutton as rb
from bot.announce.channels import EVERYONE_REFUSED, GuildState
from bot.announce.models import ChannelChange, GuildConfig, Kinds
from bot.announce.options import (
    PERMISSION_LABELS,
    check_length,
    is_all,
    missing_permissions,
    parse_list,
    parse_reminders,
    zone_choices,
)
from bot.announce.port import DeliveryError
from bot.announce.posts import guild_language
from bot.errors import BadInput
from bot.i18n import KOREAN, LANGUAGE_NAMES, Msg, pmsg
from bot.models import Show
from bot.render_announce import channel_mention, channel_saved_text, cleanup_text, list_embed
from bot.translator import guild_locale, lname, reader, reader_language
from cogs.catalogue import KIND_CHOICES, ShowTransformer, find_show

if TYPE_CHECKING:
    from bot.announce.channels import ChannelSettings
    from bot.client import PremiereBot
    from bot.services.announcements import AnnouncementService

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
LANGUAGE_CHOICES = [
    app_commands.Choice(name=lname("choice", "한국어"), value=KOREAN),
    app_commands.Choice(name=lname("choice", "English"), value="en"),
    app_commands.Choice(name=lname("choice", "server default"), value="default"),
]
manage_guild = app_commands.checks.has_permissions(manage_guild=True)


class ChannelOption(app_commands.Transformer):
    """A text or announcement channel option, as Discord sent it: the command itself checks it
    is a channel of this server, so that another server's channel, or one deleted meanwhile, is
    answered for what it is."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Any:
        return value  # an AppCommandChannel, or a bare Object when Discord sent no data for it


Picked = app_commands.Transform[app_commands.AppCommandChannel, ChannelOption]


def _embed(data: dict[str, Any]) -> discord.Embed:
    return discord.Embed.from_dict(data)


async def _reply(interaction: discord.Interaction, text: str, **kwargs: Any) -> None:
    """The private answer (``text`` already in the admin's language)."""
    if interaction.extras.get("deferred") and not interaction.extras.get("answered"):
        interaction.extras["answered"] = True  # the deferred (ephemeral) message becomes the answer
        await interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS, **kwargs)
    elif interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS, **kwargs)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS, **kwargs)


def _filter_items(option: str, text: str) -> list[str]:
    """A filter option's items; none for "all" (the filter is cleared)."""
    if is_all(text):
        return []
    items = parse_list(text)
    if not items:
        raise BadInput(
            Msg(
                "Name at least one item in **{option}**, separated by commas, or `all` for every one.",
                option=pmsg("option", option),
            )
        )
    return items


def _state(guild: discord.Guild) -> GuildState:
    return GuildState(guild.id, frozenset(c.id for c in guild.channels), frozenset(r.id for r in guild.roles))


@app_commands.guild_only()
@app_commands.allowed_installs(guilds=True, users=False)
@app_commands.default_permissions(manage_guild=True)
class Announce(
    commands.GroupCog,
    group_name=lname("command", "announce"),
    group_description=locale_str("Release announcements in this server"),
):
    channel = app_commands.Group(
        name=lname("command", "channel"),
        description=locale_str("Channels that receive release announcements"),
    )

    def __init__(self, bot: PremiereBot) -> None:
        self.bot = bot
        super().__init__()

    @property
    def service(self) -> AnnouncementService:
        service = self.bot.services.announcements
        assert service is not None  # setup() adds this cog only with the service
        return service

    @property
    def settings(self) -> ChannelSettings:
        return self.service.settings

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        """Before any other check: only in a server (Discord hides the commands in DMs, but a
        client can still send one), and no text longer than the option allows."""
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        await self._remember_locale(interaction)
        command = interaction.command
        if isinstance(command, app_commands.Command):
            for param in command.parameters:
                value = getattr(interaction.namespace, param.display_name, None)
                if param.type is discord.AppCommandOptionType.string and isinstance(param.max_value, int):
                    try:
                        check_length(
                            param.display_name, value if isinstance(value, str) else None, param.max_value
                        )
                    except BadInput as exc:
                        raise app_commands.CheckFailure(exc.user_message) from exc
        return True

    # -- helpers -----------------------------------------------------------------------------------

    async def _remember_locale(self, interaction: discord.Interaction) -> None:
        """The server's preferred locale as this interaction reports it, kept with its settings:
        before any /announce command (a server with settings), and after one that made them."""
        locale = guild_locale(interaction)
        if interaction.guild_id is None or locale is None:
            return
        try:
            saved = await self.service.store.announce_guild(interaction.guild_id)
            if saved is None or saved.preferred_locale == locale:
                return
            await self.service.store.set_preferred_locales({interaction.guild_id: locale})
            if saved.language is None:
                await self.service.changed()  # its posts' language may have changed
        except Exception:
            log.exception("could not keep the preferred locale of server %s", interaction.guild_id)

    async def _server_language(self, guild: discord.Guild) -> str:
        saved = await self.service.store.announce_guild(guild.id)
        return guild_language(
            saved or GuildConfig(guild.id, preferred_locale=str(guild.preferred_locale.value))
        )

    async def _guild_channel(self, interaction: discord.Interaction, picked: Any) -> discord.TextChannel:
        """The picked channel, if it is a text or announcement channel of this server."""
        guild = interaction.guild
        assert guild is not None
        channel = guild.get_channel(picked.id) or await self._uncached_channel(guild, picked.id)
        if not isinstance(channel, discord.TextChannel):
            raise BadInput(Msg("{channel} is not a text or announcement channel.", channel=channel.mention))
        return channel

    async def _uncached_channel(
        self, guild: discord.Guild, channel_id: int
    ) -> discord.abc.GuildChannel | discord.Thread:
        """A channel this server's cache lacks: another server's, deleted, or not seen yet."""
        elsewhere = BadInput(rb.NOT_THIS_SERVER)
        if self.bot.get_channel(channel_id) is not None:
            raise elsewhere
        try:
            data = await self.bot.http.get_channel(channel_id)
        except discord.NotFound:
            raise BadInput(rb.CHANNEL_GONE) from None
        except discord.HTTPException:
            raise elsewhere from None  # no access: not a channel of a server the bot is in
        if str(data.get("guild_id")) != str(guild.id):
            raise elsewhere
        return await guild.fetch_channel(channel_id)

    def _guild_role(self, guild: discord.Guild, role: discord.Role) -> discord.Role:
        real = guild.get_role(role.id)
        if real is None:
            raise BadInput(rb.ROLE_NOT_HERE)
        if real.is_default():
            raise BadInput(EVERYONE_REFUSED)
        return real

    async def _me(self, guild: discord.Guild) -> discord.Member:
        if guild.me is not None:
            return guild.me
        assert self.bot.user is not None
        return await guild.fetch_member(self.bot.user.id)

    # -- channels ------------------------------------------------------------------------------------

    @channel.command(
        name=lname("command", "add"),
        description=locale_str("Post release announcements in a channel (or change its settings)"),
    )
    @app_commands.describe(
        channel=locale_str("A text or announcement channel"),
        role=locale_str(
            "The role to ping (the only mention ever sent); left out: unchanged (new channel: no ping)"
        ),
        platforms=locale_str(
            "Only these platforms, separated by commas (e.g. Netflix, Disney+); 'all' for every one"
        ),
        shows=locale_str("Only these shows, separated by commas; 'all' for every show"),
        kinds=locale_str("Premieres, new episodes, or both (new channel: both)"),
        threads=locale_str("Open a discussion thread on each post"),
        no_ping=locale_str("True: ping nobody from now on (drops the role)"),
        reminders=locale_str("Reminders ahead of each release, like 24h, 1h; 'off' for none"),
        weekly=locale_str("Keep a 'week at a glance' message in the channel, edited as the week goes"),
    )
    @app_commands.rename(
        channel=lname("option", "channel"),
        role=lname("option", "role"),
        platforms=lname("option", "platforms"),
        shows=lname("option", "shows"),
        kinds=lname("option", "kinds"),
        threads=lname("option", "threads"),
        no_ping=lname("option", "no_ping"),
        reminders=lname("option", "reminders"),
        weekly=lname("option", "weekly"),
    )
    @app_commands.choices(kinds=KIND_CHOICES)
    @manage_guild
    async def channel_add(
        self,
        interaction: discord.Interaction,
        channel: Picked,
        role: discord.Role | None = None,
        platforms: app_commands.Range[str, 1, 500] | None = None,
        shows: app_commands.Range[str, 1, 1000] | None = None,
        kinds: app_commands.Choice[str] | None = None,
        threads: bool | None = None,
        no_ping: bool = False,
        reminders: app_commands.Range[str, 1, 40] | None = None,
        weekly: bool | None = None,
    ) -> None:
        guild = interaction.guild
        assert guild is not None
        target = await self._guild_channel(interaction, channel)
        if role is not None:
            role = self._guild_role(guild, role)
            if no_ping:
                raise BadInput(Msg("Give a role to ping, or `no_ping`, not both."))
        existing = await self.service.store.announce_channel(target.id)
        wants_threads = threads if threads is not None else bool(existing and existing.threads)
        me = await self._me(guild)
        perms = target.permissions_for(me)
        granted = {name: bool(getattr(perms, name)) for name in PERMISSION_LABELS}
        missing = missing_permissions(granted, threads=wants_threads)
        if missing:
            raise BadInput(
                Msg(
                    "I can't post in {channel}: I'm missing **{permissions}** there. "
                    "Grant it in the channel's permissions, then run this again.",
                    channel=target.mention,
                    permissions=tuple(pmsg("permission", p) for p in missing),
                )
            )
        check_length("reminders", reminders, 40)
        leads = None if reminders is None else parse_reminders(reminders)
        platform_names = None if platforms is None else tuple(_filter_items("platforms", platforms))
        show_ids = None
        if shows is not None:
            titles = _filter_items("shows", shows)
            show_ids = tuple([(await find_show(interaction, t, ephemeral=True)).id for t in titles])
        change = ChannelChange(
            role_id=role.id if role else None,
            clear_role=no_ping,
            platforms=platform_names,
            shows=show_ids,
            kinds=Kinds(kinds.value) if kinds else None,
            threads=threads,
            publish=target.is_news(),
            name=target.name,
            reminders=leads,
            weekly=weekly,
        )
        saved = await self.service.configure(guild.id, target.id, change)
        await self._remember_locale(interaction)  # with the settings just made
        config = saved.config
        shown = await self.service.store.get_shows(config.shows[:5])
        lang = reader_language(interaction)
        text = channel_saved_text(
            config,
            created=saved.created,
            platform_names=saved.platform_names,
            show_titles=[shown[s].title if s in shown else s for s in config.shows[:5]],
            lang=lang,
        )
        pinged = guild.get_role(config.role_id) if config.role_id else None
        if pinged is not None and not pinged.mentionable and not perms.mention_everyone:
            text += "\n" + rb.not_mentionable_text(pinged.mention, lang)
        await _reply(interaction, text[:2000])

    @channel_add.autocomplete("platforms")
    async def _platforms(
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        head, _, last = value.rpartition(",")
        prefix = (head + ", ") if head else ""
        choices = await self.bot.catalogue.platform_choices(last)
        return [
            app_commands.Choice(name=(prefix + c.value)[:100], value=(prefix + c.value)[:100])
            for c in choices
        ][:25]

    @channel_add.autocomplete("shows")
    async def _shows(self, interaction: discord.Interaction, value: str) -> list[app_commands.Choice[str]]:
        head, _, last = value.rpartition(",")
        prefix = (head + ", ") if head else ""
        out = []
        for c in await self.bot.catalogue.autocomplete_shows(last):
            text = (prefix + self.bot.catalogue.title_of(c.value))[:100]
            out.append(app_commands.Choice(name=text, value=text))
        return out[:25]

    @channel.command(
        name=lname("command", "remove"), description=locale_str("Stop release announcements in a channel")
    )
    @app_commands.describe(channel=locale_str("The channel to stop posting in"))
    @app_commands.rename(channel=lname("option", "channel"))
    @manage_guild
    async def channel_remove(self, interaction: discord.Interaction, channel: Picked) -> None:
        guild = interaction.guild
        assert guild is not None
        config = await self.service.store.announce_channel(channel.id)
        if config is None or config.guild_id != guild.id:
            await self._guild_channel(interaction, channel)  # another server's, or gone: say so
        # By id: a channel deleted while the bot was away can still be removed.
        await self.service.remove_channel(guild.id, channel.id)
        tr = reader(interaction)
        await _reply(
            interaction,
            tr("No more release announcements in {channel}.", channel=channel_mention(channel.id)),
        )

    # -- overview and tries -------------------------------------------------------------------------------

    @app_commands.command(
        name=lname("command", "list"),
        description=locale_str("Channels, their health, and the next posts due"),
    )
    @manage_guild
    async def list_(self, interaction: discord.Interaction) -> None:
        guild = interaction.guild
        assert guild is not None
        lang = reader_language(interaction)
        cleanup = await self.settings.reconcile([_state(guild)])  # what the bot missed being deleted
        o = await self.service.overview(guild.id)
        note = cleanup_text([c.name for c in cleanup.channels], cleanup.unpinged, lang) if cleanup else None
        embed = list_embed(o.guild, o.channels, o.upcoming, o.show_titles, o.platform_names, lang)
        await interaction.response.send_message(
            note, embed=_embed(embed), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @app_commands.command(
        name=lname("command", "preview"),
        description=locale_str("See the post a show's release would get (only you see it)"),
    )
    @app_commands.describe(show=locale_str("The show's title, in any language"))
    @app_commands.rename(show=lname("option", "show"))
    @manage_guild
    async def preview(
        self, interaction: discord.Interaction, show: app_commands.Transform[Show, ShowTransformer]
    ) -> None:
        assert interaction.guild is not None
        # The post as the server would get it: in its language.
        lang = await self._server_language(interaction.guild)
        embeds = await self.service.preview(show, interaction.created_at, lang=lang)
        await interaction.response.send_message(
            embeds=[_embed(e) for e in embeds], ephemeral=True, allowed_mentions=NO_PINGS
        )

    @app_commands.command(
        name=lname("command", "test"),
        description=locale_str("Send a sample post to a channel now (pings nobody)"),
    )
    @app_commands.describe(channel=locale_str("Where to send the sample"))
    @app_commands.rename(channel=lname("option", "channel"))
    @manage_guild
    async def test(self, interaction: discord.Interaction, channel: Picked) -> None:
        tr = reader(interaction)
        target = await self._guild_channel(interaction, channel)
        config = await self.service.store.announce_channel(target.id)
        lang = await self._server_language(target.guild)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            await self.service.send_test(
                target.id, target.name, config.role_id if config else None, lang=lang
            )
        except DeliveryError as exc:
            failed = tr(
                "The test post to {channel} failed: {reason}.", channel=target.mention, reason=exc.reason
            )
            await _reply(interaction, failed)
            return
        await _reply(interaction, tr("Sent a test post to {channel}.", channel=target.mention))

    # -- when ---------------------------------------------------------------------------------------------

    @app_commands.command(
        name=lname("command", "timezone"),
        description=locale_str("This server's time zone, for releases known only by date"),
    )
    @app_commands.describe(zone=locale_str("An IANA time zone, such as Europe/Paris or Asia/Seoul"))
    @app_commands.rename(zone=lname("option", "zone"))
    @manage_guild
    async def timezone(self, interaction: discord.Interaction, zone: app_commands.Range[str, 1, 64]) -> None:
        assert interaction.guild_id is not None
        g = await self.service.set_zone(interaction.guild_id, zone)
        await self._remember_locale(interaction)
        tr = reader(interaction)
        await _reply(
            interaction,
            tr(
                "Time zone set to **{zone}**: date-only releases post at {time} there.",
                zone=g.zone,
                time=g.post_time.strftime("%H:%M"),
            ),
        )

    @timezone.autocomplete("zone")
    async def _zones(self, interaction: discord.Interaction, value: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in zone_choices(value)]

    @app_commands.command(
        name=lname("command", "time"),
        description=locale_str("When releases known only by date are posted (HH:MM, 24-hour)"),
    )
    @app_commands.describe(at=locale_str("24-hour time in this server's zone, e.g. 09:00"))
    @app_commands.rename(at=lname("option", "at"))
    @manage_guild
    async def time(self, interaction: discord.Interaction, at: app_commands.Range[str, 1, 5]) -> None:
        assert interaction.guild_id is not None
        g = await self.service.set_post_time(interaction.guild_id, at)
        await self._remember_locale(interaction)
        tr = reader(interaction)
        text = tr(
            "Date-only releases will post at **{time}** ({zone}).",
            time=g.post_time.strftime("%H:%M"),
            zone=g.zone,
        )
        await _reply(interaction, text)

    @app_commands.command(
        name=lname("command", "pause"), description=locale_str("Stop posting announcements until resumed")
    )
    @manage_guild
    async def pause(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        changed = await self.service.set_paused(interaction.guild_id, True)
        await self._remember_locale(interaction)
        tr = reader(interaction)
        if changed:
            text = tr(
                "Announcements paused. Releases due meanwhile are not posted later; "
                "`/announce resume` to restart."
            )
        else:
            text = tr("Announcements are already paused; `/announce resume` to restart.")
        await _reply(interaction, text)

    @app_commands.command(name=lname("command", "resume"), description=locale_str("Post announcements again"))
    @manage_guild
    async def resume(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        changed = await self.service.set_paused(interaction.guild_id, False)
        await self._remember_locale(interaction)
        tr = reader(interaction)
        if changed:
            text = tr("Announcements resumed.")
        else:
            text = tr("Announcements are not paused: nothing to resume.")
        await _reply(interaction, text)

    # -- language -----------------------------------------------------------------------------------------

    @app_commands.command(
        name=lname("command", "language"),
        description=locale_str("The language of this server's announcements (default: the server's own)"),
    )
    @app_commands.describe(
        language=locale_str("한국어, English, or the server default (its language in Discord's settings)")
    )
    @app_commands.rename(language=lname("option", "language"))
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @manage_guild
    async def language(
        self, interaction: discord.Interaction, language: app_commands.Choice[str] | None = None
    ) -> None:
        """Posts, reminders, the week at a glance and role buttons in this language; left out:
        what it is now. Every member's own answers stay in their own language."""
        guild = interaction.guild
        assert guild is not None
        tr = reader(interaction)
        store = self.service.store
        if language is None:
            saved = await store.announce_guild(guild.id)
            config = saved or GuildConfig(guild.id, preferred_locale=guild_locale(interaction))
            name = LANGUAGE_NAMES[guild_language(config)]
            if config.language:
                text = tr(
                    "Announcements here are in **{language}** (set with `/announce language`).", language=name
                )
            else:
                text = tr(
                    "Announcements here are in **{language}**, this server's language in Discord's settings.",
                    language=name,
                )
            await _reply(interaction, text)
            return
        if language.value == "default":
            config = await store.update_announce_guild(
                guild.id, clear_language=True, preferred_locale=guild_locale(interaction)
            )
            text = tr(
                "Announcements here now follow this server's language in Discord's settings: **{language}**.",
                language=LANGUAGE_NAMES[guild_language(config)],
            )
        else:
            config = await store.update_announce_guild(
                guild.id, language=language.value, preferred_locale=guild_locale(interaction)
            )
            text = tr(
                "Announcements here are now in **{language}**: release posts, reminders, the week at a "
                "glance and new role buttons.",
                language=LANGUAGE_NAMES[guild_language(config)],
            )
        await self.service.changed()  # the week at a glance is written again in the new language
        await _reply(interaction, text)

    # -- what Discord deleted ---------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self._quietly(self.settings.channel_deleted(channel.id), "a deleted channel")

    @commands.Cog.listener()
    async def on_guild_channel_update(
        self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel
    ) -> None:
        if before.name != after.name:
            await self._quietly(self.settings.channel_renamed(after.id, after.name), "a renamed channel")

    @commands.Cog.listener()
    async def on_guild_role_delete(self, role: discord.Role) -> None:
        await self._quietly(self.settings.role_deleted(role.guild.id, role.id), "a deleted role")

    @commands.Cog.listener()
    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        if before.preferred_locale != after.preferred_locale:
            await self._quietly(self._locales_changed([after]), "a server's preferred locale")

    async def _locales_changed(self, guilds: list[discord.Guild]) -> None:
        """Keep the preferred locale of servers with settings; their posts follow it unless an
        admin chose a language."""
        saved = await self.service.store.announce_guilds()
        changed = {
            g.id: str(g.preferred_locale.value)
            for g in guilds
            if g.id in saved and saved[g.id].preferred_locale != str(g.preferred_locale.value)
        }
        if changed and await self.service.store.set_preferred_locales(changed):
            if any(saved[gid].language is None for gid in changed):
                await self.service.changed()

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self._quietly(self.settings.guild_left(guild.id), "a server the bot left")

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """What was deleted while the bot was away: servers it was removed from, and the deleted
        channels and roles of every server Discord has sent (an unavailable one is left alone)."""
        guilds = self.bot.guilds
        servers = [_state(g) for g in guilds if not g.unavailable]
        await self._quietly(self.settings.reconcile(servers, member_of=[g.id for g in guilds]), "the servers")
        available = [g for g in guilds if not g.unavailable]
        await self._quietly(self._locales_changed(available), "the servers' preferred locales")

    async def _quietly(self, work: Any, what: str) -> None:
        try:
            await work
        except Exception:
            log.exception("could not update the announcement settings for %s", what)


async def setup(bot: PremiereBot) -> None:
    if bot.services.announcements is None:
        # A bot built without the announcement service (some tests, tools) simply has no /announce.
        log.info("no announcement service passed to the bot; /announce is not loaded")
        return
    await bot.add_cog(Announce(bot))
