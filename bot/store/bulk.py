"""Loading a catalogue into an empty database in one pass, with its indexes built at the end.

The normal path of an import (``bot.store.importer``) writes show by show: it looks up what is
stored, replaces a show's children and its names, and keeps every index and search structure up
to date row by row. Into an empty catalogue (no shows, people, names or children) none of that
lookup is needed, and the same rows are written here far faster, in the same transaction, with
the same result:

- the secondary indexes of the catalogue tables (as ``sqlite_master`` holds them, so an index a
  later migration adds is handled too) are dropped first and created again at the end, each from
  one sort instead of a B-tree insert per row;
- CHECK constraints are not evaluated per row (``PRAGMA ignore_check_constraints``): SQLite
  codes ``x IN ('a', 'b', ...)`` as a temporary table built again for every row, which cost more
  than the insert itself. Every checked column (a show's kind, a credit's role, a release's scope
  and precision) is written from the models' enums through the tables below, so a value those
  constraints would refuse raises KeyError here instead (before its row is written: the import
  rolls back);
- foreign keys are not checked per row (the caller turns them off around the transaction): every
  child row carries its own record's show id, written in the same import, and every credit's
  person is in the people the import writes (they are gathered from the credits);
- the rows are those the normal path writes, in the same order, and names get the same ids
  (a batch's show names, then the names of the people first credited in that batch), so search
  answers and every query come out the same;
- the search structures are built right after the names, by statements SQLite runs in its own
  thread without Python's lock, while this thread builds the other rows (``load``);
- when nobody else has the database open, a rollback journal replaces the WAL for the load
  (``bulk_journal``);
- the sorts of the search structures and of the indexes run in short runs on every core
  (``sorted_runs``).

NOT NULL and the UNIQUE constraints are still enforced (a unique index refuses duplicates when
it is built again), so a failure rolls the whole import back as before.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import fields

from bot.models import Kind, Person, Precision, Role, Scope, Show, ShowRecord, Status
from bot.search import normalise
from bot.store.database import Reads, Session, Statements
from bot.store.rows import instant_text

# The tables an import writes; the catalogue is empty when they all are.
CATALOGUE_TABLES = (
    "shows",
    "people",
    "credits",
    "episodes",
    "releases",
    "events",
    "show_links",
    "names",
    "name_keys",
)

_KIND = {k: k.value for k in Kind}
_STATUS = {k: k.value for k in Status}
_ROLE = {k: k.value for k in Role}
_SCOPE = {k: k.value for k in Scope}
_PRECISION = {k: k.value for k in Precision}

SHOW_COLUMNS = tuple(f.name for f in fields(Show))  # the shows table has a column per field
SHOWS_SQL = f"INSERT INTO shows ({', '.join(SHOW_COLUMNS)}) VALUES ({','.join('?' * len(SHOW_COLUMNS))})"
PEOPLE_SQL = "INSERT INTO people (id, name, native_name) VALUES (?,?,?)"
NAMES_SQL = "INSERT INTO names (id, kind, ref, text, key) VALUES (?,?,?,?,?)"
# As in the normal path: a later row with the same key replaces an earlier one. (REPLACE is
# INSERT OR REPLACE; the other spelling keeps these statements, prepared while CHECK constraints
# are off, apart from the normal path's in the connection's statement cache.)
CREDITS_SQL = "REPLACE INTO credits (show_id, person_id, role, character, billing) VALUES (?,?,?,?,?)"
EPISODES_SQL = "REPLACE INTO episodes (show_id, season, number, title) VALUES (?,?,?,?)"
RELEASES_SQL = (
    "REPLACE INTO releases (id, show_id, scope, season, episode, platform, region, precision, "
    "zone, instant, local, note, part, last_episode) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
LINKS_SQL = "REPLACE INTO show_links (show_id, other_id, relation) VALUES (?,?,?)"
EVENTS_SQL = (
    "REPLACE INTO events (id, show_id, kind, title, precision, zone, instant, local, place) "
    "VALUES (?,?,?,?,?,?,?,?,?)"
)


class ChunkRows:
    """The rows of a batch of records for each table (people and names apart)."""

    __slots__ = ("shows", "credits", "episodes", "releases", "links", "events")

    def __init__(self) -> None:
        self.shows: list[tuple] = []
        self.credits: list[tuple] = []
        self.episodes: list[tuple] = []
        self.releases: list[tuple] = []
        self.links: list[tuple] = []
        self.events: list[tuple] = []


class RowBuilder:
    """Rows of the catalogue tables from records, the same for both import paths. Enum values go
    through the tables above (an unknown one raises KeyError); JSON lists and instants repeat a
    lot across a catalogue and are formatted once each."""

    def __init__(self) -> None:
        self._json: dict[tuple[str, ...], str] = {(): "[]"}
        self._instants: dict[object, str | None] = {None: None}

    def _json_list(self, values: tuple[str, ...]) -> str:
        text = self._json.get(values)
        if text is None:
            text = self._json[values] = json.dumps(list(values), ensure_ascii=False)
        return text

    def show_row(self, s: Show) -> tuple:
        return (
            s.id,
            s.title,
            _KIND[s.kind],
            s.original_title,
            self._json_list(tuple(s.aliases)),
            s.platform,
            s.country,
            s.original_language,
            self._json_list(tuple(s.genres)),
            s.synopsis,
            s.episode_count,
            s.season_count,
            s.source_kind,
            s.source_title,
            s.source_original_title,
            _STATUS[s.status] if s.status else None,
            s.tvmaze_id,
            s.imdb_id,
            s.thetvdb_id,
            s.premiered,
            s.ended,
            s.tvmaze_updated,
        )

    def rows(self, chunk: Sequence[ShowRecord]) -> ChunkRows:
        out = ChunkRows()
        out.shows = [self.show_row(rec.show) for rec in chunk]
        return self.children(chunk, out)

    def children(self, chunk: Sequence[ShowRecord], out: ChunkRows) -> ChunkRows:
        """The credits, episodes, releases, links and events of ``chunk`` into ``out``."""
        credit_rows, episode_rows = out.credits, out.episodes
        release_rows, link_rows, event_rows = out.releases, out.links, out.events
        instants = self._instants
        roles, scopes, precisions = _ROLE, _SCOPE, _PRECISION
        for rec in chunk:
            sid = rec.show.id
            for c in rec.credits:
                credit_rows.append((sid, c.person.id, roles[c.role], c.character or "", c.order))
            for e in rec.episodes:
                episode_rows.append((sid, e.season, e.number, e.title))
            for r in rec.releases:
                w = r.when
                instant = instants.get(w.instant, instants)
                if instant is instants:
                    instant = instants[w.instant] = instant_text(w.instant)
                release_rows.append(
                    (
                        r.id,
                        sid,
                        scopes[r.scope],
                        r.season,
                        r.episode,
                        r.platform,
                        r.region,
                        precisions[w.precision],
                        w.zone,
                        instant,
                        w.local,
                        r.note,
                        r.part,
                        r.last_episode,
                    )
                )
            for link in rec.links:
                link_rows.append((sid, link.other_id, link.relation))
            for ev in rec.events:
                w = ev.when
                event_rows.append(
                    (
                        ev.id,
                        sid,
                        ev.kind,
                        ev.title,
                        precisions[w.precision],
                        w.zone,
                        instant_text(w.instant),
                        w.local,
                        ev.place,
                    )
                )
        return out


def merge_people(people: dict[str, Person], records: Iterable[ShowRecord]) -> list[str]:
    """Merge everyone credited in ``records`` into ``people`` as upserting them show by show
    would: the last name wins; the last native name given wins, else the one before. Returns
    the ids that were not in ``people`` yet, in the order of their first credits."""
    new: list[str] = []
    for rec in records:
        for c in rec.credits:
            p = c.person
            known = people.get(p.id)
            if known is p:  # records read from files share one Person per person
                continue
            if known is None:
                people[p.id] = p if p.native_name or p.native_name is None else Person(p.id, p.name)
                new.append(p.id)
            elif known.name != p.name or (p.native_name and known.native_name != p.native_name):
                people[p.id] = Person(p.id, p.name, p.native_name or known.native_name)
    return new


def unique_names(*texts: str | None) -> list[str]:
    """The distinct non-blank names among ``texts``, stripped, in order."""
    seen: dict[str, None] = {}
    for t in texts:
        if t and t.strip():
            seen.setdefault(t.strip(), None)
    return list(seen)


async def catalogue_is_empty(db: Reads) -> bool:
    sql = "SELECT " + " AND ".join(f"NOT EXISTS (SELECT 1 FROM {t})" for t in CATALOGUE_TABLES)
    return bool(await db.scalar(sql))


async def bulk_journal(session: Session) -> str | None:
    """Leave WAL for a rollback journal while an empty catalogue is loaded, if nobody else has
    the database open (else stay in WAL). A rollback journal records only the pages that were
    there before, and the new pages go straight into the database file at commit, instead of
    once into the WAL and again into the file at the checkpoint. ``synchronous = FULL`` keeps
    the commit as safe as WAL's. Returns the mode to go back to, or None."""
    if await session.scalar("PRAGMA journal_mode") != "wal":
        return None
    try:
        rows = await session.returning("PRAGMA journal_mode = DELETE")
    except sqlite3.OperationalError:  # locked by another connection
        return None
    if not rows or rows[0][0] != "delete":
        return None
    await session.execute("PRAGMA synchronous = FULL")
    return "wal"


