"""/announce rolebutton: a button members press to get (or give back) a role for release pings.

An extension of its own, loaded after cogs.announce: ``setup`` attaches the ``rolebutton``
subcommand to the ``/announce`` group that cog made (Manage Server, servers only, as the group
is), and registers :class:`RoleButton`, a persistent button whose custom id carries the role, so
a button keeps working after the bot restarts. What is checked and said is in
:mod:`bot.announce.rolebutton`; this module gathers the facts from Discord and acts.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.announce import rolebutton as rb
from bot.errors import BadInput
from bot.i18n import texts
from bot.translator import lname, reader, reader_language, server_language_of

if TYPE_CHECKING:
    from bot.client import PremiereBot

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
COMMAND = "rolebutton"
GROUP = "announce"


class TextChannelOption(app_commands.Transformer):
    """A text or announcement channel option, as Discord sent it; the command checks it is a
    channel of this server, so another server's channel is answered for what it is."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Any:
        return value


Picked = app_commands.Transform[app_commands.AppCommandChannel, TextChannelOption]


def _standing(guild: discord.Guild, me: discord.Member, role: discord.Role) -> rb.RoleStanding:
    top = me.top_role
    return rb.RoleStanding(
        mention=role.mention,
        is_default=role.is_default(),
        managed=role.managed,
        manage_roles=me.guild_permissions.manage_roles,
        below_bot=guild.owner_id == me.id or role < top,
        bot_top_mention=top.mention,
    )


async def _me(client: discord.Client, guild: discord.Guild) -> discord.Member:
    if guild.me is not None:
        return guild.me
    assert client.user is not None
    return await guild.fetch_member(client.user.id)


async def _reply(interaction: discord.Interaction, text: str) -> None:
    """The one private answer: the deferred ("thinking") response becomes it, else a new one."""
    if interaction.response.is_done():
        await interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


def _in_server(interaction: discord.Interaction) -> discord.Guild | None:
    """The server the bot is in where this happens: not a DM, nor a server reached only through
    someone's own install of the app."""
    guild = interaction.guild
    if (
        guild is None
        or not interaction.is_guild_integration()
        or not isinstance(interaction.user, discord.Member)
    ):
        return None
    return guild


# -- the button ----------------------------------------------------------------------------------------


class RoleButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rb.TEMPLATE):
    """Gives the presser the role when they lack it, takes it away when they have it."""

    def __init__(self, role_id: int, label: str = rb.DEFAULT_LABEL) -> None:
        self.role_id = role_id
        super().__init__(
            discord.ui.Button(
                label=label, emoji="🔔", style=discord.ButtonStyle.primary, custom_id=rb.custom_id(role_id)
            )
        )

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: Any
    ) -> RoleButton:
        return cls(int(match["role_id"]), item.label or rb.DEFAULT_LABEL)

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            await self.toggle(interaction)
        except Exception:
            log.exception("the role button for role %s failed", self.role_id)
            try:
                await _reply(interaction, reader(interaction)(rb.TRY_AGAIN))
            except discord.HTTPException:
                log.warning("could not tell the member the role button failed", exc_info=True)

    async def toggle(self, interaction: discord.Interaction) -> None:
        """Give or take the role; every answer in the presser's language."""
        lang = reader_language(interaction)
        tr = texts(lang)
        guild = _in_server(interaction)
        if guild is None:
            await _reply(interaction, tr(rb.ONLY_IN_SERVER))
            return
        member = interaction.user
        assert isinstance(member, discord.Member)
        await interaction.response.defer(ephemeral=True, thinking=True)
        role = guild.get_role(self.role_id)
        if role is None:
            await _reply(interaction, tr(rb.ROLE_GONE))
            return
        standing = _standing(guild, await _me(interaction.client, guild), role)
        problem = rb.role_problem(standing, pressing=True, lang=lang)
        if problem is not None:
            await _reply(interaction, problem)
            return
        has_it = member.get_role(role.id) is not None
        try:
            if has_it:
                await member.remove_roles(role, reason="Premiere role button: opted out")
            else:
                await member.add_roles(role, reason="Premiere role button: opted in")
        except discord.Forbidden:
            log.warning("Discord refused to change role %s of a member in server %s", role.id, guild.id)
            await _reply(interaction, rb.refused_text(role.mention, lang))
            return
        except discord.NotFound as exc:
            await _reply(interaction, tr(rb.NOT_A_MEMBER if exc.code == 10007 else rb.ROLE_GONE))
            return
        except discord.HTTPException:
            log.exception("changing role %s in server %s failed", role.id, guild.id)
            await _reply(interaction, tr(rb.TRY_AGAIN))
            return
        done = rb.removed_text(role.mention, lang) if has_it else rb.granted_text(role.mention, lang)
        await _reply(interaction, done)


