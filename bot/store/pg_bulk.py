"""Loading a catalogue into an empty PostgreSQL database: the rows by COPY, in one transaction.

What ``bot.store.bulk`` does for SQLite, with the same rows (``RowBuilder``), the same people and
the same name ids (``BulkLoader.people_and_names``), so both backends hold the same catalogue
after the same import. PostgreSQL keeps its indexes and checks its constraints as the rows go
in (COPY is fast enough without SQLite's tricks); what SQLite's ``REPLACE`` does with a record
that repeats a key (the later row wins) is done here before the rows are sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from bot.models import ShowRecord
from bot.store.bulk import SHOW_COLUMNS, BulkLoader, ChunkRows
from bot.store.database import Statements
from bot.store.pg_names import index_new_names

_TABLES = (  # (table, columns, how many leading columns are its key), in foreign key order
    ("credits", ("show_id", "person_id", "role", "character", "billing"), 4),
    ("episodes", ("show_id", "season", "number", "title"), 3),
    (
        "releases",
        (
            "id", "show_id", "scope", "season", "episode", "platform", "region", "precision", "zone",
            "instant", "local", "note", "part", "last_episode",
        ),
        1,
    ),
    ("show_links", ("show_id", "other_id", "relation"), 2),
    ("events", ("id", "show_id", "kind", "title", "precision", "zone", "instant", "local", "place"), 1),
)  # fmt: skip


def _last_wins(rows: list[tuple], key: int) -> list[tuple]:
    """The rows with a key seen later dropped from their first place (SQLite's REPLACE)."""
    by_key: dict[tuple, tuple] = {}
    for row in rows:
        k = row[:key]
        by_key.pop(k, None)
        by_key[k] = row
    return list(by_key.values()) if len(by_key) != len(rows) else rows


async def load(
    tx: Statements,
    records: Sequence[ShowRecord],
    *,
    batch: int,
    progress: Callable[[int, int], None] | None,
    timings: dict[str, float] | None = None,
) -> list[int]:
    """Write ``records`` into the empty catalogue; returns the counts of ``CatalogueStats``."""
    clock = time.perf_counter
    started = clock()
    loader = BulkLoader(tx)  # its row building only: no statement of SQLite's is sent
    total = len(records)
    chunks = [records[start : start + batch] for start in range(0, total, batch)]
    people_rows, names = loader.people_and_names(chunks)
    await tx.copy_rows("names", ("id", "kind", "ref", "text", "key"), names)
    named = clock()
    await index_new_names(tx, 0)
    searchable = clock()
    await tx.copy_rows("shows", SHOW_COLUMNS, [loader.builder.show_row(rec.show) for rec in records])
    await tx.copy_rows("people", ("id", "name", "native_name"), people_rows)
    counts = loader.counts
    counts[0] = total
    rows = ChunkRows()
    done = 0
    for chunk in chunks:
        loader.builder.children(chunk, rows)
        done += len(chunk)
        if progress:
            progress(done, total)
    for (table, columns, key), table_rows in zip(
        _TABLES, (rows.credits, rows.episodes, rows.releases, rows.links, rows.events), strict=True
    ):
        await tx.copy_rows(table, columns, _last_wins(table_rows, key))
    counts[2:6] = [len(rows.credits), len(rows.episodes), len(rows.releases), len(rows.events)]
    if timings is not None:
        timings["write"] = (named - started) + (clock() - searchable)
        timings["search"] = searchable - named
    return counts
