"""TVmaze's public show JSON -> ShowRecords.

Input: a show object as ``/shows/{id}?embed[]=cast&embed[]=crew&embed[]=episodes`` returns it,
a list of such objects, or ``/search/shows`` results (``[{"score": ..., "show": {...}}]``).

A schedule (``/schedule``, ``/schedule/web``, ``/schedule/full``: a list of EPISODES, each with
its show under ``show`` or ``_embedded.show``) is not a list of shows: ``is_schedule`` tells it,
and ``parse_tvmaze`` refuses it with one problem saying what to give instead. Importing it would
replace each show's stored episodes, releases and credits with the few episodes of one day and
take a day's drop of some episodes for a whole season. ``parse_schedule`` / ``schedule_shows``
give the shows in it (one each, by TVmaze id) so a caller can fetch each show whole.

Mapping:

- Show id: ``slugify(name)`` by default, the same scheme as the project's TOML files: a
  provisional id; the import's layering step (``bot.sync.layers``) resolves the final one from
  the TVmaze id. ``id_scheme="tvmaze"`` gives ``tvmaze-<TVmaze id>`` instead.
- Identity: ``id`` -> ``Show.tvmaze_id``; ``externals.imdb`` (``tt`` and 7 or more digits) ->
  ``imdb_id``; ``externals.thetvdb`` -> ``thetvdb_id``; ``updated`` -> ``tvmaze_updated`` (0
  when absent). A show given twice (one TVmaze id) is kept once, as given last
  (``unique_shows``); two shows with one name and two TVmaze ids are both kept.
  ``premiered`` and ``ended`` (YYYY-MM-DD) -> ``Show.premiered`` / ``Show.ended``; nothing else is
  made of them (a show with no dated episode gets no release from its premiere date).
- ``language`` -> ISO 639-1 where the mapping is plain (English -> en); otherwise left out.
- ``summary`` -> synopsis with the HTML stripped: only its first 64 KiB are read and at most
  4,000 characters kept (cut at a word, with "…"). ``genres`` as they are.
- ``network`` (else ``webChannel``) -> platform; its country code -> show country and release
  region (a web channel without a country, such as Netflix, releases worldwide: ``WW``);
  its country's time zone -> the zone of every date (UTC when there is none).
- ``status``: Running -> running, Ended -> ended, To Be Determined -> running,
  In Development -> announced. Every TVmaze type (Scripted, Animation, Reality...) is a series.
- People: ``slugify(name)`` like the TOML files; a second, different TVmaze person with the same
  name in the same show gets ``slugify(name, TVmaze person id)``.
- Cast in TVmaze's order (billing order 1, 2, ...) with the character's name; an actor listed
  twice gets one credit with both characters ("A / B").
- Crew: Creator -> creator, Director -> director, Writer / Screenplay / Teleplay -> writer,
  and types that plainly name the source's author (Original Author, Author, Novel, Original
  Story, Original Work, Based on the work of, Webtoon, Manga, Comic) -> original_author.
  Ambiguous types ("Original Concept", "Developer") and producers are left out.
- Episodes with a season and number (specials without a number are left out).
- Releases, per season. A dated episode is at its ``airstamp`` (exact) when TVmaze knows the air
  time, else on its ``airdate`` (date precision: TVmaze fills ``airstamp`` with a made-up time
  when ``airtime`` is empty, and a made-up time would be a wrong announcement). On a web channel,
  a season's episodes are grouped by airdate:

  - two or more episodes, all of the season's, on one date: ONE ``season`` release (a
    whole-season drop, note "All N episodes at once");
  - two or more consecutive episodes on one date that are not the whole season: a ``season``
    release with ``part`` k (1, 2, ... in date order among the season's drops), ``episode`` and
    ``last_episode`` its first and last episode (note "Part 1: episodes 1–8 at once");
  - any other dated episode: an ``episode`` release.

  A drop is at the earliest exact airstamp among its episodes, else on their date. On a network
  every dated episode is an ``episode`` release. Undated episodes get no release.

Problems (each names the show's item and field, e.g. ``[3]._embedded.cast[2].person.name``):
an item that is not an object, a person or show without a name, an integer out of range (ids
1..2**53, season 0..10000, episode number 1..100000, ``updated`` 0..2**53), a date that is not
a day of the calendar (``airdate``, ``premiered``, ``ended``) or an ``airstamp`` that is not an
instant, an IMDb id that is not ``tt`` and 7 or more digits, and an unknown time zone. The
show is still parsed around a problem where it can be (an episode with a bad airstamp keeps its
airdate's release), but any problem keeps the file from being imported (and a sync skips the
show). With an unknown time zone the parsed record has date-only releases in UTC: a day is
safer than an exact time in a wrong zone.
C0 control characters (NUL, ESC... but not tab or newline) and DEL are removed from every text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from bot.catalogue.errors import CatalogueError, Problem, format_error
from bot.catalogue.project_format import ParsedShow, zone_is_valid
from bot.models import (
    Credit,
    Episode,
    Kind,
    Person,
    Precision,
    Release,
    Role,
    Scope,
    Show,
    ShowRecord,
    When,
    slugify,
)

IdScheme = Literal["name", "tvmaze"]

MAX_SEASON = 10_000
MAX_NUMBER = 100_000
from bot.catalogue.tvmaze_shapes import (  # noqa: E402  (shows or a schedule)
    MAX_ID,
    ScheduledShow,
    is_schedule,
    is_tvmaze,
    parse_schedule,
    schedule_message,
    schedule_shows,
)
from bot.catalogue.tvmaze_text import (  # noqa: E402  (the mapping tables and text helpers)
    CREW_ROLES,
    LANGUAGES,
    STATUSES,
    SUMMARY_HTML_CHARS,
    SYNOPSIS_CHARS,
    clean_text,
    language_code,
    strip_html,
    synopsis_text,
)

__all__ = [
    "MAX_ID",
    "ScheduledShow",
    "is_schedule",
    "is_tvmaze",
    "parse_schedule",
    "schedule_message",
    "schedule_shows",
    "CREW_ROLES",
    "LANGUAGES",
    "STATUSES",
    "SUMMARY_HTML_CHARS",
    "SYNOPSIS_CHARS",
    "clean_text",
    "language_code",
    "strip_html",
    "synopsis_text",
]

_EMPTY: Mapping[str, Any] = {}  # never changed


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else _EMPTY


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return clean_text(value).strip() or None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    names: dict[type, str] = {str: "text", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def _shown(value: object) -> str:
    """A value as a problem quotes it: short, and never a huge number in full."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_IMDB_RE = re.compile(r"tt[0-9]{7,12}")


