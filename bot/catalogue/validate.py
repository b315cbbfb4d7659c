"""Load and check catalogue files; every error names the file, the show and the field.

``load_path`` / ``load_paths`` read project TOML files, TVmaze JSON files or directories of
them (recursively, sorted) and raise ``CatalogueError`` with ALL the errors found, so nothing
half-checked ever reaches the database.

Checks, on top of the structural ones in ``project_format`` (types, unknown keys, required
fields, enumerations, dates and zones):

- ids match ``^[a-z0-9]+(-[a-z0-9]+)*$`` (shows and people); a project file is named
  ``<id>.toml``; show ids are unique across all files;
- country is ISO 3166-1 alpha-2 (``KR``), language ISO 639-1 (``ko``), region ``WW`` or a
  country; films leave out episode and season counts;
- a ``character`` only on cast credits; no credit twice (same person, role and character);
- a ``show`` release names no season or episode, a ``season`` release its season only, an
  ``episode`` release both; release ids (show, scope, season, episode, platform, region) and
  event ids (show, kind, date) are unique within a show; episodes are unique;
- one person id means one person: the same id with two different names is an error (set
  ``person_id`` to tell two people with the same name apart).
"""

from __future__ import annotations

import gc
import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from bot.catalogue.errors import CatalogueError, Problem, format_error
from bot.catalogue.project_format import ParsedShow, parse_show, toml_error_message, zone_is_valid
from bot.catalogue.tvmaze import is_tvmaze, parse_tvmaze
from bot.models import Kind, Person, Role, Scope, ShowRecord

__all__ = [
    "CatalogueError",
    "ID_RE",
    "check_record",
    "catalogue_files",
    "load_path",
    "load_paths",
    "unify_people",
    "validate_paths",
    "validate_records",
]

ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
EVENT_KIND_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SUFFIXES = (".toml", ".json")


@dataclass(slots=True)
class _Loaded:
    file: str
    parsed: ParsedShow
    project_file: Path | None  # the .toml file the show came from, to check its name


def _label(origins: dict[str, list[int]] | None, key: str, i: int) -> str:
    if origins and key in origins and i < len(origins[key]):
        return f"{key}[{origins[key][i]}]"
    return f"{key}[{i}]"


