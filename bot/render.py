"""Pure functions from answers to Discord embeds, as the JSON dicts Discord documents.

Catalogue text is escaped so that it can neither format nor mention; times use Discord's
timestamp markup so that every viewer reads them in their own time zone.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.models import Credit, Precision, Release, Role, Scope, Show, When
from bot.services.catalogue import CastSheet, PersonAnswer, ReleaseAnswer, ShowDetails, Upcoming

Embed = dict[str, Any]

COLOUR = 0xE50914
FOOTER = "Premiere"
CAST_PAGE_SIZE = 15
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_VALUE_MAX = 1024

_MARKDOWN = re.compile(r"([\\*_~`|\[\]])")
_LINE_START = re.compile(r"(^|\n)(\s*)([#>-])")
_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>")
_REGIONS = {"WW": "Worldwide"}


def escape(text: str | None) -> str:
    """Catalogue text made inert: markdown escaped, mentions broken with a zero-width space."""
    if not text:
        return ""
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _LINE_START.sub(r"\1\2\\\3", text)
    return _MENTION.sub(lambda m: m.group(0).replace("@", "@\u200b").replace("<#", "<\u200b#"), text)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def _field(name: str, value: str, inline: bool = False) -> dict[str, Any]:
    return {"name": truncate(name, 256), "value": truncate(value or "—", FIELD_VALUE_MAX), "inline": inline}


def timestamp(dt: datetime, style: str = "F") -> str:
    return f"<t:{int(dt.timestamp())}:{style}>"


def when_text(when: When) -> str:
    """A release time for every reader: Discord timestamps when exact, a plain date otherwise."""
    p = when.precision
    if p is Precision.EXACT and when.instant:
        return f"{timestamp(when.instant, 'F')} ({timestamp(when.instant, 'R')})"
    if p is Precision.DATE and when.local:
        y, m, d = map(int, when.local.split("-"))
        return f"{d} {calendar.month_name[m]} {y}"
    if p is Precision.MONTH and when.local:
        y, m = map(int, when.local.split("-"))
        return f"{calendar.month_name[m]} {y}"
    if p is Precision.YEAR and when.local:
        return f"{when.local} (exact date to be announced)"
    return "To be announced"


def region_text(region: str) -> str:
    return _REGIONS.get(region, region)


def part_text(release: Release) -> str | None:
    """A season part as said: "Season 1, part 1: episodes 1–8" (None unless it is a part)."""
    span = release.episode_range
    if span is None and release.part is None:
        return None
    head = f"Season {release.season}" + (f", part {release.part}" if release.part is not None else "")
    if span is None:
        return head
    first, last = span
    return f"{head}: episode {first}" if first == last else f"{head}: episodes {first}–{last}"


def scope_text(release: Release, show: Show | None = None) -> str:
    if release.scope is Scope.EPISODE:
        return f"S{release.season}E{release.episode}"
    part = part_text(release)
    if part:
        return part
    if release.scope is Scope.SEASON:
        count = (
            f", all {show.episode_count} episodes"
            if show and show.episode_count and show.season_count == 1
            else ""
        )
        return f"Season {release.season}{count}"
    return "Film" if show and show.kind.value == "film" else "Release"


def release_line(release: Release, show: Show | None = None) -> str:
    where = " · ".join(x for x in (escape(release.platform), region_text(release.region)) if x)
    line = f"**{scope_text(release, show)}** — {where}: {when_text(release.when)}"
    if release.note:
        line += f"\n-# {escape(release.note)}"
    return line


def _credit_line(c: Credit) -> str:
    name = f"**{escape(c.person.name)}**"
    if c.person.native_name:
        name += f" ({escape(c.person.native_name)})"
    return f"{name} as {escape(c.character)}" if c.character else name


def _crew_lines(crew: Sequence[Credit]) -> list[str]:
    by_role: dict[Role, list[str]] = {}
    for c in crew:
        by_role.setdefault(c.role, []).append(escape(c.person.name))
    return [f"**{role.label}:** {', '.join(names)}" for role, names in by_role.items()]


def _show_heading(show: Show) -> str:
    return (
        show.title
        if not show.original_title or show.original_title == show.title
        else (f"{show.title} ({show.original_title})")
    )


def show_embed(d: ShowDetails) -> Embed:
    s = d.show
    fields = []
    if s.original_title and s.original_title != s.title:
        fields.append(_field("Original title", escape(s.original_title), True))
    if s.platform:
        fields.append(_field("Platform", escape(s.platform), True))
    released = when_text(d.premiere.when) if d.premiere else (aired_text(s) or "To be announced")
    fields.append(_field("Released", released, True))
    if s.ended and d.premiere:
        ended = when_text(When.parse(s.ended)) if _is_date(s.ended) else escape(s.ended)
        fields.append(_field("Ended", ended, True))
    if s.kind.value == "series":
        count = str(s.episode_count) if s.episode_count else "Unknown"
        if s.season_count and s.season_count > 1:
            count += f" in {s.season_count} seasons"
        fields.append(_field("Episodes", count, True))
    if s.genres:
        fields.append(_field("Genres", ", ".join(escape(g) for g in s.genres), True))
    if s.status:
        fields.append(_field("Status", s.status.value.capitalize(), True))
    if s.source_title:
        authors = [escape(c.person.name) for c in d.crew if c.role is Role.ORIGINAL_AUTHOR]
        source = f"{escape(s.source_kind or 'work').capitalize()} “{escape(s.source_title)}”"
        if s.source_original_title and s.source_original_title != s.source_title:
            source += f" ({escape(s.source_original_title)})"
        if authors:
            source += f" by {', '.join(authors)}"
        fields.append(_field("Based on", source))
    directors = [escape(c.person.name) for c in d.crew if c.role is Role.DIRECTOR]
    if directors:
        fields.append(_field("Directed by", ", ".join(directors), True))
    if d.cast:
        fields.append(_field("Starring", "\n".join(_credit_line(c) for c in d.cast)))
    for ev in d.events[:3]:
        place = f" in {escape(ev.place)}" if ev.place else ""
        fields.append(_field(escape(ev.title), f"{when_text(ev.when)}{place}", True))
    if d.links:
        related = [
            f"**{escape(title)}**" + (f" ({escape(link.relation)})" if link.relation != "related" else "")
            for link, title in d.links[:10]
        ]
        fields.append(_field("Related", "\n".join(related)))
    return _embed(escape(_show_heading(s)), escape(s.synopsis) or None, fields=fields)


def cast_pages(sheet: CastSheet, page_size: int = CAST_PAGE_SIZE) -> list[Embed]:
    """One embed per page: actors and characters in billing order, then the crew."""
    s = sheet.show
    title = (
        f"Cast of {escape(_show_heading(s))}"
        if sheet.role in (None, Role.CAST)
        else (f"{sheet.role.label}s of {escape(_show_heading(s))}" if sheet.role else "")
    )
    lines = [_credit_line(c) for c in sheet.cast]
    crew = _crew_lines(sheet.crew)
    if not lines and not crew:
        return [_embed(title, "No credits in the catalogue yet.")]
    chunks = [lines[i : i + page_size] for i in range(0, len(lines), page_size)] or [[]]
    pages = []
    for n, chunk in enumerate(chunks, start=1):
        fields = [_field("Crew", "\n".join(crew))] if crew and n == 1 else []
        embed = _embed(title, "\n".join(chunk) or None, fields=fields)
        if len(chunks) > 1:
            embed["footer"] = {"text": f"{FOOTER} · page {n} of {len(chunks)} · {len(lines)} credits"}
        pages.append(embed)
    return pages


def release_embed(answer: ReleaseAnswer) -> Embed:
    s = answer.show
    title = f"When is {escape(s.title)} out?"
    if answer.asked_episode:
        ep = answer.episode
        name = f" “{escape(ep.title)}”" if ep and ep.title else ""
        title = f"{escape(s.title)} {answer.asked_episode}{name}"
    if not answer.releases:
        aired = aired_text(s)
        return _embed(title, f"{aired}." if aired else "No release date yet: **to be announced**.")
    lines = [release_line(r, s) for r in answer.releases[:20]]
    if len(answer.releases) > 20:
        lines.append(f"…and {len(answer.releases) - 20} more releases.")
    return _embed(title, "\n".join(lines))


def upcoming_embed(up: Upcoming, limit: int = 25) -> Embed:
    where = f" on {escape(up.platform)}" if up.platform else ""
    title = f"Coming out in the next {up.days} day{'s' if up.days != 1 else ''}{where}"
    if not up.items:
        return _embed(title, "Nothing in the catalogue comes out in that window.")
    lines = []
    for item in up.items[:limit]:
        line = f"**{escape(item.show.title)}** · {release_line(item.release, item.show)}"
        under_way = _period_under_way(item.release.when, up.start)
        if under_way:
            line = line.replace(
                when_text(item.release.when), f"{when_text(item.release.when)} ({under_way})", 1
            )
        lines.append(line)
    more = up.count - min(len(up.items), limit)
    if more > 0:
        lines.append(f"…and {more:,} more. Narrow it with `days` or `platform`.")
    return _embed(title, "\n".join(lines))


def _period_under_way(when: When, now: datetime) -> str | None:
    """ "this month" / "later this year" for a month or year release that has begun (never posted)."""
    if when.instant is None or when.instant > now:
        return None
    if when.precision is Precision.MONTH:
        return "this month"
    if when.precision is Precision.YEAR:
        return "later this year"
    return None


def aired_text(show: Show) -> str | None:
    """Show-level dates when no release is known: "First aired 6 June 2005 · ended 30 August 2005"."""
    if not show.premiered:
        return None
    try:
        text = f"First aired {when_text(When.parse(show.premiered))}"
        if show.ended:
            text += f" · ended {when_text(When.parse(show.ended))}"
    except ValueError:
        return None
    return text


def person_embed(answer: PersonAnswer) -> Embed:
    p = answer.person
    heading = p.name if not p.native_name else f"{p.name} ({p.native_name})"
    if not answer.credits:
        return _embed(escape(heading), "No credits in the catalogue yet.")
    lines = []
    for credit, show in answer.credits[:40]:
        what = f"as {escape(credit.character)}" if credit.character else credit.role.label.lower()
        if credit.role is Role.CAST and not credit.character:
            what = "cast"
        lines.append(f"**{escape(show.title)}** ({show.kind.value}, {escape(show.platform or '—')}) — {what}")
    if len(answer.credits) > 40:
        lines.append(f"…and {len(answer.credits) - 40} more.")
    return _embed(escape(heading), "\n".join(lines))


def _is_date(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


def not_found_text(message: str, suggestions: Sequence[str]) -> str:
    text = escape(message)
    if suggestions:
        text += " Did you mean " + ", ".join(f"**{escape(s)}**" for s in suggestions[:3]) + "?"
    else:
        text += " Check the spelling, or pick a title from the suggestions while you type."
    return text


def embed_length(embed: Embed) -> int:
    """Characters that count toward Discord's 6,000 limit."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))
    for f in embed.get("fields", []):
        total += len(f["name"]) + len(f["value"])
    return total
