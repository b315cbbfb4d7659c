"""Load and check catalogue files; every error names the file, the show and the field.

``load_path`` / ``load_paths`` read project TOML files, TVmaze JSON files or directories of
them (recursively, sorted) and raise ``CatalogueError`` with ALL the errors found, so nothing
half-checked ever reaches the database.

The reading is in ``bot.catalogue.files`` (one process) and ``bot.catalogue.pool`` (one process
per core, for a big catalogue); the rules of one show are ``bot.catalogue.rules``. Here are the
checks across shows:

- a project file is named ``<id>.toml``; show ids are unique across all files (two TVmaze shows
  with one name are two shows: the import gives them their own ids; the same TVmaze show twice:
  the later one wins);
- one person id means one person: the same id with two different names is an error (set
  ``person_id`` to tell two people with the same name apart).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from bot.catalogue import pool
from bot.catalogue.errors import CatalogueError, format_error
from bot.catalogue.files import Loaded, ShowRead, catalogue_files, plan_files, read_shows
from bot.catalogue.project_format import ParsedShow
from bot.catalogue.rules import ID_RE, check_record, item_label
from bot.memory import gc_paused
from bot.models import Person, ShowRecord

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
        # id -> a Person whose name and native name are those in ``people`` (records read in
        # processes share one Person per person: most credits are that object again)
        self.same_person: dict[str, Person] = {}
        # Some person id was given with two different names or native names: the records need
        # unify_people (rare; otherwise every credit already says what the database will hold).
        self.mixed = False

    def add_all(self, shows: Iterable[str | ShowRead]) -> _Catalogue:
        """Every show read, in order; an error line where a file could not be read."""
        for entry in shows:
            if isinstance(entry, str):
                self.errors.append(entry)
            else:
                self.add(*entry)
        return self

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
        same = self.same_person
        for i, c in enumerate(record.credits):
            person = c.person
            if same.get(person.id) is person:  # the very Person whose names are known: agrees
                continue
            known = people.get(person.id)
            if known is None:
                people[person.id] = (person.name, person.native_name, file, sid)
                same[person.id] = person
                continue
            name, native, kfile, other = known
            if person.name == name and person.native_name == native:
                continue
            self.mixed = True
            where = "this file" if (kfile, other) == (file, sid) else f"{kfile} ({other})"
            if person.name != name:
                key = "name"
                message = (
                    f"person id {person.id!r} is already {name!r} in {where}: use the same name, "
                    "or set person_id to tell two people apart"
                )
            elif person.native_name and native:  # two native names
                key, message = "native_name", f"{person.name} is already {native!r} in {where}"
            else:
                if person.native_name:  # given here for the first time
                    people[person.id] = (name, person.native_name, file, sid)
                    same[person.id] = person
                continue
            self.errors.append(
                format_error(file, sid, f"{item_label('credits', credit_origins, i)}.{key}", message)
            )

    def result(self) -> tuple[list[ShowRecord], list[str]]:
        records = unify_people(self.records) if self.mixed else self.records
        return records, self.errors


def validate_paths(paths: Iterable[str | Path]) -> tuple[list[ShowRecord], list[str]]:
    """Load everything under ``paths``; return the records and every error (none = valid).

    A big catalogue (``pool.POOL_MIN_FILES`` files or ``pool.POOL_MIN_BYTES``) is read by one
    process per core; the result is the same.
    """
    with gc_paused():
        planned = plan_files(paths)
        workers = pool.workers()
        units = pool.tasks(planned, workers)
        shows = read_shows(planned) if units is None else pool.read_in_pool(units, workers)
        return _Catalogue().add_all(shows).result()


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
    shows = (Loaded(file, ParsedShow(r, r.show.id), None).checked() for r in records)
    return _Catalogue().add_all(shows).errors
