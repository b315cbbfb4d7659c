"""Pure renderers for release announcements, as Discord embed dicts, and the split of a post
into messages under Discord's limits (10 embeds and 6,000 embed characters per message).

Posts are written in the server's language (``lang``), followers' DMs in the follower's, the
replies of ``/announce`` in the admin's; English by default."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.announce.models import ChannelConfig, GuildConfig, Kinds
from bot.i18n import EN, ENGLISH, N_, Texts, texts
from bot.models import Release, Scope, Show
from bot.planner import DueSlot, Item
from bot.render import (
    COLOUR,
    DESCRIPTION_MAX,
    FOOTER,
    TITLE_MAX,
    embed_length,
    episode_code,
    escape,
    local_title,
    note_text,
    part_text,
    region_text,
    release_line,
    show_heading,
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
KIND_LABELS = {
    Kinds.PREMIERES: N_("Premieres"),
    Kinds.EPISODES: N_("New episodes"),
    Kinds.BOTH: N_("Premieres and new episodes"),
}


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


def headline(item: Item, show: Show | None, lang: str = ENGLISH) -> str:
    """What came out: "Season 1 — all 12 episodes", "Episode S2E3", "Episodes S1E1–E8", "Out now"."""
    tr = texts(lang)
    rs = item.releases
    first = rs[0]
    if len(rs) > 1 and first.scope is Scope.EPISODE:
        eps = sorted(r.episode or 0 for r in rs)
        return tr(
            "Season {season}, episodes {first}–{last} — out now",
            season=first.season,
            first=eps[0],
            last=eps[-1],
        )
    if first.scope is Scope.EPISODE:
        if first.episode != 1:
            return tr("New episode {code}", code=episode_code(first.season, first.episode, lang))
        return tr(
            "Season {season} premiere ({code})", season=first.season, code=episode_code(first.season, 1, lang)
        )
    part = part_text(first, lang)
    if part:
        return tr("{part} — out now", part=part)
    if first.scope is Scope.SEASON:
        if show and show.episode_count and show.season_count == 1:
            return tr(
                "Season {season} — all {count} episodes — out now",
                season=first.season,
                count=show.episode_count,
            )
        return tr("Season {season} — out now", season=first.season)
    return tr("Out now")


def item_embed(item: Item, show: Show | None, *, late: bool = False, lang: str = ENGLISH) -> Embed:
    """One release (or one drop of several episodes) as an embed."""
    tr = texts(lang)
    title = escape(show_heading(show, lang)) if show else escape(item.show_id)
    r = item.releases[0]
    lines = [f"**{headline(item, show, lang)}**"]
    where = " · ".join(
        x for x in (escape(r.platform or (show.platform if show else None)), region_text(r.region, lang)) if x
    )
    if where:
        lines.append(where)
    lines.append(when_text(r.when, lang))
    if r.note:
        lines.append(f"-# {escape(note_text(r.note, lang))}")
    if show and show.synopsis:
        lines.append("")
        lines.append(truncate(escape(show.synopsis), SYNOPSIS_MAX))
    embed = _embed(title, "\n".join(lines))
    if late:
        late_text = tr("posted late: the bot was offline when this came out")
        embed["footer"] = {"text": f"{FOOTER} · {late_text}"}
    return embed


def post_content(role_id: int | None, count: int, *, continued: bool = False, lang: str = ENGLISH) -> str:
    """The message text: the role mention (the only mention ever allowed) and a short line.
    A continuation of a post split by Discord's limits pings nobody."""
    tr = texts(lang)
    if continued:
        return tr.ngettext("…and {n} more release:", "…and {n} more releases:", count)
    # One release is said without a number, in every language: two messages, not two plural forms.
    what = tr("A new release is out") if count == 1 else tr("{n} new releases are out", n=count)
    return (
        tr("{role} {what}!", role=role_mention(role_id), what=what) if role_id else tr("{what}!", what=what)
    )


def follow_content(count: int, *, continued: bool = False, lang: str = ENGLISH) -> str:
    """A follower's DM text at release."""
    tr = texts(lang)
    if continued:
        return tr("…and {n} more:", n=count)
    tv = "\N{TELEVISION}"
    if count == 1:
        return f"{tv} " + tr("New from a show you follow:")
    return f"{tv} " + tr("{n} new releases from shows you follow:", n=count)


def lead_text(minutes: int, lang: str = ENGLISH) -> str:
    """30 -> "30 minutes", 60 -> "1 hour", 90 -> "1 h 30 min", 1440 -> "1 day", 2880 -> "2 days".

    English keeps these forms; another language says the units as CLDR does (Babel): "1시간 30분"."""
    tr = texts(lang)
    if not tr.english:
        return tr.duration(timedelta(minutes=minutes))
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


