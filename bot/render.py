"""Pure functions from answers to Discord embeds, as the JSON dicts Discord documents.

Catalogue text is escaped so that it can neither format nor mention; times use Discord's
timestamp markup so that every viewer reads them in their own time zone and language. Every
renderer takes the reader's language (``lang``, English by default); a title is shown first in
the reader's language when the catalogue has it (지금 우리 학교는 for a Korean reader).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.i18n import ENGLISH, KOREAN, N_, NP_, Texts, texts
from bot.models import Credit, Kind, Person, Precision, Release, Role, Scope, Show, Status, When
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
_ESCAPED = frozenset("\\*_~`|[]#>-@<")  # every character the three patterns above start from
_REGIONS = {"WW": N_("Worldwide")}
_SCRIPTS = {KOREAN: re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")}  # Hangul

ROLE_LABELS = {
    Role.CAST: N_("Cast"),
    Role.DIRECTOR: N_("Director"),
    Role.WRITER: N_("Writer"),
    Role.CREATOR: N_("Creator"),
    Role.ORIGINAL_AUTHOR: N_("Original author"),
}
_CREDITS_OF = {
    Role.CAST: N_("Cast of {title}"),
    Role.DIRECTOR: N_("Directors of {title}"),
    Role.WRITER: N_("Writers of {title}"),
    Role.CREATOR: N_("Creators of {title}"),
    Role.ORIGINAL_AUTHOR: N_("Original authors of {title}"),
}
STATUS_LABELS = {
    Status.ANNOUNCED: NP_("status", "Announced"),
    Status.RUNNING: NP_("status", "Running"),
    Status.ENDED: NP_("status", "Ended"),
    Status.RENEWED: NP_("status", "Renewed"),
    Status.RELEASED: NP_("status", "Released"),
    Status.CANCELLED: NP_("status", "Cancelled"),
}
KIND_LABELS = {Kind.SERIES: NP_("kind", "series"), Kind.FILM: NP_("kind", "film")}
# Catalogue words from a known list, said in the reader's language; any other is shown as written.
SOURCE_KINDS = frozenset(
    (
        NP_("source", "webtoon"),
        NP_("source", "novel"),
        NP_("source", "manga"),
        NP_("source", "comic"),
        NP_("source", "film"),
        NP_("source", "game"),
        NP_("source", "play"),
        NP_("source", "book"),
        NP_("source", "work"),
    )
)
# Places of the catalogue's events that have a usual name in the reader's language; any other is
# shown as written.
PLACES = frozenset((NP_("place", "Seoul"), NP_("place", "Cannes"), NP_("place", "Venice")))
# An event whose title is just its kind's usual name is named in the reader's language.
EVENT_TITLES = {
    "press_conference": NP_("event", "Press conference"),
    "premiere_screening": NP_("event", "Premiere screening"),
    "trailer": NP_("event", "Trailer"),
}
# Discord's own names of the permissions the bot asks for, as its app shows them in each language.
PERMISSIONS = frozenset(
    (
        NP_("permission", "Administrator"),
        NP_("permission", "View Channel"),
        NP_("permission", "Send Messages"),
        NP_("permission", "Embed Links"),
        NP_("permission", "Create Public Threads"),
        NP_("permission", "Send Messages In Threads"),
        NP_("permission", "Send Messages in Threads"),
        NP_("permission", "Read Message History"),
        NP_("permission", "Manage Messages"),
        NP_("permission", "Manage Server"),
        NP_("permission", "Manage Roles"),
        NP_("permission", "Manage Channels"),
        NP_("permission", "Mention Everyone"),
    )
)
GENRES = frozenset(
    (
        NP_("genre", "Action"),
        NP_("genre", "Adult"),
        NP_("genre", "Adventure"),
        NP_("genre", "Animation"),
        NP_("genre", "Anime"),
        NP_("genre", "Children"),
        NP_("genre", "Comedy"),
        NP_("genre", "Crime"),
        NP_("genre", "Dark Fantasy"),
        NP_("genre", "DIY"),
        NP_("genre", "Drama"),
        NP_("genre", "Dystopian"),
        NP_("genre", "Espionage"),
        NP_("genre", "Family"),
        NP_("genre", "Fantasy"),
        NP_("genre", "Food"),
        NP_("genre", "Historical"),
        NP_("genre", "History"),
        NP_("genre", "Horror"),
        NP_("genre", "Legal"),
        NP_("genre", "Medical"),
        NP_("genre", "Music"),
        NP_("genre", "Mystery"),
        NP_("genre", "Nature"),
        NP_("genre", "Post-apocalyptic"),
        NP_("genre", "Romance"),
        NP_("genre", "Satire"),
        NP_("genre", "Science Fiction"),
        NP_("genre", "Science-Fiction"),
        NP_("genre", "Sports"),
        NP_("genre", "Steampunk"),
        NP_("genre", "Superhero"),
        NP_("genre", "Supernatural"),
        NP_("genre", "Survival"),
        NP_("genre", "Teen"),
        NP_("genre", "Thriller"),
        NP_("genre", "Travel"),
        NP_("genre", "War"),
        NP_("genre", "Western"),
    )
)


def escape(text: str | None) -> str:
    """Catalogue text made inert: markdown escaped, mentions broken with a zero-width space."""
    if not text:
        return ""
    if _ESCAPED.isdisjoint(text):  # most names and titles: nothing to escape
        return text
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


def when_text(when: When, lang: str = ENGLISH) -> str:
    """A release time for every reader: Discord timestamps when exact, a plain date otherwise."""
    tr = texts(lang)
    p = when.precision
    if p is Precision.EXACT and when.instant:
        return f"{timestamp(when.instant, 'F')} ({timestamp(when.instant, 'R')})"
    if p is Precision.DATE and when.local:
        return tr.date(date.fromisoformat(when.local))
    if p is Precision.MONTH and when.local:
        y, m = map(int, when.local.split("-"))
        return tr.month(y, m)
    if p is Precision.YEAR and when.local:
        return tr("{year} (exact date to be announced)", year=when.local)
    return tr("To be announced")


def region_text(region: str, lang: str = ENGLISH) -> str:
    return texts(lang)(_REGIONS[region]) if region in _REGIONS else region


def in_language(text: str | None, lang: str, declared: str | None = None) -> bool:
    """Whether catalogue text is in the reader's language: its declared language when the
    catalogue gives one, else its script (Hangul for Korean). English readers read the
    catalogue's main titles, which are English."""
    if not text or lang == ENGLISH:
        return False
    if declared:
        return declared == lang
    script = _SCRIPTS.get(lang)
    return bool(script and script.search(text))