@lru_cache(maxsize=16384)
def _is_day(text: str) -> bool:
    if len(text) != 10 or not _DAY_RE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


class _Reader:
    """Reads the JSON of one show, naming every problem by its path from ``prefix``."""

    __slots__ = ("prefix", "problems")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.problems: list[Problem] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append(Problem(f"{self.prefix}{field}", message))

    def obj(self, value: object, field: str) -> Mapping[str, Any]:
        """An object, or an empty one when it is null or (with a problem) not an object."""
        if isinstance(value, dict):
            return value
        if value is not None:
            self.problem(field, f"must be an object, not {_kind(value)}")
        return _EMPTY

    def items(self, value: object, field: str) -> list[Any]:
        if isinstance(value, list):
            return value
        if value is not None:
            self.problem(field, f"must be a list, not {_kind(value)}")
        return []

    def text(self, value: object, field: str) -> str | None:
        if type(value) is str:
            return clean_text(value).strip() or None
        if value is not None:
            self.problem(field, f"must be text, not {_kind(value)}")
        return None

    def int(self, value: object, field: str, low: int, high: int) -> int | None:
        if type(value) is int and low <= value <= high:
            return value
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(field, f"must be a whole number, not {_shown(value)}")
            return None
        if not low <= value <= high:
            self.problem(field, f"{_shown(value)} is out of range: {low} to {high}")
            return None
        return value

    def day(self, value: object, field: str) -> str | None:
        if type(value) is str and _is_day(value):
            return value
        text = self.text(value, field)
        if text is None:
            return None
        if not _is_day(text):
            self.problem(field, f"{_shown(text)} is not a date (YYYY-MM-DD)")
            return None
        return text


