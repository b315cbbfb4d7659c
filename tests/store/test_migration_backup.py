"""Before a database with a schema is migrated, a copy of it at each version it passes through is
kept beside it, and a copy that cannot be written stops the migration with nothing changed."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from bot.store import Store, migrations
from bot.store.database import backup_path, split_sql


def database_at(path: Path, version: int) -> sqlite3.Connection:
    """A database as an older bot left it: the first ``version`` migrations, one show, in WAL
    mode; the connection stays open, so the show is still in the WAL when the bot opens it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    for number, _, sql in migrations()[:version]:
        for statement in split_sql(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute("INSERT INTO shows (id, title, kind) VALUES ('old-show', 'Old Show', 'series')")
    return conn


def copies(folder: Path) -> list[str]:
    """The copies beside a database, by version (v2 ... v9, v10 ...)."""
    names = [p.name for p in folder.iterdir() if ".bak" in p.name]
    return sorted(names, key=lambda name: int(name.rsplit(".v", 1)[1].split(".", 1)[0]))


def read(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def test_each_version_passed_through_is_copied_beside_the_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "premiere.sqlite3"
    older = database_at(path, 2)
    try:
        with caplog.at_level(logging.INFO, logger="bot.store.database"):
            async with await Store.open(path) as store:
                assert await store.schema_version() == len(migrations())
                assert (await store.get_show("old-show")) is not None
    finally:
        older.close()
    expected = [backup_path(path, v).name for v in range(2, len(migrations()))]
    assert copies(tmp_path) == expected  # one for each version from 2 to the one before the last
    assert expected[:6] == [f"premiere.sqlite3.v{v}.bak" for v in (2, 3, 4, 5, 6, 7)]
    for version in range(2, len(migrations())):
        copy = backup_path(path, version)
        assert read(copy, "PRAGMA user_version") == [(version,)]
        assert read(copy, "SELECT id, title FROM shows") == [("old-show", "Old Show")]
        assert str(copy) in caplog.text
    # The copies are plain databases an older bot can open: migration 0003's table is only in v3.
    assert read(backup_path(path, 2), "SELECT count(*) FROM sqlite_master WHERE name = 'sync_runs'") == [(0,)]
    assert read(backup_path(path, 3), "SELECT count(*) FROM sqlite_master WHERE name = 'sync_runs'") == [(1,)]


async def test_a_new_or_current_database_is_not_copied(tmp_path: Path) -> None:
    path = tmp_path / "premiere.sqlite3"
    for _ in range(2):  # created, then opened again at the current version
        async with await Store.open(path):
            pass
    assert copies(tmp_path) == []


async def test_a_copy_that_cannot_be_written_stops_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "premiere.sqlite3"
    database_at(path, 3).close()
    backup_path(path, 3).mkdir()  # in the way of the copy
    with pytest.raises(OSError):
        await Store.open(path)
    assert read(path, "PRAGMA user_version") == [(3,)]
    assert copies(tmp_path) == ["premiere.sqlite3.v3.bak"]
    backup_path(path, 3).rmdir()
    async with await Store.open(path) as store:
        assert await store.schema_version() == len(migrations())
    assert backup_path(path, 3).is_file()