def check_record(record: ShowRecord, origins: dict[str, list[int]] | None = None) -> list[Problem]:
    """The checks on one built record. ``origins`` maps item indexes back to the source's."""
    out: list[Problem] = []
    s = record.show
    if not ID_RE.match(s.id):
        out.append(
            Problem("id", f"{s.id!r} is not a valid id: lowercase ASCII letters, digits and single dashes")
        )
    if not s.title.strip():
        out.append(Problem("title", "must not be empty"))
    if s.country is not None and not COUNTRY_RE.match(s.country):
        out.append(Problem("country", f"{s.country!r} is not an ISO 3166-1 alpha-2 code such as KR"))
    if s.original_language is not None and not LANGUAGE_RE.match(s.original_language):
        out.append(
            Problem("original_language", f"{s.original_language!r} is not an ISO 639-1 code such as ko")
        )
    if s.kind is Kind.FILM:
        for key in ("episode_count", "season_count"):
            if getattr(s, key) is not None:
                out.append(Problem(key, "a film has no episodes or seasons: leave it out"))

    seen_credits: dict[tuple[str, Role, str], str] = {}
    for i, c in enumerate(record.credits):
        at = _label(origins, "credits", i)
        if not ID_RE.match(c.person.id):
            out.append(Problem(f"{at}.person_id", f"{c.person.id!r} is not a valid id"))
        if c.character is not None and c.role is not Role.CAST:
            out.append(Problem(f"{at}.character", f"only cast credits take a character, not {c.role.value}"))
        if c.order < 0:
            out.append(Problem(f"{at}.order", f"must be 0 or more, not {c.order}"))
        key = (c.person.id, c.role, c.character or "")
        if key in seen_credits:
            out.append(
                Problem(
                    at, f"duplicate credit: {c.person.name} as {c.role.value} is already {seen_credits[key]}"
                )
            )
        else:
            seen_credits[key] = at

    seen_episodes: dict[tuple[int, int], str] = {}
    for i, e in enumerate(record.episodes):
        at = _label(origins, "episodes", i)
        if e.season < 0 or e.number < 0:
            out.append(Problem(at, "season and number must be 0 or more"))
        key = (e.season, e.number)
        if key in seen_episodes:
            out.append(
                Problem(
                    at,
                    f"duplicate episode: season {e.season} episode {e.number} "
                    f"is already {seen_episodes[key]}",
                )
            )
        else:
            seen_episodes[key] = at

    seen_releases: dict[str, str] = {}
    for i, r in enumerate(record.releases):
        at = _label(origins, "releases", i)
        if r.scope is Scope.SHOW:
            if r.season is not None:
                out.append(Problem(f"{at}.season", 'a show release has no season (use scope = "season")'))
            if r.episode is not None:
                out.append(Problem(f"{at}.episode", 'a show release has no episode (use scope = "episode")'))
        elif r.scope is Scope.SEASON:
            if r.season is None:
                out.append(Problem(f"{at}.season", "required for a season release"))
            if r.episode is not None:
                out.append(
                    Problem(f"{at}.episode", 'a season release has no episode (use scope = "episode")')
                )
        else:
            if r.season is None:
                out.append(Problem(f"{at}.season", "required for an episode release"))
            if r.episode is None:
                out.append(Problem(f"{at}.episode", "required for an episode release"))
        if r.region != "WW" and not COUNTRY_RE.match(r.region):
            out.append(
                Problem(f"{at}.region", f"{r.region!r} is not WW or an ISO 3166-1 alpha-2 code such as KR")
            )
        if r.platform is not None and not r.platform.strip():
            out.append(Problem(f"{at}.platform", "must not be empty"))
        if not zone_is_valid(r.when.zone):
            out.append(Problem(f"{at}.zone", f"unknown time zone {r.when.zone!r}"))
        if r.id in seen_releases:
            out.append(
                Problem(
                    at,
                    f"duplicate release {r.id!r}: same scope, season, episode, platform and region "
                    f"as {seen_releases[r.id]}",
                )
            )
        else:
            seen_releases[r.id] = at

    seen_events: dict[str, str] = {}
    for i, ev in enumerate(record.events):
        at = _label(origins, "events", i)
        if not EVENT_KIND_RE.match(ev.kind):
            out.append(
                Problem(
                    f"{at}.kind",
                    f"{ev.kind!r} is not a kind such as press_conference (lowercase, underscores)",
                )
            )
        if not zone_is_valid(ev.when.zone):
            out.append(Problem(f"{at}.zone", f"unknown time zone {ev.when.zone!r}"))
        if ev.id in seen_events:
            out.append(Problem(at, f"duplicate event {ev.id!r}: same kind and date as {seen_events[ev.id]}"))
        else:
            seen_events[ev.id] = at
    return out


def _check_all(loaded: Sequence[_Loaded | str]) -> list[str]:
    """Errors in file order; a ``str`` entry is an error already found while reading."""
    errors: list[str] = []
    show_files: dict[str, str] = {}
    people: dict[str, tuple[str, str | None, str, str]] = {}  # id -> name, native, file, show
    for item in loaded:
        if isinstance(item, str):
            errors.append(item)
            continue
        p = item.parsed
        for pr in p.problems:
            errors.append(format_error(item.file, p.show_id, pr.field, pr.message))
        record = p.record
        if record is None:
            continue
        sid = record.show.id
        for pr in check_record(record, p.origins):
            errors.append(format_error(item.file, sid, pr.field, pr.message))
        if item.project_file is not None and item.project_file.stem != sid:
            errors.append(
                format_error(
                    item.file,
                    sid,
                    "id",
                    f"must match the file name {item.project_file.stem!r} (name the file {sid}.toml)",
                )
            )
        if sid in show_files:
            errors.append(
                format_error(item.file, sid, "id", f"duplicate show id: already in {show_files[sid]}")
            )
        else:
            show_files[sid] = item.file
        for i, c in enumerate(record.credits):
            person = c.person
            known = people.get(person.id)
            at = _label(p.origins, "credits", i)
            if known is None:
                people[person.id] = (person.name, person.native_name, item.file, sid)
                continue
            name, native, file, other = known
            where = "this file" if (file, other) == (item.file, sid) else f"{file} ({other})"
            if person.name != name:
                errors.append(
                    format_error(
                        item.file,
                        sid,
                        f"{at}.name",
                        f"person id {person.id!r} is already {name!r} in {where}: use the same name, "
                        "or set person_id to tell two people apart",
                    )
                )
            elif person.native_name and native and person.native_name != native:
                errors.append(
                    format_error(
                        item.file,
                        sid,
                        f"{at}.native_name",
                        f"{person.name} is already {native!r} in {where}",
                    )
                )
            elif person.native_name and not native:
                people[person.id] = (name, person.native_name, item.file, sid)
    return errors


