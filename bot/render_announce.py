"""Pure renderers for release announcements, as Discord embed dicts, and the split of a post
into messages under Discord's limits (10 embeds and 6,000 embed characters per message)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.announce.models import ChannelConfig, GuildConfig
from bot.models import Release, Scope, Show
from bot.planner import DueSlot, Item
from bot.render import (
    COLOUR,
    DESCRIPTION_MAX,
    FOOTER,
    TITLE_MAX,
    embed_length,
    escape,
    part_text,
    region_text,
    release_line,
    timestamp,
    truncate,
    when_text,
)

Embed = dict[str, Any]

MAX_EMBEDS = 10
MAX_EMBED_CHARS = 6000
CONTENT_MAX = 2000
SYNOPSIS_MAX = 300
SHOWN_TITLES = 5  # show titles named in a confirmation


def _embed(title: str, description: str | None = None, **extra: Any) -> Embed:
    embed: Embed = {
        "type": "rich",
        "title": truncate(title, TITLE_MAX),
        "color": COLOUR,
        "footer": {"text": FOOTER},
    }
    if description:
        embed["description"] = truncate(description, DESCRIPTION_MAX)
    embed.update(extra)
    return embed


def headline(item: Item, show: Show | None) -> str:
    """What came out: "Season 1 — all 12 episodes", "Episode S2E3", "Episodes S1E1–E8", "Out now"."""
    rs = item.releases
    first = rs[0]
    if len(rs) > 1 and first.scope is Scope.EPISODE:
        eps = sorted(r.episode or 0 for r in rs)
        return f"Season {first.season}, episodes {eps[0]}–{eps[-1]} — out now"
    if first.scope is Scope.EPISODE:
        return (
            f"New episode S{first.season}E{first.episode}"
            if first.episode != 1
            else (f"Season {first.season} premiere (S{first.season}E1)")
        )
    part = part_text(first)
    if part:
        return f"{part} — out now"
    if first.scope is Scope.SEASON:
        count = (
            f" — all {show.episode_count} episodes"
            if show and show.episode_count and show.season_count == 1
            else ""
        )
        return f"Season {first.season}{count} — out now"
    return "Out now"


def item_embed(item: Item, show: Show | None, *, late: bool = False) -> Embed:
    """One release (or one drop of several episodes) as an embed."""
    title = escape(show.title) if show else escape(item.show_id)
    if show and show.original_title and show.original_title != show.title:
        title += f" ({escape(show.original_title)})"
    r = item.releases[0]
    lines = [f"**{headline(item, show)}**"]
    where = " · ".join(
        x for x in (escape(r.platform or (show.platform if show else None)), region_text(r.region)) if x
    )
    if where:
        lines.append(where)
    lines.append(when_text(r.when))
    if r.note:
        lines.append(f"-# {escape(r.note)}")
    if show and show.synopsis:
        lines.append("")
        lines.append(truncate(escape(show.synopsis), SYNOPSIS_MAX))
    embed = _embed(title, "\n".join(lines))
    if late:
        embed["footer"] = {"text": f"{FOOTER} · posted late: the bot was offline when this came out"}
    return embed


def post_content(role_id: int | None, count: int, *, continued: bool = False) -> str:
    """The message text: the role mention (the only mention ever allowed) and a short line.
    A continuation of a post split by Discord's limits pings nobody."""
    if continued:
        return f"…and {count} more release{'s' if count != 1 else ''}:"
    what = "A new release is out" if count == 1 else f"{count} new releases are out"
    return f"<@&{role_id}> {what}!" if role_id else f"{what}!"


def follow_content(count: int, *, continued: bool = False) -> str:
    """A follower's DM text at release."""
    if continued:
        return f"…and {count} more:"
    if count == 1:
        return "\N{TELEVISION} New from a show you follow:"
    return f"\N{TELEVISION} {count} new releases from shows you follow:"