def show_id_for(data: Mapping[str, Any], id_scheme: IdScheme = "name") -> str | None:
    if id_scheme == "tvmaze":
        tvmaze_id = _int(data.get("id"))
        return f"tvmaze-{tvmaze_id}" if tvmaze_id is not None and 1 <= tvmaze_id <= MAX_ID else None
    name = _text(data.get("name"))
    return slugify(name) if name else None


class _Channel(NamedTuple):
    platform: str | None
    country: str | None
    region: str
    zone: str
    is_web: bool
    zone_known: bool  # False: the zone given is unknown, and ``zone`` is UTC


def _channel(r: _Reader, data: Mapping[str, Any]) -> _Channel:
    """The platform, country, region and zone from ``network``, else ``webChannel``."""
    network = r.obj(data.get("network"), "network")
    web = r.obj(data.get("webChannel"), "webChannel")
    channel, key = (network, "network") if network else (web, "webChannel")
    platform = r.text(channel.get("name"), f"{key}.name")
    country_info = r.obj(channel.get("country"), f"{key}.country")
    code = r.text(country_info.get("code"), f"{key}.country.code")
    country = code.upper() if code and re.fullmatch(r"[A-Za-z]{2}", code) else None
    zone = r.text(country_info.get("timezone"), f"{key}.country.timezone") or "UTC"
    zone_known = zone_is_valid(zone)
    if not zone_known:
        r.problem(f"{key}.country.timezone", f"unknown time zone {_shown(zone)}")
        zone = "UTC"
    return _Channel(platform, country, country or "WW", zone, not network and bool(web), zone_known)


def _episode_when(
    r: _Reader, ep: Mapping[str, Any], where: str, channel: _Channel
) -> tuple[str | None, When | None]:
    """(airdate, when) of one episode: exact at its airstamp when the air time is known."""
    day = r.day(ep.get("airdate"), f"{where}.airdate")
    exact: When | None = None
    stamp = r.text(ep.get("airstamp"), f"{where}.airstamp")
    if stamp:
        try:
            exact = When.parse(stamp, channel.zone)
        except ValueError:
            exact = None
        except OverflowError:  # a real instant, but its day in the zone is past the year 9999 (or before 1)
            r.problem(f"{where}.airstamp", f"{_shown(stamp)} is out of range in {channel.zone}")
            exact = stamp = None
        if stamp and (exact is None or exact.precision is not Precision.EXACT):
            r.problem(
                f"{where}.airstamp",
                f"{_shown(stamp)} is not a date and time such as 2024-03-08T12:00:00+00:00",
            )
            exact = None
    time_known = not ("airtime" in ep and not _text(ep.get("airtime")))
    if exact is not None and time_known and channel.zone_known:
        return day, exact
    if not day:
        return day, None
    try:
        return day, When.parse(day, channel.zone)
    except OverflowError:  # the day's start in the zone is before the year 1 in UTC (or after 9999)
        r.problem(f"{where}.airdate", f"{_shown(day)} is out of range in {channel.zone}")
        return None, None


_Dated = tuple[int, str | None, When | None]  # (episode number, airdate, when)


# Whether parse_tvmaze_show tries its fast path on each entry (tests compare both ways).
FAST_PATHS = True
_NOT_FAST = object()  # _fast_when: the episode needs the careful way


@lru_cache(maxsize=1024)
def _crew_role(crew_type: str) -> Role | None:
    """The role of a crew type given as plain text (no control characters)."""
    text = crew_type.strip()
    return CREW_ROLES.get(text.lower()) if text else None


def _stamp_when(stamp: str, zone: str) -> When:
    """``When.parse(stamp, zone)`` of a stripped airstamp. An instant with an offset in the years
    1001-9998 is built here, as ``When.parse`` builds it, without its cache: airstamps are nearly
    all different, and going through it they pushed the recurring dates out of its cache."""
    try:
        dt = datetime.fromisoformat(stamp)
    except ValueError:
        return When.parse(stamp, zone)
    if dt.tzinfo is None or not 1000 < dt.year < 9999 or len(stamp) in (4, 7, 10):
        return When.parse(stamp, zone)
    # isoformat()[:16] is strftime("%Y-%m-%dT%H:%M") for a four-digit year
    return When(Precision.EXACT, zone, dt.astimezone(UTC), dt.astimezone(ZoneInfo(zone)).isoformat()[:16])


