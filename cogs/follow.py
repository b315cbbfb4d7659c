"""/follow, /following, /unfollow: members follow shows and get a DM when they are out.

Thin: parse, ask the follow service, render. Works wherever the member is: in a server, in a DM
with the bot, or anywhere through a user install. Every answer is for the member alone, in their
Discord language, which their DMs are written in too (remembered at each follow command).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.errors import BadInput, NotFound
from bot.follows.models import What
from bot.i18n import ENGLISH, N_, Msg, pmsg, texts
from bot.models import Show
from bot.render import escape, local_title
from bot.render_follows import follow_text, following_page, reminders_saved_text
from bot.search import clean_input, nearest_names, normalise
from bot.translator import lname, reader, reader_language
from cogs.catalogue import ShowTransformer, anywhere_contexts, anywhere_installs, find_show

if TYPE_CHECKING:
    from bot.client import PremiereBot
    from bot.services.follows import FollowService

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
WHAT = {"premiere": What.PREMIERES, "every episode": What.EPISODES}
WHAT_CHOICES = [
    app_commands.Choice(name=lname("choice", "premiere"), value="premiere"),
    app_commands.Choice(name=lname("choice", "every episode"), value="every episode"),
]
REMINDERS_MAX = 40  # characters of the reminders option
CUSTOM_ID_MAX = 100
PREVIOUS, NEXT, RESUME = N_("Previous"), N_("Next"), N_("Resume DMs")


def _follows(interaction: discord.Interaction) -> FollowService:
    follows = interaction.client.services.follows  # type: ignore[attr-defined]
    assert follows is not None
    return follows  # type: ignore[no-any-return]


async def reply(interaction: discord.Interaction, text: str | None = None, **kwargs: Any) -> None:
    """Answer for the member alone: the deferred message after a lookup, or a private reply."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if interaction.extras.get("deferred") and not interaction.extras.get("answered"):
        interaction.extras["answered"] = True
        await interaction.edit_original_response(content=text, **kwargs)
    elif interaction.response.is_done():
        await interaction.followup.send(text or "", ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(text, ephemeral=True, **kwargs)


class PrivateShowTransformer(ShowTransformer):
    """A show, looked up (when the catalogue lacks it) behind a private "thinking…"."""

    async def transform(self, interaction: discord.Interaction, value: str) -> Show:
        return await find_show(interaction, value, ephemeral=True)


class FollowedShowTransformer(app_commands.Transformer):
    """One of the member's follows: autocomplete offers them; a typed title is matched to one."""

    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        following = await _follows(interaction).following(interaction.user.id)
        if any(it.follow.show_id == value for it in following.items):
            return value
        wanted = normalise(clean_input(value))
        for it in following.items:
            if it.show is not None and normalise(it.show.title) == wanted:
                return it.follow.show_id
        titles = [it.show.title for it in following.items if it.show is not None]
        raise NotFound(
            Msg("You don't follow a show called “{query}”.", query=value[:60]),
            nearest_names(value, titles),
            hint=N_("See `/following` for the shows you follow."),
        )

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        following = await _follows(interaction).following(interaction.user.id)
        typed = normalise(clean_input(value or ""))
        out = []
        for it in following.items:
            title = it.show.title if it.show else it.follow.show_id
            if typed in normalise(title) and len(it.follow.show_id) <= 100:
                out.append(app_commands.Choice(name=title[:100], value=it.follow.show_id))
        return out[:25]


def page_view(
    show_ids: list[tuple[str, str]], page: int, pages: int, paused: bool, lang: str = ENGLISH
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for show_id, label in show_ids:
        if UnfollowButton.fits(show_id, page):
            view.add_item(UnfollowButton(show_id, page, label=label))
    if pages > 1:
        view.add_item(FollowingPageButton(page - 1, "prev", disabled=page == 0, lang=lang))
        view.add_item(FollowingPageButton(page + 1, "next", disabled=page >= pages - 1, lang=lang))
    if paused:
        view.add_item(ResumeButton(lang))
    return view


async def show_page(interaction: discord.Interaction, page: int, note: str | None = None) -> None:
    """A page of /following, in the member's language (``note``: already in it)."""
    lang = reader_language(interaction)
    following = await _follows(interaction).following(interaction.user.id)
    shown = following_page(following, page, lang)
    view = page_view(shown.unfollow, shown.page, shown.pages, shown.paused, lang)
    embed = discord.Embed.from_dict(shown.embed)
    if interaction.type is discord.InteractionType.component:
        await interaction.response.edit_message(content=note, embed=embed, view=view)
    else:
        await reply(interaction, note, embed=embed, view=view)


class UnfollowButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"follow:unf:(?P<page>\d+):(?P<show>.+)"
):
    """Unfollow one show from /following; it works after a restart (its state is its id)."""

    def __init__(self, show_id: str, page: int, *, label: str = "Unfollow") -> None:
        self.show_id, self.page = show_id, page
        super().__init__(
            discord.ui.Button(
                label=label, style=discord.ButtonStyle.danger, custom_id=f"follow:unf:{page}:{show_id}"
            )
        )

    @staticmethod
    def fits(show_id: str, page: int) -> bool:
        return len(f"follow:unf:{page}:{show_id}") <= CUSTOM_ID_MAX

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: Any
    ) -> UnfollowButton:
        return cls(match["show"], int(match["page"]), label=item.label or "Unfollow")

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        tr = reader(interaction)
        follows = _follows(interaction)
        show = await interaction.client.catalogue.store.get_show(self.show_id)  # type: ignore[attr-defined]
        title = escape(local_title(show, tr.lang)) if show else tr("that show")
        removed = await follows.unfollow(interaction.user.id, self.show_id)
        note = (
            tr("Unfollowed **{show}**.", show=title)
            if removed
            else tr("You no longer follow **{show}**.", show=title)
        )
        await show_page(interaction, self.page, note)


class FollowingPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"follow:page:(?P<page>-?\d+):(?P<dir>prev|next)"
):
    def __init__(self, page: int, direction: str, *, disabled: bool = False, lang: str = ENGLISH) -> None:
        self.page = page
        tr = texts(lang)
        super().__init__(
            discord.ui.Button(
                label=tr(PREVIOUS) if direction == "prev" else tr(NEXT),
                emoji="◀" if direction == "prev" else "▶",
                style=discord.ButtonStyle.secondary,
                custom_id=f"follow:page:{page}:{direction}",
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: Any
    ) -> FollowingPageButton:
        return cls(int(match["page"]), match["dir"])

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await show_page(interaction, self.page)


class ResumeButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"follow:resume"):
    def __init__(self, lang: str = ENGLISH) -> None:
        tr = texts(lang)
        super().__init__(
            discord.ui.Button(label=tr(RESUME), style=discord.ButtonStyle.success, custom_id="follow:resume")
        )

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: Any
    ) -> ResumeButton:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        tr = reader(interaction)
        resumed = await _follows(interaction).resume(interaction.user.id)
        note = (
            tr("DMs resumed: I'll DM you again for the shows you follow.")
            if resumed
            else tr("Your DMs were not paused.")
        )
        await show_page(interaction, 0, note)


class Follow(commands.Cog):
    def __init__(self, bot: PremiereBot) -> None:
        self.bot = bot

    @property
    def follows(self) -> FollowService:
        follows = self.bot.services.follows
        assert follows is not None
        return follows

    @app_commands.command(
        name=lname("command", "follow"), description=locale_str("Get a DM when a show's next release is out")
    )
    @app_commands.describe(
        show=locale_str("The show's title, in any language"),
        what=locale_str("Premieres only (new seasons, films), or every episode"),
        reminders=locale_str("Reminders ahead of each release you follow, like 24h, 1h (or off)"),
    )
    @app_commands.rename(
        show=lname("option", "show"), what=lname("option", "what"), reminders=lname("option", "reminders")
    )
    @app_commands.choices(what=WHAT_CHOICES)
    @anywhere_installs
    @anywhere_contexts
    async def follow(
        self,
        interaction: discord.Interaction,
        show: app_commands.Transform[Show, PrivateShowTransformer],
        what: app_commands.Choice[str] | None = None,
        reminders: app_commands.Range[str, 1, REMINDERS_MAX] | None = None,
    ) -> None:
        chosen = WHAT.get(what.value) if what is not None else What.PREMIERES
        if chosen is None:
            raise BadInput(Msg("Pick **premiere** or **every episode** for `what`."))
        if reminders is not None and len(reminders) > REMINDERS_MAX:
            raise BadInput(
                Msg(
                    "**{option}** is too long: at most {max} characters.",
                    option=pmsg("option", "reminders"),
                    max=REMINDERS_MAX,
                )
            )
        lang = reader_language(interaction)
        user_id = interaction.user.id
        saved = await self.follows.set_reminders(user_id, reminders) if reminders is not None else None
        result = await self.follows.follow(user_id, show, chosen, locale=str(interaction.locale.value))
        follower = await self.follows.follower(user_id)
        text = follow_text(result, local_title(show, lang), chosen, follower, self.follows.cap, lang)
        if saved is not None:
            text += "\n" + reminders_saved_text(saved, lang)
        await reply(interaction, text)

    @app_commands.command(
        name=lname("command", "following"),
        description=locale_str("The shows you follow, with a button to unfollow each"),
    )
    @anywhere_installs
    @anywhere_contexts
    async def following(self, interaction: discord.Interaction) -> None:
        await self.follows.remember_locale(interaction.user.id, str(interaction.locale.value))
        await show_page(interaction, 0)

    @app_commands.command(
        name=lname("command", "unfollow"), description=locale_str("Stop the DMs for a show you follow")
    )
    @app_commands.describe(show=locale_str("A show you follow"))
    @app_commands.rename(show=lname("option", "show"))
    @anywhere_installs
    @anywhere_contexts
    async def unfollow(
        self,
        interaction: discord.Interaction,
        show: app_commands.Transform[str, FollowedShowTransformer],
    ) -> None:
        tr = reader(interaction)
        await self.follows.remember_locale(interaction.user.id, str(interaction.locale.value))
        found = await self.bot.store.get_show(show)
        title = escape(local_title(found, tr.lang)) if found else escape(show)
        removed = await self.follows.unfollow(interaction.user.id, show)
        await reply(
            interaction,
            tr("Unfollowed **{show}**.", show=title)
            if removed
            else tr("You don't follow **{show}**.", show=title),
        )

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: app_commands.Command[Any, Any, Any]
    ) -> None:
        """Tell a member whose DMs turned out closed, once, the next time they use the bot."""
        try:
            notice = await self.follows.notice(interaction.user.id)
            if notice:
                text = reader(interaction)(notice)
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
        except Exception:
            log.warning("could not tell member %s their DMs are paused", interaction.user.id, exc_info=True)


async def setup(bot: PremiereBot) -> None:
    if bot.services.follows is None:
        return
    bot.add_dynamic_items(UnfollowButton, FollowingPageButton, ResumeButton)
    await bot.add_cog(Follow(bot))