def lead_text(minutes: int) -> str:
    """30 -> "30 minutes", 60 -> "1 hour", 90 -> "1 h 30 min", 1440 -> "1 day", 2880 -> "2 days"."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days and not rest:
        return f"{days} day{'s' if days != 1 else ''}"
    if not days and hours and not mins:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if not days and not hours:
        return f"{mins} minute{'s' if mins != 1 else ''}"
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins else ""]
    return " ".join(p for p in parts if p)


REMINDER_MARK = "\N{ALARM CLOCK}"  # the first character of every reminder's text


def reminder_content(count: int, release_due: datetime, lead: int, *, continued: bool = False) -> str:
    """A reminder's text: when the release comes, in the reader's own time (pings nobody)."""
    if continued:
        return f"{REMINDER_MARK} …and {count} more:"
    stamp = int(release_due.timestamp())
    what = "a release comes out" if count == 1 else f"{count} releases come out"
    return f"{REMINDER_MARK} Reminder, {lead_text(lead)} ahead: {what} <t:{stamp}:R> (<t:{stamp}:f>)."


def split_embeds(
    embeds: Sequence[Embed], *, max_embeds: int = MAX_EMBEDS, max_chars: int = MAX_EMBED_CHARS
) -> list[list[int]]:
    """Indexes of ``embeds`` per message: in order, each message under both limits.

    One embed never exceeds the limit by itself (renderers truncate), so every part is non-empty.
    """
    parts: list[list[int]] = []
    current: list[int] = []
    size = 0
    for i, embed in enumerate(embeds):
        n = embed_length(embed)
        if current and (len(current) >= max_embeds or size + n > max_chars):
            parts.append(current)
            current, size = [], 0
        current.append(i)
        size += n
    if current:
        parts.append(current)
    return parts


def test_embed(channel_name: str, role_id: int | None, now: datetime) -> Embed:
    ping = f"<@&{role_id}>" if role_id else "nobody (no role set)"
    return _embed(
        "Premiere test post",
        "This channel is set up for release announcements.\n"
        f"Real posts will ping {ping}.\n-# Sent {timestamp(now, 'f')} in #{escape(channel_name)}.",
    )


def preview_embeds(show: Show, releases: Sequence[Release]) -> list[Embed]:
    """What a post about a show would look like: one embed per upcoming (or latest) release."""
    if not releases:
        return [_embed(escape(show.title), "No dated release in the catalogue yet: nothing would be posted.")]
    return [item_embed(Item(show.id, (r,)), show) for r in releases[:MAX_EMBEDS]]


def _channel_line(c: ChannelConfig, name: str | None = None) -> str:
    where = f"<#{c.channel_id}>" if name is None else f"#{escape(name)}"
    bits = [c.kinds.label]
    if c.role_id:
        bits.append(f"pings <@&{c.role_id}>")
    if c.platforms:
        bits.append("platforms: " + ", ".join(escape(p) for p in c.platforms))
    if c.shows:
        bits.append(f"{len(c.shows)} show{'s' if len(c.shows) != 1 else ''}")
    if c.threads:
        bits.append("threads")
    if c.publish:
        bits.append("published to followers")
    if c.reminders:
        bits.append("reminders " + ", ".join(lead_text(m) for m in c.reminders) + " ahead")
    if c.weekly:
        bits.append("week at a glance")
    health = (
        "✅ healthy"
        if c.healthy
        else f"⚠️ **broken** — {escape(c.broken_reason)}; fix it, then add the channel again"
    )
    return f"{where} · {health}\n-# " + " · ".join(bits)


def list_embed(
    guild: GuildConfig,
    channels: Sequence[ChannelConfig],
    upcoming: Sequence[DueSlot],
    show_titles: dict[str, str],
) -> Embed:
    state = "⏸️ paused" if guild.paused else "▶️ running"
    head = f"{state} · date-only releases post at **{guild.post_time:%H:%M}** ({escape(guild.zone)})"
    if not channels:
        return _embed("Release announcements", head + "\n\nNo channel yet: use `/announce channel add`.")
    fields = [
        {
            "name": "Channels",
            "value": truncate("\n".join(_channel_line(c) for c in channels), 1024),
            "inline": False,
        }
    ]
    if upcoming:
        lines = []
        for slot in upcoming[:8]:
            titles = ", ".join(escape(show_titles.get(i.show_id, i.show_id)) for i in slot.items[:3])
            more = f" +{len(slot.items) - 3}" if len(slot.items) > 3 else ""
            what = f"reminder, {lead_text(slot.lead)} ahead, " if slot.lead else ""
            lines.append(f"{timestamp(slot.due, 'f')} {what}in <#{slot.channel_id}>: {titles}{more}")
        fields.append({"name": "Next posts", "value": truncate("\n".join(lines), 1024), "inline": False})
    else:
        fields.append({"name": "Next posts", "value": "Nothing due in the next days.", "inline": False})
    return _embed("Release announcements", head, fields=fields)


def channel_saved_text(
    config: ChannelConfig, *, created: bool, platform_names: Sequence[str], show_titles: Sequence[str]
) -> str:
    """The confirmation of ``/announce channel add``: every setting of the channel as written."""
    head = (
        "Release announcements will be posted in"
        if created
        else "Updated: release announcements will be posted in"
    )
    lines = [f"{head} <#{config.channel_id}>: {config.kinds.label.lower()}."]
    lines.append(
        f"Each post pings <@&{config.role_id}> and nobody else." if config.role_id else "Posts ping nobody."
    )
    platforms = ", ".join(escape(truncate(p, 60)) for p in platform_names) if config.platforms else "all"
    lines.append(f"Platforms: {platforms}.")
    if config.shows:
        titles = ", ".join(escape(truncate(t, 60)) for t in show_titles[:SHOWN_TITLES])
        more = f", +{len(config.shows) - SHOWN_TITLES} more" if len(config.shows) > SHOWN_TITLES else ""
        lines.append(f"Shows: {len(config.shows)} ({titles}{more}).")
    else:
        lines.append("Shows: all.")
    if config.threads:
        lines.append("A discussion thread opens on each post.")
    if config.publish:
        lines.append("It is an announcement channel: each post is published to the servers that follow it.")
    if config.reminders:
        ahead = ", ".join(lead_text(m) for m in config.reminders)
        lines.append(f"Reminders: {ahead} before each release (they ping nobody).")
    if config.weekly:
        lines.append("A “week at a glance” message lists this week's releases, edited as the week goes.")
    return truncate("\n".join(lines), CONTENT_MAX)


def cleanup_text(channel_names: Sequence[str | None], unpinged: Sequence[int]) -> str:
    """What ``/announce list`` tidied before answering: deleted channels and roles."""
    lines = []
    for name in channel_names[:SHOWN_TITLES]:
        where = f"#{escape(truncate(name, 60))}" if name else "A channel"
        lines.append(f"{where} was deleted: its announcement settings are removed.")
    if len(channel_names) > SHOWN_TITLES:
        lines.append(f"…and {len(channel_names) - SHOWN_TITLES} more deleted channels.")
    for cid in unpinged[:SHOWN_TITLES]:
        lines.append(f"<#{cid}> pinged a role that was deleted: its posts ping nobody now.")
    return truncate("\n".join(lines), CONTENT_MAX)


def owner_dm_text(guild_name: str, channel_name: str | None, reason: str, *, gone: bool = False) -> str:
    """The server owner's message about a channel the bot can no longer post in. A channel is
    named by its name (or said to be deleted when even that is unknown), never by its id."""
    where = f"**#{escape(channel_name)}**" if channel_name else "a channel that was deleted"
    if gone:
        return (
            f"Premiere no longer posts release announcements in {where} on **{escape(guild_name)}**: "
            f"{escape(reason)}. Its announcement settings are removed; other channels are still served. "
            "Use `/announce channel add` to pick another channel."
        )
    return (
        f"Premiere can no longer post release announcements in {where} on "
        f"**{escape(guild_name)}**: {escape(reason)}. Other channels are still served. Fix the "
        "channel's permissions (or pick another channel), then run `/announce channel add` again."
    )


__all__ = [
    "item_embed",
    "post_content",
    "split_embeds",
    "test_embed",
    "preview_embeds",
    "list_embed",
    "owner_dm_text",
    "channel_saved_text",
    "cleanup_text",
    "headline",
    "release_line",
]