def _fast_when(
    ep: Mapping[str, Any], day: str | None, stamp: str | None, zone: str, zone_known: bool
) -> object:
    """What ``_episode_when`` gives an episode whose airdate is None or a real day and whose
    airstamp is None or text without control characters, or ``_NOT_FAST`` when the airstamp is
    not an exact instant or a date out of range in the zone (the careful way names that problem)."""
    exact: When | None = None
    if stamp is not None:
        stamp = stamp.strip()
        if stamp:
            try:
                exact = _stamp_when(stamp, zone)
            except (ValueError, OverflowError):
                return _NOT_FAST
            if exact.precision is not Precision.EXACT:
                return _NOT_FAST
    if exact is not None and zone_known:
        airtime = ep.get("airtime", _NOT_FAST)
        if airtime is _NOT_FAST or (
            airtime.strip() if type(airtime) is str and airtime.isprintable() else _text(airtime)
        ):
            return exact
    if not day:
        return None
    try:
        return When.parse(day, zone)
    except OverflowError:
        return _NOT_FAST


def _drop_when(group: list[_Dated], zone: str) -> When:
    """The earliest exact instant of a drop's episodes, else their date."""
    exact = [w for _, _, w in group if w is not None and w.precision is Precision.EXACT]
    if exact:
        return min(exact, key=lambda w: w.instant)  # type: ignore[arg-type,return-value]
    day = group[0][1]
    assert day is not None
    return When.parse(day, zone)


def _season_releases(show_id: str, season: int, items: list[_Dated], channel: _Channel) -> list[Release]:
    """One season's releases: a whole-season drop, parts dropped at once, or one per episode."""
    platform, region, zone = channel.platform, channel.region, channel.zone
    parts: dict[int, list[_Dated]] = {}  # first episode -> the part's episodes
    if channel.is_web:
        items.sort(key=itemgetter(0))
        days = {day for _, day, _ in items}
        if len(items) >= 2 and len(days) == 1 and None not in days:
            drop = _drop_when(items, zone)
            note = f"All {len(items)} episodes at once"
            return [Release(show_id, drop, Scope.SEASON, season, platform=platform, region=region, note=note)]
        if len(days) < len(items):  # some date has two episodes or more: runs of them are parts
            run = [items[0]]
            for item in items[1:]:
                last = run[-1]
                if item[1] is not None and item[1] == last[1] and item[0] == last[0] + 1:
                    run.append(item)
                    continue
                if len(run) >= 2:
                    parts[run[0][0]] = run
                run = [item]
            if len(run) >= 2:
                parts[run[0][0]] = run
    if not parts:
        return [
            Release(show_id, when, Scope.EPISODE, season, number, platform=platform, region=region)
            for number, _, when in items
            if when is not None
        ]
    # parts are numbered in date order
    numbered = {first: k for k, first in enumerate(sorted(parts, key=lambda f: (parts[f][0][1], f)), 1)}
    releases: list[Release] = []
    in_part: set[int] = set()
    for number, _, when in items:
        part = parts.get(number)
        if part is not None:
            k, last_number = numbered[number], part[-1][0]
            in_part.update(n for n, _, _ in part)
            releases.append(
                Release(
                    show_id,
                    _drop_when(part, zone),
                    Scope.SEASON,
                    season,
                    number,
                    platform=platform,
                    region=region,
                    note=f"Part {k}: episodes {number}–{last_number} at once",
                    part=k,
                    last_episode=last_number,
                )
            )
        elif when is not None and number not in in_part:
            releases.append(
                Release(show_id, when, Scope.EPISODE, season, number, platform=platform, region=region)
            )
    return releases


