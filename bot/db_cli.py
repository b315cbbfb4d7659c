"""`python -m bot db migrate | copy`: the database itself (its schema, and a SQLite one copied into
PostgreSQL). The catalogue's commands are in ``bot.cli``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.cli import DatabaseError, Parser, ParserExit, Progress, check_sqlite
from bot.config import ConfigError, load_settings

DB_PROG = "python -m bot db"


def _db_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=DB_PROG, description="Migrate the database, or copy a SQLite one into PostgreSQL.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    p = sub.add_parser(
        "migrate",
        help="apply pending migrations and say the version",
        description="Apply the pending migrations to DATABASE_URL (PostgreSQL) or DATABASE_PATH (SQLite).",
    )
    p.add_argument(
        "--database",
        metavar="PATH_OR_URL",
        help="a SQLite file or a postgresql:// URL (default: DATABASE_URL, else DATABASE_PATH)",
    )
    p = sub.add_parser(
        "copy",
        help="copy every row of a SQLite database into an empty PostgreSQL one",
        description=(
            "Bring both to this code's version, then copy every table in one transaction on the target "
            "and check each table's count. The source is only read (and migrated, with its copy kept)."
        ),
    )
    p.add_argument("--from", dest="source", required=True, metavar="sqlite:PATH", help="the SQLite database")
    p.add_argument(
        "--to", dest="target", required=True, metavar="postgresql://...", help="the PostgreSQL database"
    )
    p.add_argument("--replace", action="store_true", help="empty a target that holds rows first")
    return parser


def _sqlite_source(text: str) -> Path | None:
    """``sqlite:PATH`` (or ``sqlite:///PATH``, or a bare path) as a path; None for a URL of
    another kind."""
    if text.startswith("sqlite:"):
        rest = text[len("sqlite:") :]
        return Path(rest[2:] if rest.startswith("///") else rest)
    return None if "://" in text else Path(text)


def _sqlite_version(path: Path) -> int:
    """The version of a SQLite file as it is (0: no file yet), read without changing it."""
    from bot.store.database import file_schema_version

    if not (path.is_file() and path.stat().st_size > 0):
        return 0
    check_sqlite(path)
    return file_schema_version(path)


async def _db_migrate(target: Path | str, before: int | None, out: TextIO) -> None:
    """Migrate ``target``; ``before``: its version now (None: a PostgreSQL one, read here)."""
    from bot.database import DatabaseError as OpenError
    from bot.database import describe, open_database, shown
    from bot.store.database import backend_errors

    errors: tuple[type[BaseException], ...] = (OSError, TimeoutError, *backend_errors())
    if before is None:
        from bot.store.postgres import PgDatabase

        try:
            db = await PgDatabase.open(str(target), migrate=False)
            try:
                before = await db.schema_version()
            finally:
                await db.close()
        except errors as exc:
            raise OpenError(describe(target, exc)) from None
    async with await open_database(target) as store:
        after = await store.schema_version()
    if after == before:
        print(f"{shown(target)}: at version {after}, nothing to migrate", file=out)
    else:
        print(f"{shown(target)}: migrated from version {before} to {after}", file=out)


async def _db_copy(source: Path, target: str, replace: bool, out: TextIO, err: TextIO) -> int:
    from bot.database import DatabaseError as OpenError
    from bot.database import describe, open_database, shown
    from bot.store.copy import CopyError, copy_sqlite_to_postgres, table_counts
    from bot.store.database import backend_errors

    errors: tuple[type[BaseException], ...] = (OSError, TimeoutError, *backend_errors())
    progress = Progress(err, min_total=10_000, verb="copying", noun="rows")
    async with await open_database(source) as lite, await open_database(target) as pg:
        try:
            copied = await copy_sqlite_to_postgres(
                lite.db, pg.db, replace=replace, progress=lambda table, done, total: progress(done, total)
            )
        except CopyError as exc:
            print(f"{DB_PROG} copy: {exc}", file=err)
            return 1
        except errors as exc:
            raise OpenError(describe(target, exc)) from None
        finally:
            progress.finish()
        # Counted again now that the copy is committed, beside the source's.
        tables = [c.table for c in copied]
        after, before = await table_counts(pg.db, tables), await table_counts(lite.db, tables)
    width = max(len(t) for t in tables)
    for c in copied:
        print(f"{c.table:<{width}}  {c.rows:>9} rows", file=out)
    wrong = [t for t in tables if after[t] != before[t]]
    for t in wrong:
        print(f"{DB_PROG} copy: {t}: {before[t]} rows in the source, {after[t]} in the target", file=err)
    if wrong:
        return 1
    total = sum(c.rows for c in copied)
    print(f"copied {total} rows in {len(copied)} tables to {shown(target)}; every count checked", file=out)
    return 0


def db_main(argv: list[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run one database command; returns the process exit code (0 ok, 1 database error, 2 usage)."""
    from bot.database import DatabaseError as OpenError
    from bot.database import database_target
    from bot.store.database import is_url

    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = _db_parser().parse_args(argv)
    except ParserExit as exc:
        return exc.code
    try:
        if args.command == "migrate":
            target: Path | str = args.database or database_target(load_settings(require_token=False))
            if isinstance(target, str) and not is_url(target):
                if "://" in target:
                    print(
                        f"{DB_PROG} migrate: --database takes a SQLite file or a postgresql:// URL", file=err
                    )
                    return 2
                target = Path(target)
            before = None if isinstance(target, str) else _sqlite_version(target)
            asyncio.run(_db_migrate(target, before, out))
            return 0
        source = _sqlite_source(args.source)
        if source is None:
            print(f"{DB_PROG} copy: --from takes sqlite:PATH (the SQLite database to copy)", file=err)
            return 2
        if not is_url(args.target):
            print(f"{DB_PROG} copy: --to takes a postgresql:// URL", file=err)
            return 2
        if not source.is_file():
            print(f"{DB_PROG} copy: no SQLite database at {source}", file=err)
            return 1
        check_sqlite(source)
        return asyncio.run(_db_copy(source, args.target, args.replace, out, err))
    except ConfigError as exc:
        print(f"{DB_PROG}: {exc}", file=err)
        return 2
    except (OpenError, DatabaseError) as exc:  # one line each, naming the database
        print(f"{DB_PROG}: {exc}", file=err)
        return 1
    except KeyboardInterrupt:
        print(f"{DB_PROG}: interrupted", file=err)
        return 130
