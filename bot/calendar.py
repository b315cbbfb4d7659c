"""Calendars of releases as iCalendar (RFC 5545) files. Pure: plain data in, bytes out.

No I/O, no clock and no discord here. The service (``bot.services.calendar``) reads a server's
announcement settings or a member's follows from the store, asks :func:`calendar_entries` what
the calendar holds, keeps each entry's revision in the store (:func:`revise`), and asks
:func:`render` for the file.

What a calendar holds: the releases of the window (a week back, so that what just came out is
still there, and eight weeks ahead), grouped as posts are (episodes dropped at once are one
entry). An exact release is a timed event at its instant, in UTC; a date-only release is an
all-day event on its date; a release known only to its month or year, or TBA, is left out. An
entry's UID comes from its release id (a drop's: its first episode's), never from its date, so a
release that moved is the same entry at a new time, with a higher SEQUENCE, in every calendar.

A calendar says its releases in one language (``lang``; English by default): a server's in the
server's language, a member's in theirs. An entry's revision follows what it says, not the
language it says it in (its digest is that of its English text), so calendars in two languages
share each entry's SEQUENCE without raising it in turn.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.calendar_models import Feed, FeedKind, Revision, revise, whole_second
from bot.i18n import ENGLISH, N_, texts
from bot.models import Precision, Release, Show
from bot.planner import Item, collapse
from bot.render import local_title, note_text, region_text
from bot.weekly import what_text

BACK = timedelta(days=7)  # what came out this past week stays in the calendar
AHEAD = timedelta(weeks=8)  # "the coming weeks"
REFRESH = timedelta(hours=1)  # how often calendar apps are asked to look again
PRODID = "-//Premiere//Release calendar//EN"
UID_DOMAIN = "premiere"
SUMMARY_MAX = 250
DESCRIPTION_MAX = 1500
SYNOPSIS_MAX = 1000

# -- what people read (one place, for translation) -----------------------------------------------------

SERVER_NAME = N_("Premiere: releases in {server}")
SERVER_NAME_UNKNOWN = N_("Premiere: this server's releases")
FOLLOWS_NAME = N_("Premiere: shows I follow")
SERVER_ABOUT = N_("What Premiere announces in {server}, a week back and eight weeks ahead.")
SERVER_ABOUT_UNKNOWN = N_("What Premiere announces in this server, a week back and eight weeks ahead.")
FOLLOWS_ABOUT = N_("The releases of the shows you follow on Premiere, a week back and eight weeks ahead.")
ORIGINAL_TITLE = N_("Original title: {title}")
INTERNATIONAL_TITLE = N_("International title: {title}")


def calendar_name(kind: FeedKind, server: str | None = None, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    if kind is FeedKind.USER:
        return tr(FOLLOWS_NAME)
    return tr(SERVER_NAME, server=clean_line(server)) if server else tr(SERVER_NAME_UNKNOWN)


def calendar_about(kind: FeedKind, server: str | None = None, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    if kind is FeedKind.USER:
        return tr(FOLLOWS_ABOUT)
    return tr(SERVER_ABOUT, server=clean_line(server)) if server else tr(SERVER_ABOUT_UNKNOWN)


def summary_text(item: Item, show: Show | None, lang: str = ENGLISH) -> str:
    """ "All of Us Are Dead — Season 1, all 12 episodes", "Snowdrop — S1E3"; in Korean
    "지금 우리 학교는 — 시즌 1 전 12화" (the title its readers know)."""
    title = local_title(show, lang) if show else item.show_id
    return f"{title} — {what_text(item, show, lang)}"


def description_text(item: Item, show: Show | None, lang: str = ENGLISH) -> str:
    """Where it comes out, the show's other title, the release's note and the show's synopsis."""
    tr = texts(lang)
    first = item.releases[0]
    platform = first.platform or (show.platform if show else None)
    region = region_text(first.region, lang) if first.region != "WW" else ""
    where = " · ".join(x for x in (platform, region) if x)
    lines = [what_text(item, show, lang) + (f" · {where}" if where else "")]
    if show and show.original_title and show.original_title != show.title:
        if local_title(show, lang) == show.title:
            lines.append(tr(ORIGINAL_TITLE, title=show.original_title))
        else:  # the summary says the original title: the other one is the catalogue's main title
            lines.append(tr(INTERNATIONAL_TITLE, title=show.title))
    if first.note:
        lines.append(note_text(first.note, lang))
    if show and show.synopsis:
        lines += ["", truncate(show.synopsis, SYNOPSIS_MAX)]
    return "\n".join(lines)


# -- entries -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One event of a calendar: a release, or episodes dropped at once."""

    uid: str
    start: datetime | date  # an aware UTC datetime (exact), or a date (an all-day event)
    summary: str
    description: str
    url: str | None
    categories: tuple[str, ...]
    release_ids: tuple[str, ...]
    #: The English summary and description of an entry said in another language: what its
    #: revisions follow (None: the entry is in English).
    english: tuple[str, str] | None = None

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def sort_key(self) -> tuple[datetime, int, str]:
        start = self.start
        if isinstance(start, datetime):
            return (start, 1, self.uid)
        return (datetime.combine(start, time(0), tzinfo=UTC), 0, self.uid)

    @property
    def digest(self) -> str:
        """What the entry shows, whatever its language: a new digest is a new revision."""
        summary, description = self.english or (self.summary, self.description)
        data = [
            self.start.isoformat(),
            self.all_day,
            summary,
            description,
            self.url,
            list(self.categories),
        ]
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def window(now: datetime) -> tuple[datetime, datetime]:
    """The releases a calendar holds: their stored instant (a date's start in its zone) in
    [start, end)."""
    return now - BACK, now + AHEAD