async def restore_journal(session: Session, journal: str | None) -> None:
    if journal is not None:
        await session.returning(f"PRAGMA journal_mode = {journal}")
        await session.execute("PRAGMA synchronous = NORMAL")


# SQLite sorts a whole table (CREATE INDEX, INSERT ... SELECT ... ORDER BY) in runs of at most the
# page cache's size, merged at the end. In runs as big as the bulk load's cache (hundreds of MB)
# every comparison misses the processor's caches, and the sort costs more per row the bigger the
# catalogue; in runs of a few MB it does not, and with helper threads the runs are sorted on
# every core. Measured at 100,000 shows: the indexes 2.5 -> 1.6 s (docs/benchmarks.md).
SORT_RUN_KIB = 2_000
SORT_THREADS_MAX = 8  # SQLite's own limit


@asynccontextmanager
async def sorted_runs(tx: Statements) -> AsyncIterator[None]:
    """Inside: SQLite sorts in short runs, with a helper thread per core (``PRAGMA threads``).
    The page cache shrinks to the run's size meanwhile (changed pages beyond it go to the file
    before the commit, which would write them anyway) and is given back after."""
    cache = int(await tx.scalar("PRAGMA cache_size"))
    await tx.execute(f"PRAGMA threads = {min(os.cpu_count() or 1, SORT_THREADS_MAX):d}")
    await tx.execute(f"PRAGMA cache_size = {-SORT_RUN_KIB:d}")
    try:
        yield
    finally:
        await tx.execute(f"PRAGMA cache_size = {cache:d}")
        await tx.execute("PRAGMA threads = 0")


