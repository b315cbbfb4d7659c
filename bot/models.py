"""Plain data models of the catalogue. No I/O and no discord here.

Every record has a stable text id (a slug), so re-importing the same data upserts instead of
duplicating, and a release id can key scheduled jobs and the delivery ledger.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo


class Kind(StrEnum):
    SERIES = "series"
    FILM = "film"


class Status(StrEnum):
    ANNOUNCED = "announced"
    RUNNING = "running"
    ENDED = "ended"
    RENEWED = "renewed"
    RELEASED = "released"  # a film that is out
    CANCELLED = "cancelled"


class Role(StrEnum):
    CAST = "cast"
    DIRECTOR = "director"
    WRITER = "writer"
    CREATOR = "creator"
    ORIGINAL_AUTHOR = "original_author"

    @property
    def label(self) -> str:
        return {
            "cast": "Cast",
            "director": "Director",
            "writer": "Writer",
            "creator": "Creator",
            "original_author": "Original author",
        }[self.value]


class Precision(StrEnum):
    EXACT = "exact"  # a known instant
    DATE = "date"  # a calendar day in the announced zone
    MONTH = "month"
    YEAR = "year"
    TBA = "tba"


class Scope(StrEnum):
    SHOW = "show"  # a film, or a whole series at once
    SEASON = "season"  # a whole season dropped at once
    EPISODE = "episode"


_SLUG_RE = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=16384)
def _slug_part(text: str) -> str:
    """The slug of one non-empty part (cached: platforms, regions, show ids repeat a lot)."""
    if text.isascii():  # NFKD and the ASCII round trip change nothing
        slug = _SLUG_RE.sub("-", text.lower()).strip("-")
    else:
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        slug = _SLUG_RE.sub("-", ascii_text).strip("-")
    if not slug:  # e.g. Hangul only
        slug = "u" + "".join(f"{ord(c):x}" for c in text if not c.isspace())[:48]
    return slug


def slugify(*parts: object) -> str:
    """A stable ASCII id from names; non-Latin text is kept as its code points' hex."""
    if len(parts) == 1:
        part = parts[0]
        return "" if part is None or part == "" else _slug_part(str(part))
    return "-".join([_slug_part(str(part)) for part in parts if not (part is None or part == "")])


_YEAR_RE = re.compile(r"\d{4}")
_MONTH_RE = re.compile(r"\d{4}-\d{2}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class When:
    """When something happens, as precisely as it is known.

    ``instant`` is an aware UTC datetime: the exact instant, or for a date/month/year the start of
    that period in ``zone``. ``local`` is the announced value as text ("2022-01-28", "2026-12",
    "2027", "2022-01-28T17:00"); both are None for TBA.
    """

    precision: Precision
    zone: str = "UTC"
    instant: datetime | None = None
    local: str | None = None

    @classmethod
    def tba(cls) -> When:
        return cls(Precision.TBA)

    @classmethod
    def parse(cls, text: str | int | date | datetime | None, zone: str = "UTC") -> When:
        """Parse "TBA", "2027", "2027-03", "2022-01-28" or "2022-01-28T17:00" (local in zone).

        An ISO string with an offset ("2022-01-28T08:00:00+00:00") is exact as given.
        Raises ValueError with a readable message.
        """
        if isinstance(text, str) and isinstance(zone, str):
            return _parse_text(text, zone) if cls is When else cls.parse_uncached(text, zone)
        return cls.parse_uncached(text, zone)

    @classmethod
    def parse_uncached(cls, text: str | int | date | datetime | None, zone: str) -> When:
        """:meth:`parse` without its cache (the same result)."""
        try:
            tz = ZoneInfo(zone)
        except Exception as exc:  # ZoneInfoNotFoundError, ValueError on odd keys
            raise ValueError(f"unknown time zone {zone!r} (use an IANA name such as Asia/Seoul)") from exc
        if text is None:
            return cls.tba()
        if isinstance(text, datetime):
            dt = text if text.tzinfo else text.replace(tzinfo=tz)
            return cls(Precision.EXACT, zone, dt.astimezone(UTC), dt.strftime("%Y-%m-%dT%H:%M"))
        if isinstance(text, date):
            text = text.isoformat()
        s = str(text).strip()
        if s.upper() in ("", "TBA", "TBD"):
            return cls.tba()
        n = len(s)  # each pattern below matches one length only
        try:
            if n == 4 and _YEAR_RE.fullmatch(s):
                start = datetime(int(s), 1, 1, tzinfo=tz)
                return cls(Precision.YEAR, zone, start.astimezone(UTC), s)
            if n == 7 and _MONTH_RE.fullmatch(s):
                y, m = map(int, s.split("-"))
                start = datetime(y, m, 1, tzinfo=tz)
                return cls(Precision.MONTH, zone, start.astimezone(UTC), s)
            if n == 10 and _DATE_RE.fullmatch(s):
                d = date.fromisoformat(s)
                start = datetime.combine(d, time(0, 0), tzinfo=tz)
                return cls(Precision.DATE, zone, start.astimezone(UTC), s)
            dt = datetime.fromisoformat(s)
        except ValueError as exc:
            raise ValueError(
                f"bad date {s!r}: use TBA, YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM"
            ) from exc
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=tz)
            return cls(Precision.EXACT, zone, dt.astimezone(UTC), dt.strftime("%Y-%m-%dT%H:%M"))
        return cls(Precision.EXACT, zone, dt.astimezone(UTC), dt.astimezone(tz).strftime("%Y-%m-%dT%H:%M"))

    @property
    def local_date(self) -> date | None:
        """The calendar day for DATE or EXACT precision, in the announced zone."""
        if self.precision is Precision.DATE and self.local:
            return date.fromisoformat(self.local)
        if self.precision is Precision.EXACT and self.instant:
            return self.instant.astimezone(ZoneInfo(self.zone)).date()
        return None

    def to_text(self) -> str:
        """The inverse of parse (with the zone kept separately)."""
        return self.local if self.local else "TBA"


