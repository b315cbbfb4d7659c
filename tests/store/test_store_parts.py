"""The store is made of parts over one database; every part's methods are the store's own."""

from __future__ import annotations

import inspect

from bot.models import Show, ShowRecord
from bot.store import Store

PARTS = ("catalogue", "names", "importer", "announce", "ledger", "sync")


async def test_every_method_of_every_part_is_the_stores_own(store: Store) -> None:
    seen: dict[str, str] = {}
    for name in PARTS:
        part = getattr(store, name)
        assert part.db is store.db  # one database for all of them
        for method, func in inspect.getmembers(type(part), inspect.iscoroutinefunction):
            if method.startswith("_"):
                continue
            assert method not in seen, f"{method} is both {seen[method]}'s and {name}'s"
            seen[method] = name
            bound = getattr(store, method)
            assert bound.__self__ is part and bound.__func__ is func, method
    assert len(seen) > 60


async def test_reads_in_chunks_and_observed_statements(store: Store) -> None:
    records = [ShowRecord(Show(f"show-{i}", f"Show {i}")) for i in range(1_234)]
    await store.import_records(records)
    sql: list[str] = []
    stop = store.db.observe(sql.append)
    ids = [r.show.id for r in records] + ["missing", "show-1"]
    rows = await store.db.query_in(
        "SELECT id FROM shows WHERE id IN ({values}) AND title != ?", ids, after=("",)
    )
    assert sorted(r[0] for r in rows) == sorted(r.show.id for r in records)
    assert len(sql) == 3  # 1,235 distinct ids in chunks of 500
    stop()
    assert len(await store.get_shows(ids)) == len(records)
    assert len(sql) == 3
    assert (
        await store.db.scalar("SELECT count(*) FROM shows WHERE id LIKE ?", ("show-1%",))
        == 1 + 10 + 100 + 234
    )
