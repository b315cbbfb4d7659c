"""TVmaze's public show JSON -> ShowRecords.

Input: a show object as ``/shows/{id}?embed[]=cast&embed[]=crew&embed[]=episodes`` returns it,
a list of such objects, or search results (``{"score": ..., "show": {...}}``).

Mapping:

- Show id: ``slugify(name)`` by default, the same scheme as the project's TOML files, so a
  TVmaze import of a show that is already in the catalogue under its slug updates that show.
  ``id_scheme="tvmaze"`` gives ``tvmaze-<TVmaze id>`` instead (stable across renames).
- ``language`` -> ISO 639-1 where the mapping is plain (English -> en); otherwise left out.
- ``summary`` -> synopsis with the HTML stripped; ``genres`` as they are.
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
- Releases, per season: on a web channel, a season of two or more episodes that all share one
  airdate is a whole-season drop -> ONE ``season`` release. Otherwise one ``episode`` release
  per dated episode: at its ``airstamp`` (exact) when TVmaze knows the air time, else on its
  ``airdate`` (date precision; TVmaze fills ``airstamp`` with a made-up time when ``airtime``
  is empty, and a made-up time would be a wrong announcement). Undated episodes get no release.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any, Literal

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
    Status,
    When,
    slugify,
)

IdScheme = Literal["name", "tvmaze"]

LANGUAGES = {
    "arabic": "ar",
    "bengali": "bn",
    "catalan": "ca",
    "chinese": "zh",
    "mandarin": "zh",
    "czech": "cs",
    "danish": "da",
    "dutch": "nl",
    "english": "en",
    "finnish": "fi",
    "french": "fr",
    "german": "de",
    "greek": "el",
    "hebrew": "he",
    "hindi": "hi",
    "hungarian": "hu",
    "icelandic": "is",
    "indonesian": "id",
    "irish": "ga",
    "italian": "it",
    "japanese": "ja",
    "korean": "ko",
    "malay": "ms",
    "malayalam": "ml",
    "marathi": "mr",
    "norwegian": "no",
    "persian": "fa",
    "polish": "pl",
    "portuguese": "pt",
    "romanian": "ro",
    "russian": "ru",
    "spanish": "es",
    "swedish": "sv",
    "tagalog": "tl",
    "tamil": "ta",
    "telugu": "te",
    "thai": "th",
    "turkish": "tr",
    "ukrainian": "uk",
    "urdu": "ur",
    "vietnamese": "vi",
    "welsh": "cy",
}

STATUSES = {
    "running": Status.RUNNING,
    "ended": Status.ENDED,
    "to be determined": Status.RUNNING,
    "in development": Status.ANNOUNCED,
}

CREW_ROLES = {
    "creator": Role.CREATOR,
    "director": Role.DIRECTOR,
    "writer": Role.WRITER,
    "screenplay": Role.WRITER,
    "teleplay": Role.WRITER,
    "original author": Role.ORIGINAL_AUTHOR,
    "author": Role.ORIGINAL_AUTHOR,
    "novel": Role.ORIGINAL_AUTHOR,
    "original story": Role.ORIGINAL_AUTHOR,
    "original work": Role.ORIGINAL_AUTHOR,
    "based on the work of": Role.ORIGINAL_AUTHOR,
    "webtoon": Role.ORIGINAL_AUTHOR,
    "manga": Role.ORIGINAL_AUTHOR,
    "comic": Role.ORIGINAL_AUTHOR,
}


class _TextOnly(HTMLParser):
    _BREAKS = frozenset({"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


# Text whose only markup is plain tags such as <p>, </b> or <br> (no attributes, comments,
# character references or other "<"): HTMLParser would give the same text, far slower.
_PLAIN_TAGS_RE = re.compile(r"(?:[^<&]|<(?!(?i:script|style))/?[a-zA-Z][a-zA-Z0-9]*>)*")
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)>")


def _tag_text(match: re.Match[str]) -> str:
    return " " if match.group(2).lower() in _TextOnly._BREAKS else ""


def strip_html(text: str | None) -> str | None:
    """Plain text of an HTML fragment, whitespace collapsed; None when nothing is left."""
    if not text:
        return None
    if _PLAIN_TAGS_RE.fullmatch(text):
        plain = _TAG_RE.sub(_tag_text, text)
    else:
        parser = _TextOnly()
        parser.feed(text)
        parser.close()
        plain = "".join(parser.parts)  # character references already decoded
    plain = re.sub(r"\s+", " ", plain).strip()
    plain = re.sub(r"\s+([,.;:!?])", r"\1", plain)
    return plain or None


def language_code(name: object) -> str | None:
    if not isinstance(name, str):
        return None
    return LANGUAGES.get(name.strip().lower())


def is_tvmaze(data: object) -> bool:
    """Whether JSON data looks like TVmaze shows (a show, a list of shows or search results)."""
    items = data if isinstance(data, list) else [data]
    if not items:
        return False
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("show"), dict):
            item = item["show"]
        if not (isinstance(item, dict) and "name" in item and ("_embedded" in item or "id" in item)):
            return False
    return True


_EMPTY: Mapping[str, Any] = {}  # never changed


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else _EMPTY


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def show_id_for(data: Mapping[str, Any], id_scheme: IdScheme = "name") -> str | None:
    if id_scheme == "tvmaze":
        tvmaze_id = _int(data.get("id"))
        return f"tvmaze-{tvmaze_id}" if tvmaze_id is not None else None
    name = _text(data.get("name"))
    return slugify(name) if name else None


def _channel(data: Mapping[str, Any]) -> tuple[str | None, str | None, str, str, bool]:
    """(platform, country, region, zone, is_web) from network or webChannel."""
    network = _dict(data.get("network"))
    web = _dict(data.get("webChannel"))
    channel = network or web
    is_web = not network and bool(web)
    platform = _text(channel.get("name"))
    country_info = _dict(channel.get("country"))
    code = _text(country_info.get("code"))
    country = code.upper() if code and re.fullmatch(r"[A-Za-z]{2}", code) else None
    zone = _text(country_info.get("timezone")) or "UTC"
    if not zone_is_valid(zone):
        zone = "UTC"
    region = country or "WW"
    return platform, country, region, zone, is_web


def _episode_when(ep: Mapping[str, Any], zone: str) -> When | None:
    airdate = _text(ep.get("airdate"))
    airstamp = _text(ep.get("airstamp"))
    airtime = ep.get("airtime")
    time_known = not ("airtime" in ep and not _text(airtime))
    if airstamp and time_known:
        try:
            return When.parse(airstamp, zone)
        except ValueError:
            pass
    if airdate:
        try:
            return When.parse(airdate[:10], zone)
        except ValueError:
            return None
    return None


def parse_tvmaze_show(
    data: Mapping[str, Any], *, id_scheme: IdScheme = "name", prefix: str = ""
) -> ParsedShow:
    """One TVmaze show object -> a ParsedShow (problems are named from ``prefix``)."""
    problems: list[Problem] = []

    def at(key: str) -> str:
        return f"{prefix}{key}"

    if isinstance(data.get("show"), dict) and "name" not in data:
        data = data["show"]
    name = _text(data.get("name"))
    if name is None:
        problems.append(Problem(at("name"), "required: the show's name"))
    show_id = show_id_for(data, id_scheme)
    if show_id is None and name is not None:
        problems.append(Problem(at("id"), "required for id_scheme 'tvmaze'"))
    if show_id is None or name is None:
        return ParsedShow(record=None, show_id=show_id, problems=problems)

    platform, country, region, zone, is_web = _channel(data)
    embedded = _dict(data.get("_embedded"))

    # TVmaze person id -> our person id: slugify(name), or slugify(name, TVmaze id) for a
    # second, different person with the same name in the same show.
    person_ids: dict[object, str] = {}
    slug_owner: dict[str, object] = {}

    def person_for(raw: Mapping[str, Any], name: str) -> Person:
        tvmaze_pid = raw.get("id")
        if not isinstance(tvmaze_pid, int) or isinstance(tvmaze_pid, bool):
            tvmaze_pid = None
        key: object = tvmaze_pid if tvmaze_pid is not None else ("name", name)
        pid = person_ids.get(key)
        if pid is None:
            slug = slugify(name)
            owner = slug_owner.setdefault(slug, key)
            pid = person_ids[key] = slug if owner == key else slugify(name, tvmaze_pid or len(person_ids))
        return Person(id=pid, name=name)

    # cast: one credit per person, in TVmaze's order
    credits: list[Credit] = []
    cast_index: dict[str, int] = {}
    for i, entry in enumerate(_list(embedded.get("cast"))):
        if not isinstance(entry, dict):
            entry = _EMPTY
        raw_person = entry.get("person")
        if not isinstance(raw_person, dict):
            raw_person = _EMPTY
        person_name = raw_person.get("name")
        person_name = (person_name.strip() or None) if isinstance(person_name, str) else None
        if person_name is None:
            problems.append(Problem(at(f"_embedded.cast[{i}].person.name"), "required"))
            continue
        raw_character = entry.get("character")
        character = raw_character.get("name") if isinstance(raw_character, dict) else None
        character = (character.strip() or None) if isinstance(character, str) else None
        person = person_for(raw_person, person_name)
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
    for i, entry in enumerate(_list(embedded.get("crew"))):
        crew_type = _text(_dict(entry).get("type"))
        role = CREW_ROLES.get(crew_type.lower()) if crew_type else None
        if role is None:
            continue
        raw_person = _dict(_dict(entry).get("person"))
        person_name = _text(raw_person.get("name"))
        if person_name is None:
            problems.append(Problem(at(f"_embedded.crew[{i}].person.name"), "required"))
            continue
        person = person_for(raw_person, person_name)
        if (person.id, role) in seen_crew:
            continue
        seen_crew.add((person.id, role))
        credits.append(Credit(show_id, person, role))

    # episodes, and their dates grouped by season
    episodes: list[Episode] = []
    dated: dict[int, list[tuple[int, str | None, When | None]]] = {}
    seen_eps: set[tuple[int, int]] = set()
    for i, entry in enumerate(_list(embedded.get("episodes"))):
        ep = entry if isinstance(entry, dict) else _EMPTY
        season, number = ep.get("season"), ep.get("number")
        if not isinstance(season, int) or not isinstance(number, int) or isinstance(season, bool) or isinstance(number, bool):
            continue  # a special without a number
        if (season, number) in seen_eps:
            problems.append(Problem(at(f"_embedded.episodes[{i}]"), f"duplicate episode S{season}E{number}"))
            continue
        seen_eps.add((season, number))
        episodes.append(Episode(show_id, season, number, _text(ep.get("name"))))
        airdate = _text(ep.get("airdate"))
        dated.setdefault(season, []).append(
            (number, airdate[:10] if airdate else None, _episode_when(ep, zone))
        )

    releases: list[Release] = []
    for season, items in dated.items():
        airdates = {airdate for _, airdate, _ in items}
        all_dated = all(w is not None for _, _, w in items)
        if is_web and len(items) >= 2 and len(airdates) == 1 and None not in airdates and all_dated:
            exact = [w for _, _, w in items if w is not None and w.precision is Precision.EXACT]
            airdate = next(iter(airdates))
            assert airdate is not None
            if exact:
                when = min(exact, key=lambda w: w.instant)  # type: ignore[arg-type,return-value]
            else:
                when = When.parse(airdate, zone)
            releases.append(
                Release(
                    show_id,
                    when,
                    Scope.SEASON,
                    season=season,
                    platform=platform,
                    region=region,
                    note=f"All {len(items)} episodes at once",
                )
            )
            continue
        for number, _, when in items:
            if when is None:
                continue
            releases.append(
                Release(show_id, when, Scope.EPISODE, season, number, platform=platform, region=region)
            )

    raw_status = _text(data.get("status"))
    seasons = {e.season for e in episodes}
    show = Show(
        id=show_id,
        title=name,
        kind=Kind.SERIES,
        platform=platform,
        country=country,
        original_language=language_code(data.get("language")),
        genres=tuple(g for g in (_text(x) for x in _list(data.get("genres"))) if g),
        synopsis=strip_html(data.get("summary") if isinstance(data.get("summary"), str) else None),
        episode_count=len(episodes) or None,
        season_count=len(seasons) or None,
        status=STATUSES.get(raw_status.lower()) if raw_status else None,
        tvmaze_updated=_int(data.get("updated")) or 0,
    )
    record = ShowRecord(show=show, credits=credits, episodes=episodes, releases=releases)
    return ParsedShow(record=record, show_id=show_id, problems=problems)


def parse_tvmaze(data: object, *, id_scheme: IdScheme = "name") -> list[ParsedShow]:
    """A show object or a list of them -> one ParsedShow each."""
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


def records_from_tvmaze(
    data: object, *, id_scheme: IdScheme = "name", file: str = "<tvmaze>"
) -> list[ShowRecord]:
    """Parse TVmaze JSON data; raise CatalogueError naming every problem."""
    parsed = parse_tvmaze(data, id_scheme=id_scheme)
    errors = [format_error(file, p.show_id, pr.field, pr.message) for p in parsed for pr in p.problems]
    if errors:
        raise CatalogueError(errors)
    return [p.record for p in parsed if p.record is not None]