@lru_cache(maxsize=32768)
def _parse_text(text: str, zone: str) -> When:
    """``When.parse`` of text: Whens are immutable, and the same dates recur across a catalogue."""
    return When.parse_uncached(text, zone)


@dataclass(frozen=True, slots=True)
class Show:
    id: str
    title: str
    kind: Kind = Kind.SERIES
    original_title: str | None = None
    aliases: tuple[str, ...] = ()
    platform: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    original_language: str | None = None  # ISO 639-1
    genres: tuple[str, ...] = ()
    synopsis: str | None = None
    episode_count: int | None = None
    season_count: int | None = None
    source_kind: str | None = None  # webtoon, novel, manga, comic, film, game...
    source_title: str | None = None
    source_original_title: str | None = None
    status: Status | None = None
    # Identity in outside catalogues: a synced show keeps its TVmaze id as its identity.
    tvmaze_id: int | None = None
    imdb_id: str | None = None
    thetvdb_id: int | None = None
    premiered: str | None = None  # YYYY-MM-DD, the show's first airing (as its source states it)
    ended: str | None = None  # YYYY-MM-DD, its last airing, for an ended show
    # TVmaze's `updated` stamp of the data this record was built from: set only on synced
    # records (never in a hand-curated file), so it also tells synced data from curated.
    tvmaze_updated: int | None = None


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    native_name: str | None = None


@dataclass(frozen=True, slots=True)
class Credit:
    show_id: str
    person: Person
    role: Role
    character: str | None = None
    order: int = 0  # billing order, 1 first; 0 = unordered


@dataclass(frozen=True, slots=True)
class Episode:
    show_id: str
    season: int
    number: int
    title: str | None = None


def release_id(
    show_id: str,
    scope: str,
    season: int | None,
    part: int | None,
    episode: int | None,
    platform: str | None,
    region: str,
) -> str:
    """The id of a release (``Release.id``) from its fields (``scope`` as its value)."""
    return slugify(
        show_id,
        scope,
        f"s{season}" if season is not None else None,
        f"p{part}" if part is not None else None,
        f"e{episode}" if episode is not None else None,
        platform,
        region,
    )


@dataclass(frozen=True, slots=True)
class Release:
    """One release on one platform in one region (WW = worldwide)."""

    show_id: str
    when: When
    scope: Scope = Scope.SHOW
    season: int | None = None
    episode: int | None = None
    platform: str | None = None
    region: str = "WW"
    note: str | None = None
    # A season dropped in parts: the part's number, and its episodes ``episode``..``last_episode``.
    part: int | None = None
    last_episode: int | None = None
    # ``id`` once computed (not part of equality, repr or the constructor)
    _id: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def id(self) -> str:
        rid = self._id
        if rid is None:
            rid = release_id(
                self.show_id,
                self.scope.value,
                self.season,
                self.part,
                self.episode,
                self.platform,
                self.region,
            )
            object.__setattr__(self, "_id", rid)
        return rid

    @property
    def episode_range(self) -> tuple[int, int] | None:
        """The episodes of a season part (first, last), or None for a whole season or one episode."""
        if self.scope is Scope.SEASON and self.episode is not None:
            return (self.episode, self.last_episode if self.last_episode is not None else self.episode)
        return None

    @property
    def is_part(self) -> bool:
        return self.scope is Scope.SEASON and (self.part is not None or self.episode is not None)

    @property
    def is_premiere(self) -> bool:
        """A first release: a film, a whole show, a season opener or a season drop."""
        if self.scope is Scope.EPISODE:
            return self.episode == 1
        return True


@dataclass(frozen=True, slots=True)
class Event:
    show_id: str
    kind: str  # press_conference, premiere_screening, trailer, ...
    title: str
    when: When
    place: str | None = None
    # ``id`` once computed (not part of equality, repr or the constructor)
    _id: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def id(self) -> str:
        eid = self._id
        if eid is None:
            eid = slugify(self.show_id, self.kind, self.when.to_text())
            object.__setattr__(self, "_id", eid)
        return eid


@dataclass(frozen=True, slots=True)
class Link:
    """A relation from one show to another: ``relation`` says what the other is to this one
    ("sequel", "prequel", "same universe", "related", ...)."""

    show_id: str
    other_id: str
    relation: str = "related"


@dataclass(slots=True)
class ShowRecord:
    """Everything the catalogue knows about one show: the unit of import and export."""

    show: Show
    credits: list[Credit] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


def first_year(record: ShowRecord) -> str | None:
    """The year a show first came out: its premiere's, else its earliest dated release's."""
    premiered = record.show.premiered
    if premiered and len(premiered) >= 4 and premiered[:4].isdigit():
        return premiered[:4]
    years = [r.when.local[:4] for r in record.releases if r.when.local]
    return min(years) if years else None


@dataclass(frozen=True, slots=True)
class CatalogueStats:
    shows: int
    people: int
    credits: int
    episodes: int
    releases: int
    events: int