def reminder_content(
    count: int, release_due: datetime, lead: int, *, continued: bool = False, lang: str = ENGLISH
) -> str:
    """A reminder's text: when the release comes, in the reader's own time (pings nobody)."""
    tr = texts(lang)
    if continued:
        return f"{REMINDER_MARK} " + tr("…and {n} more:", n=count)
    stamp = int(release_due.timestamp())
    values = {"lead": lead_text(lead, lang), "relative": f"<t:{stamp}:R>", "time": f"<t:{stamp}:f>"}
    if count == 1:
        text = tr("Reminder, {lead} ahead: a release comes out {relative} ({time}).", **values)
    else:
        text = tr("Reminder, {lead} ahead: {n} releases come out {relative} ({time}).", n=count, **values)
    return f"{REMINDER_MARK} {text}"


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


def test_embed(channel_name: str, role_id: int | None, now: datetime, lang: str = ENGLISH) -> Embed:
    tr = texts(lang)
    ping = f"<@&{role_id}>" if role_id else tr("nobody (no role set)")
    return _embed(
        tr("Premiere test post"),
        tr(
            "This channel is set up for release announcements.\n"
            "Real posts will ping {ping}.\n-# Sent {when} in #{channel}.",
            ping=ping,
            when=timestamp(now, "f"),
            channel=escape(channel_name),
        ),
    )


def preview_embeds(show: Show, releases: Sequence[Release], lang: str = ENGLISH) -> list[Embed]:
    """What a post about a show would look like: one embed per upcoming (or latest) release."""
    tr = texts(lang)
    if not releases:
        return [
            _embed(
                escape(local_title(show, lang)),
                tr("No dated release in the catalogue yet: nothing would be posted."),
            )
        ]
    return [item_embed(Item(show.id, (r,)), show, lang=lang) for r in releases[:MAX_EMBEDS]]


def role_mention(role_id: int) -> str:
    return f"<@&{role_id}>"


def channel_mention(channel_id: int) -> str:
    return f"<#{channel_id}>"


def kinds_text(kinds: Kinds, lang: str = ENGLISH) -> str:
    return texts(lang)(KIND_LABELS[kinds])


def _channel_line(
    c: ChannelConfig, name: str | None = None, tr: Texts = EN, spelled: Mapping[str, str] | None = None
) -> str:
    where = f"<#{c.channel_id}>" if name is None else f"#{escape(name)}"
    bits = [tr(KIND_LABELS[c.kinds])]
    if c.role_id:
        bits.append(tr("pings {role}", role=role_mention(c.role_id)))
    if c.platforms:
        names = [(spelled or {}).get(p, p) for p in c.platforms]  # "Netflix", as the catalogue has it
        bits.append(tr("platforms: {platforms}", platforms=", ".join(escape(p) for p in names)))
    if c.shows:
        bits.append(tr.ngettext("{n} show", "{n} shows", len(c.shows)))
    if c.threads:
        bits.append(tr("threads"))
    if c.publish:
        bits.append(tr("published to followers"))
    if c.reminders:
        leads = ", ".join(lead_text(m, tr.lang) for m in c.reminders)
        bits.append(tr("reminders {leads} ahead", leads=leads))
    if c.weekly:
        bits.append(tr("week at a glance"))
    if c.healthy:
        health = tr("✅ healthy")
    else:
        health = tr(
            "⚠️ **broken** — {reason}; fix it, then add the channel again", reason=escape(c.broken_reason)
        )
    return f"{where} · {health}\n-# " + " · ".join(bits)


def list_embed(
    guild: GuildConfig,
    channels: Sequence[ChannelConfig],
    upcoming: Sequence[DueSlot],
    show_titles: dict[str, str],
    platform_names: Mapping[str, str] | None = None,
    lang: str = ENGLISH,
) -> Embed:
    tr = texts(lang)
    state = tr("⏸️ paused") if guild.paused else tr("▶️ running")
    head = tr(
        "{state} · date-only releases post at **{time}** ({zone})",
        state=state,
        time=guild.post_time.strftime("%H:%M"),
        zone=escape(guild.zone),
    )
    title = tr("Release announcements")
    if not channels:
        return _embed(title, head + "\n\n" + tr("No channel yet: use `/announce channel add`."))
    fields = [
        {
            "name": tr("Channels"),
            "value": truncate(
                "\n".join(_channel_line(c, tr=tr, spelled=platform_names) for c in channels), 1024
            ),
            "inline": False,
        }
    ]
    if upcoming:
        lines = []
        for slot in upcoming[:8]:
            titles = ", ".join(escape(show_titles.get(i.show_id, i.show_id)) for i in slot.items[:3])
            more = f" +{len(slot.items) - 3}" if len(slot.items) > 3 else ""
            values = {
                "when": timestamp(slot.due, "f"),
                "channel": f"<#{slot.channel_id}>",
                "shows": titles + more,
            }
            if slot.lead:
                line = tr(
                    "{when} reminder, {lead} ahead, in {channel}: {shows}",
                    lead=lead_text(slot.lead, lang),
                    **values,
                )
            else:
                line = tr("{when} in {channel}: {shows}", **values)
            lines.append(line)
        fields.append({"name": tr("Next posts"), "value": truncate("\n".join(lines), 1024), "inline": False})
    else:
        fields.append(
            {"name": tr("Next posts"), "value": tr("Nothing due in the next days."), "inline": False}
        )
    return _embed(title, head, fields=fields)


