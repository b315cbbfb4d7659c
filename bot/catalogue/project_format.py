"""The project's catalogue format: one TOML file per show (see docs/catalogue-format.md).

``parse_show`` turns one parsed TOML table into a ``ShowRecord`` and reports every structural
problem (wrong type, unknown key, missing field, bad enum value, bad date or zone) instead of
stopping at the first. ``dump_record`` writes a record back as TOML so that
``parse_toml(dump_record(r)) == r`` for any valid record.

Conventions:

- A cast credit's billing order is its position among the cast credits of the file (1-based)
  unless it says ``order``; other credits are unordered (0) unless they say ``order``.
- A person's id is ``person_id`` or ``slugify(name)``.
- A missing ``when`` means TBA; a missing ``zone`` means UTC; a missing release ``scope`` means
  ``show``; a missing ``region`` means ``WW``.
- A season dropped in parts is one ``season`` release per part: ``part = 1`` and
  ``episodes = "1-8"`` (``Release.episode`` 1, ``Release.last_episode`` 8); ``episodes = "9"``
  is a part of one episode (``last_episode`` left unset, and ``"9-9"`` sets it).
- ``[[links]]`` tables (``show``, ``relation``) are ``Link``s from this show to another.
- ``Show.tvmaze_updated`` is a sync stamp, never written in a file.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import tomli_w

from bot.catalogue.errors import CatalogueError, Problem, format_error
from bot.models import (
    Credit,
    Episode,
    Event,
    Kind,
    Link,
    Person,
    Release,
    Role,
    Scope,
    Show,
    ShowRecord,
    Status,
    When,
    slugify,
)

SHOW_KEYS = (
    "id",
    "title",
    "original_title",
    "aliases",
    "kind",
    "platform",
    "country",
    "original_language",
    "genres",
    "synopsis",
    "episode_count",
    "season_count",
    "status",
    "premiered",
    "ended",
    "tvmaze_id",
    "imdb_id",
    "thetvdb_id",
    "source",
    "credits",
    "episodes",
    "releases",
    "events",
    "links",
)
SOURCE_KEYS = ("kind", "title", "original_title")
CREDIT_KEYS = ("name", "native_name", "role", "character", "person_id", "order")
EPISODE_KEYS = ("season", "number", "title")
RELEASE_KEYS = (
    "scope",
    "season",
    "part",
    "episode",
    "episodes",
    "platform",
    "region",
    "when",
    "zone",
    "note",
)
EVENT_KEYS = ("kind", "title", "when", "zone", "place")
LINK_KEYS = ("show", "relation")

# ``episodes = "1-8"`` (a dash or an en dash) or ``"9"``
EPISODE_RANGE_RE = re.compile(r"\s*(\d+)\s*(?:[-\u2013]\s*(\d+)\s*)?")

E = TypeVar("E", bound=StrEnum)


@dataclass(slots=True)
class ParsedShow:
    """The result of parsing one show table.

    ``record`` is None when the show itself could not be built (no usable id or title). Items
    that could not be built are left out of the record; ``origins`` maps each kept item back to
    its index in the source list (``origins["credits"][i]`` is the source index of
    ``record.credits[i]``) so later checks can name ``credits[3]`` as the author wrote it.
    """

    record: ShowRecord | None
    show_id: str | None
    problems: list[Problem] = field(default_factory=list)
    origins: dict[str, list[int]] = field(default_factory=dict)


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, datetime):
        return "a date-time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


class _Table:
    """Typed access to one TOML table, collecting problems under a field prefix."""

    def __init__(self, data: Mapping[str, Any], prefix: str, problems: list[Problem]) -> None:
        self.data = data
        self.prefix = prefix
        self.problems = problems
        self.counted = len(problems)

    def count_problems(self) -> None:
        """From here on: ``clean`` says whether any problem was found since."""
        self.counted = len(self.problems)

    @property
    def clean(self) -> bool:
        return len(self.problems) == self.counted

    def path(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.path(key), message))

    def check_keys(self, allowed: Sequence[str]) -> None:
        for key in self.data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(allowed)})"
                self.problem(str(key), "unknown key" + hint)

    def present(self, key: str) -> bool:
        return key in self.data

    def string(self, key: str, *, required: bool = False) -> str | None:
        if key not in self.data:
            if required:
                self.problem(key, "required")
            return None
        value = self.data[key]
        if not isinstance(value, str):
            self.problem(key, f"must be a string, not {_type_name(value)}")
            return None
        if not value.strip():
            self.problem(key, "must not be empty" + ("" if required else " (leave the key out instead)"))
            return None
        return value

    def integer(self, key: str, *, required: bool = False, minimum: int = 0) -> int | None:
        if key not in self.data:
            if required:
                self.problem(key, "required")
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, f"must be a whole number, not {_type_name(value)}")
            return None
        if value < minimum:
            self.problem(key, f"must be {minimum} or more, not {value}")
            return None
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        if key not in self.data:
            return ()
        value = self.data[key]
        if not isinstance(value, list):
            self.problem(key, f"must be a list of strings, not {_type_name(value)}")
            return ()
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                what = "an empty string" if isinstance(item, str) else _type_name(item)
                self.problems.append(
                    Problem(f"{self.path(key)}[{i}]", f"must be a non-empty string, not {what}")
                )
            else:
                out.append(item)
        return tuple(out)

    def day(self, key: str) -> str | None:
        """A calendar day, "2022-01-28" (quoted or a bare TOML date), kept as that text."""
        if key not in self.data:
            return None
        value = self.data[key]
        if isinstance(value, date) and not isinstance(value, datetime):
            return value.isoformat()
        if not isinstance(value, str):
            self.problem(key, f'must be a date such as "2022-01-28", not {_type_name(value)}')
            return None
        try:
            if len(value) != 10:
                raise ValueError
            return date.fromisoformat(value).isoformat()
        except ValueError:
            self.problem(key, f'{value!r} is not a date such as "2022-01-28" (YYYY-MM-DD)')
            return None

    def episode_range(self, key: str) -> tuple[int, int | None] | None:
        """``"1-8"`` -> (1, 8); ``"9"`` -> (9, None). Order is checked by ``check_record``."""
        if key not in self.data:
            return None
        value = self.data[key]
        match = EPISODE_RANGE_RE.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            what = repr(value) if isinstance(value, str) else _type_name(value)
            self.problem(key, f'must be a range of episodes such as "1-8", or "9" for one, not {what}')
            return None
        first, last = match.groups()
        return int(first), int(last) if last is not None else None

    def enum(self, key: str, cls: type[E], *, required: bool = False) -> E | None:
        if key not in self.data:
            if required:
                self.problem(key, f"required: one of {', '.join(m.value for m in cls)}")
            return None
        value = self.data[key]
        try:
            return cls(value)
        except ValueError:
            self.problem(key, f"{value!r} is not one of {', '.join(m.value for m in cls)}")
            return None

    def table(self, key: str) -> Mapping[str, Any] | None:
        if key not in self.data:
            return None
        value = self.data[key]
        if not isinstance(value, dict):
            self.problem(key, f"must be a table, not {_type_name(value)}")
            return None
        return value

    def tables(self, key: str) -> list[tuple[int, Mapping[str, Any]]]:
        if key not in self.data:
            return []
        value = self.data[key]
        if not isinstance(value, list):
            self.problem(key, f"must be an array of tables ([[{key}]]), not {_type_name(value)}")
            return []
        out: list[tuple[int, Mapping[str, Any]]] = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                out.append((i, item))
            else:
                self.problems.append(
                    Problem(f"{self.path(key)}[{i}]", f"must be a table, not {_type_name(item)}")
                )
        return out

    def when(self) -> When | None:
        """``when`` at ``zone``; None (after a problem) when either is bad. Missing ``when`` = TBA."""
        zone = "UTC"
        zone_ok = True
        if "zone" in self.data:
            raw_zone = self.data["zone"]
            if not isinstance(raw_zone, str):
                self.problem("zone", f"must be a string, not {_type_name(raw_zone)}")
                zone_ok = False
            elif not zone_is_valid(raw_zone):
                self.problem("zone", f"unknown time zone {raw_zone!r} (use an IANA name such as Asia/Seoul)")
                zone_ok = False
            else:
                zone = raw_zone
        if "when" not in self.data:
            return When.tba() if zone_ok else None
        raw = self.data["when"]
        if isinstance(raw, bool) or not isinstance(raw, str | int | date):
            self.problem("when", f'must be a string such as "2022-01-28" or "TBA", not {_type_name(raw)}')
            return None
        try:
            when = When.parse(raw, zone)
        except ValueError as exc:
            self.problem("when", str(exc))
            return None
        return when if zone_ok else None


def zone_is_valid(zone: str) -> bool:
    try:
        return _zone_is_valid(zone)
    except TypeError:  # not hashable: not a zone name either
        return False


@lru_cache(maxsize=1024)
def _zone_is_valid(zone: str) -> bool:
    if not zone or zone != zone.strip():
        return False
    try:
        ZoneInfo(zone)
    except Exception:  # ZoneInfoNotFoundError, ValueError on malformed keys
        return False
    return True


T = TypeVar("T")


def _items(
    top: _Table,
    key: str,
    allowed: Sequence[str],
    origins: dict[str, list[int]],
    build: Callable[[_Table], T | None],
) -> list[T]:
    """The items of the array of tables ``key`` that ``build`` could build, each one's index in
    the source kept in ``origins[key]``. ``build`` reads one item's fields; an unknown key is
    reported, but only the problems of its fields (``_Table.clean``) leave the item out."""
    built: list[T] = []
    origins[key] = kept = []
    for i, item in top.tables(key):
        t = _Table(item, f"{key}[{i}]", top.problems)
        t.check_keys(allowed)
        t.count_problems()
        value = build(t)
        if value is not None:
            built.append(value)
            kept.append(i)
    return built


def parse_show(data: Mapping[str, Any]) -> ParsedShow:
    """Build a ShowRecord from one parsed TOML document, collecting every structural problem."""
    problems: list[Problem] = []
    top = _Table(data, "", problems)
    top.check_keys(SHOW_KEYS)

    show_id = top.string("id", required=True)
    title = top.string("title", required=True)
    kind = top.enum("kind", Kind, required=True)
    source = top.table("source")
    source_kind = source_title = source_original = None
    if source is not None:
        src = _Table(source, "source", problems)
        src.check_keys(SOURCE_KEYS)
        source_kind = src.string("kind")
        source_title = src.string("title")
        source_original = src.string("original_title")

    show: Show | None = None
    if show_id is not None and title is not None:
        show = Show(
            id=show_id,
            title=title,
            kind=kind or Kind.SERIES,
            original_title=top.string("original_title"),
            aliases=top.strings("aliases"),
            platform=top.string("platform"),
            country=top.string("country"),
            original_language=top.string("original_language"),
            genres=top.strings("genres"),
            synopsis=top.string("synopsis"),
            episode_count=top.integer("episode_count"),
            season_count=top.integer("season_count"),
            source_kind=source_kind,
            source_title=source_title,
            source_original_title=source_original,
            status=top.enum("status", Status),
            tvmaze_id=top.integer("tvmaze_id", minimum=1),
            imdb_id=top.string("imdb_id"),
            thetvdb_id=top.integer("thetvdb_id", minimum=1),
            premiered=top.day("premiered"),
            ended=top.day("ended"),
        )
    else:  # still report problems in the other show fields
        for key in ("original_title", "platform", "country", "original_language", "synopsis", "imdb_id"):
            top.string(key)
        top.strings("aliases")
        top.strings("genres")
        top.integer("episode_count")
        top.integer("season_count")
        top.enum("status", Status)
        top.integer("tvmaze_id", minimum=1)
        top.integer("thetvdb_id", minimum=1)
        top.day("premiered")
        top.day("ended")

    sid = show_id or ""
    origins: dict[str, list[int]] = {}
    cast_position = 0

    def credit(t: _Table) -> Credit | None:
        nonlocal cast_position
        name = t.string("name", required=True)
        role = t.enum("role", Role, required=True)
        native = t.string("native_name")
        character = t.string("character")
        person_id = t.string("person_id")
        order = t.integer("order")
        if role is Role.CAST:
            cast_position += 1
        if not t.clean or name is None or role is None:
            return None
        if order is None:
            order = cast_position if role is Role.CAST else 0
        person = Person(id=person_id or slugify(name), name=name, native_name=native)
        return Credit(show_id=sid, person=person, role=role, character=character, order=order)

    def episode(t: _Table) -> Episode | None:
        season = t.integer("season", required=True)
        number = t.integer("number", required=True)
        title = t.string("title")
        if not t.clean or season is None or number is None:
            return None
        return Episode(show_id=sid, season=season, number=number, title=title)

    def release(t: _Table) -> Release | None:
        scope = t.enum("scope", Scope)
        season = t.integer("season")
        part = t.integer("part", minimum=1)
        episode = t.integer("episode")
        span = t.episode_range("episodes")
        platform = t.string("platform")
        region = t.string("region")
        note = t.string("note")
        last_episode = None
        if t.present("scope") and scope is None:
            pass  # a bad scope is reported; what fits it is unknown
        elif scope is Scope.SEASON:
            if t.present("episode"):
                t.problem(
                    "episode",
                    'a season release has no episode: a part gives its episodes = "5-8", '
                    'one episode is scope = "episode"',
                )
            elif span is not None:
                episode, last_episode = span
        else:
            if t.present("episodes"):
                t.problem(
                    "episodes",
                    'only a season part takes a range of episodes (scope = "season", part = 1); '
                    "one episode is episode = 9",
                )
            if t.present("part"):
                t.problem("part", 'only a season release is released in parts (scope = "season")')
        if not t.clean:
            return None
        # A bad date is reported by t.when(); the release is still checked with a stand-in
        # date (a record with problems is never imported).
        return Release(
            show_id=sid,
            when=t.when() or When.tba(),
            scope=scope or Scope.SHOW,
            season=season,
            episode=episode,
            platform=platform,
            region=region if region is not None else "WW",
            note=note,
            part=part,
            last_episode=last_episode,
        )

    def event(t: _Table) -> Event | None:
        kind = t.string("kind", required=True)
        title = t.string("title", required=True)
        place = t.string("place")
        if not t.clean or kind is None or title is None:
            return None
        return Event(show_id=sid, kind=kind, title=title, when=t.when() or When.tba(), place=place)

    def link(t: _Table) -> Link | None:
        other = t.string("show", required=True)
        relation = t.string("relation", required=True)
        if not t.clean or other is None or relation is None:
            return None
        return Link(show_id=sid, other_id=other, relation=relation)

    credits = _items(top, "credits", CREDIT_KEYS, origins, credit)
    episodes = _items(top, "episodes", EPISODE_KEYS, origins, episode)
    releases = _items(top, "releases", RELEASE_KEYS, origins, release)
    events = _items(top, "events", EVENT_KEYS, origins, event)
    links = _items(top, "links", LINK_KEYS, origins, link)

    record = None
    if show is not None:
        record = ShowRecord(
            show=show, credits=credits, episodes=episodes, releases=releases, events=events, links=links
        )
    return ParsedShow(record=record, show_id=show_id, problems=problems, origins=origins)


def toml_error_message(exc: tomllib.TOMLDecodeError) -> str:
    """tomllib's message already ends with "(at line N, column M)"."""
    return f"invalid TOML: {exc}"


