"""`python -m bot catalogue import | export | validate | stats`: the catalogue from the shell.

Results go to stdout, errors and progress to stderr. Exit codes: 0 ok, 1 catalogue or database
error (each error on its own line), 2 usage or settings error. User errors never print a
traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.catalogue.errors import CatalogueError
from bot.config import ConfigError, Settings, load_settings
from bot.models import CatalogueStats, ShowRecord

if TYPE_CHECKING:
    from bot.catalogue.files import Planned
    from bot.store import Store
    from bot.store.sync import SyncRun
    from bot.sync.service import SyncReport

PROG = "python -m bot catalogue"
# Set (to anything) to have `import` print where its time went on stderr (the benchmark does).
IMPORT_TIMES_ENV = "PREMIERE_IMPORT_TIMES"


class Parser(argparse.ArgumentParser):
    """argparse that returns instead of exiting, so catalogue_main can return its code."""

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if message:
            sys.stderr.write(message)
        raise ParserExit(status)


class ParserExit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _parser() -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    common.add_argument(
        "--database",
        metavar="PATH",
        type=Path,
        default=argparse.SUPPRESS,
        help="the SQLite database (default: DATABASE_PATH from the settings)",
    )
    parser = Parser(
        prog=PROG,
        parents=[common],
        description="Import, export, check and count the show catalogue.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
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
    sub.add_parser("stats", parents=[common], help="count what the database holds, and the last syncs")
    p = sub.add_parser(
        "sync",
        parents=[common],
        help="bring upcoming releases and changed shows from TVmaze (TVMAZE_API_BASE)",
        description="Without options: the schedules of the look-ahead window, then shows changed upstream.",
    )
    p.add_argument("--days", type=int, metavar="N", help="look-ahead window in days (default: SYNC_DAYS, 14)")
    p.add_argument("--show", metavar="TITLE_OR_TVMAZE_ID", help="only this show: a title or a TVmaze id")
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

    def __init__(
        self,
        stream: TextIO,
        *,
        min_total: int = 200,
        verb: str = "importing",
        noun: str = "shows",
        bar: bool = False,
    ) -> None:
        self.stream = stream
        self.verb = verb
        self.noun = noun
        self.bar = bar
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.min_total = min_total
        self.last_percent = 0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_total:
            return
        percent = done * 100 // total
        if self.tty:
            bar = f"[{'#' * (percent // 5):<20}] " if self.bar else ""
            self.stream.write(f"\r{bar}{self.verb} {done}/{total} {self.noun} ({percent}%)")
            self.drawn = True
        elif percent >= self.last_percent + 2 or done == total:
            self.stream.write(f"{self.verb} {done}/{total} {self.noun} ({percent}%)\n")
            self.last_percent = percent
        self.stream.flush()

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def import_summary(records: Sequence[ShowRecord], seconds: float) -> str:
    """``stats_summary`` of the records an import read."""
    stats = CatalogueStats(
        shows=len(records),
        people=len({c.person.id for r in records for c in r.credits}),
        credits=sum(len(r.credits) for r in records),
        episodes=sum(len(r.episodes) for r in records),
        releases=sum(len(r.releases) for r in records),
        events=sum(len(r.events) for r in records),
    )
    return stats_summary(stats, seconds)


def stats_summary(stats: CatalogueStats, seconds: float) -> str:
    """The line an import ends with: what it wrote, and how fast."""
    rate = stats.shows / seconds if seconds > 0 else float(stats.shows)
    return (
        f"imported {stats.shows} shows, {stats.people} people, {stats.credits} credits, "
        f"{stats.episodes} episodes, {stats.releases} releases in {seconds:.2f} s ({rate:.1f} shows/s)"
    )


class DatabaseError(Exception):
    """The database cannot be used (not a database, newer schema, locked...): one line."""


SQLITE_HEADER = b"SQLite format 3\x00"


def check_sqlite(database: Path) -> None:
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
    database: Path,
    records: Sequence[ShowRecord],
    progress: Callable[[int, int], None],
    times: dict[str, float] | None = None,
) -> None:
    batch = import_batch(len(records))
    from bot.sync.layers import prepare

    started = time.perf_counter()
    async with await _open(database) as store:
        opened = time.perf_counter()
        # Synced shows under their stored identity, hand-curated files kept as the curated layer.
        prepared = await prepare(store, records)
        if times is not None:
            times["open"] = opened - started
            times["prepare"] = time.perf_counter() - opened
        await store.import_records(
            prepared.records, progress=progress, batch=batch, timings=times, curated=prepared.curated
        )


async def _import_rows(
    database: Path,
    planned: list[Planned],
    progress: Callable[[int, int], None],
    times: dict[str, float],
) -> CatalogueStats | None:
    """TVmaze files straight into the rows of an empty catalogue; None (nothing written) when
    the catalogue is not empty or the files are not the plain case."""
    from bot.catalogue.row_read import read_rows
    from bot.store.bulk_rows import NotRowable

    started = time.perf_counter()
    async with await _open(database) as store:
        times["open"] = time.perf_counter() - started
        try:
            return await store.import_rows(read_rows(planned, progress), import_batch, timings=times)
        except NotRowable:
            return None


async def _export(database: Path) -> list[ShowRecord]:
    async with await _open(database) as store:
        return await store.export_records()


async def _stats(database: Path) -> tuple[list[tuple[str, int]], list[str]]:
    async with await _open(database) as store:
        stats = await store.stats()
        runs = await store.sync_runs(limit=3)
    counts = [
        ("shows", stats.shows),
        ("people", stats.people),
        ("credits", stats.credits),
        ("episodes", stats.episodes),
        ("releases", stats.releases),
        ("events", stats.events),
    ]
    lines = [sync_run_line(run) for run in runs] or ["last sync: never"]
    return counts, lines


def sync_run_line(run: SyncRun) -> str:
    """One line about a sync run, for `stats`."""
    when = f"{run.started:%Y-%m-%d %H:%M} UTC"
    if run.finished is None:
        return f"sync ({run.kind}) {when}: did not finish"
    text = (
        f"sync ({run.kind}) {when}: {run.shows_added} shows added, {run.shows_updated} updated, "
        f"{run.shows_unchanged} unchanged; releases {run.releases_added} new, {run.releases_moved} moved, "
        f"{run.releases_removed} removed; {run.requests} requests, {run.failures} failures"
    )
    return f"{text}; stopped: {run.error}" if run.error else text


def _cmd_validate(ctx: _Context, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.catalogue.validate import validate_paths

    records, errors = validate_paths(ctx.paths(args.paths))
    if errors:
        _print_errors(errors, err)
        return 1
    print(f"ok: {len(records)} shows", file=out)
    return 0


def import_batch(shows: int) -> int:
    """An import's batch: ~2% of it (50 to 500 shows), so progress moves in ~2% steps."""
    return max(50, min(500, -(-shows // 50)))


def _cmd_import(ctx: _Context, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from bot.catalogue.files import plan_files
    from bot.catalogue.row_read import tvmaze_only

    started = time.perf_counter()
    paths = ctx.paths(args.paths)
    database = ctx.database
    times: dict[str, float] = {}
    planned = plan_files(paths)
    if tvmaze_only(planned):
        # TVmaze files into an empty catalogue: straight to rows (bot.catalogue.row_read), or
        # the usual way below when that is not the plain case (which then names any problem).
        check_sqlite(database)
        created = not database.exists()
        progress = Progress(err, min_total=10, noun="parts of the catalogue")
        try:
            stats = asyncio.run(_import_rows(database, planned, progress, times))
        finally:
            progress.finish()
        if stats is not None:
            print(stats_summary(stats, time.perf_counter() - started), file=out)
            _print_times(times, err)
            return 0
        times.clear()
        code = _import_records(ctx, paths, out, err, started, times)
        if code != 0 and created:  # a failed import leaves no new database behind
            for suffix in ("", "-wal", "-shm", "-journal"):
                database.with_name(database.name + suffix).unlink(missing_ok=True)
        return code
    return _import_records(ctx, paths, out, err, started, times)


def _import_records(
    ctx: _Context, paths: list[Path], out: TextIO, err: TextIO, started: float, times: dict[str, float]
) -> int:
    """The usual import: read and check every record, then write them."""
    from bot.catalogue.validate import validate_paths

    read_started = time.perf_counter()
    records, errors = validate_paths(paths)
    times["read+parse"] = time.perf_counter() - read_started
    if errors:
        _print_errors(errors, err)
        print("nothing imported", file=err)
        return 1
    database = ctx.database
    progress = Progress(err)
    check_sqlite(database)
    # The records live until the process ends: keep the garbage collector from walking the
    # millions of objects of a big catalogue again and again while they are written.
    gc.freeze()
    try:
        asyncio.run(_import(database, records, progress, times))
    finally:
        progress.finish()
        gc.unfreeze()
    print(import_summary(records, time.perf_counter() - started), file=out)
    _print_times(times, err)
    return 0


def _print_times(times: dict[str, float], err: TextIO) -> None:
    if os.environ.get(IMPORT_TIMES_ENV):
        print("import times: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()), file=err)


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
    check_sqlite(database)
    records = asyncio.run(_export(database))
    write_records(records, directory)
    print(f"exported {len(records)} shows to {directory}", file=out)
    return 0


def _cmd_stats(ctx: _Context, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    database = ctx.database
    if not _need_database(database, err):
        return 1
    check_sqlite(database)
    counts, runs = asyncio.run(_stats(database))
    for name, count in counts:
        print(f"{name}: {count}", file=out)
    for line in runs:
        print(line, file=out)
    return 0


async def _sync(ctx: _Context, args: argparse.Namespace, progress: Progress) -> SyncReport:
    from bot.clock import system_clock
    from bot.sync.client import TVmazeClient
    from bot.sync.service import CatalogueSync

    settings = ctx.settings
    async with await _open(ctx.database) as store, TVmazeClient(settings.tvmaze_api_base, tries=3) as client:
        if await store.is_empty() and settings.catalogue_dir.is_dir():
            from bot.app import seed_catalogue

            await seed_catalogue(store, settings)
        sync = CatalogueSync(
            store, system_clock, client, days=settings.sync_days, countries=settings.sync_countries
        )
        if args.show:
            return await sync.sync_show(args.show)
        report = await sync.sync_schedule(args.days, progress=progress)
        if client.streak == 0:  # TVmaze answers: also the shows that changed upstream
            updates = await sync.sync_updates()
            report.errors += updates.errors
            for key in (
                "requests",
                "shows_updated",
                "releases_added",
                "releases_moved",
                "releases_removed",
                "failures",
            ):
                setattr(report, key, getattr(report, key) + getattr(updates, key))
        return report


def _cmd_sync(ctx: _Context, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.days is not None and not 1 <= args.days <= 60:
        print(f"{PROG} sync: --days must be between 1 and 60", file=err)
        return 2
    progress = Progress(err, min_total=1, verb="syncing", noun="requests", bar=True)
    try:
        report = asyncio.run(_sync(ctx, args, progress))
    finally:
        progress.finish()
    for line in report.errors[:10]:
        print(f"warning: {line}", file=err)
    if len(report.errors) > 10:
        print(f"warning: ... and {len(report.errors) - 10} more", file=err)
    print(report.summary(), file=out)
    return 1 if report.errors and not report.changed and report.failures else 0


COMMANDS = {
    "import": _cmd_import,
    "export": _cmd_export,
    "validate": _cmd_validate,
    "stats": _cmd_stats,
    "sync": _cmd_sync,
}


def catalogue_main(argv: list[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run one catalogue command; returns the process exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except ParserExit as exc:
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
