"""/calendar file, /calendar link, /calendar reset: releases in a calendar app.

A calendar of what a server announces, or of the shows a member follows: as an ``.ics`` file of
the coming weeks, or as a feed at an unguessable address that calendar apps subscribe to and
that stays current (served by ``bot/calendar_http.py`` when the operator sets
``CALENDAR_HTTP_PORT``). Thin: choose the scope, check who may, ask the calendar service, reply.
Every answer is for the member alone.

Who may do what: ``my follows`` is anyone's own, anywhere (a user install included). ``server``
needs a server that announces releases; any member may get the file and see the feed's link
(the feed shows what the server announces, which its members see anyway); only a member with
Manage Server may reset the link.

Every answer is in the member's own Discord language. A calendar is in its owner's: a server's in
the server's language (as its announcements), the file of a member's follows in the member's
language as they ask for it (their feed, read by a calendar app, in their recorded one).
"""

from __future__ import annotations

import io
import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.calendar_models import Feed, FeedKind
from bot.errors import BadInput
from bot.i18n import ENGLISH, N_, texts
from bot.models import slugify
from bot.render import escape
from bot.translator import lname, reader
from cogs.catalogue import anywhere_contexts, anywhere_installs, defer_for_lookup

if TYPE_CHECKING:
    from bot.client import PremiereBot
    from bot.services.calendar import CalendarService, Rendered

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
SCOPES = {"server": FeedKind.SERVER, "my follows": FeedKind.USER}
SCOPE_CHOICES = [
    app_commands.Choice(name=lname("choice", "server"), value="server"),
    app_commands.Choice(name=lname("choice", "my follows"), value="my follows"),
]
FILE_NAME_MAX = 60

# -- what members read (one place, for translation) -------------------------------------------------
# Each constant is an English message id, said in the reader's language: ``texts(lang)(CONSTANT)``.

SCOPE_DESCRIBE = locale_str(
    "This server's announcements, or the shows you follow (default: the server, in one)"
)
BAD_SCOPE = N_("Pick **server** or **my follows** for `scope`.")
NEEDS_SERVER = N_("The **server** calendar needs a server: use it in one, or pick **my follows**.")
NOT_ANNOUNCING = N_(
    "This server doesn't announce releases with Premiere, so it has no calendar. An admin sets "
    "that up with `/announce channel add`; or pick **my follows**."
)
NEEDS_MANAGER = N_("Only members with **Manage Server** can reset this server's calendar link.")
NO_FOLLOWS = N_("You don't follow any show yet: `/follow` one, then ask again.")
FEEDS_OFF = N_(
    "Calendar feeds are not turned on for this bot: its operator turns them on with "
    "`CALENDAR_HTTP_PORT`. Meanwhile `/calendar file` gives you a file of the coming weeks."
)
SUBSCRIBE = N_(
    "Subscribe from your calendar app: Google Calendar → Other calendars → + → From URL; "
    "Apple Calendar → File → New Calendar Subscription; Outlook → Add calendar → Subscribe from web."
)
SERVER_PRIVACY = N_(
    "Anyone with this address sees what this server announces: share it only with its members. "
    "Members with Manage Server can replace it with `/calendar reset scope:server`."
)
FOLLOWS_PRIVACY = N_(
    "Keep it to yourself: anyone with this address sees the shows you follow. "
    "`/calendar reset scope:my follows` replaces it."
)


def day_text(day: date, lang: str = ENGLISH) -> str:
    """ "28 January 2022" ("2022년 1월 28일")."""
    return texts(lang).date(day)


def span_text(rendered: Rendered, lang: str = ENGLISH) -> str:
    """ "from 21 January 2022 to 18 March 2022"."""
    tr = texts(lang)
    first = day_text(rendered.start.date(), lang)
    last = day_text((rendered.end - timedelta(days=1)).date(), lang)
    return tr("from {first} to {last}", first=first, last=last)


def whose(kind: FeedKind, server: str | None, lang: str = ENGLISH) -> str:
    """Whose releases a calendar holds, as the messages below say it ("the shows you follow")."""
    tr = texts(lang)
    if kind is FeedKind.USER:
        return tr("the shows you follow")
    return (
        tr("what **{server}** announces", server=escape(server))
        if server
        else tr("what this server announces")
    )


def file_text(kind: FeedKind, server: str | None, rendered: Rendered, lang: str = ENGLISH) -> str:
    return texts(lang).ngettext(
        "📅 {n} release of {whose}, {span}. Open the file to add them to your calendar; "
        "for a calendar that stays current, use `/calendar link`.",
        "📅 {n} releases of {whose}, {span}. Open the file to add them to your calendar; "
        "for a calendar that stays current, use `/calendar link`.",
        rendered.events,
        whose=whose(kind, server, lang),
        span=span_text(rendered, lang),
    )