def parse_toml(text: str, file: str = "<string>") -> ShowRecord:
    """Parse one show from TOML text; raise CatalogueError naming every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError([format_error(file, None, None, toml_error_message(exc))]) from None
    parsed = parse_show(data)
    if parsed.problems or parsed.record is None:
        raise CatalogueError(format_error(file, parsed.show_id, p.field, p.message) for p in parsed.problems)
    return parsed.record


def load_toml_file(path: str | Path) -> ShowRecord:
    """Parse one ``.toml`` show file. Structural checks only; ``validate.load_path`` does all."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError([format_error(str(p), None, None, f"cannot read: {exc}")]) from None
    return parse_toml(text, str(p))


# --- writing ---------------------------------------------------------------------------------


def _put(table: dict[str, Any], key: str, value: object) -> None:
    if value is None or value == () or value == []:
        return
    table[key] = value


def _when_fields(table: dict[str, Any], when: When) -> None:
    table["when"] = when.to_text()
    if when.zone != "UTC":
        table["zone"] = when.zone


def record_to_dict(record: ShowRecord) -> dict[str, Any]:
    """The TOML document for one record, keys in the documented order."""
    s = record.show
    doc: dict[str, Any] = {"id": s.id, "title": s.title}
    _put(doc, "original_title", s.original_title)
    _put(doc, "aliases", list(s.aliases))
    doc["kind"] = s.kind.value
    _put(doc, "platform", s.platform)
    _put(doc, "country", s.country)
    _put(doc, "original_language", s.original_language)
    _put(doc, "genres", list(s.genres))
    _put(doc, "synopsis", s.synopsis)
    _put(doc, "episode_count", s.episode_count)
    _put(doc, "season_count", s.season_count)
    _put(doc, "status", s.status.value if s.status else None)
    _put(doc, "premiered", s.premiered)
    _put(doc, "ended", s.ended)
    _put(doc, "tvmaze_id", s.tvmaze_id)
    _put(doc, "imdb_id", s.imdb_id)
    _put(doc, "thetvdb_id", s.thetvdb_id)
    source: dict[str, Any] = {}
    _put(source, "kind", s.source_kind)
    _put(source, "title", s.source_title)
    _put(source, "original_title", s.source_original_title)
    if source:
        doc["source"] = source

    credits: list[dict[str, Any]] = []
    cast_position = 0
    for c in record.credits:
        entry: dict[str, Any] = {"name": c.person.name}
        _put(entry, "native_name", c.person.native_name)
        entry["role"] = c.role.value
        _put(entry, "character", c.character)
        if c.person.id != slugify(c.person.name):
            entry["person_id"] = c.person.id
        if c.role is Role.CAST:
            cast_position += 1
            if c.order != cast_position:
                entry["order"] = c.order
        elif c.order != 0:
            entry["order"] = c.order
        credits.append(entry)
    _put(doc, "credits", credits)

    episodes: list[dict[str, Any]] = []
    for e in record.episodes:
        entry = {"season": e.season, "number": e.number}
        _put(entry, "title", e.title)
        episodes.append(entry)
    _put(doc, "episodes", episodes)

    releases: list[dict[str, Any]] = []
    for r in record.releases:
        entry = {"scope": r.scope.value}
        _put(entry, "season", r.season)
        if r.scope is Scope.SEASON:
            _put(entry, "part", r.part)
            if r.episode is not None:
                last = "" if r.last_episode is None else f"-{r.last_episode}"
                entry["episodes"] = f"{r.episode}{last}"
        else:  # not valid (check_record says so), but written as it is
            _put(entry, "part", r.part)
            _put(entry, "episode", r.episode)
        _put(entry, "platform", r.platform)
        entry["region"] = r.region
        _when_fields(entry, r.when)
        _put(entry, "note", r.note)
        releases.append(entry)
    _put(doc, "releases", releases)

    events: list[dict[str, Any]] = []
    for ev in record.events:
        entry = {"kind": ev.kind, "title": ev.title}
        _when_fields(entry, ev.when)
        _put(entry, "place", ev.place)
        events.append(entry)
    _put(doc, "events", events)
    _put(doc, "links", [{"show": k.other_id, "relation": k.relation} for k in record.links])
    return doc


