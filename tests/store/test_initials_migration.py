"""Migration 0014: a catalogue imported before it gets its show names' initials, on both backends,
the same rows an import writes now."""

from __future__ import annotations

from pathlib import Path

from bot.models import Show, ShowRecord
from bot.search import search
from bot.store import Store, migrations

SHOWS = [Show("twd", "The Walking Dead"), Show("hotd", "House of the Dragon", aliases=("HotD",))]
INITIALS = (
    "SELECT k.key, n.ref FROM name_keys k JOIN names n ON n.id = k.name_id WHERE k.whole = 0 ORDER BY 1, 2"
)


async def test_migration_14_adds_the_initials_of_the_names_already_there(database_target: Path | str) -> None:
    async with await Store.open(database_target) as store:
        await store.import_records([ShowRecord(s) for s in SHOWS])
        imported = await store.db.query(INITIALS)
        assert ("twd", "twd") in [tuple(r) for r in imported]
        # As a bot before 0014 left it: no initials, at version 13.
        async with store.db.transaction() as tx:
            await tx.execute("DELETE FROM name_keys WHERE whole = 0 AND key IN ('twd', 'hotd')")
            if isinstance(database_target, Path):
                await tx.execute("PRAGMA user_version = 13")
            else:
                await tx.execute("UPDATE schema_version SET version = 13")
        assert await search(store, "twd", kind="show") == []
    async with await Store.open(database_target) as store:
        assert await store.schema_version() == len(migrations()) >= 14
        assert [tuple(r) for r in await store.db.query(INITIALS)] == [tuple(r) for r in imported]
        assert [m.ref for m in await search(store, "hotd", kind="show")][:1] == ["hotd"]