def empty_text(kind: FeedKind, server: str | None, rendered: Rendered, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    return tr(
        "Nothing comes out of {whose} {span}.",
        whose=whose(kind, server, lang),
        span=span_text(rendered, lang),
    )


def link_text(kind: FeedKind, server: str | None, url: str, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    privacy = FOLLOWS_PRIVACY if kind is FeedKind.USER else SERVER_PRIVACY
    head = tr("📅 The calendar of {whose}, always current:", whose=whose(kind, server, lang))
    return f"{head}\n<{url}>\n{tr(SUBSCRIBE)}\n{tr(privacy)}"


def reset_text(kind: FeedKind, server: str | None, url: str | None, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    head = tr(
        "New address for the calendar of {whose}; the old one no longer works.",
        whose=whose(kind, server, lang),
    )
    if url is None:
        return f"{head} {tr(FEEDS_OFF)}"
    return f"{head}\n<{url}>\n{tr(SUBSCRIBE)}"


def file_name(kind: FeedKind, server: str | None) -> str:
    if kind is FeedKind.USER:
        return "premiere-my-follows.ics"
    slug = slugify(server)[: FILE_NAME_MAX - len("premiere-.ics")].strip("-") if server else ""
    return f"premiere-{slug or 'server'}.ics"


# -- the commands ------------------------------------------------------------------------------------


def server_name(interaction: discord.Interaction) -> str | None:
    guild = interaction.guild
    return getattr(guild, "name", None) if guild is not None else None


@anywhere_installs
@anywhere_contexts
class Calendar(
    commands.GroupCog,
    group_name=lname("command", "calendar"),
    group_description=locale_str("Releases in your calendar app"),
):
    def __init__(self, bot: PremiereBot, service: CalendarService) -> None:
        self.bot = bot
        self.service = service
        super().__init__()

    def scope(self, interaction: discord.Interaction, choice: app_commands.Choice[str] | None) -> FeedKind:
        """The chosen scope; without one, the server in a server that added the bot, else my follows."""
        if choice is None:
            return FeedKind.SERVER if interaction.is_guild_integration() else FeedKind.USER
        kind = SCOPES.get(choice.value)
        if kind is None:
            raise BadInput(BAD_SCOPE)
        return kind

    async def owner(self, interaction: discord.Interaction, kind: FeedKind, *, manage: bool = False) -> int:
        """Whose calendar: the member's own, or this server's (refused where there is none)."""
        if kind is FeedKind.USER:
            return interaction.user.id
        guild_id = interaction.guild_id
        if guild_id is None:
            raise BadInput(NEEDS_SERVER)
        if not await self.service.announces(guild_id):
            raise BadInput(NOT_ANNOUNCING)
        if manage and not interaction.permissions.manage_guild:
            raise BadInput(NEEDS_MANAGER)
        return guild_id

    @app_commands.command(
        name=lname("command", "file"),
        description=locale_str("A calendar file (.ics) of the releases of the coming weeks"),
    )
    @app_commands.describe(scope=SCOPE_DESCRIBE)
    @app_commands.rename(scope=lname("option", "scope"))
    @app_commands.choices(scope=SCOPE_CHOICES)
    async def file(
        self, interaction: discord.Interaction, scope: app_commands.Choice[str] | None = None
    ) -> None:
        tr = reader(interaction)
        kind = self.scope(interaction, scope)
        owner = await self.owner(interaction, kind)
        if kind is FeedKind.USER and not await self.service.follows(owner):
            raise BadInput(NO_FOLLOWS)
        name = server_name(interaction) if kind is FeedKind.SERVER else None
        await defer_for_lookup(interaction, ephemeral=True)  # a big server's calendar takes a moment
        # A server's calendar in its language; the member's own in the language they ask in.
        lang = tr.lang if kind is FeedKind.USER else None
        rendered = await self.service.calendar(kind, owner, server_name=name, lang=lang)
        interaction.extras["answered"] = True
        if not rendered.events:
            await interaction.edit_original_response(
                content=empty_text(kind, name, rendered, tr.lang), allowed_mentions=NO_PINGS
            )
            return
        attachment = discord.File(io.BytesIO(rendered.body), filename=file_name(kind, name))
        await interaction.edit_original_response(
            content=file_text(kind, name, rendered, tr.lang),
            attachments=[attachment],
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(
        name=lname("command", "link"),
        description=locale_str("The address of a calendar that stays current, to subscribe to"),
    )
    @app_commands.describe(scope=SCOPE_DESCRIBE)
    @app_commands.rename(scope=lname("option", "scope"))
    @app_commands.choices(scope=SCOPE_CHOICES)
    async def link(
        self, interaction: discord.Interaction, scope: app_commands.Choice[str] | None = None
    ) -> None:
        tr = reader(interaction)
        kind = self.scope(interaction, scope)
        owner = await self.owner(interaction, kind)
        if self.service.base_url is None:
            await self.reply(interaction, tr(FEEDS_OFF))
            return
        feed = await self.service.link(kind, owner)
        await self.reply(interaction, link_text(kind, server_name(interaction), self.url(feed), tr.lang))

    @app_commands.command(
        name=lname("command", "reset"),
        description=locale_str("A new calendar address; the old one stops working"),
    )
    @app_commands.describe(scope=SCOPE_DESCRIBE)
    @app_commands.rename(scope=lname("option", "scope"))
    @app_commands.choices(scope=SCOPE_CHOICES)
    async def reset(
        self, interaction: discord.Interaction, scope: app_commands.Choice[str] | None = None
    ) -> None:
        tr = reader(interaction)
        kind = self.scope(interaction, scope)
        owner = await self.owner(interaction, kind, manage=True)
        feed = await self.service.reset(kind, owner)
        url = self.service.url(feed)
        await self.reply(interaction, reset_text(kind, server_name(interaction), url, tr.lang))

    def url(self, feed: Feed) -> str:
        url = self.service.url(feed)
        assert url is not None  # asked only while feeds are on
        return url

    @staticmethod
    async def reply(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


async def setup(bot: PremiereBot) -> None:
    service = getattr(bot.services, "calendar", None)
    if service is None:
        return
    await bot.add_cog(Calendar(bot, service))