def show_ids_unique(records: Sequence[ShowRecord]) -> bool:
    """Each show once: the bulk path writes every record as a new show."""
    return len({rec.show.id for rec in records}) == len(records)


async def secondary_indexes(tx: Statements) -> list[tuple[str, str]]:
    """(name, CREATE statement) of every explicit index on the catalogue tables, in schema order."""
    marks = ",".join("?" * len(CATALOGUE_TABLES))
    rows = await tx.query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
        f"AND tbl_name IN ({marks}) ORDER BY rowid",
        CATALOGUE_TABLES,
    )
    return [(r[0], r[1]) for r in rows]


class BulkLoader:
    """Writes records into an empty catalogue; see ``load``."""

    def __init__(self, tx: Statements) -> None:
        self.tx = tx
        self.counts = [0, 0, 0, 0, 0, 0]
        self.builder = RowBuilder()
        self._indexes: list[tuple[str, str]] = []

    async def start(self) -> None:
        self._indexes = await secondary_indexes(self.tx)
        for name, _ in self._indexes:
            await self.tx.execute(f'DROP INDEX "{name}"')
        await self.tx.execute("PRAGMA ignore_check_constraints = ON")

    async def stop(self) -> None:
        await self.tx.execute("PRAGMA ignore_check_constraints = OFF")

    def people_and_names(self, chunks: Sequence[Sequence[ShowRecord]]) -> tuple[list[tuple], list[tuple]]:
        """Rows of people and names, in one pass over the credits.

        People are merged as the normal path merges them (``merge_people``). Names are numbered
        as the normal path numbers them: a batch's show names, then the names of the people
        first credited in it (numbered once every credit is seen: a person's final names are
        known only then)."""
        people: dict[str, Person] = {}
        batches: list[tuple[list[tuple[str, str]], list[str]]] = []
        for chunk in chunks:
            show_names: list[tuple[str, str]] = []
            for rec in chunk:
                s = rec.show
                show_names += [(s.id, text) for text in unique_names(s.title, s.original_title, *s.aliases)]
            batches.append((show_names, merge_people(people, chunk)))
        names: list[tuple] = []
        people_rows: list[tuple] = []
        name_id = 1
        for show_names, new_people in batches:
            for sid, text in show_names:
                names.append((name_id, "show", sid, text, normalise(text)))
                name_id += 1
            for pid in new_people:
                p = people[pid]
                people_rows.append((pid, p.name, p.native_name))
                for text in unique_names(p.name, p.native_name):
                    names.append((name_id, "person", pid, text, normalise(text)))
                    name_id += 1
        self.counts[1] = len(people)
        return people_rows, names

    async def write_children(self, rows: ChunkRows) -> None:
        tx = self.tx
        await tx.executemany(CREDITS_SQL, rows.credits)
        await tx.executemany(EPISODES_SQL, rows.episodes)
        await tx.executemany(RELEASES_SQL, rows.releases)
        if rows.links:
            await tx.executemany(LINKS_SQL, rows.links)
        if rows.events:
            await tx.executemany(EVENTS_SQL, rows.events)
        counts = self.counts
        counts[2] += len(rows.credits)
        counts[3] += len(rows.episodes)
        counts[4] += len(rows.releases)
        counts[5] += len(rows.events)

    async def build_indexes(self) -> None:
        """The dropped indexes again, each from one sort (a unique one refuses duplicates here)."""
        async with sorted_runs(self.tx):
            for _, sql in self._indexes:
                await self.tx.execute(sql)