def _literal(value: object) -> str:
    """One TOML value (tomli_w does the escaping); short string lists stay on one line."""
    if isinstance(value, list):
        items = [_literal(v) for v in value]
        one_line = "[" + ", ".join(items) + "]"
        if len(one_line) <= 80:
            return one_line
        return "[\n" + "".join(f"    {item},\n" for item in items) + "]"
    return tomli_w.dumps({"v": value})[len("v = ") :].rstrip("\n")


def _lines(table: dict[str, Any]) -> list[str]:
    return [f"{tomli_w.dumps({key: 0}).split(' = ')[0]} = {_literal(value)}" for key, value in table.items()]


def dump_record(record: ShowRecord) -> str:
    """The record as TOML text in the project format, laid out like docs/catalogue-format.md."""
    doc = record_to_dict(record)
    tables = ("source", "credits", "episodes", "releases", "events", "links")
    scalars = {k: v for k, v in doc.items() if k not in tables}
    blocks = ["\n".join(_lines(scalars))]
    if "source" in doc:
        blocks.append("\n".join(["[source]", *_lines(doc["source"])]))
    for key in tables[1:]:
        for item in doc.get(key, []):
            blocks.append("\n".join([f"[[{key}]]", *_lines(item)]))
    return "\n\n".join(blocks) + "\n"


def write_records(records: Iterable[ShowRecord], directory: str | Path) -> list[Path]:
    """Write one ``<id>.toml`` per record into ``directory`` (created if needed)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for record in records:
        path = out / f"{record.show.id}.toml"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(dump_record(record), encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written
