"""PostgreSQL's migrations: one for each of SQLite's, numbered alike, the same tables and columns;
applied in one transaction each, the version recorded, a database newer than the code refused."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import asyncpg
import pytest

from bot.store import MigrationError, Store, migrations
from bot.store.database import POSTGRESQL
from bot.store.postgres import PgDatabase, translate

# Tables PostgreSQL has and SQLite has not: the version itself (SQLite: PRAGMA user_version) and
# the releases' change counter (SQLite: PRAGMA data_version).
PG_ONLY = {"schema_version", "releases_changes"}


def test_both_backends_have_the_same_migration_numbers() -> None:
    sqlite = [(version, name) for version, name, _ in migrations()]
    postgres = [(version, name) for version, name, _ in migrations(POSTGRESQL)]
    assert sqlite == postgres  # the same numbers, under the same names
    assert [v for v, _ in sqlite] == list(range(1, len(sqlite) + 1))
    for _, name, sql in migrations(POSTGRESQL):
        assert f"twin of ../{name}" in sql, name  # each says which SQLite migration it follows


async def test_a_version_is_the_same_schema_on_both(tmp_path: Path, postgres_server) -> None:
    url = await postgres_server.create_database(migrated=False)
    async with await Store.open(tmp_path / "db.sqlite3") as lite, await Store.open(url) as pg:
        assert await lite.schema_version() == await pg.schema_version() == len(migrations())
        lite_tables = {
            r[0]: {c[1] for c in await lite.db.query(f"PRAGMA table_info('{r[0]}')")}
            for r in await lite.db.query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
                "AND name NOT LIKE 'names_fts_%'"
            )
        }
        pg_tables: dict[str, set[str]] = {}
        for r in await pg.db.query(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
        ):
            pg_tables.setdefault(r[0], set()).add(r[1])
    assert set(pg_tables) - PG_ONLY == set(lite_tables)
    for table, columns in lite_tables.items():
        assert pg_tables[table] == columns, table


async def test_a_new_database_is_migrated_once_by_two_processes_at_once(postgres_server) -> None:
    url = await postgres_server.create_database(migrated=False)
    # Two processes starting at once: each migration is applied once, under the write lock.
    first, second = await asyncio.gather(PgDatabase.open(url), PgDatabase.open(url))
    try:
        assert await first.schema_version() == await second.schema_version() == len(migrations())
        assert await first.scalar("SELECT count(*) FROM schema_version") == 1
        assert await first.scalar("SELECT n FROM releases_changes") == 0
    finally:
        await first.close()
        await second.close()


async def test_a_database_newer_than_the_code_is_refused_and_left_alone(postgres_server) -> None:
    url = await postgres_server.create_database()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("UPDATE schema_version SET version = 999")
    finally:
        await conn.close()
    with pytest.raises(MigrationError, match="at version 999, newer than this code"):
        await Store.open(url)
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT version FROM schema_version") == 999
    finally:
        await conn.close()


async def test_a_failing_migration_changes_nothing(postgres_server, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each migration is one transaction: one that fails half-way leaves the version before it."""
    url = await postgres_server.create_database(migrated=False)
    real = migrations(POSTGRESQL)
    broken = [*real[:2], (3, real[2][1], "CREATE TABLE half_done (x INTEGER);\nSELECT no_such_function();")]
    monkeypatch.setattr("bot.store.postgres.migrations", lambda dialect: broken)
    with pytest.raises(asyncpg.UndefinedFunctionError):
        await PgDatabase.open(url)
    monkeypatch.undo()
    db = await PgDatabase.open(url, migrate=False)
    try:
        assert await db.schema_version() == 2
        assert await db.scalar("SELECT to_regclass('half_done') IS NULL")
        assert await db.migrate() == len(real)  # and the real ones go on from there
    finally:
        await db.close()


def test_placeholders_become_numbered_outside_literals_and_comments() -> None:
    assert translate("SELECT ? , ?") == "SELECT $1 , $2"
    assert translate("WHERE a = ?1 AND b = ?2 OR c = ?1") == "WHERE a = $1 AND b = $2 OR c = $1"
    assert translate("a = ?2, b = ?") == "a = $2, b = $3"  # SQLite's rule: one past the largest
    assert translate("SELECT '?', 'it''s ?', \"we?ird\", ? -- why?\n, ?") == (
        "SELECT '?', 'it''s ?', \"we?ird\", $1 -- why?\n, $2"
    )
    assert not re.search(r"\?", translate("INSERT INTO t VALUES (?,?,?)"))