def parse_tvmaze_show(
    data: Mapping[str, Any], *, id_scheme: IdScheme = "name", prefix: str = ""
) -> ParsedShow:
    """One TVmaze show object (or search result) -> a ParsedShow (problems named from ``prefix``)."""
    if isinstance(data.get("show"), dict) and "name" not in data:
        data = data["show"]
        prefix = f"{prefix}show."
    r = _Reader(prefix)
    name = r.text(data.get("name"), "name")
    if name is None:
        r.problem("name", "required: the show's name")
    tvmaze_id = r.int(data.get("id"), "id", 1, MAX_ID)
    show_id = show_id_for(data, id_scheme)
    if show_id is None and name is not None:
        r.problem("id", "required for id_scheme 'tvmaze'")
    if show_id is None or name is None:
        return ParsedShow(record=None, show_id=show_id, problems=r.problems)

    externals = r.obj(data.get("externals"), "externals")
    imdb_id = r.text(externals.get("imdb"), "externals.imdb")
    if imdb_id is not None and not _IMDB_RE.fullmatch(imdb_id):
        r.problem("externals.imdb", f"{_shown(imdb_id)} is not an IMDb id such as tt0436992")
        imdb_id = None
    thetvdb_id = r.int(externals.get("thetvdb"), "externals.thetvdb", 1, MAX_ID)
    premiered = r.day(data.get("premiered"), "premiered")
    ended = r.day(data.get("ended"), "ended")
    updated = r.int(data.get("updated"), "updated", 0, MAX_ID)

    channel = _channel(r, data)
    embedded = r.obj(data.get("_embedded"), "_embedded")

    # TVmaze person id -> our person id: slugify(name), or slugify(name, TVmaze id) for a
    # second, different person with the same name in the same show.
    person_ids: dict[object, str] = {}
    slug_owner: dict[str, object] = {}

    def person_of(person_name: str, tvmaze_pid: int | None) -> Person:
        key: object = tvmaze_pid if tvmaze_pid is not None else ("name", person_name)
        pid = person_ids.get(key)
        if pid is None:
            slug = slugify(person_name)
            owner = slug_owner.setdefault(slug, key)
            pid = person_ids[key] = (
                slug if owner == key else slugify(person_name, tvmaze_pid or len(person_ids))
            )
        return Person(pid, person_name)

    def person_at(raw: object, where: str) -> Person | None:
        """The person of a cast or crew entry, or None (with a problem) when it has none."""
        person = r.obj(raw, f"{where}.person")
        if raw is not None and not isinstance(raw, dict):
            return None
        person_name = r.text(person.get("name"), f"{where}.person.name")
        if person_name is None:
            r.problem(f"{where}.person.name", "required")
            return None
        raw_pid = person.get("id")
        tvmaze_pid = r.int(raw_pid, f"{where}.person.id", 1, MAX_ID)
        if raw_pid is not None and tvmaze_pid is None:
            return None
        return person_of(person_name, tvmaze_pid)

    # Each cast, crew and episode entry first goes through a fast path, which takes an entry
    # only when every value in it is of the plain kind that can have no problem (text without
    # control characters, whole numbers in range, real days); any other entry goes the careful
    # way, which names its problems. Both give the same credits, episodes and dates.

    fast = FAST_PATHS
    # cast: one credit per person, in TVmaze's order
    credits: list[Credit] = []
    cast_index: dict[str, int] = {}
    cast_role = Role.CAST
    for i, entry in enumerate(r.items(embedded.get("cast"), "_embedded.cast")):
        if fast and type(entry) is dict:
            raw = entry.get("person")
            raw_character = entry.get("character")
            if type(raw) is dict and (raw_character is None or type(raw_character) is dict):
                person_name = raw.get("name")
                raw_pid = raw.get("id")
                character = None if raw_character is None else raw_character.get("name")
                if (
                    type(person_name) is str
                    and person_name.isprintable()
                    and (person_name := person_name.strip())
                    and (raw_pid is None or (type(raw_pid) is int and 1 <= raw_pid <= MAX_ID))
                    and (character is None or (type(character) is str and character.isprintable()))
                ):
                    if character is not None:
                        character = character.strip() or None
                    person: Person | None = person_of(person_name, raw_pid)
                    assert person is not None
                    k = cast_index.get(person.id)
                    if k is None:
                        cast_index[person.id] = len(credits)
                        credits.append(Credit(show_id, person, cast_role, character, len(cast_index)))
                    else:
                        old = credits[k]
                        chars = [c for c in (old.character, character) if c]
                        merged = " / ".join(dict.fromkeys(chars)) or None
                        credits[k] = Credit(show_id, old.person, cast_role, merged, old.order)
                    continue
        where = f"_embedded.cast[{i}]"
        if not isinstance(entry, dict):
            r.problem(where, f"must be an object, not {_kind(entry)}")
            continue
        person = person_at(entry.get("person"), where)
        raw_character = r.obj(entry.get("character"), f"{where}.character")
        character = r.text(raw_character.get("name"), f"{where}.character.name")
        if person is None:
            continue
        if person.id in cast_index:
            k = cast_index[person.id]
            old = credits[k]
            chars = [c for c in (old.character, character) if c]
            merged = " / ".join(dict.fromkeys(chars)) or None
            credits[k] = Credit(show_id, old.person, Role.CAST, merged, old.order)
            continue
        cast_index[person.id] = len(credits)
        credits.append(Credit(show_id, person, Role.CAST, character, len(cast_index)))

    seen_crew: set[tuple[str, Role]] = set()
    crew_person: Person
    for i, entry in enumerate(r.items(embedded.get("crew"), "_embedded.crew")):
        if fast and type(entry) is dict:
            crew_type = entry.get("type")
            if type(crew_type) is str and crew_type.isprintable():
                role = _crew_role(crew_type)
                if role is None:
                    continue
                raw = entry.get("person")
                if type(raw) is dict:
                    person_name = raw.get("name")
                    raw_pid = raw.get("id")
                    if (
                        type(person_name) is str
                        and person_name.isprintable()
                        and (person_name := person_name.strip())
                        and (raw_pid is None or (type(raw_pid) is int and 1 <= raw_pid <= MAX_ID))
                    ):
                        crew_person = person_of(person_name, raw_pid)
                        if (crew_person.id, role) not in seen_crew:
                            seen_crew.add((crew_person.id, role))
                            credits.append(Credit(show_id, crew_person, role))
                        continue
        where = f"_embedded.crew[{i}]"
        if not isinstance(entry, dict):
            r.problem(where, f"must be an object, not {_kind(entry)}")
            continue
        crew_type = r.text(entry.get("type"), f"{where}.type")
        role = CREW_ROLES.get(crew_type.lower()) if crew_type else None
        if role is None:
            continue
        person = person_at(entry.get("person"), where)
        if person is None or (person.id, role) in seen_crew:
            continue
        seen_crew.add((person.id, role))
        credits.append(Credit(show_id, person, role))

    # episodes, and their dates grouped by season
    episodes: list[Episode] = []
    dated: dict[int, list[_Dated]] = {}
    seen_eps: set[tuple[int, int]] = set()
    zone, exact_ok = channel.zone, channel.zone_known
    for i, ep in enumerate(r.items(embedded.get("episodes"), "_embedded.episodes")):
        if fast and type(ep) is dict:
            number = ep.get("number")
            if number is None:
                continue  # a special without a number
            season = ep.get("season")
            title = ep.get("name")
            day = ep.get("airdate")
            stamp = ep.get("airstamp")
            if (
                type(number) is int
                and 1 <= number <= MAX_NUMBER
                and type(season) is int
                and 0 <= season <= MAX_SEASON
                and (season, number) not in seen_eps
                and (title is None or (type(title) is str and title.isprintable()))
                and (day is None or (type(day) is str and _is_day(day)))
                and (stamp is None or (type(stamp) is str and stamp.isprintable()))
            ):
                when = _fast_when(ep, day, stamp, zone, exact_ok)
                if when is not _NOT_FAST:
                    seen_eps.add((season, number))
                    if title is not None:
                        title = title.strip() or None
                    episodes.append(Episode(show_id, season, number, title))
                    items = dated.get(season)
                    if items is None:
                        items = dated[season] = []
                    items.append((number, day, when))  # type: ignore[arg-type]  # a When or None
                    continue
        where = f"_embedded.episodes[{i}]"
        if not isinstance(ep, dict):
            r.problem(where, f"must be an object, not {_kind(ep)}")
            continue
        if ep.get("number") is None:
            continue  # a special without a number
        number = r.int(ep.get("number"), f"{where}.number", 1, MAX_NUMBER)
        season = r.int(ep.get("season"), f"{where}.season", 0, MAX_SEASON)
        if ep.get("season") is None:
            r.problem(f"{where}.season", "required for a numbered episode")
        if season is None or number is None:
            continue
        if (season, number) in seen_eps:
            r.problem(where, f"duplicate episode S{season}E{number}")
            continue
        seen_eps.add((season, number))
        episodes.append(Episode(show_id, season, number, r.text(ep.get("name"), f"{where}.name")))
        day, when = _episode_when(r, ep, where, channel)
        dated.setdefault(season, []).append((number, day, when))

    releases: list[Release] = []
    for season, items in dated.items():
        releases.extend(_season_releases(show_id, season, items, channel))

    raw_status = r.text(data.get("status"), "status")
    language = r.text(data.get("language"), "language")
    genres = tuple(g for g in (_text(x) for x in r.items(data.get("genres"), "genres")) if g)
    summary = data.get("summary")
    if summary is not None and not isinstance(summary, str):
        r.problem("summary", f"must be text, not {_kind(summary)}")
    seasons = {e.season for e in episodes}
    show = Show(
        id=show_id,
        title=name,
        kind=Kind.SERIES,
        platform=channel.platform,
        country=channel.country,
        original_language=language_code(language),
        genres=genres,
        synopsis=synopsis_text(summary if isinstance(summary, str) else None),
        episode_count=len(episodes) or None,
        season_count=len(seasons) or None,
        status=STATUSES.get(raw_status.lower()) if raw_status else None,
        tvmaze_id=tvmaze_id,
        imdb_id=imdb_id,
        thetvdb_id=thetvdb_id,
        premiered=premiered,
        ended=ended,
        tvmaze_updated=updated or 0,
    )
    record = ShowRecord(show=show, credits=credits, episodes=episodes, releases=releases)
    return ParsedShow(record=record, show_id=show_id, problems=r.problems)


