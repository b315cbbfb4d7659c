"""`python -m bot catalogue import | export | validate | stats`: the catalogue from the shell.

Results go to stdout, errors and progress to stderr. Exit codes: 0 ok, 1 catalogue or database
error (each error on its own line), 2 usage or settings error. User errors never print a
traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.catalogue.errors import CatalogueError
from bot.config import ConfigError, Settings, load_settings
from bot.models import ShowRecord

if TYPE_CHECKING:
    from bot.store import Store

PROG = "python -m bot catalogue"


class _Parser(argparse.ArgumentParser):
    """argparse that returns instead of exiting, so catalogue_main can return its code."""

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if message:
            sys.stderr.write(message)
        raise _Exit(status)


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database",
        metavar="PATH",
        type=Path,
        default=argparse.SUPPRESS,
        help="the SQLite database (default: DATABASE_PATH from the settings)",
    )
    parser = _Parser(
        prog=PROG,
        parents=[common],
        description="Import, export, check and count the show catalogue.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    p = sub.add_parser(
        "import",
        parents=[common],
        help="check and import TOML show files, TVmaze JSON files or directories",
        description="Check everything first; import only when there is no error, in one transaction.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", type=Path, help="default: CATALOGUE_DIR")
    p = sub.add_parser("export", parents=[common], help="write one TOML file per show into DIR")
    p.add_argument("directory", metavar="DIR", type=Path)
    p = sub.add_parser("validate", parents=[common], help="check files without touching the database")
    p.add_argument("paths", nargs="*", metavar="PATH", type=Path, help="default: CATALOGUE_DIR")
    sub.add_parser("stats", parents=[common], help="count what the database holds")
    return parser


class _Context:
    """Settings, read only when a command needs them."""

    def __init__(self, database: Path | None) -> None:
        self._database = database
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(require_token=False)
        return self._settings

    @property
    def database(self) -> Path:
        return self._database if self._database is not None else self.settings.database_path

    def paths(self, given: Sequence[Path]) -> list[Path]:
        return list(given) if given else [self.settings.catalogue_dir]


def _print_errors(errors: Sequence[str], err: TextIO) -> None:
    for line in errors:
        print(line, file=err)
    n = len(errors)
    print(f"{n} error{'s' if n != 1 else ''}", file=err)


class Progress:
    """Import progress on stderr: a ``\\r`` counter on a terminal, else a line every ~2%."""

    def __init__(self, stream: TextIO, *, min_total: int = 200) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.min_total = min_total
        self.last_percent = 0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_total:
            return
        percent = done * 100 // total
        if self.tty:
            self.stream.write(f"\rimporting {done}/{total} shows ({percent}%)")
            self.drawn = True
        elif percent >= self.last_percent + 2 or done == total:
            self.stream.write(f"importing {done}/{total} shows ({percent}%)\n")
            self.last_percent = percent
        self.stream.flush()

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def import_summary(records: Sequence[ShowRecord], seconds: float) -> str:
    people = {c.person.id for r in records for c in r.credits}
    n = len(records)
    credits = sum(len(r.credits) for r in records)
    episodes = sum(len(r.episodes) for r in records)
    releases = sum(len(r.releases) for r in records)
    rate = n / seconds if seconds > 0 else float(n)
    return (
        f"imported {n} shows, {len(people)} people, {credits} credits, {episodes} episodes, "
        f"{releases} releases in {seconds:.2f} s ({rate:.1f} shows/s)"
    )


class DatabaseError(Exception):
    """The database cannot be used (not a database, newer schema, locked...): one line."""


SQLITE_HEADER = b"SQLite format 3\x00"


def _check_sqlite(database: Path) -> None:
    """Refuse a file that is not SQLite before connecting: a failed open could leave the
    connection's thread running, and the process would not exit."""
    if database.is_file() and database.stat().st_size > 0:
        with database.open("rb") as fh:
            if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise DatabaseError(f"{database}: file is not a database")


