"""The messages of a delivery run: which steps a channel's due slot takes, and each post's text.

Pure: embeds are rendered once per item and language (and split once per group of items) and
shared by every channel that posts them, so a release announced in 10,000 channels is rendered
once per language. A channel's posts are in its server's language (:func:`guild_language`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.announce.models import ChannelConfig, GuildConfig
from bot.announce.port import Embed, Post
from bot.i18n import ENGLISH, server_language, texts
from bot.models import Show
from bot.planner import LATE_AFTER, REMINDER_GRACE, DueSlot, Item
from bot.render import local_title
from bot.render_announce import item_embed, post_content, reminder_content, split_embeds

THREAD_NAME_MAX = 100  # Discord's limit for a thread name


def guild_language(guild: GuildConfig) -> str:
    """The language of a server's posts: the one chosen with ``/announce language``, else the
    server's preferred locale as Discord last reported it, else English."""
    return server_language(guild.language, guild.preferred_locale)


@dataclass(frozen=True, slots=True)
class Step:
    """One message of a slot in one channel (``index`` 0 pings), or the record of a skipped slot."""

    channel: ChannelConfig
    slot: DueSlot
    items: tuple[Item, ...]
    late: bool
    index: int
    skip: str | None = None

    @property
    def release_ids(self) -> tuple[str, ...]:
        return tuple(rid for i in self.items for rid in i.release_ids)


class Renderer:
    """Embeds and splits, made once per item and language and shared by every channel that posts
    them. ``guilds``: the servers' settings, which say each channel's language."""

    def __init__(self, shows: Mapping[str, Show], guilds: Mapping[int, GuildConfig] | None = None) -> None:
        self.shows = shows
        self.guilds = guilds or {}
        self._embeds: dict[tuple[tuple[str, ...], bool, str], Embed] = {}
        self._parts: dict[tuple[tuple[tuple[str, ...], ...], bool, str], list[list[int]]] = {}

    def language(self, guild_id: int) -> str:
        return guild_language(self.guilds.get(guild_id) or GuildConfig(guild_id))

    def embed(self, item: Item, late: bool, lang: str = ENGLISH) -> Embed:
        key = (item.release_ids, late, lang)
        e = self._embeds.get(key)
        if e is None:
            e = self._embeds[key] = item_embed(item, self.shows.get(item.show_id), late=late, lang=lang)
        return e

    def embeds(self, items: Sequence[Item], late: bool, lang: str = ENGLISH) -> list[Embed]:
        return [self.embed(i, late, lang) for i in items]

    def parts(self, items: Sequence[Item], late: bool, lang: str = ENGLISH) -> list[list[int]]:
        key = (tuple(i.release_ids for i in items), late, lang)
        p = self._parts.get(key)
        if p is None:
            p = self._parts[key] = split_embeds(self.embeds(items, late, lang))
        return p

    def post(
        self,
        channel: ChannelConfig,
        items: Sequence[Item],
        late: bool,
        nonce: str,
        *,
        ping: bool,
        reminder_for: datetime | None = None,
        lead: int = 0,
    ) -> Post:
        """One message, in the channel's server's language: the role pinged only by the first
        message of a slot (``ping``). A reminder (``reminder_for``: when its releases are due)
        pings nobody and opens no thread."""
        lang = self.language(channel.guild_id)
        if reminder_for is not None:
            text = reminder_content(len(items), reminder_for, lead, continued=not ping, lang=lang)
            embeds = self.embeds(items, False, lang)
            return Post(channel.channel_id, text, embeds, None, nonce, None, reminder=True)
        thread = None
        if channel.threads:
            tr = texts(lang)
            first = self.shows.get(items[0].show_id) if items else None
            if len(items) == 1:
                thread = local_title(first, lang) if first else tr("Release")
            else:
                thread = tr("{n} new releases", n=len(items))
            thread = thread[:THREAD_NAME_MAX]
        role_id = channel.role_id if ping else None
        return Post(
            channel.channel_id,
            post_content(role_id, len(items), continued=not ping, lang=lang),
            self.embeds(items, late, lang),
            role_id,
            nonce,
            thread,
        )


def steps(
    channel: ChannelConfig,
    guild: GuildConfig,
    slot: DueSlot,
    now: datetime,
    grace: timedelta,
    render: Renderer,
) -> list[Step]:
    """What a due slot becomes in its channel: its messages (split by Discord's limits), or one
    record of why it is skipped (paused, or missed beyond the grace window; a reminder: missed
    by more than a few minutes, or its release already due)."""
    overdue = now - slot.due
    lang = guild_language(guild)
    if slot.lead:
        why = reminder_skip(slot.due, slot.release_due, now) or (
            "announcements were paused" if guild.paused else None
        )
        if why:
            return [Step(channel, slot, slot.items, False, 0, skip=why)]
        return [
            Step(channel, slot, tuple(slot.items[i] for i in part), False, index)
            for index, part in enumerate(render.parts(slot.items, False, lang))
        ]
    if overdue > grace or guild.paused:
        reason = (
            "announcements were paused"
            if guild.paused
            else f"missed by {hours(overdue)}, beyond the {hours(grace)} grace window"
        )
        return [Step(channel, slot, slot.items, False, 0, skip=reason)]
    late = overdue > LATE_AFTER
    return [
        Step(channel, slot, tuple(slot.items[i] for i in part), late, index)
        for index, part in enumerate(render.parts(slot.items, late, lang))
    ]


def reminder_skip(due: datetime, release_due: datetime, now: datetime) -> str | None:
    """Why a reminder due at ``due`` is not sent at ``now`` (None: send it). Never late: one
    missed by more than a few minutes, or whose release is already due, is recorded, not sent."""
    if now >= release_due:
        return "the release is already out"
    if now - due > REMINDER_GRACE:
        return f"reminder missed by {hours(now - due)}"
    return None


def hours(delta: timedelta) -> str:
    h = delta.total_seconds() / 3600
    return f"{h:.1f} h" if h < 48 else f"{h / 24:.1f} days"


__all__ = ["Renderer", "Step", "guild_language", "hours", "reminder_skip", "steps"]
