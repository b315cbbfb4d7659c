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
import marshal
import os
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path

from bot.catalogue.errors import CatalogueError, format_error
from bot.catalogue.project_format import ParsedShow, parse_show, toml_error_message
from bot.catalogue.rules import ID_RE, check_record
from bot.catalogue.tvmaze import is_schedule, is_tvmaze, parse_tvmaze, parse_tvmaze_items, schedule_message
from bot.models import (
    Credit,
    Episode,
    Event,
    Kind,
    Link,
    Person,
    Precision,
    Release,
    Role,
    Scope,
    Show,
    ShowRecord,
    Status,
    When,
)

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

SUFFIXES = (".toml", ".json")


@dataclass(slots=True)
class _Loaded:
    file: str
    parsed: ParsedShow
    project_file: Path | None  # the .toml file the show came from, to check its name


def _local_errors(item: _Loaded) -> list[str]:
    """The errors one show has on its own: structure, ``check_record`` and its file's name."""
    p = item.parsed
    file = item.file
    errors = [format_error(file, p.show_id, pr.field, pr.message) for pr in p.problems]
    record = p.record
    if record is None:
        return errors
    sid = record.show.id
    for pr in check_record(record, p.origins):
        errors.append(format_error(file, sid, pr.field, pr.message))
    if item.project_file is not None and item.project_file.stem != sid:
        errors.append(
            format_error(
                file,
                sid,
                "id",
                f"must match the file name {item.project_file.stem!r} (name the file {sid}.toml)",
            )
        )
    return errors