async def _in_sorted_runs(tx: Statements, step: Callable[[], Awaitable[None]]) -> None:
    async with sorted_runs(tx):
        await step()


async def load(
    tx: Statements,
    records: Sequence[ShowRecord],
    *,
    batch: int,
    progress: Callable[[int, int], None] | None,
    index_names: Callable[[], Awaitable[None]],
    timings: dict[str, float] | None = None,
) -> BulkLoader:
    """Write ``records`` into the empty catalogue, with the secondary indexes built at the end.

    Names (and people) go first; then ``index_names`` builds the search structures from the names
    (long statements that SQLite runs in its thread without Python's lock) while the rows of the
    shows, credits, episodes and releases are built here; then those rows go in, batch by batch.
    The loader's ``counts`` are those of ``CatalogueStats``.
    """
    clock = time.perf_counter
    started = clock()
    loader = BulkLoader(tx)
    total = len(records)
    chunks = [records[start : start + batch] for start in range(0, total, batch)]
    await loader.start()
    try:
        people_rows, names = loader.people_and_names(chunks)
        await tx.executemany(NAMES_SQL, names)
        del names
        named = clock()
        indexing = asyncio.ensure_future(_in_sorted_runs(tx, index_names))
        shows: list[tuple] = []
        children = []
        show_row = loader.builder.show_row
        try:
            for chunk in chunks:
                # Let the search statements start, and each one after the one before.
                await asyncio.sleep(0)
                shows += [show_row(rec.show) for rec in chunk]
                children.append(loader.builder.children(chunk, ChunkRows()))
        finally:
            await indexing
        searchable = clock()
        await tx.executemany(SHOWS_SQL, shows)
        await tx.executemany(PEOPLE_SQL, people_rows)
        loader.counts[0] = len(shows)
        del shows, people_rows
        done = 0
        for chunk, rows in zip(chunks, children, strict=True):
            await loader.write_children(rows)
            done += len(chunk)
            if progress:
                progress(done, total)
        del children
    finally:
        await loader.stop()
    written = clock()
    await loader.build_indexes()
    if timings is not None:
        timings["write"] = (named - started) + (written - searchable)
        timings["search"] = searchable - named
        timings["index"] = clock() - written
    return loader
