"""Importing records into the catalogue: one transaction, all or nothing, idempotent by ids.

Into an empty catalogue the records go in bulk (``bot.store.bulk``; on PostgreSQL
``bot.store.pg_bulk``); otherwise they are upserted batch by batch, here: a show's children are
replaced by the record's, its names and its people's names are replaced where they changed, and
the new names join the search structures in one pass at the end (``bot.store.names``). The
statements of that path are the same on both backends; on SQLite the import also tunes the
connection around its transaction (page cache, journal, foreign keys for a bulk load).

``import_rows`` takes rows instead of records (TVmaze files read straight into rows by
``bot.catalogue.row_read``) into an empty SQLite catalogue, in bulk too (``bot.store.bulk_rows``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager

from bot.memory import gc_paused
from bot.models import CatalogueStats, Person, ShowRecord
from bot.store.bulk import (
    SHOW_COLUMNS,
    SHOWS_SQL,
    RowBuilder,
    bulk_journal,
    catalogue_is_empty,
    merge_people,
    restore_journal,
    show_ids_unique,
    unique_names,
)
from bot.store.bulk import load as bulk_load
from bot.store.bulk_rows import NotRowable, TaskRows, load_rows
from bot.store.database import POSTGRESQL, Database, Session, Statements
from bot.store.names import NameNumbers, index_new_names, replace_names

_DEFAULT_CACHE_SIZE = -2000  # SQLite's default page cache: 2 MiB
_IMPORT_CACHE_KIB = 256_000  # a bulk import writes all over the tables: cache them while it runs
_BULK_CACHE_KIB = 1_024_000  # into an empty catalogue: room for all of a big one (taken as needed)


def _upsert(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    """An INSERT of ``columns`` whose row replaces the one with the same ``key`` (what SQLite's
    INSERT OR REPLACE does, in the words both backends read)."""
    sets = ", ".join(f"{c}=excluded.{c}" for c in columns if c not in key)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))}) "  # noqa: S608
        f"ON CONFLICT({', '.join(key)}) DO UPDATE SET {sets}"
    )


_UPSERT_SHOWS_SQL = f"{SHOWS_SQL} ON CONFLICT(id) DO UPDATE SET " + ", ".join(
    f"{column}=excluded.{column}" for column in SHOW_COLUMNS if column != "id"
)
_CREDITS_SQL = _upsert(
    "credits",
    ("show_id", "person_id", "role", "character", "billing"),
    ("show_id", "person_id", "role", "character"),
)
_EPISODES_SQL = _upsert("episodes", ("show_id", "season", "number", "title"), ("show_id", "season", "number"))
_RELEASE_COLUMNS = ("id", "show_id", "scope", "season", "episode", "platform", "region", "precision", "zone")
_RELEASES_SQL = _upsert(
    "releases", (*_RELEASE_COLUMNS, "instant", "local", "note", "part", "last_episode"), ("id",)
)
_LINKS_SQL = _upsert("show_links", ("show_id", "other_id", "relation"), ("show_id", "other_id"))
_EVENTS_SQL = _upsert(
    "events", ("id", "show_id", "kind", "title", "precision", "zone", "instant", "local", "place"), ("id",)
)
_CURATED_SQL = (
    "INSERT INTO curated (show_id, record) VALUES (?, ?) "
    "ON CONFLICT(show_id) DO UPDATE SET record = excluded.record"
)


class _ImportState:
    """What one import has written so far."""

    def __init__(self, people: dict[str, Person], numbers: NameNumbers) -> None:
        self.people = people  # every person in the import, merged
        self.written: set[str] = set()  # people already handled
        self.names = numbers
        self.rows = RowBuilder()


@asynccontextmanager
async def _sqlite_transaction(
    session: Session, bulk: bool, spent: dict[str, float]
) -> AsyncIterator[Statements]:
    """An import's transaction on SQLite, the connection tuned around it: for a ``bulk`` load,
    foreign keys off (its rows satisfy them by construction: see bot.store.bulk; they can only
    be switched outside a transaction) and a rollback journal when nobody else has the database
    open. The page cache goes back to its default size; the commit's seconds go to ``spent``."""
    journal = None
    if bulk:
        await session.execute("PRAGMA foreign_keys = OFF")
        journal = await bulk_journal(session)
    try:
        async with session.transaction() as tx:
            try:
                yield tx
            finally:
                await tx.execute(f"PRAGMA cache_size = {_DEFAULT_CACHE_SIZE:d}")
            committing = time.perf_counter()
        spent["commit"] = time.perf_counter() - committing
    finally:
        if bulk:
            await session.execute("PRAGMA foreign_keys = ON")
            await restore_journal(session, journal)


