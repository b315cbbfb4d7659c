"""The reads behind a command run on a second connection in the event loop's thread
(``bot.store.database.LoopReads``): they see what is committed, never wait behind the main
connection's transaction, and fall back to the main connection when the file is locked."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.models import Kind, Show, ShowRecord
from bot.store import Store
from bot.store.database import LoopReads, SqliteDatabase

SHOW_COLUMNS = "id, title, kind, aliases, genres"


def record(show_id: str, title: str) -> ShowRecord:
    return ShowRecord(show=Show(id=show_id, title=title, kind=Kind.SERIES))


async def test_command_reads_of_a_file_are_loop_reads_and_of_memory_the_connection(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "p.sqlite3") as store:
        assert isinstance(store.db.command_reads(), LoopReads)
        assert store.catalogue.reads is store.db.command_reads()
    db = await SqliteDatabase.open(":memory:")
    try:
        assert db.command_reads() is db
    finally:
        await db.close()


async def test_reads_see_commits_not_an_open_transaction_and_do_not_wait_for_it(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "p.sqlite3") as store:
        await store.import_records([record("all-of-us-are-dead", "All of Us Are Dead")])
        shown = await store.get_show("all-of-us-are-dead")
        assert shown is not None and shown.title == "All of Us Are Dead"

        statements: list[str] = []
        stop = store.db.observe(statements.append)
        async with store.db.transaction() as tx:
            await tx.execute("UPDATE shows SET title = 'Renamed' WHERE id = 'all-of-us-are-dead'")
            # Inside the main connection's open transaction: the last commit, at once.
            during = await asyncio.wait_for(store.get_show("all-of-us-are-dead"), 5)
            assert during is not None and during.title == "All of Us Are Dead"
        after = await store.get_show("all-of-us-are-dead")
        assert after is not None and after.title == "Renamed"
        stop()
        # The observers see the loop reads too (tests count a command's statements with them).
        assert sum("FROM shows WHERE id = ?" in sql for sql in statements) == 2


async def test_a_locked_file_is_read_through_the_main_connection(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "p.sqlite3") as store:
        await store.import_records([record("all-of-us-are-dead", "All of Us Are Dead")])
        async with store.db.session() as session:
            # What a bulk import does while nobody else has the file open: leave WAL, then hold
            # the file for its commit.
            assert (await session.returning("PRAGMA journal_mode = DELETE"))[0][0] == "delete"
            try:
                await session.execute("BEGIN EXCLUSIVE")
                await session.execute("UPDATE shows SET title = 'Mid-import' WHERE id = 'all-of-us-are-dead'")
                shown = await asyncio.wait_for(store.get_show("all-of-us-are-dead"), 5)
                assert shown is not None and shown.title == "Mid-import"  # the main connection's view
                await session.execute("ROLLBACK")
            finally:
                await session.returning("PRAGMA journal_mode = WAL")
        shown = await store.get_show("all-of-us-are-dead")
        assert shown is not None and shown.title == "All of Us Are Dead"