class _Catalogue:
    """The shows of a catalogue in file order, and the checks across them (show ids, people)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.records: list[ShowRecord] = []
        self.show_files: dict[str, str] = {}
        # TVmaze shows: show id -> the TVmaze id of its first holder; TVmaze id -> index in records
        self.show_tvmaze: dict[str, int | None] = {}
        self.tvmaze_at: dict[int, int] = {}
        self.people: dict[str, tuple[str, str | None, str, str]] = {}  # id -> name, native, file, show
        # Some person id was given with two different names or native names: the records need
        # unify_people (rare; otherwise every credit already says what the database will hold).
        self.mixed = False

    def add(
        self, file: str, errors: list[str], record: ShowRecord | None, credit_origins: list[int] | None
    ) -> None:
        """One show: its own errors first, then what clashes with the shows before it."""
        if errors:
            self.errors.extend(errors)
        if record is None:
            return
        sid = record.show.id
        tvmaze_id = record.show.tvmaze_id
        at = self.tvmaze_at.get(tvmaze_id) if tvmaze_id is not None else None
        if at is not None:  # the same TVmaze show again: the later one wins
            self.records[at] = record
        else:
            if tvmaze_id is not None:
                self.tvmaze_at[tvmaze_id] = len(self.records)
            self.records.append(record)
        known_file = self.show_files.get(sid)
        if known_file is None:
            self.show_files[sid] = file
            self.show_tvmaze[sid] = tvmaze_id
        elif tvmaze_id is None or self.show_tvmaze[sid] is None:
            # Two TVmaze shows with one name (two TVmaze ids) are two shows: the import's
            # layering step gives them their own ids. Any other show id given twice is an error.
            self.errors.append(format_error(file, sid, "id", f"duplicate show id: already in {known_file}"))
        people = self.people
        for i, c in enumerate(record.credits):
            person = c.person
            known = people.get(person.id)
            if known is None:
                people[person.id] = (person.name, person.native_name, file, sid)
                continue
            name, native, kfile, other = known
            if person.name == name and person.native_name == native:
                continue
            self.mixed = True
            if person.name != name:
                at = _credit_label(credit_origins, i)
                where = "this file" if (kfile, other) == (file, sid) else f"{kfile} ({other})"
                self.errors.append(
                    format_error(
                        file,
                        sid,
                        f"{at}.name",
                        f"person id {person.id!r} is already {name!r} in {where}: use the same name, "
                        "or set person_id to tell two people apart",
                    )
                )
            elif person.native_name and native and person.native_name != native:
                at = _credit_label(credit_origins, i)
                where = "this file" if (kfile, other) == (file, sid) else f"{kfile} ({other})"
                self.errors.append(
                    format_error(
                        file,
                        sid,
                        f"{at}.native_name",
                        f"{person.name} is already {native!r} in {where}",
                    )
                )
            elif person.native_name and not native:
                people[person.id] = (name, person.native_name, file, sid)

    def add_loaded(self, item: _Loaded) -> None:
        origins = item.parsed.origins
        self.add(item.file, _local_errors(item), item.parsed.record, origins.get("credits") if origins else None)

    def result(self) -> tuple[list[ShowRecord], list[str]]:
        records = unify_people(self.records) if self.mixed else self.records
        return records, self.errors


def _credit_label(credit_origins: list[int] | None, i: int) -> str:
    if credit_origins is not None and i < len(credit_origins):
        return f"credits[{credit_origins[i]}]"
    return f"credits[{i}]"


def _check_all(loaded: Sequence[_Loaded | str]) -> list[str]:
    """Errors in file order; a ``str`` entry is an error already found while reading."""
    catalogue = _Catalogue()
    for item in loaded:
        if isinstance(item, str):
            catalogue.errors.append(item)
        else:
            catalogue.add_loaded(item)
    return catalogue.errors


def catalogue_files(directory: Path) -> list[Path]:
    """Every ``*.toml`` and ``*.json`` under ``directory``, recursively, sorted; hidden ones left out."""
    return sorted(
        p
        for p in directory.rglob("*")
        if p.suffix in SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )


class _FileError(str):
    """A file that cannot be read as a whole: one error line."""

    @property
    def message(self) -> str:
        return str(self)


def _read_text(path: Path, label: str) -> str | _FileError:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return _FileError(
            format_error(label, None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        )
    except OSError as exc:
        return _FileError(format_error(label, None, None, f"cannot read: {exc.strerror or exc}"))


def _read_toml(path: Path, label: str) -> object:
    text = _read_text(path, label)
    if isinstance(text, _FileError):
        return text
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return _FileError(format_error(label, None, None, toml_error_message(exc)))


def _read_json(path: Path, label: str) -> object:
    """A TVmaze document, or the error that makes the file unusable."""
    text = _read_text(path, label)
    if isinstance(text, _FileError):
        return text
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return _FileError(
            format_error(
                label, None, None, f"invalid JSON: {exc.msg} (at line {exc.lineno}, column {exc.colno})"
            )
        )
    except RecursionError:
        message = "invalid JSON: lists and objects nested too deeply (a TVmaze show is a few levels)"
        return _FileError(format_error(label, None, None, message))
    except ValueError as exc:  # a number of more than 4,300 digits
        return _FileError(format_error(label, None, None, f"invalid JSON: {str(exc).split(':')[0]}"))
    del text
    if is_schedule(data):
        return _FileError(format_error(label, None, None, schedule_message(data)))
    if not is_tvmaze(data):
        return _FileError(
            format_error(
                label,
                None,
                None,
                "not a TVmaze show: expected a show object (with name and _embedded) or a list of them",
            )
        )
    return data


# The last TVmaze document read in parts, kept for this process's next part of it:
# (path, parts) -> its text's parsed JSON, or the error
_last_json: dict[tuple[Path, int], object] = {}


def _read(path: Path, label: str, part: int = 0, parts: int = 1) -> list[_Loaded] | str:
    """The shows in one file, or one error line.

    A TVmaze list may be read in ``parts``: this call returns the shows of part ``part`` only
    (and only part 0 reports an error with the file as a whole).
    """
    if parts > 1:
        key = (path, parts)
        data = _last_json.get(key, _last_json)
        if data is _last_json:  # not read yet in this process
            _last_json.clear()
            data = _last_json[key] = _read_json(path, label)
        if isinstance(data, _FileError):
            return data.message if part == 0 else []
    else:
        data = _read_json(path, label) if path.suffix == ".json" else _read_toml(path, label)
        if isinstance(data, _FileError):
            return data.message
        if path.suffix == ".toml":
            return [_Loaded(label, parse_show(data), path)]  # type: ignore[arg-type]
    if parts == 1:
        shows = parse_tvmaze(data)
    elif isinstance(data, list):
        n = len(data)
        shows = parse_tvmaze_items(data, n * part // parts, n * (part + 1) // parts)
    else:
        shows = parse_tvmaze(data) if part == 0 else []
    return [_Loaded(label, parsed, None) for parsed in shows]


def _plan(paths: Iterable[str | Path]) -> list[str | tuple[Path, str]]:
    """Every file under ``paths`` in order as (path, label), with path errors in their place."""
    planned: list[str | tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = catalogue_files(path)
            if not files:
                planned.append(f"{path}: no .toml or .json catalogue files in this directory")
        elif path.exists():
            if path.suffix not in SUFFIXES:
                planned.append(
                    f"{path}: not a catalogue file: use a .toml show file, a .json TVmaze file or a directory"
                )
                continue
            files = [path]
        else:
            planned.append(f"{path}: no such file or directory")
            continue
        planned.extend((file, str(file)) for file in files)
    return planned


def _collect(paths: Iterable[str | Path]) -> list[_Loaded | str]:
    """The shows of every file under ``paths`` in order, with read errors in their place."""
    loaded: list[_Loaded | str] = []
    for entry in _plan(paths):
        if isinstance(entry, str):
            loaded.append(entry)
            continue
        result = _read(*entry)
        if isinstance(result, str):
            loaded.append(result)
        else:
            loaded.extend(result)
    return loaded


# --- reading in worker processes ---------------------------------------------------------------
#
# A big catalogue is read and checked by a pool of processes, one per core, in tasks of files
# (or parts of one big TVmaze list). Each show comes back as its own errors plus its record as
# plain values, a task's shows as one ``marshal`` string (far cheaper than pickling the
# dataclasses, or even tuples); this process rebuilds the records in file order and runs the
# checks across shows (show ids, people) itself, so the errors and their order are exactly
# those of a reading in one process.

POOL_MIN_FILES = 200  # fewer files and bytes than these: read them here, no processes
POOL_MIN_BYTES = 8_000_000
TASK_BYTES = 2_000_000  # files per task: about this much text
MAX_PARTS = 1000  # parts of one TVmaze list at most

_SHOW_FIELDS = tuple(f.name for f in fields(Show))
_show_tuple = attrgetter(*_SHOW_FIELDS)
_SHOW_KIND = _SHOW_FIELDS.index("kind")
_SHOW_STATUS = _SHOW_FIELDS.index("status")
_KINDS = {k.value: k for k in Kind}
_STATUSES = {k.value: k for k in Status}
_ROLES = {k.value: k for k in Role}
_SCOPES = {k.value: k for k in Scope}
_PRECISIONS = {k.value: k for k in Precision}
# Enum member -> value (a dict lookup is several times cheaper than ``.value``).
_VALUE = {k: k.value for enum in (Kind, Status, Role, Scope, Precision) for k in enum}


def _instant_tuple(dt: datetime | None) -> tuple | datetime | None:
    """A UTC instant as the numbers of its fields (``marshal`` takes no datetimes)."""
    if dt is None or dt.tzinfo is not UTC:
        return dt  # None, or (never from a reader) another zone: the task goes back by pickle
    return (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond)


def _encode(item: _Loaded) -> tuple:
    """One show for the trip back: (file, errors, credit origins, record as plain values or None).

    Plain values only (str, int, None, tuples, lists: enums as their values, instants as tuples
    of numbers), so a task's result goes back as one ``marshal`` string, which is several times
    cheaper to write and read than a pickle of the same tuples."""
    errors = _local_errors(item)
    record = item.parsed.record
    origins = item.parsed.origins.get("credits") if item.parsed.origins else None
    if record is None:
        return (item.file, errors, origins, None)
    if origins is not None and origins == list(range(len(origins))):
        origins = None
    show = list(_show_tuple(record.show))
    show[_SHOW_KIND] = _VALUE[show[_SHOW_KIND]]
    if show[_SHOW_STATUS] is not None:
        show[_SHOW_STATUS] = _VALUE[show[_SHOW_STATUS]]
    value = _VALUE
    rec = (
        tuple(show),
        [
            (c.show_id, c.person.id, c.person.name, c.person.native_name, value[c.role], c.character, c.order)
            for c in record.credits
        ],
        [(e.show_id, e.season, e.number, e.title) for e in record.episodes],
        [
            (
                r.show_id,
                value[r.when.precision],
                r.when.zone,
                _instant_tuple(r.when.instant),
                r.when.local,
                value[r.scope],
                r.season,
                r.episode,
                r.platform,
                r.region,
                r.note,
                r.part,
                r.last_episode,
                r.id,
            )
            for r in record.releases
        ],
        [
            (
                v.show_id,
                v.kind,
                v.title,
                value[v.when.precision],
                v.when.zone,
                _instant_tuple(v.when.instant),
                v.when.local,
                v.place,
                v.id,
            )
            for v in record.events
        ],
        [(k.show_id, k.other_id, k.relation) for k in record.links],
    )
    return (item.file, errors, origins, rec)


def _work(task: list[tuple[Path, str, int, int]]) -> bytes | list[str | tuple]:
    """In a worker: read and check the files of one task; the result as one ``marshal`` string
    (or, should a value be one marshal does not take, the list itself, which the pool pickles)."""
    out: list[str | tuple] = []
    for path, label, part, parts in task:
        result = _read(path, label, part, parts)
        if isinstance(result, str):
            out.append(result)
        else:
            out.extend(_encode(item) for item in result)
    try:
        return marshal.dumps(out)
    except ValueError:
        return out


class _Decoder:
    """Rebuilds records; the credits of one person share one Person where they agree."""

    def __init__(self) -> None:
        self.people: dict[str, Person] = {}

    @staticmethod
    def when(precision: str, zone: str, instant: tuple | datetime | None, local: str | None) -> When:
        at = datetime(*instant, tzinfo=UTC) if type(instant) is tuple else instant
        return When(_PRECISIONS[precision], zone, at, local)

    def record(self, rec: tuple) -> ShowRecord:
        show_t, credits_t, episodes_t, releases_t, events_t, links_t = rec
        show = list(show_t)
        show[_SHOW_KIND] = _KINDS[show[_SHOW_KIND]]
        if show[_SHOW_STATUS] is not None:
            show[_SHOW_STATUS] = _STATUSES[show[_SHOW_STATUS]]
        people = self.people
        roles = _ROLES
        credits = []
        for sid, pid, name, native, role, character, order in credits_t:
            person = people.get(pid)
            if person is None or person.name != name or person.native_name != native:
                person = Person(pid, name, native)
                people.setdefault(pid, person)
            credits.append(Credit(sid, person, roles[role], character, order))
        when = self.when
        scopes = _SCOPES
        releases = []
        for t in releases_t:  # see _encode for the order
            r = Release(t[0], when(t[1], t[2], t[3], t[4]), scopes[t[5]], *t[6:13])
            object.__setattr__(r, "_id", t[13])
            releases.append(r)
        events = []
        for sid, kind, title, precision, zone, instant, local, place, eid in events_t:
            ev = Event(sid, kind, title, when(precision, zone, instant, local), place)
            object.__setattr__(ev, "_id", eid)
            events.append(ev)
        episodes = [Episode(*t) for t in episodes_t]
        return ShowRecord(Show(*show), credits, episodes, releases, events, [Link(*t) for t in links_t])


def _workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _tasks(
    planned: list[str | tuple[Path, str]], workers: int
) -> list[str | list[tuple[Path, str, int, int]]] | None:
    """Errors and tasks in file order, or None when the catalogue is too small for processes."""
    files = [entry for entry in planned if not isinstance(entry, str)]
    if workers < 2 or not files:
        return None
    sizes: dict[Path, int] = {}
    for path, _ in files:
        try:
            sizes[path] = path.stat().st_size
        except OSError:
            sizes[path] = 0
    if len(files) < POOL_MIN_FILES and sum(sizes.values()) < POOL_MIN_BYTES:
        return None
    # With few big TVmaze lists, each is read in parts of about TASK_BYTES, so that records
    # come back while the workers go on (a worker parses a list's JSON once for all the parts
    # it is given, but each worker parses it); with many, a task is one whole list, but for the
    # last lists: in parts, the workers share them, and what this process still has to rebuild
    # once they are done is one small part, not whole lists.
    big = [p for p, _ in files if p.suffix == ".json" and sizes[p] > TASK_BYTES]
    split = set(big) if len(big) < 2 * workers else set(big[-workers:])
    out: list[str | list[tuple[Path, str, int, int]]] = []
    task: list[tuple[Path, str, int, int]] = []
    task_bytes = 0
    for entry in planned:
        if isinstance(entry, str):
            if task:
                out.append(task)
                task, task_bytes = [], 0
            out.append(entry)
            continue
        path, label = entry
        n = min(MAX_PARTS, max(1, round(sizes[path] / TASK_BYTES))) if path in split else 1
        for part in range(n):
            task.append((path, label, part, n))
            task_bytes += sizes[path] // n
            if task_bytes >= TASK_BYTES:
                out.append(task)
                task, task_bytes = [], 0
    if task:
        out.append(task)
    return out


def _validate_parallel(
    units: list[str | list[tuple[Path, str, int, int]]], workers: int
) -> tuple[list[ShowRecord], list[str]]:
    catalogue = _Catalogue()
    decoder = _Decoder()
    jobs = sum(1 for u in units if not isinstance(u, str))
    pool = ProcessPoolExecutor(max_workers=min(workers, jobs), initializer=gc.disable)
    try:
        futures = iter([pool.submit(_work, u) for u in units if not isinstance(u, str)])
        for unit in units:
            if isinstance(unit, str):
                catalogue.errors.append(unit)
                continue
            result = next(futures).result()
            for entry in marshal.loads(result) if isinstance(result, bytes) else result:
                if isinstance(entry, str):
                    catalogue.errors.append(entry)
                    continue
                file, errors, origins, rec = entry
                catalogue.add(file, errors, None if rec is None else decoder.record(rec), origins)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return catalogue.result()


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
    """Load everything under ``paths``; return the records and every error (none = valid).

    A big catalogue (``POOL_MIN_FILES`` files or ``POOL_MIN_BYTES``) is read by one process
    per core; the result is the same.
    """
    with _gc_paused():
        planned = _plan(paths)
        workers = _workers()
        units = _tasks(planned, workers)
        if units is not None:
            return _validate_parallel(units, workers)
        catalogue = _Catalogue()
        for entry in planned:
            if isinstance(entry, str):
                catalogue.errors.append(entry)
                continue
            result = _read(*entry)
            if isinstance(result, str):
                catalogue.errors.append(result)
                continue
            for item in result:
                catalogue.add_loaded(item)
        return catalogue.result()


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
