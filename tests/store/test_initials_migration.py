"""Migration 0014: a catalogue imported before it gets its show names' initials, on both backends,
the same rows an import writes now."""

from __future__ import annotations

from pathlib import Path

from bot.models import Show, ShowRecord
from bot.search import initials, search
from bot.store import Store, migrations

SHOWS = [
    Show("twd", "The Walking Dead"),
    Show("hotd", "House of the Dragon", aliases=("HotD",)),
    Show("iasip", "It's Always Sunny in Philadelphia"),
    Show("swat", "S.W.A.T."),
    Show("aba", "A B Aba"),  # initials that are a word suffix too
    Show("squid-game", "Squid Game", original_title="오징어 게임"),  # none
]
KEYS = (
    "SELECT k.kind, k.key, n.ref, k.whole FROM name_keys k JOIN names n ON n.id = k.name_id "
    "ORDER BY 1, 2, 3, 4"
)


async def test_migration_14_adds_the_initials_of_the_names_already_there(database_target: Path | str) -> None:
    async with await Store.open(database_target) as store:
        await store.import_records([ShowRecord(s) for s in SHOWS])
        imported = [tuple(r) for r in await store.db.query(KEYS)]
        assert ("show", "twd", "twd", 0) in imported and ("show", "aba", "aba", 0) in imported
        # As a bot before 0014 left it: no initials, at version 13.
        names = await store.db.query("SELECT id, key FROM names WHERE kind = 'show'")
        async with store.db.transaction() as tx:
            for name_id, key in names:
                await tx.execute(
                    "DELETE FROM name_keys WHERE kind = 'show' AND key = ? AND name_id = ?",
                    (initials(key), name_id),
                )
            if isinstance(database_target, Path):
                await tx.execute("PRAGMA user_version = 13")
            else:
                await tx.execute("UPDATE schema_version SET version = 13")
        assert len(await store.db.query(KEYS)) == len(imported) - 5
        assert await search(store, "twd", kind="show") == []
    async with await Store.open(database_target) as store:
        assert await store.schema_version() == len(migrations()) >= 14
        assert [tuple(r) for r in await store.db.query(KEYS)] == imported
        assert [m.ref for m in await search(store, "iasip", kind="show")][:1] == ["iasip"]