async def _open(database: Path) -> Store:
    from bot.store import MigrationError, Store

    try:
        return await Store.open(database)
    except MigrationError as exc:
        raise DatabaseError(f"{database}: {exc}") from None
    except sqlite3.Error as exc:
        raise DatabaseError(f"{database}: {exc}") from None


async def _import(
    database: Path, records: Sequence[ShowRecord], progress: Callable[[int, int], None]
) -> None:
    # Batches of ~2% of the import (50 to 500 shows), so progress moves in ~2% steps.
    batch = max(50, min(500, -(-len(records) // 50)))
    from bot.sync.layers import prepare_records

    async with await _open(database) as store:
        records = await prepare_records(store, records)
        await store.import_records(records, progress=progress, batch=batch)


async def _export(database: Path) -> list[ShowRecord]:
    async with await _open(database) as store:
        return await store.export_records()


async def _stats(database: Path) -> list[tuple[str, int]]:
    async with await _open(database) as store:
        stats = await store.stats()
    return [
        ("shows", stats.shows),
        ("people", stats.people),
        ("credits", stats.credits),
        ("episodes", stats.episodes),
        ("releases", stats.releases),
        ("events", stats.events),
    ]


def _cmd_validate(ctx: _Context, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.catalogue.validate import validate_paths

    records, errors = validate_paths(ctx.paths(args.paths))
    if errors:
        _print_errors(errors, err)
        return 1
    print(f"ok: {len(records)} shows", file=out)
    return 0


def _cmd_import(ctx: _Context, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.catalogue.validate import validate_paths

    started = time.perf_counter()
    records, errors = validate_paths(ctx.paths(args.paths))
    if errors:
        _print_errors(errors, err)
        print("nothing imported", file=err)
        return 1
    database = ctx.database
    progress = Progress(err)
    _check_sqlite(database)
    # The records live until the process ends: keep the garbage collector from walking the
    # millions of objects of a big catalogue again and again while they are written.
    gc.freeze()
    try:
        asyncio.run(_import(database, records, progress))
    finally:
        progress.finish()
        gc.unfreeze()
    print(import_summary(records, time.perf_counter() - started), file=out)
    return 0


def _need_database(database: Path, err: TextIO) -> bool:
    if not database.is_file():
        print(f"{PROG}: no database at {database} (import a catalogue first)", file=err)
        return False
    return True


def _cmd_export(ctx: _Context, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.catalogue.project_format import write_records

    directory: Path = args.directory
    if directory.exists() and not directory.is_dir():
        print(f"{PROG}: {directory} is not a directory", file=err)
        return 1
    database = ctx.database
    if not _need_database(database, err):
        return 1
    _check_sqlite(database)
    records = asyncio.run(_export(database))
    write_records(records, directory)
    print(f"exported {len(records)} shows to {directory}", file=out)
    return 0


def _cmd_stats(ctx: _Context, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    database = ctx.database
    if not _need_database(database, err):
        return 1
    _check_sqlite(database)
    for name, count in asyncio.run(_stats(database)):
        print(f"{name}: {count}", file=out)
    return 0


COMMANDS = {"import": _cmd_import, "export": _cmd_export, "validate": _cmd_validate, "stats": _cmd_stats}


def catalogue_main(argv: list[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run one catalogue command; returns the process exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except _Exit as exc:
        return exc.code
    ctx = _Context(getattr(args, "database", None))
    try:
        return COMMANDS[args.command](ctx, args, out, err)
    except ConfigError as exc:
        print(f"{PROG}: {exc}", file=err)
        return 2
    except CatalogueError as exc:
        _print_errors(exc.errors, err)
        return 1
    except DatabaseError as exc:
        print(f"{PROG}: {exc}", file=err)
        return 1
    except sqlite3.Error as exc:
        print(f"{PROG}: database error: {exc}", file=err)
        return 1
    except OSError as exc:
        print(f"{PROG}: {exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror or exc}", file=err)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=err)
        return 130


if __name__ == "__main__":
    raise SystemExit(catalogue_main(sys.argv[1:]))