class Importer:
    """Writes records into the catalogue (see the module's docstring)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def import_records(
        self,
        records: Sequence[ShowRecord],
        progress: Callable[[int, int], None] | None = None,
        *,
        batch: int = 500,
        timings: dict[str, float] | None = None,
        curated: Mapping[str, str] | None = None,
    ) -> CatalogueStats:
        """Upsert every record in ONE transaction: all or nothing. Idempotent by stable ids.

        A show's credits, episodes, releases and events are replaced by the record's.
        Returns the counts of what was imported. Into an empty catalogue the records are written
        in bulk (``bot.store.bulk``: indexes built once at the end), with the same result.
        ``timings``, when given, receives the seconds spent writing rows (``write``), building the
        search structures (``search``) and, in bulk, the secondary indexes (``index``), and
        committing (``commit``). ``curated`` (show id -> the curated record as the
        ``bot.sync.layers`` keeps it) is written in the same transaction.
        """
        counts = [0, 0, 0, 0, 0, 0]
        spent: dict[str, float] = {}
        with gc_paused():
            if self.db.dialect == POSTGRESQL:
                await self._import_pg(records, progress, batch, counts, spent, curated or {})
            else:
                await self._import(records, progress, batch, counts, spent, curated or {})
        if timings is not None:
            timings.update(spent)
        return CatalogueStats(*counts)

    async def _import(
        self,
        records: Sequence[ShowRecord],
        progress: Callable[[int, int], None] | None,
        batch: int,
        counts: list[int],
        spent: dict[str, float],
        curated: Mapping[str, str],
    ) -> None:
        """``import_records``: the counts and seconds go into ``counts`` and ``spent``."""
        clock = time.perf_counter
        started = clock()
        async with self.db.session() as session:
            bulk = await catalogue_is_empty(session) and show_ids_unique(records)
            async with _sqlite_transaction(session, bulk, spent) as tx:
                # Another connection may have written since: then the normal path (its
                # outcome does not depend on foreign key enforcement).
                if bulk and await catalogue_is_empty(tx):
                    await tx.execute(f"PRAGMA cache_size = {-_BULK_CACHE_KIB:d}")
                    loader = await bulk_load(
                        tx,
                        records,
                        batch=batch,
                        progress=progress,
                        index_names=lambda: index_new_names(tx, 0),
                        timings=spent,
                    )
                    counts[:] = loader.counts
                    spent["write"] += clock() - started - sum(spent.values())
                else:
                    await tx.execute(f"PRAGMA cache_size = {-_IMPORT_CACHE_KIB:d}")
                    await self._upsert_all(tx, records, counts, batch, progress, started, spent)
                if curated:
                    await tx.write_many(_CURATED_SQL, list(curated.items()))

    async def import_rows(
        self,
        tasks: Iterable[TaskRows],
        batch_for: Callable[[int], int],
        *,
        timings: dict[str, float] | None = None,
    ) -> CatalogueStats:
        """Write rows read by ``bot.catalogue.row_read`` into the empty catalogue, in ONE
        transaction, as ``import_records`` would write the same shows (``bot.store.bulk_rows``).

        Raises ``NotRowable``, with nothing written, when the catalogue is not empty (or on
        PostgreSQL), or when the rows are not the plain case: then import the records."""
        if self.db.dialect == POSTGRESQL:
            raise NotRowable
        spent: dict[str, float] = {}
        with gc_paused():
            async with self.db.session() as session:
                if not await catalogue_is_empty(session):
                    raise NotRowable
                async with _sqlite_transaction(session, True, spent) as tx:
                    if not await catalogue_is_empty(tx):
                        raise NotRowable
                    await tx.execute(f"PRAGMA cache_size = {-_BULK_CACHE_KIB:d}")
                    counts = await load_rows(
                        tx,
                        tasks,
                        batch_for=batch_for,
                        index_names=lambda: index_new_names(tx, 0),
                        timings=spent,
                    )
        if timings is not None:
            timings.update(spent)
        return CatalogueStats(*counts)

    async def _import_pg(
        self,
        records: Sequence[ShowRecord],
        progress: Callable[[int, int], None] | None,
        batch: int,
        counts: list[int],
        spent: dict[str, float],
        curated: Mapping[str, str],
    ) -> None:
        """``import_records`` on PostgreSQL: the same transaction, without SQLite's connection
        settings; into an empty catalogue, the rows go in by COPY (``bot.store.pg_bulk``)."""
        from bot.store.pg_bulk import load as pg_bulk_load

        clock = time.perf_counter
        started = clock()
        bulk = False
        async with self.db.transaction() as tx:
            if await catalogue_is_empty(tx) and show_ids_unique(records):
                bulk = True
                counts[:] = await pg_bulk_load(tx, records, batch=batch, progress=progress, timings=spent)
            else:
                await self._upsert_all(tx, records, counts, batch, progress, started, spent)
            if curated:
                await tx.write_many(_CURATED_SQL, list(curated.items()))
            committing = clock()
        spent["commit"] = clock() - committing
        if bulk:
            # The planner knows nothing of the tables a bulk load just filled until autovacuum
            # analyses them, a minute or more later: until then /show took 10 ms instead of 3.
            analysing = clock()
            await self.db.run("ANALYZE")
            spent["analyze"] = clock() - analysing

    async def _upsert_all(
        self,
        tx: Statements,
        records: Sequence[ShowRecord],
        counts: list[int],
        batch: int,
        progress: Callable[[int, int], None] | None,
        started: float,
        spent: dict[str, float],
    ) -> None:
        """The normal path, on either backend: people merged once, every record upserted, then
        the new names into the search structures (the seconds of each into ``spent``)."""
        people: dict[str, Person] = {}
        merge_people(people, records)
        counts[1] = len(people)
        mark = await self._write_all(tx, records, people, counts, batch, progress)
        indexed = time.perf_counter()
        spent["write"] = indexed - started
        await index_new_names(tx, mark)
        spent["search"] = time.perf_counter() - indexed

    async def _write_all(
        self,
        tx: Statements,
        records: Sequence[ShowRecord],
        people: dict[str, Person],
        counts: list[int],
        batch: int,
        progress: Callable[[int, int], None] | None,
    ) -> int:
        """The normal path: upsert chunk by chunk. Returns the names mark (see NameNumbers)."""
        total = len(records)
        # Names rows with ids above the mark are new in this import: they join the trigram
        # index in one pass at the end, which is far cheaper than row by row.
        mark = int(await tx.scalar("SELECT coalesce(max(id), 0) FROM names"))
        state = _ImportState(people, NameNumbers(mark, mark + 1))
        for start in range(0, total, batch):
            chunk = records[start : start + batch]
            await self._write_chunk(tx, chunk, counts, state)
            if progress:
                progress(min(start + batch, total), total)
        return mark

    async def _write_chunk(
        self, tx: Statements, chunk: Sequence[ShowRecord], counts: list[int], state: _ImportState
    ) -> None:
        rows = state.rows.rows(chunk)
        show_rows = rows.shows
        credit_rows = rows.credits
        episode_rows = rows.episodes
        release_rows = rows.releases
        event_rows = rows.events
        link_rows = rows.links
        show_names = {
            r.show.id: unique_names(r.show.title, r.show.original_title, *r.show.aliases) for r in chunk
        }
        new_people: dict[str, Person] = {}
        for row in credit_rows:
            pid = row[1]
            if pid not in state.written:
                state.written.add(pid)
                new_people[pid] = state.people[pid]
        ids = [(row[0],) for row in show_rows]
        await tx.write_many(_UPSERT_SHOWS_SQL, show_rows)
        # A show's children are replaced wholesale by what the record says.
        for table in ("credits", "episodes", "releases", "events", "show_links"):
            await tx.write_many(f"DELETE FROM {table} WHERE show_id = ?", ids)  # noqa: S608
        await replace_names(tx, "show", show_names, state.names)

        # People first seen in this import: write those that are new or changed.
        stored = {
            row[0]: (row[1], row[2])
            for row in await tx.query_in(
                "SELECT id, name, native_name FROM people WHERE id IN ({values})", new_people
            )
        }
        person_rows = []
        person_names: dict[str, list[str]] = {}
        for p in new_people.values():
            old = stored.get(p.id)
            final = (p.name, p.native_name or (old[1] if old else None))
            if old == final:
                continue
            person_rows.append((p.id, p.name, p.native_name))
            person_names[p.id] = unique_names(*final)
        if person_rows:
            await tx.write_many(
                "INSERT INTO people (id, name, native_name) VALUES (?,?,?) ON CONFLICT(id) DO UPDATE SET "
                "name=excluded.name, native_name=COALESCE(excluded.native_name, people.native_name)",
                person_rows,
            )
            await replace_names(tx, "person", person_names, state.names)
        # A later row with the same key replaces an earlier one (a record may repeat a credit).
        await tx.write_many(_CREDITS_SQL, credit_rows)
        await tx.write_many(_EPISODES_SQL, episode_rows)
        await tx.write_many(_RELEASES_SQL, release_rows)
        if link_rows:
            await tx.write_many(_LINKS_SQL, link_rows)
        await tx.write_many(_EVENTS_SQL, event_rows)
        counts[0] += len(show_rows)
        counts[2] += len(credit_rows)
        counts[3] += len(episode_rows)
        counts[4] += len(release_rows)
        counts[5] += len(event_rows)
