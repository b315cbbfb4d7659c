"""Copying a SQLite database into PostgreSQL (``python -m bot db copy``): every row of every table.

Both are first brought to the code's schema version (opening a store migrates it), so they have
the same tables and columns (tests/pg/test_migrations.py checks that a version is the same
schema on both). The target's tables are filled in foreign key order (a table after the tables
it refers to), each read from SQLite in batches and written by COPY, all in ONE transaction on
the target: a failure leaves it as it was. Each table's count is checked against the source's
before the transaction commits. Derived rows are copied as they are (``name_keys``,
``name_grams``), so search answers at once; the trigram index (pg_trgm) builds itself from the
names; identity columns (``sync_runs.id``) then number on from the highest copied.

A target that holds any row already is refused, unless ``replace`` (it is then emptied in the
same transaction). A source table the target has no table for stops the copy before anything is
written (a row would be lost): only SQLite's own search structures (FTS5 and its vocabulary
tables), which PostgreSQL replaces with its trigram index, are left behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.store.database import Database, Reads, SqliteDatabase, Statements, migrations
from bot.store.postgres import PgDatabase, PgStatements

BATCH = 5_000  # rows read from SQLite and sent by COPY at a time
# PostgreSQL's own tables: the schema version (SQLite: PRAGMA user_version) and the releases'
# change counter (SQLite: PRAGMA data_version). Never copied, never emptied.
POSTGRES_ONLY = ("schema_version", "releases_changes")
# SQLite's tables that PostgreSQL does without: the FTS5 trigram indexes (and their shadow
# tables) and their vocabularies.
SQLITE_ONLY_PREFIXES = ("names_fts_", "names_vocab_", "sqlite_")


class CopyError(Exception):
    """The copy cannot be made, or did not come out whole; nothing was written."""


@dataclass(frozen=True, slots=True)
class Copied:
    table: str
    rows: int


async def _target_tables(tx: Statements) -> list[tuple[str, list[str], list[str]]]:
    """(table, its columns, its identity columns) for each table of the target, in foreign key
    order (every table after the tables it refers to; otherwise by name)."""
    tables = sorted(
        r[0]
        for r in await tx.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        if r[0] not in POSTGRES_ONLY
    )
    needs: dict[str, set[str]] = {t: set() for t in tables}
    for r in await tx.query(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
    ):
        if r[0] in needs and r[1] in needs and r[0] != r[1]:
            needs[r[0]].add(r[1])
    ordered: list[str] = []
    while needs:
        ready = sorted(t for t, deps in needs.items() if not deps - set(ordered))
        if not ready:
            raise CopyError(f"the tables {sorted(needs)} refer to each other in a circle")
        ordered += ready
        for t in ready:
            del needs[t]
    columns: dict[str, list[tuple[int, str, bool]]] = {}
    for r in await tx.query(
        "SELECT table_name, ordinal_position, column_name, is_identity FROM information_schema.columns "
        "WHERE table_schema = current_schema()"
    ):
        columns.setdefault(r[0], []).append((r[1], r[2], r[3] == "YES"))
    out = []
    for table in ordered:
        cols = sorted(columns[table])
        out.append((table, [c[1] for c in cols], [c[1] for c in cols if c[2]]))
    return out


async def copy_sqlite_to_postgres(
    source: Database,
    target: Database,
    *,
    replace: bool = False,
    batch: int = BATCH,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Copied]:
    """Copy every row of ``source`` (a SQLite ``Database``) into ``target`` (a ``PgDatabase``),
    both at the code's schema version; returns the rows copied per table, in the order copied.
    ``progress(table, done, total)`` after each batch."""
    if not isinstance(source, SqliteDatabase):
        raise CopyError("the source must be a SQLite database")
    if not isinstance(target, PgDatabase):
        raise CopyError("the target must be a PostgreSQL database")
    known = len(migrations())
    for side, db in (("source", source), ("target", target)):
        version = await db.schema_version()
        if version != known:
            raise CopyError(
                f"the {side} is at version {version}, not this code's ({known}); migrate it first"
            )
    source_tables = {
        r[0]
        for r in await source.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not r[0].startswith(SQLITE_ONLY_PREFIXES)
    }
    copied: list[Copied] = []
    async with target.transaction() as tx:
        assert isinstance(tx, PgStatements)
        tables = await _target_tables(tx)
        missing = source_tables - {t for t, _, _ in tables}
        if missing:
            raise CopyError(
                f"the target has no table for {', '.join(sorted(missing))}: its rows would be lost"
            )
        absent = [t for t, _, _ in tables if t not in source_tables]
        if absent:
            raise CopyError(f"the source has no table {', '.join(absent)}")
        names = [t for t, _, _ in tables]
        filled = [t for t in names if await tx.scalar(f"SELECT EXISTS (SELECT 1 FROM {t})")]  # noqa: S608
        if filled and not replace:
            raise CopyError(
                f"the target is not empty ({', '.join(filled)} hold rows); copy into an empty database, "
                "or give --replace to empty it first"
            )
        if filled:
            await tx.execute(f"TRUNCATE {', '.join(names)} RESTART IDENTITY")
        for table, columns, identity in tables:
            total = int(await source.scalar(f"SELECT count(*) FROM {table}"))  # noqa: S608
            done = 0
            select = f"SELECT {', '.join(columns)} FROM {table}"  # noqa: S608
            async for rows in source.read_batches(select, batch):
                await tx.copy_rows(table, columns, rows)
                done += len(rows)
                if progress:
                    progress(table, done, total)
            written = int(await tx.scalar(f"SELECT count(*) FROM {table}"))  # noqa: S608
            if written != total or done != total:
                raise CopyError(f"{table}: {total} rows in the source, {written} written; nothing was copied")
            for column in identity:
                await tx.scalar(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "  # noqa: S608
                    f"coalesce(max({column}), 0) + 1, false) FROM {table}"
                )
            copied.append(Copied(table, total))
    # Statistics for the planner now, not when autovacuum comes round to the new rows.
    await target.run("ANALYZE")
    return copied


async def table_counts(db: Reads, tables: Sequence[str]) -> dict[str, int]:
    """How many rows each table holds (to check a copy after it committed)."""
    return {t: int(await db.scalar(f"SELECT count(*) FROM {t}")) for t in tables}  # noqa: S608
