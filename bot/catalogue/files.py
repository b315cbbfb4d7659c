"""Reading catalogue files: project TOML files and TVmaze JSON files, one by one or a directory
of them (recursively, sorted, hidden ones left out).

``plan_files`` lists the files under the paths given, with an error line in the place of a path
that is no catalogue; ``read_file`` reads one file (or one part of a big TVmaze list) into
``Loaded`` shows, or one error line when the file cannot be read as a whole. A loaded show's own
errors (``Loaded.errors``) are its structural problems, ``check_record``'s and its file name's.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.catalogue.errors import format_error
from bot.catalogue.project_format import ParsedShow, parse_show, toml_error_message
from bot.catalogue.rules import check_record
from bot.catalogue.tvmaze import is_schedule, is_tvmaze, parse_tvmaze, parse_tvmaze_items, schedule_message
from bot.models import ShowRecord

SUFFIXES = (".toml", ".json")

# One show read: (file, its own errors, its record or None, the source indexes of its credits)
ShowRead = tuple[str, list[str], ShowRecord | None, list[int] | None]
# A planned file: (path, label), or an error line in the place of a path that is no catalogue
Planned = str | tuple[Path, str]


@dataclass(slots=True)
class Loaded:
    """One show read from a file: as parsed, and where from."""

    file: str
    parsed: ParsedShow
    project_file: Path | None  # the .toml file the show came from, to check its name

    def checked(self) -> ShowRead:
        """The show as the checks across shows take it: (file, its own errors, its record,
        the source indexes of its credits)."""
        origins = self.parsed.origins
        return self.file, self.errors(), self.parsed.record, origins.get("credits") if origins else None

    def errors(self) -> list[str]:
        """The errors this show has on its own: structure, ``check_record`` and its file's name."""
        p = self.parsed
        file = self.file
        errors = [format_error(file, p.show_id, pr.field, pr.message) for pr in p.problems]
        record = p.record
        if record is None:
            return errors
        sid = record.show.id
        for pr in check_record(record, p.origins):
            errors.append(format_error(file, sid, pr.field, pr.message))
        if self.project_file is not None and self.project_file.stem != sid:
            errors.append(
                format_error(
                    file,
                    sid,
                    "id",
                    f"must match the file name {self.project_file.stem!r} (name the file {sid}.toml)",
                )
            )
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


def read_file(path: Path, label: str, part: int = 0, parts: int = 1) -> list[Loaded] | str:
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
            return [Loaded(label, parse_show(data), path)]  # type: ignore[arg-type]
    if parts == 1:
        shows = parse_tvmaze(data)
    elif isinstance(data, list):
        n = len(data)
        shows = parse_tvmaze_items(data, n * part // parts, n * (part + 1) // parts)
    else:
        shows = parse_tvmaze(data) if part == 0 else []
    return [Loaded(label, parsed, None) for parsed in shows]


def plan_files(paths: Iterable[str | Path]) -> list[Planned]:
    """Every file under ``paths`` in order as (path, label), with path errors in their place."""
    planned: list[Planned] = []
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


def read_shows(planned: Iterable[Planned]) -> Iterator[str | ShowRead]:
    """The shows of the planned files in order, each checked on its own; an error line in the
    place of a path or a file that cannot be read."""
    for entry in planned:
        result = entry if isinstance(entry, str) else read_file(*entry)
        if isinstance(result, str):
            yield result
        else:
            for item in result:
                yield item.checked()