def channel_saved_text(
    config: ChannelConfig,
    *,
    created: bool,
    platform_names: Sequence[str],
    show_titles: Sequence[str],
    lang: str = ENGLISH,
) -> str:
    """The confirmation of ``/announce channel add``: every setting of the channel as written."""
    tr = texts(lang)
    values = {"channel": f"<#{config.channel_id}>", "kinds": tr(KIND_LABELS[config.kinds]).lower()}
    if created:
        lines = [tr("Release announcements will be posted in {channel}: {kinds}.", **values)]
    else:
        lines = [tr("Updated: release announcements will be posted in {channel}: {kinds}.", **values)]
    lines.append(
        tr("Each post pings {role} and nobody else.", role=role_mention(config.role_id))
        if config.role_id
        else tr("Posts ping nobody.")
    )
    if config.platforms:
        platforms = ", ".join(escape(truncate(p, 60)) for p in platform_names)
        lines.append(tr("Platforms: {platforms}.", platforms=platforms))
    else:
        lines.append(tr("Platforms: all."))
    if config.shows:
        titles = ", ".join(escape(truncate(t, 60)) for t in show_titles[:SHOWN_TITLES])
        if len(config.shows) > SHOWN_TITLES:
            titles = tr("{titles}, +{more} more", titles=titles, more=len(config.shows) - SHOWN_TITLES)
        lines.append(tr("Shows: {count} ({titles}).", count=len(config.shows), titles=titles))
    else:
        lines.append(tr("Shows: all."))
    if config.threads:
        lines.append(tr("A discussion thread opens on each post."))
    if config.publish:
        lines.append(
            tr("It is an announcement channel: each post is published to the servers that follow it.")
        )
    if config.reminders:
        ahead = ", ".join(lead_text(m, lang) for m in config.reminders)
        lines.append(tr("Reminders: {leads} before each release (they ping nobody).", leads=ahead))
    if config.weekly:
        lines.append(tr("A “week at a glance” message lists this week's releases, edited as the week goes."))
    return truncate("\n".join(lines), CONTENT_MAX)


def cleanup_text(channel_names: Sequence[str | None], unpinged: Sequence[int], lang: str = ENGLISH) -> str:
    """What ``/announce list`` tidied before answering: deleted channels and roles."""
    tr = texts(lang)
    lines = []
    for name in channel_names[:SHOWN_TITLES]:
        if name:
            lines.append(
                tr(
                    "{channel} was deleted: its announcement settings are removed.",
                    channel="#" + escape(truncate(name, 60)),
                )
            )
        else:
            lines.append(tr("A channel was deleted: its announcement settings are removed."))
    if len(channel_names) > SHOWN_TITLES:
        lines.append(tr("…and {n} more deleted channels.", n=len(channel_names) - SHOWN_TITLES))
    for cid in unpinged[:SHOWN_TITLES]:
        lines.append(
            tr(
                "{channel} pinged a role that was deleted: its posts ping nobody now.",
                channel=channel_mention(cid),
            )
        )
    return truncate("\n".join(lines), CONTENT_MAX)


def owner_dm_text(
    guild_name: str, channel_name: str | None, reason: str, *, gone: bool = False, lang: str = ENGLISH
) -> str:
    """The server owner's message about a channel the bot can no longer post in. A channel is
    named by its name (or said to be deleted when even that is unknown), never by its id."""
    tr = texts(lang)
    where = f"**#{escape(channel_name)}**" if channel_name else tr("a channel that was deleted")
    values = {"where": where, "server": f"**{escape(guild_name)}**", "reason": escape(reason)}
    if gone:
        return tr(
            "Premiere no longer posts release announcements in {where} on {server}: {reason}. Its "
            "announcement settings are removed; other channels are still served. Use `/announce channel add` "
            "to pick another channel.",
            **values,
        )
    return tr(
        "Premiere can no longer post release announcements in {where} on {server}: {reason}. Other channels "
        "are still served. Fix the channel's permissions (or pick another channel), then run "
        "`/announce channel add` again.",
        **values,
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
