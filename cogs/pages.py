"""Page buttons of the catalogue's answers: /cast and /upcoming carry their state in the button's
custom id, so their buttons keep working after a restart (the page is built again from the
catalogue when pressed); ``Pages`` keeps pages in memory for what does not fit in one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord

from bot import render
from bot.announce.models import Kinds
from bot.i18n import ENGLISH, N_, texts
from bot.models import Role
from bot.translator import reader, reader_language

if TYPE_CHECKING:
    from bot.services.catalogue import CatalogueService, Upcoming


def _service(interaction: discord.Interaction) -> CatalogueService:
    return interaction.client.catalogue  # type: ignore[attr-defined]


def embed(data: dict[str, Any]) -> discord.Embed:
    return discord.Embed.from_dict(data)


NOT_YOUR_PAGES = N_("These pages belong to someone else's command; run it yourself to browse.")
PREVIOUS = N_("Previous")
NEXT = N_("Next")


class Pages(discord.ui.View):
    """Previous / next buttons over a list of embeds; only the person who asked can turn pages."""

    def __init__(
        self, pages: list[dict[str, Any]], owner_id: int, *, timeout: float = 300, lang: str = ENGLISH
    ) -> None:
        super().__init__(timeout=timeout)
        self.pages = pages
        self.owner_id = owner_id
        self.index = 0
        self.message: discord.InteractionMessage | None = None
        tr = texts(lang)
        self.previous.label, self.next.label = tr(PREVIOUS), tr(NEXT)
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(reader(interaction)(NOT_YOUR_PAGES), ephemeral=True)
            return False
        return True

    async def _show(self, interaction: discord.Interaction) -> None:
        self._sync_buttons()
        await interaction.response.edit_message(embed=embed(self.pages[self.index]), view=self)

    @discord.ui.button(
        label="Previous", emoji="◀", style=discord.ButtonStyle.secondary, custom_id="pages:prev"
    )
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button[Pages]) -> None:
        self.index = max(0, self.index - 1)
        await self._show(interaction)

    @discord.ui.button(label="Next", emoji="▶", style=discord.ButtonStyle.secondary, custom_id="pages:next")
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[Pages]) -> None:
        self.index = min(len(self.pages) - 1, self.index + 1)
        await self._show(interaction)

    async def on_timeout(self) -> None:
        if self.message is not None:
            try:
                await self.message.edit(view=None)
            except discord.HTTPException:
                pass


CAST_PAGE_ID = "cast:{page}:{owner}:{role}:{show}"


class CastPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"cast:(?P<page>\d+):(?P<owner>\d+):(?P<role>[a-z_]*):(?P<show>[^:]+)",
):
    """A page button of /cast that carries its state in its custom id, so it keeps working after
    the bot restarts: the page is built again from the catalogue when it is pressed."""

    def __init__(
        self,
        show_id: str,
        role: str,
        page: int,
        owner_id: int,
        *,
        label: str,
        disabled: bool,
        previous: bool | None = None,
    ) -> None:
        self.show_id, self.role, self.page, self.owner_id = show_id, role, page, owner_id
        custom_id = CAST_PAGE_ID.format(page=page, owner=owner_id, role=role, show=show_id)
        emoji = "◀" if (label == PREVIOUS if previous is None else previous) else "▶"
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji=emoji,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id,
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: Any
    ) -> CastPageButton:
        return cls(
            match["show"],
            match["role"],
            int(match["page"]),
            int(match["owner"]),
            label=item.label or NEXT,
            disabled=False,
            previous=str(item.emoji) == "◀",
        )

    @staticmethod
    def fits(show_id: str, owner_id: int) -> bool:
        return len(CAST_PAGE_ID.format(page=999, owner=owner_id, role="original_author", show=show_id)) <= 100

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(reader(interaction)(NOT_YOUR_PAGES), ephemeral=True)
            return False
        return True

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        service = _service(interaction)
        lang = reader_language(interaction)
        tr = texts(lang)
        show = await service.store.get_show(self.show_id)
        if show is None:
            await interaction.response.send_message(
                tr("That show is no longer in the catalogue."), ephemeral=True
            )
            return
        sheet = await service.cast(show, Role(self.role) if self.role else None)
        pages = render.cast_pages(sheet, lang=lang)
        page = max(0, min(self.page, len(pages) - 1))
        await interaction.response.edit_message(
            embed=embed(pages[page]),
            view=cast_page_view(self.show_id, self.role, page, len(pages), self.owner_id, lang=lang),
        )


def cast_page_view(
    show_id: str, role: str, page: int, count: int, owner_id: int, *, lang: str = ENGLISH
) -> discord.ui.View:
    tr = texts(lang)
    view = discord.ui.View(timeout=None)
    view.add_item(
        CastPageButton(
            show_id, role, max(page - 1, 0), owner_id, label=tr(PREVIOUS), disabled=page == 0, previous=True
        )
    )
    view.add_item(
        CastPageButton(
            show_id,
            role,
            min(page + 1, count - 1),
            owner_id,
            label=tr(NEXT),
            disabled=page >= count - 1,
            previous=False,
        )
    )
    return view


class ExpiredPages(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pages:(?P<which>prev|next)"):
    """A page button whose pages lived only in a process that has since stopped: say so."""

    def __init__(self, which: str) -> None:
        super().__init__(discord.ui.Button(label=which, custom_id=f"pages:{which}"))

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: Any
    ) -> ExpiredPages:
        return cls(match["which"])

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        tr = reader(interaction)
        await interaction.response.send_message(
            tr("These pages have expired; run the command again to browse them."), ephemeral=True
        )


UPCOMING_PAGE_ID = "upcoming:{page}:{owner}:{days}:{kinds}:{start}:{platform}"


class UpcomingPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"upcoming:(?P<page>\d+):(?P<owner>\d+):(?P<days>\d+):(?P<kinds>[a-z]+):(?P<start>\d+):(?P<platform>.*)",
):
    """A page button of /upcoming: the window (its start, days and platform) is in its custom id,
    so every page lists the window that was asked for, after a restart too."""

    def __init__(self, up: UpcomingKey, page: int, *, label: str, disabled: bool, previous: bool) -> None:
        self.key, self.page = up, page
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji="◀" if previous else "▶",
                style=discord.ButtonStyle.secondary,
                custom_id=up.custom_id(page),
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: Any
    ) -> UpcomingPageButton:
        kinds = next((k for k in Kinds if k.value == match["kinds"]), Kinds.BOTH)
        key = UpcomingKey(
            int(match["owner"]), int(match["days"]), int(match["start"]), match["platform"], kinds
        )
        previous = str(item.emoji) == "◀"
        return cls(key, int(match["page"]), label=item.label or NEXT, disabled=False, previous=previous)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        if interaction.user.id != self.key.owner_id:
            await interaction.response.send_message(reader(interaction)(NOT_YOUR_PAGES), ephemeral=True)
            return False
        return True

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        lang = reader_language(interaction)
        k = self.key
        start = datetime.fromtimestamp(k.start, UTC)
        up = await _service(interaction).upcoming(
            k.days, k.platform or None, now=start, page=self.page, kinds=k.kinds
        )
        await interaction.response.edit_message(
            embed=embed(render.upcoming_embed(up, lang=lang, paged=True)),
            view=upcoming_page_view(up, k, lang=lang),
        )


@dataclass(frozen=True, slots=True)
class UpcomingKey:
    """What an /upcoming message lists: whose it is, the window's days, start and platform."""

    owner_id: int
    days: int
    start: int  # the window's start, in seconds since the epoch
    platform: str
    kinds: Kinds = Kinds.BOTH

    @classmethod
    def of(cls, up: Upcoming, owner_id: int) -> UpcomingKey:
        return cls(owner_id, up.days, int(up.start.timestamp()), up.platform or "", up.kinds)

    def custom_id(self, page: int) -> str:
        return UPCOMING_PAGE_ID.format(
            page=page,
            owner=self.owner_id,
            days=self.days,
            kinds=self.kinds.value,
            start=self.start,
            platform=self.platform,
        )

    def fits(self) -> bool:
        return len(self.custom_id(99)) <= 100  # Discord's limit for a custom id


def upcoming_page_view(up: Upcoming, key: UpcomingKey, *, lang: str = ENGLISH) -> discord.ui.View:
    tr = texts(lang)
    view = discord.ui.View(timeout=None)
    last = up.pages - 1
    view.add_item(
        UpcomingPageButton(key, max(up.page - 1, 0), label=tr(PREVIOUS), disabled=up.page == 0, previous=True)
    )
    view.add_item(
        UpcomingPageButton(
            key, min(up.page + 1, last), label=tr(NEXT), disabled=up.page >= last, previous=False
        )
    )
    return view
