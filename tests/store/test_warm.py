"""Keeping the SQLite file in memory (``bot.store.warm``): what a pass reads, the passes'
rhythm through an injected sleep, a failing pass, and when there is nothing to warm."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.store import Store
from bot.store.database import POSTGRESQL, SQLITE
from bot.store.warm import FileWarmer, database_files, read_through, warmer_for


def test_a_pass_reads_every_byte_of_the_database_and_its_wal(tmp_path: Path) -> None:
    db = tmp_path / "premiere.sqlite3"
    db.write_bytes(b"x" * 3_000_001)
    assert read_through(database_files(db), chunk=4096) == 3_000_001  # no WAL: skipped
    db.with_name("premiere.sqlite3-wal").write_bytes(b"w" * 5000)
    assert read_through(database_files(db), chunk=4096) == 3_005_001


def test_a_pass_stops_at_its_next_read_once_told(tmp_path: Path) -> None:
    db = tmp_path / "premiere.sqlite3"
    db.write_bytes(b"x" * 100_000)
    stop = threading.Event()
    stop.set()
    assert read_through([db], chunk=1000, stop=stop) == 1000


async def test_passes_follow_the_interval_until_cancelled(tmp_path: Path) -> None:
    db = tmp_path / "premiere.sqlite3"
    db.write_bytes(b"x" * 10_000)
    slept: list[float] = []
    third, resume = asyncio.Event(), asyncio.Event()

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            third.set()
            await resume.wait()  # the third wait lasts until the task is cancelled

    warmer = FileWarmer(database_files(db), 30, sleep=sleep)
    task = asyncio.create_task(warmer.run())
    async with asyncio.timeout(5):
        await warmer.first_done.wait()
        await third.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert warmer.passes == 3 and slept == [30, 30, 30]
    assert warmer.last.bytes == 10_000


async def test_a_pass_that_fails_is_logged_and_the_next_one_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "a-folder"  # a folder where the file should be: reading it fails
    folder.mkdir()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            raise asyncio.CancelledError

    warmer = FileWarmer([folder], 5, sleep=sleep)
    with caplog.at_level(logging.ERROR, "bot.store.warm"), pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(warmer.run(), 5)
    assert slept == [5, 5] and warmer.passes == 0 and warmer.first_done.is_set()
    assert sum("keep it in memory" in r.getMessage() for r in caplog.records) == 2


def test_nothing_to_warm_when_off_on_postgresql_or_in_memory(tmp_path: Path) -> None:
    db = tmp_path / "premiere.sqlite3"
    warmer = warmer_for(db, SQLITE, 30)
    assert warmer is not None and warmer.paths == [db, tmp_path / "premiere.sqlite3-wal"]
    assert warmer_for(db, SQLITE, 0) is None
    assert warmer_for("postgresql://premiere@localhost/premiere", POSTGRESQL, 30) is None
    assert warmer_for(":memory:", SQLITE, 30) is None


def test_the_setting_defaults_to_30_seconds_and_is_checked() -> None:
    base = {"DISCORD_TOKEN": "t"}
    assert load_settings(base, dotenv_path=Path("/nonexistent")).database_keep_warm == 30
    off = load_settings({**base, "DATABASE_KEEP_WARM": "0"}, dotenv_path=Path("/nonexistent"))
    assert off.database_keep_warm == 0
    with pytest.raises(ConfigError, match="DATABASE_KEEP_WARM"):
        load_settings({**base, "DATABASE_KEEP_WARM": "soon"}, dotenv_path=Path("/nonexistent"))


async def test_a_pass_keeps_sqlites_locks_on_the_file(tmp_path: Path) -> None:
    """Closing any descriptor of a file drops every fcntl lock the process holds on it. A pass
    that opened and closed the database itself dropped the shared lock each open connection
    holds: another process then took the file for its own (here: to leave WAL, as a bulk
    import does when it is alone), and the bot's next read failed with a disk I/O error."""
    db = tmp_path / "premiere.sqlite3"
    async with await Store.open(db) as store:
        warmer = warmer_for(db, SQLITE, 30)
        assert warmer is not None
        try:
            await store.catalogue.is_empty()
            for _ in range(2):
                await asyncio.wait_for(warmer.warm_once(), 10)
            other = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                LEAVE_WAL_FROM_ANOTHER_PROCESS,
                str(db),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            out, _ = await asyncio.wait_for(other.communicate(), 60)
            assert out.decode().strip() == "locked", out
            assert await store.catalogue.is_empty()
        finally:
            await store.close()
            warmer.close()


LEAVE_WAL_FROM_ANOTHER_PROCESS = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)
try:
    print(conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0])
except sqlite3.OperationalError as exc:
    print("locked" if "locked" in str(exc) else exc)
"""
