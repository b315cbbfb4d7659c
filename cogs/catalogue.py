"""Question commands: /show, /cast, /release, /upcoming, /person. Parse, ask the service, render."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot import render
from bot.announce.models import Kinds
from bot.errors import NotFound
from bot.models import Person, Role, Show
from bot.services.catalogue import check_query
from bot.translator import lname, reader_language
from cogs.pages import (
    CastPageButton,
    ExpiredPages,
    Pages,
    UpcomingKey,
    UpcomingPageButton,
    cast_page_view,
    embed,
    upcoming_page_view,
)

if TYPE_CHECKING:
    from bot.client import PremiereBot
    from bot.services.catalogue import CatalogueService

NO_PINGS = discord.AllowedMentions.none()
# Question commands work wherever a member is: in a server with the bot, in a DM with it, and
# (installed to the member's own account) in any server or private channel.
anywhere_installs = app_commands.allowed_installs(guilds=True, users=True)
anywhere_contexts = app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
log = logging.getLogger(__name__)


def _service(interaction: discord.Interaction) -> CatalogueService:
    return interaction.client.catalogue  # type: ignore[attr-defined]


def _choices(items: list[Any]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=c.name, value=c.value) for c in items[:25]]


LOOKUP_SECONDS = 8.0  # an on-demand lookup answers within this, well inside Discord's 15 minutes


async def defer_for_lookup(interaction: discord.Interaction, *, ephemeral: bool = False) -> None:
    """Tell Discord an answer is coming (a lookup can take longer than its 3 seconds)."""
    if not interaction.response.is_done():
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        interaction.extras["deferred"] = True


async def find_show(interaction: discord.Interaction, value: str, *, ephemeral: bool = False) -> Show:
    """A show from the catalogue; one it lacks is looked up on TVmaze (when the sync is on),
    imported, and answered. NotFound when neither has it."""
    service = _service(interaction)
    try:
        return await service.resolve_show(value)
    except NotFound:
        sync = getattr(getattr(interaction.client, "services", None), "sync", None)
        if sync is None:
            raise
        await defer_for_lookup(interaction, ephemeral=ephemeral)
        show_id = None
        try:
            async with asyncio.timeout(LOOKUP_SECONDS):
                show_id = await sync.lookup(check_query(value))
        except TimeoutError:
            log.warning("looking up %r on TVmaze took longer than %.0f s", value, LOOKUP_SECONDS)
        show = await service.show_matching(show_id, value) if show_id else None
        if show is None:
            raise
        return show


async def send(interaction: discord.Interaction, **kwargs: Any) -> None:
    """Answer a command: the response, or the deferred response's message after a lookup."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if interaction.extras.get("deferred"):
        interaction.extras["answered"] = True
        await interaction.edit_original_response(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


class ShowTransformer(app_commands.Transformer):
    """A typed title or an autocomplete pick -> Show; an unknown title is looked up on TVmaze,
    else raises NotFound."""

    async def transform(self, interaction: discord.Interaction, value: str) -> Show:
        return await find_show(interaction, value)

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(await _service(interaction).autocomplete_shows(value))


class PersonTransformer(app_commands.Transformer):
    async def transform(self, interaction: discord.Interaction, value: str) -> Person:
        return await _service(interaction).resolve_person(value)

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(await _service(interaction).autocomplete_people(value))


ROLE_CHOICES = [
    app_commands.Choice(name=lname("choice", "Cast"), value="cast"),
    app_commands.Choice(name=lname("choice", "Director"), value="director"),
    app_commands.Choice(name=lname("choice", "Writer"), value="writer"),
    app_commands.Choice(name=lname("choice", "Creator"), value="creator"),
    app_commands.Choice(name=lname("choice", "Original author"), value="original_author"),
]
TITLE = locale_str("The show's title, in any language")
KIND_CHOICES = [
    app_commands.Choice(name=lname("choice", "Premieres"), value=Kinds.PREMIERES.value),
    app_commands.Choice(name=lname("choice", "New episodes"), value=Kinds.EPISODES.value),
    app_commands.Choice(name=lname("choice", "Premieres and new episodes"), value=Kinds.BOTH.value),
]


class Catalogue(commands.Cog):
    def __init__(self, bot: PremiereBot) -> None:
        self.bot = bot

    @property
    def service(self) -> CatalogueService:
        return self.bot.catalogue

    @anywhere_installs
    @anywhere_contexts
    @app_commands.command(
        name=lname("command", "show"),
        description=locale_str("Everything about a show or film: platform, release, cast"),
    )
    @app_commands.describe(title=TITLE)
    @app_commands.rename(title=lname("option", "title"))
    async def show(
        self,
        interaction: discord.Interaction,
        title: app_commands.Transform[Show, ShowTransformer],
    ) -> None:
        details = await self.service.show_details(title)
        await send(interaction, embed=embed(render.show_embed(details, reader_language(interaction))))

    @anywhere_installs
    @anywhere_contexts
    @app_commands.command(
        name=lname("command", "cast"),
        description=locale_str("Who plays whom, in billing order, and who made it"),
    )
    @app_commands.describe(title=TITLE, role=locale_str("Only this kind of credit"))
    @app_commands.rename(title=lname("option", "title"), role=lname("option", "role"))
    @app_commands.choices(role=ROLE_CHOICES)
    async def cast(
        self,
        interaction: discord.Interaction,
        title: app_commands.Transform[Show, ShowTransformer],
        role: app_commands.Choice[str] | None = None,
    ) -> None:
        lang = reader_language(interaction)
        sheet = await self.service.cast(title, Role(role.value) if role else None)
        pages = render.cast_pages(sheet, lang=lang)
        if len(pages) == 1:
            await send(interaction, embed=embed(pages[0]))
            return
        owner = interaction.user.id
        if CastPageButton.fits(title.id, owner):
            await send(
                interaction,
                embed=embed(pages[0]),
                view=cast_page_view(title.id, role.value if role else "", 0, len(pages), owner, lang=lang),
            )
            return
        view = Pages(pages, owner, lang=lang)  # an id too long to carry in a button: pages kept in memory
        await send(interaction, embed=embed(pages[0]), view=view)
        view.message = await interaction.original_response()

    @anywhere_installs
    @anywhere_contexts
    @app_commands.command(
        name=lname("command", "release"),
        description=locale_str("When a show or one episode is or was out, in your time zone"),
    )
    @app_commands.describe(title=TITLE, episode=locale_str("An episode, like S1E3 or 3"))
    @app_commands.rename(title=lname("option", "title"), episode=lname("option", "episode"))
    async def release(
        self,
        interaction: discord.Interaction,
        title: app_commands.Transform[Show, ShowTransformer],
        episode: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        answer = await self.service.release(title, episode)
        await send(interaction, embed=embed(render.release_embed(answer, reader_language(interaction))))

    @anywhere_installs
    @anywhere_contexts
    @app_commands.command(
        name=lname("command", "upcoming"), description=locale_str("What comes out in the next days")
    )
    @app_commands.describe(
        days=locale_str("How many days ahead (default 7)"),
        platform=locale_str("Only this platform"),
        kinds=locale_str("Premieres, new episodes, or both (default: both)"),
    )
    @app_commands.rename(
        days=lname("option", "days"), platform=lname("option", "platform"), kinds=lname("option", "kinds")
    )
    @app_commands.choices(kinds=KIND_CHOICES)
    async def upcoming(
        self,
        interaction: discord.Interaction,
        days: app_commands.Range[int, 1, 366] = 7,
        platform: app_commands.Range[str, 1, 100] | None = None,
        kinds: app_commands.Choice[str] | None = None,
    ) -> None:
        answer = await self.service.upcoming(
            days, platform, kinds=Kinds(kinds.value) if kinds else Kinds.BOTH
        )
        lang = reader_language(interaction)
        key = UpcomingKey.of(answer, interaction.user.id)
        if answer.pages > 1 and key.fits():  # pages to turn, with buttons that outlive a restart
            await interaction.response.send_message(
                embed=embed(render.upcoming_embed(answer, lang=lang, paged=True)),
                view=upcoming_page_view(answer, key, lang=lang),
                allowed_mentions=NO_PINGS,
            )
            return
        await interaction.response.send_message(
            embed=embed(render.upcoming_embed(answer, lang=lang)), allowed_mentions=NO_PINGS
        )

    @upcoming.autocomplete("platform")
    async def _platforms(
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(await self.service.platform_choices(value))

    @anywhere_installs
    @anywhere_contexts
    @app_commands.command(
        name=lname("command", "person"),
        description=locale_str("What a person is credited for across the catalogue"),
    )
    @app_commands.describe(name=locale_str("The person's name, in any script"))
    @app_commands.rename(name=lname("option", "name"))
    async def person(
        self,
        interaction: discord.Interaction,
        name: app_commands.Transform[Person, PersonTransformer],
    ) -> None:
        answer = await self.service.person(name)
        await interaction.response.send_message(
            embed=embed(render.person_embed(answer, reader_language(interaction))), allowed_mentions=NO_PINGS
        )


async def setup(bot: PremiereBot) -> None:
    bot.add_dynamic_items(CastPageButton, UpcomingPageButton, ExpiredPages)
    await bot.add_cog(Catalogue(bot))