def uid_for(item: Item) -> str:
    return f"{item.release_ids[0]}@{UID_DOMAIN}"


def show_url(show: Show | None) -> str | None:
    if show is None:
        return None
    if show.tvmaze_id:
        return f"https://www.tvmaze.com/shows/{int(show.tvmaze_id)}"
    if show.imdb_id and re.fullmatch(r"tt\d{1,12}", show.imdb_id):
        return f"https://www.imdb.com/title/{show.imdb_id}/"
    return None


def calendar_items(
    releases: Iterable[Release], now: datetime, keep: Callable[[Item], bool] = lambda item: True
) -> list[Item]:
    """What the window's releases bring that ``keep`` takes.

    Releases out at one time are grouped as posts are (``bot.planner.collapse``): the episodes
    of a season dropped at once are one item. Month, year and TBA releases are left out."""
    start, end = window(now)
    groups: dict[tuple[str, str], list[Release]] = {}
    for r in releases:
        w = r.when
        if w.instant is None or not start <= w.instant < end:
            continue
        if w.precision is Precision.EXACT:
            key = ("t", w.instant.astimezone(UTC).isoformat())
        elif w.precision is Precision.DATE and w.local:
            key = ("d", w.local)
        else:
            continue
        groups.setdefault(key, []).append(r)
    return [item for rs in groups.values() for item in collapse(rs) if keep(item)]


def calendar_entries(items: Iterable[Item], shows: Mapping[str, Show], lang: str = ENGLISH) -> list[Entry]:
    """The calendar's entries, in time order, said in ``lang``."""
    entries = [entry_for(item, shows.get(item.show_id), lang) for item in items]
    entries.sort(key=lambda e: e.sort_key)
    return entries


def _texts(item: Item, show: Show | None, lang: str) -> tuple[str, str]:
    """An entry's summary and description in ``lang``, cleaned and cut to their limits."""
    summary = truncate(clean_line(summary_text(item, show, lang)), SUMMARY_MAX)
    return summary, truncate(clean_text(description_text(item, show, lang)), DESCRIPTION_MAX)


def entry_for(item: Item, show: Show | None, lang: str = ENGLISH) -> Entry:
    first = item.releases[0]
    w = first.when
    start: datetime | date
    if w.precision is Precision.EXACT and w.instant is not None:
        start = w.instant.astimezone(UTC)
    elif w.precision is Precision.DATE and w.local:
        start = date.fromisoformat(w.local)
    else:
        raise ValueError(f"release {first.id} has no day: {w.precision}")
    platform = first.platform or (show.platform if show else None)
    english = _texts(item, show, ENGLISH)
    summary, description = english if lang == ENGLISH else _texts(item, show, lang)
    return Entry(
        uid=uid_for(item),
        start=start,
        summary=summary,
        description=description,
        url=show_url(show),
        categories=(clean_line(platform),) if platform and clean_line(platform) else (),
        release_ids=item.release_ids,
        english=None if lang == ENGLISH else english,
    )


# -- the file ------------------------------------------------------------------------------------------


def render(
    entries: Sequence[Entry],
    revisions: Mapping[str, Revision],
    *,
    name: str,
    about: str | None = None,
) -> bytes:
    """The iCalendar file: the same entries and revisions always give the same bytes."""
    from icalendar import Calendar, Event, vDuration, vText  # here: the bot starts without it

    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("name", clean_line(name))
    cal.add("x-wr-calname", vText(clean_line(name)))  # X- values are escaped as TEXT too
    if about:
        cal.add("description", clean_text(about))
        cal.add("x-wr-caldesc", vText(clean_text(about)))
    cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    for entry in entries:
        revision = revisions[entry.uid]
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", revision.changed_at.astimezone(UTC))
        event.add("dtstart", entry.start)
        if entry.all_day:
            assert isinstance(entry.start, date)
            event.add("dtend", entry.start + timedelta(days=1))
        event.add("summary", entry.summary)
        if entry.description:
            event.add("description", entry.description)
        if entry.url:
            event.add("url", entry.url)
        if entry.categories:
            event.add("categories", list(entry.categories))
        event.add("sequence", revision.sequence)
        event.add("last-modified", revision.changed_at.astimezone(UTC))
        event.add("transp", "TRANSPARENT")  # a release does not make anyone busy
        cal.add_component(event)
    return cal.to_ical()


# -- text ----------------------------------------------------------------------------------------------

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(text: str | None) -> str:
    """Catalogue text made plain: line breaks as \\n, no control or direction characters."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROLS.sub("", text).strip()


def clean_line(text: str | None) -> str:
    """:func:`clean_text` on one line (a title, a name)."""
    return " ".join(clean_text(text).split())


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


__all__ = [
    "AHEAD",
    "BACK",
    "Entry",
    "Feed",
    "FeedKind",
    "Revision",
    "calendar_about",
    "calendar_entries",
    "calendar_items",
    "calendar_name",
    "clean_line",
    "clean_text",
    "entry_for",
    "render",
    "revise",
    "uid_for",
    "whole_second",
    "window",
]