def local_title(show: Show, lang: str = ENGLISH) -> str:
    """The title a reader knows a show by: its original title when that is in their language."""
    if show.original_title and in_language(show.original_title, lang, show.original_language):
        return show.original_title
    return show.title


def show_heading(show: Show, lang: str = ENGLISH) -> str:
    """ "All of Us Are Dead (지금 우리 학교는)", and to Korean readers
    "지금 우리 학교는 (All of Us Are Dead)"."""
    if not show.original_title or show.original_title == show.title:
        return show.title
    first = local_title(show, lang)
    second = show.title if first != show.title else show.original_title
    return f"{first} ({second})"


def person_heading(person: Person, lang: str = ENGLISH) -> str:
    """ "Park Ji-hu (박지후)"; for a Korean reader "박지후 (Park Ji-hu)"."""
    if not person.native_name:
        return person.name
    if in_language(person.native_name, lang):
        return f"{person.native_name} ({person.name})"
    return f"{person.name} ({person.native_name})"


def person_name(person: Person, lang: str = ENGLISH) -> str:
    """A person's name as a reader knows it: their native name when it is in the reader's language."""
    if person.native_name and in_language(person.native_name, lang):
        return person.native_name
    return person.name


def _quoted_titles(title: str, original: str | None, lang: str) -> str:
    """A work's titles, escaped, the reader's language first: “Now at Our School” (지금 우리 학교는)."""
    if not original or original == title:
        return f"“{escape(title)}”"
    if in_language(original, lang):
        return f"“{escape(original)}” ({escape(title)})"
    return f"“{escape(title)}” ({escape(original)})"