# -- a document ------------------------------------------------------------------------------


def parse_tvmaze(data: object, *, id_scheme: IdScheme = "name") -> list[ParsedShow]:
    """A show object, a list of them or search results -> one ParsedShow each.

    A schedule gives one ParsedShow without a record, whose problem says what to give instead."""
    if is_schedule(data):
        return [ParsedShow(None, None, [Problem("", schedule_message(data))])]
    if isinstance(data, list):
        return parse_tvmaze_items(data, 0, len(data), id_scheme=id_scheme)
    if isinstance(data, dict):
        return [parse_tvmaze_show(data, id_scheme=id_scheme)]
    return [ParsedShow(None, None, [Problem("", "not a TVmaze show object or a list of them")])]


def parse_tvmaze_items(
    data: list[Any], start: int, stop: int, *, id_scheme: IdScheme = "name"
) -> list[ParsedShow]:
    """Items ``start`` to ``stop`` of a list of shows, named by their index in the whole list."""
    out: list[ParsedShow] = []
    for i in range(start, stop):
        item = data[i]
        if not isinstance(item, dict):
            out.append(ParsedShow(None, None, [Problem(f"[{i}]", "must be a TVmaze show object")]))
            continue
        out.append(parse_tvmaze_show(item, id_scheme=id_scheme, prefix=f"[{i}]."))
    return out


def unique_shows(records: list[ShowRecord]) -> list[ShowRecord]:
    """Records with one record per TVmaze id: a show given again replaces the one before (in its
    place). Shows with the same name but different TVmaze ids are all kept."""
    out: list[ShowRecord] = []
    at: dict[int, int] = {}
    for record in records:
        tvmaze_id = record.show.tvmaze_id
        if tvmaze_id is None:
            out.append(record)
        elif tvmaze_id in at:
            out[at[tvmaze_id]] = record
        else:
            at[tvmaze_id] = len(out)
            out.append(record)
    return out


def records_from_tvmaze(
    data: object, *, id_scheme: IdScheme = "name", file: str = "<tvmaze>"
) -> list[ShowRecord]:
    """Parse TVmaze JSON data; raise CatalogueError naming every problem.

    A show given twice (one TVmaze id) is kept once, as given the second time."""
    parsed = parse_tvmaze(data, id_scheme=id_scheme)
    errors = [format_error(file, p.show_id, pr.field, pr.message) for p in parsed for pr in p.problems]
    if errors:
        raise CatalogueError(errors)
    return unique_shows([p.record for p in parsed if p.record is not None])