def button_view(role_id: int, label: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(RoleButton(role_id, label))
    return view


# -- the command -----------------------------------------------------------------------------------------


async def _guild_channel(
    client: discord.Client, guild: discord.Guild, picked: Any, lang: str
) -> discord.TextChannel:
    """The picked channel, if it is a text or announcement channel of this server."""
    channel = guild.get_channel(picked.id) or await _uncached_channel(client, guild, picked.id, lang)
    if not isinstance(channel, discord.TextChannel):
        raise BadInput(rb.not_text_channel(channel.mention, lang))
    return channel


async def _uncached_channel(
    client: discord.Client, guild: discord.Guild, channel_id: int, lang: str
) -> discord.abc.GuildChannel | discord.Thread:
    """A channel this server's cache lacks: another server's, deleted, or not seen yet."""
    tr = texts(lang)
    if client.get_channel(channel_id) is not None:
        raise BadInput(tr(rb.NOT_THIS_SERVER))
    try:
        data = await client.http.get_channel(channel_id)
    except discord.NotFound:
        raise BadInput(tr(rb.CHANNEL_GONE)) from None
    except discord.HTTPException:
        raise BadInput(tr(rb.NOT_THIS_SERVER)) from None  # no access: not a server the bot is in
    if str(data.get("guild_id")) != str(guild.id):
        raise BadInput(tr(rb.NOT_THIS_SERVER))
    return await guild.fetch_channel(channel_id)


async def _post_button(
    client: discord.Client,
    guild: discord.Guild,
    picked: Any,
    role: discord.Role,
    label: str | None,
    lang: str,
) -> str:
    """Checks everything the button needs, then posts it (in the server's language); what to tell
    the admin (in ``lang``, theirs). A refusal is a BadInput already in ``lang``."""
    tr = texts(lang)
    target = await _guild_channel(client, guild, picked, lang)
    real = guild.get_role(role.id)
    if real is None:
        raise BadInput(tr(rb.ROLE_NOT_HERE))
    me = await _me(client, guild)
    problem = rb.role_problem(_standing(guild, me, real), lang=lang)
    if problem is not None:
        raise BadInput(problem)
    perms = target.permissions_for(me)
    granted = {name: bool(getattr(perms, name)) for name in ("view_channel", "send_messages", "embed_links")}
    problem = rb.channel_problem(target.mention, granted, lang)
    if problem is not None:
        raise BadInput(problem)
    posted_in = await server_language_of(client, guild)
    try:
        await target.send(
            embed=discord.Embed.from_dict(rb.post_embed(real.mention, posted_in)),
            view=button_view(real.id, rb.parse_label(label, posted_in)),
            allowed_mentions=NO_PINGS,
        )
    except discord.Forbidden:
        raise BadInput(rb.post_failed_text(target.mention, lang)) from None
    # A role nobody may mention still pings when the bot has Mention @everyone there.
    pinged = real.mentionable or perms.mention_everyone
    return rb.posted_text(target.mention, real.mention, pinged=pinged, lang=lang)


def rolebutton_command() -> app_commands.Command[Any, ..., None]:
    """A new ``rolebutton`` subcommand (one per bot: a command belongs to one group)."""

    @app_commands.command(
        name=lname("command", "rolebutton"),
        description=locale_str(
            "Post a button that gives members a role for release pings (and takes it back)"
        ),
    )
    @app_commands.describe(
        channel=locale_str("Where to post the button: a text or announcement channel"),
        role=locale_str("The role the button gives; pressing again takes it away"),
        label=locale_str("The button's text (default: Ping me for releases)"),
    )
    @app_commands.rename(
        channel=lname("option", "channel"), role=lname("option", "role"), label=lname("option", "label")
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def rolebutton(
        interaction: discord.Interaction,
        channel: Picked,
        role: discord.Role,
        label: app_commands.Range[str, 1, rb.LABEL_MAX] | None = None,
    ) -> None:
        guild = _in_server(interaction)
        if guild is None:
            raise app_commands.NoPrivateMessage()
        rb.parse_label(label)  # refused before anything else (the default is the server's language's)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            answer = await _post_button(
                interaction.client, guild, channel, role, label, reader_language(interaction)
            )
        except BadInput as exc:
            answer = exc.user_message  # nothing was posted; said in the admin's language
        await _reply(interaction, answer)

    return rolebutton


# -- the extension -------------------------------------------------------------------------------------------


async def setup(bot: PremiereBot) -> None:
    bot.add_dynamic_items(RoleButton)  # buttons already posted work even without /announce
    group = bot.tree.get_command(GROUP)
    if not isinstance(group, app_commands.Group):
        log.info("no /announce group (is cogs.announce loaded first?); /announce rolebutton is not added")
        return
    if group.get_command(COMMAND) is None:
        group.add_command(rolebutton_command())


async def teardown(bot: PremiereBot) -> None:
    bot.remove_dynamic_items(RoleButton)
    group = bot.tree.get_command(GROUP)
    if isinstance(group, app_commands.Group):
        group.remove_command(COMMAND)