def part_text(release: Release, lang: str = ENGLISH) -> str | None:
    """A season part as said: "Season 1, part 1: episodes 1–8" (None unless it is a part)."""
    tr = texts(lang)
    span = release.episode_range
    if span is None and release.part is None:
        return None
    if release.part is not None:
        head = tr("Season {season}, part {part}", season=release.season, part=release.part)
    else:
        head = tr("Season {season}", season=release.season)
    if span is None:
        return head
    first, last = span
    if first == last:
        return tr("{head}: episode {first}", head=head, first=first)
    return tr("{head}: episodes {first}–{last}", head=head, first=first, last=last)


def episode_code(season: int | None, episode: int | None, lang: str = ENGLISH) -> str:
    """ "S1E3" (Korean: "시즌 1 3화")."""
    tr = texts(lang)
    return tr("S{season}E{episode}", season=season, episode=episode)


def scope_text(release: Release, show: Show | None = None, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    if release.scope is Scope.EPISODE:
        return episode_code(release.season, release.episode, lang)
    part = part_text(release, lang)
    if part:
        return part
    if release.scope is Scope.SEASON:
        if show and show.episode_count and show.season_count == 1:
            return tr(
                "Season {season}, all {count} episodes", season=release.season, count=show.episode_count
            )
        return tr("Season {season}", season=release.season)
    return tr("Film") if show and show.kind.value == "film" else tr("Release")


# Notes the TVmaze mapping writes, and the catalogue's most common ones, in the reader's language;
# any other note is shown as the catalogue writes it.
_NOTES = (
    (re.compile(r"All (?P<count>\d+) episodes at once"), N_("All {count} episodes at once")),
    (
        re.compile(r"Part (?P<part>\d+): episodes (?P<first>\d+)[–-](?P<last>\d+) at once"),
        N_("Part {part}: episodes {first}–{last} at once"),
    ),
    (
        re.compile(r"Episodes (?P<first>\d+) and (?P<last>\d+) together"),
        N_("Episodes {first} and {last} together"),
    ),
    (
        re.compile(r"Episodes (?P<first>\d+)[–-](?P<last>\d+) together"),
        N_("Episodes {first}–{last} together"),
    ),
    (re.compile(r"Season (?P<season>\d+) premiere"), N_("Season {season} premiere")),
    (re.compile(r"Series premiere"), N_("Series premiere")),
    (re.compile(r"Series finale"), N_("Series finale")),
)


def note_text(note: str, lang: str = ENGLISH) -> str:
    """A release's note, in the reader's language when it is one the bot knows."""
    tr = texts(lang)
    if tr.english:
        return note
    for pattern, msgid in _NOTES:
        m = pattern.fullmatch(note)
        if m:
            return tr(msgid, **m.groupdict())
    return note


def release_line(release: Release, show: Show | None = None, lang: str = ENGLISH) -> str:
    where = " · ".join(x for x in (escape(release.platform), region_text(release.region, lang)) if x)
    line = f"**{scope_text(release, show, lang)}** — {where}: {when_text(release.when, lang)}"
    if release.note:
        line += f"\n-# {escape(note_text(release.note, lang))}"
    return line


def _credit_line(c: Credit, tr: Texts) -> str:
    name = f"**{escape(c.person.name)}**"
    if c.person.native_name:
        if in_language(c.person.native_name, tr.lang):
            name = f"**{escape(c.person.native_name)}** ({escape(c.person.name)})"
        else:
            name += f" ({escape(c.person.native_name)})"
    return tr("{name} as {character}", name=name, character=escape(c.character)) if c.character else name


def _crew_lines(crew: Sequence[Credit], tr: Texts) -> list[str]:
    by_role: dict[Role, list[str]] = {}
    for c in crew:
        by_role.setdefault(c.role, []).append(escape(person_name(c.person, tr.lang)))
    return [f"**{tr(ROLE_LABELS[role])}:** {', '.join(names)}" for role, names in by_role.items()]


def permission_label(label: str, lang: str = ENGLISH) -> str:
    """ "Manage Server" as Discord's app names it in the reader's language."""
    return texts(lang).pgettext("permission", label) if label in PERMISSIONS else label


def genre_text(genre: str, lang: str = ENGLISH) -> str:
    return texts(lang).pgettext("genre", genre) if genre in GENRES else genre


def source_kind_text(kind: str | None, lang: str = ENGLISH) -> str:
    """ "Webtoon", "Novel"... (a kind the bot does not know is shown as the catalogue writes it)."""
    tr = texts(lang)
    word = kind or "work"
    text = tr.pgettext("source", word) if word in SOURCE_KINDS else word
    return text.capitalize() if tr.english else text


def _episodes_text(s: Show, listed: int, tr: Texts) -> str:
    """A series' episode count: its total, or with the total not known, at least the episodes
    listed (a running show's so far), or "Unknown"."""
    seasons = s.season_count if s.season_count and s.season_count > 1 else None
    if s.episode_count:
        if seasons:
            return tr("{episodes} in {seasons} seasons", episodes=s.episode_count, seasons=seasons)
        # TRANSLATORS: the number of episodes of a series, alone in its field
        return tr.pgettext("episode count", "{episodes}", episodes=s.episode_count)
    if listed:
        if seasons:
            return tr("At least {episodes} in {seasons} seasons", episodes=listed, seasons=seasons)
        # TRANSLATORS: a series' episodes listed so far, its total not known yet
        return tr("At least {episodes}", episodes=listed)
    return tr("Unknown in {seasons} seasons", seasons=seasons) if seasons else tr("Unknown")


def show_embed(d: ShowDetails, lang: str = ENGLISH) -> Embed:
    tr = texts(lang)
    s = d.show
    fields = []
    if s.original_title and s.original_title != s.title:
        # The title the heading does not start with: the original, or for a reader of the
        # original's language the catalogue's main title.
        other = s.title if local_title(s, lang) != s.title else s.original_title
        label = tr("Original title") if other == s.original_title else tr("International title")
        fields.append(_field(label, escape(other), True))
    if s.platform:
        fields.append(_field(tr("Platform"), escape(s.platform), True))
    released = (
        when_text(d.premiere.when, lang) if d.premiere else (aired_text(s, lang) or tr("To be announced"))
    )
    # The premiere's tense: still ahead, out (or first aired), or neither known (TBA, a month under way).
    if d.out is False:
        label = tr("Coming out")
    elif d.out or (d.premiere is None and s.premiered):
        label = tr("Released")
    else:
        label = tr("Release")
    fields.append(_field(label, released, True))
    if s.ended and d.premiere:
        ended = when_text(When.parse(s.ended), lang) if _is_date(s.ended) else escape(s.ended)
        fields.append(_field(tr("Ended"), ended, True))
    if d.next is not None and d.next != d.premiere:  # a running show's next episode or season
        what = f"**{scope_text(d.next, s, lang)}** — {when_text(d.next.when, lang)}"
        fields.append(_field(tr("Next release"), what, True))
    if s.kind.value == "series":
        fields.append(_field(tr("Episodes"), _episodes_text(s, d.listed, tr), True))
    if s.genres:
        fields.append(_field(tr("Genres"), ", ".join(escape(genre_text(g, lang)) for g in s.genres), True))
    if s.status:
        fields.append(_field(tr("Status"), tr.pgettext("status", STATUS_LABELS[s.status]), True))
    if s.source_title:
        authors = [escape(person_name(c.person, lang)) for c in d.crew if c.role is Role.ORIGINAL_AUTHOR]
        values = {
            "kind": escape(source_kind_text(s.source_kind, lang)),
            "work": _quoted_titles(s.source_title, s.source_original_title, lang),
        }
        if authors:
            source = tr("{kind} {work} by {authors}", authors=", ".join(authors), **values)
        else:
            source = tr("{kind} {work}", **values)
        fields.append(_field(tr("Based on"), source))
    directors = [escape(person_name(c.person, lang)) for c in d.crew if c.role is Role.DIRECTOR]
    if directors:
        fields.append(_field(tr("Directed by"), ", ".join(directors), True))
    if d.cast:
        lines = [_credit_line(c, tr) for c in d.cast]
        if d.more_cast:
            lines.append(tr("…and {n} more in `/cast`", n=d.more_cast))
        fields.append(_field(tr("Starring"), "\n".join(lines)))
    for ev in d.events[:3]:
        when = when_text(ev.when, lang)
        place = tr.pgettext("place", ev.place) if ev.place in PLACES else ev.place
        value = tr("{when} in {place}", when=when, place=escape(place)) if place else when
        usual = EVENT_TITLES.get(ev.kind)
        title = tr.pgettext("event", usual) if usual and ev.title.casefold() == usual.casefold() else ev.title
        fields.append(_field(escape(title), value, True))
    if d.links:
        related = [
            f"**{escape(title)}**" + (f" ({escape(link.relation)})" if link.relation != "related" else "")
            for link, title in d.links[:10]
        ]
        fields.append(_field(tr("Related"), "\n".join(related)))
    return _embed(escape(show_heading(s, lang)), escape(s.synopsis) or None, fields=fields)


def cast_pages(sheet: CastSheet, page_size: int = CAST_PAGE_SIZE, lang: str = ENGLISH) -> list[Embed]:
    """One embed per page: actors and characters in billing order, then the crew."""
    tr = texts(lang)
    s = sheet.show
    title = tr(_CREDITS_OF[sheet.role or Role.CAST], title=escape(show_heading(s, lang)))
    lines = [_credit_line(c, tr) for c in sheet.cast]
    crew = _crew_lines(sheet.crew, tr)
    if not lines and not crew:
        return [_embed(title, tr("No credits in the catalogue yet."))]
    chunks = [lines[i : i + page_size] for i in range(0, len(lines), page_size)] or [[]]
    pages = []
    for n, chunk in enumerate(chunks, start=1):
        fields = [_field(tr("Crew"), "\n".join(crew))] if crew and n == 1 else []
        embed = _embed(title, "\n".join(chunk) or None, fields=fields)
        if len(chunks) > 1:
            page = tr.ngettext(
                "page {page} of {pages} · {n} credit",
                "page {page} of {pages} · {n} credits",
                len(lines),
                page=n,
                pages=len(chunks),
            )
            embed["footer"] = {"text": f"{FOOTER} · {page}"}
        pages.append(embed)
    return pages


def release_embed(answer: ReleaseAnswer, lang: str = ENGLISH) -> Embed:
    tr = texts(lang)
    s = answer.show
    name = escape(local_title(s, lang))
    title = tr("When is {title} out?", title=name)
    if answer.asked_episode:
        ep = answer.episode
        episode = f" “{escape(ep.title)}”" if ep and ep.title else ""
        title = f"{name} {answer.asked_episode}{episode}"
    if not answer.releases:
        aired = aired_text(s, lang)
        return _embed(title, f"{aired}." if aired else tr("No release date yet: **to be announced**."))
    lines = [release_line(r, s, lang) for r in answer.releases[:20]]
    if len(answer.releases) > 20:
        lines.append(tr("…and {n} more releases.", n=len(answer.releases) - 20))
    if answer.next is not None:
        lines.append(tr("Next release: {release}", release=release_line(answer.next, s, lang)))
    return _embed(title, "\n".join(lines))


def _upcoming_title(up: Upcoming, tr: Texts) -> str:
    """/upcoming's heading: the kinds listed, the days, the platform asked for."""
    n, platform = up.days, escape(up.platform or "")
    if up.kinds.value == "premieres" and platform:
        return tr.ngettext(
            "Premieres in the next {n} day on {platform}",
            "Premieres in the next {n} days on {platform}",
            n,
            platform=platform,
        )
    if up.kinds.value == "premieres":
        return tr.ngettext("Premieres in the next {n} day", "Premieres in the next {n} days", n)
    if up.kinds.value == "episodes" and platform:
        return tr.ngettext(
            "New episodes in the next {n} day on {platform}",
            "New episodes in the next {n} days on {platform}",
            n,
            platform=platform,
        )
    if up.kinds.value == "episodes":
        return tr.ngettext("New episodes in the next {n} day", "New episodes in the next {n} days", n)
    if platform:
        return tr.ngettext(
            "Coming out in the next {n} day on {platform}",
            "Coming out in the next {n} days on {platform}",
            n,
            platform=platform,
        )
    return tr.ngettext("Coming out in the next {n} day", "Coming out in the next {n} days", n)


def upcoming_embed(up: Upcoming, limit: int = 25, lang: str = ENGLISH, *, paged: bool = False) -> Embed:
    """/upcoming's answer. ``paged``: the message has page buttons, so a page says which it is
    and only the last one what is beyond the count; without them the first page counts the rest."""
    tr = texts(lang)
    title = _upcoming_title(up, tr)
    if not up.items:
        return _embed(title, tr("Nothing in the catalogue comes out in that window."))
    lines = []
    for item in up.items[:limit]:
        line = f"**{escape(local_title(item.show, lang))}** · {release_line(item.release, item.show, lang)}"
        under_way = _period_under_way(item.release.when, up.start, tr)
        if under_way:
            when = when_text(item.release.when, lang)
            line = line.replace(when, f"{when} ({under_way})", 1)
        lines.append(line)
    if paged:
        if up.more_than and up.page >= up.pages - 1:
            lines.append(tr("…and more. Narrow it with `days` or `platform`."))
        embed = _embed(title, "\n".join(lines))
        page = tr("page {page} of {pages}", page=up.page + 1, pages=up.pages)
        if up.more_than:
            page += " · " + tr("over {n:,} releases", n=up.count)
        else:
            page += " · " + tr.ngettext("{n:,} release", "{n:,} releases", up.count)
        embed["footer"] = {"text": f"{FOOTER} · {page}"}
        return embed
    more = up.count - min(len(up.items), limit)
    if more > 0 and up.more_than:
        lines.append(tr("…and over {more:,} more. Narrow it with `days` or `platform`.", more=more))
    elif more > 0:
        lines.append(tr("…and {more:,} more. Narrow it with `days` or `platform`.", more=more))
    return _embed(title, "\n".join(lines))


def _period_under_way(when: When, now: datetime, tr: Texts) -> str | None:
    """ "this month" / "later this year" for a month or year release that has begun (never posted)."""
    if when.instant is None or when.instant > now:
        return None
    if when.precision is Precision.MONTH:
        return tr("this month")
    if when.precision is Precision.YEAR:
        return tr("later this year")
    return None


def aired_text(show: Show, lang: str = ENGLISH) -> str | None:
    """Show-level dates when no release is known: "First aired 6 June 2005 · ended 30 August 2005"."""
    tr = texts(lang)
    if not show.premiered:
        return None
    try:
        first = when_text(When.parse(show.premiered), lang)
        if show.ended:
            return tr(
                "First aired {first} · ended {last}",
                first=first,
                last=when_text(When.parse(show.ended), lang),
            )
        return tr("First aired {first}", first=first)
    except ValueError:
        return None


def person_embed(answer: PersonAnswer, lang: str = ENGLISH) -> Embed:
    tr = texts(lang)
    heading = person_heading(answer.person, lang)
    if not answer.credits:
        return _embed(escape(heading), tr("No credits in the catalogue yet."))
    lines = []
    for credit, show in answer.credits[:40]:
        if credit.character:
            what = tr("as {character}", character=escape(credit.character))
        else:
            what = tr(ROLE_LABELS[credit.role]).lower()
        kind = tr.pgettext("kind", KIND_LABELS[show.kind])
        title = escape(local_title(show, lang))
        lines.append(f"**{title}** ({kind}, {escape(show.platform or '—')}) — {what}")
    if len(answer.credits) > 40:
        lines.append(tr("…and {n} more.", n=len(answer.credits) - 40))
    return _embed(escape(heading), "\n".join(lines))


def _is_date(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


def not_found_text(
    message: str, suggestions: Sequence[str], lang: str = ENGLISH, *, hint: str | None = None
) -> str:
    """A refusal for something the catalogue lacks (``message``: a :class:`bot.i18n.Msg` is
    said in the reader's language) with the nearest matches, else ``hint`` or a word on
    spelling."""
    tr = texts(lang)
    text = escape(tr(message))
    if suggestions:
        names = ", ".join(f"**{escape(s)}**" for s in suggestions[:3])
        text += " " + tr("Did you mean {names}?", names=names)
    elif hint is not None:
        text += " " + tr(hint)
    else:
        text += " " + tr("Check the spelling, or pick a title from the suggestions while you type.")
    return text


def embed_length(embed: Embed) -> int:
    """Characters that count toward Discord's 6,000 limit."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))
    for f in embed.get("fields", []):
        total += len(f["name"]) + len(f["value"])
    return total