def catalogue_files(directory: Path) -> list[Path]:
    """Every ``*.toml`` and ``*.json`` under ``directory``, recursively, sorted; hidden ones left out."""
    return sorted(
        p
        for p in directory.rglob("*")
        if p.suffix in SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )


def _read(path: Path, label: str) -> list[_Loaded] | str:
    """The shows in one file, or one error line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return format_error(label, None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
    except OSError as exc:
        return format_error(label, None, None, f"cannot read: {exc.strerror or exc}")
    if path.suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            return format_error(label, None, None, toml_error_message(exc))
        return [_Loaded(label, parse_show(data), path)]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return format_error(
            label, None, None, f"invalid JSON: {exc.msg} (at line {exc.lineno}, column {exc.colno})"
        )
    if not is_tvmaze(data):
        return format_error(
            label,
            None,
            None,
            "not a TVmaze show: expected a show object (with name and _embedded) or a list of them",
        )
    return [_Loaded(label, parsed, None) for parsed in parse_tvmaze(data)]


def _collect(paths: Iterable[str | Path]) -> list[_Loaded | str]:
    """The shows of every file under ``paths`` in order, with read errors in their place."""
    loaded: list[_Loaded | str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = catalogue_files(path)
            if not files:
                loaded.append(f"{path}: no .toml or .json catalogue files in this directory")
        elif path.exists():
            if path.suffix not in SUFFIXES:
                loaded.append(
                    f"{path}: not a catalogue file: use a .toml show file, a .json TVmaze file or a directory"
                )
                continue
            files = [path]
        else:
            loaded.append(f"{path}: no such file or directory")
            continue
        for file in files:
            result = _read(file, str(file))
            if isinstance(result, str):
                loaded.append(result)
            else:
                loaded.extend(result)
    return loaded


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a catalogue is built: it makes millions of small,
    acyclic objects, and the collector's passes over them took ~40 % of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def validate_paths(paths: Iterable[str | Path]) -> tuple[list[ShowRecord], list[str]]:
    """Load everything under ``paths``; return the records and every error (none = valid)."""
    with _gc_paused():
        loaded = _collect(paths)
        errors = _check_all(loaded)
        records = [
            item.parsed.record
            for item in loaded
            if not isinstance(item, str) and item.parsed.record is not None
        ]
        return unify_people(records), errors


def unify_people(records: list[ShowRecord]) -> list[ShowRecord]:
    """Give every credit of one person id the same Person (a native name given once counts for all).

    People are shared between shows in the database, so this makes the records say what the
    database will hold, and an export of it gives back the same records.
    """
    people: dict[str, Person] = {}
    for record in records:
        for c in record.credits:
            known = people.get(c.person.id)
            if known is None or (known.native_name is None and c.person.native_name):
                people[c.person.id] = c.person
    for record in records:
        if any(c.person != people[c.person.id] for c in record.credits):
            record.credits = [replace(c, person=people[c.person.id]) for c in record.credits]
    return records


def load_paths(paths: Iterable[str | Path]) -> list[ShowRecord]:
    """Every show under ``paths``, checked as one catalogue; CatalogueError with all errors."""
    records, errors = validate_paths(paths)
    if errors:
        raise CatalogueError(errors)
    return records


def load_path(path: str | Path) -> list[ShowRecord]:
    """A .toml show file, a .json TVmaze file, or a directory of them (recursively, sorted)."""
    return load_paths([path])


def validate_records(records: Sequence[ShowRecord], file: str = "<records>") -> list[str]:
    """Check records built in code (no source file): the same checks as for loaded files."""
    loaded = [_Loaded(file, ParsedShow(r, r.show.id), None) for r in records]
    return _check_all(loaded)
