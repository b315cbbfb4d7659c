"""The one place with SQL: the catalogue (and, in later migrations, the bot's own state).

Numbered migrations in `migrations/NNNN_name.sql`, each applied in one transaction, the version
kept in `PRAGMA user_version`. WAL mode and foreign keys are on for every connection.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.models import (
    CatalogueStats,
    Credit,
    Episode,
    Event,
    Kind,
    Link,
    Person,
    Release,
    Role,
    Show,
    ShowRecord,
    Status,
)
from bot.search import normalise, word_suffixes
from bot.store.announcements import AnnouncementQueries
from bot.store.bulk import (
    SHOW_COLUMNS,
    SHOWS_SQL,
    RowBuilder,
    bulk_journal,
    catalogue_is_empty,
    gc_paused,
    restore_journal,
    show_ids_unique,
    unique_names,
)
from bot.store.bulk import load as bulk_load
from bot.store.rows import instant_text
from bot.store.rows import json_strings as _strings
from bot.store.rows import release_from_row as _release
from bot.store.rows import when_from_row as _when
from bot.store.sync import SyncQueries

log = logging.getLogger(__name__)

_MIGRATION_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_ROLE_ORDER = "CASE role WHEN 'cast' THEN 0 WHEN 'director' THEN 1 WHEN 'creator' THEN 2 " \
    "WHEN 'writer' THEN 3 ELSE 4 END"


_DEFAULT_CACHE_SIZE = -2000  # SQLite's default page cache: 2 MiB
_IMPORT_CACHE_KIB = 256_000  # a bulk import writes all over the tables: cache them while it runs
_BULK_CACHE_KIB = 1_024_000  # into an empty catalogue: room for all of a big one (taken as needed)


class MigrationError(Exception):
    pass


class _ImportState:
    """What one import has written so far."""

    def __init__(self, people: dict[str, Person]) -> None:
        self.people = people  # every person in the import, merged
        self.written: set[str] = set()  # people already handled
        self.mark = 0  # names rows up to this id were there before the import
        self.next_name_id = 1
        self.rows = RowBuilder()


_UPSERT_SHOWS_SQL = f"{SHOWS_SQL} ON CONFLICT(id) DO UPDATE SET " + ", ".join(
    f"{column}=excluded.{column}" for column in SHOW_COLUMNS if column != "id"
)


def _merged_people(records: Sequence[ShowRecord]) -> dict[str, Person]:
    """Every person credited in ``records``, merged as upserting them show by show would: the
    last name wins; the last native name given wins, else the one before."""
    people: dict[str, Person] = {}
    for rec in records:
        for c in rec.credits:
            p = c.person
            known = people.get(p.id)
            if known is p:  # records read from files share one Person per person
                continue
            if known is None:
                people[p.id] = p if p.native_name or p.native_name is None else Person(p.id, p.name)
            elif known.name != p.name or (p.native_name and known.native_name != p.native_name):
                people[p.id] = Person(p.id, p.name, p.native_name or known.native_name)
    return people


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every bundled migration, in order; versions must be 1..N."""
    found: list[tuple[int, str, str]] = []
    folder = resources.files("bot.store").joinpath("migrations")
    for entry in folder.iterdir():
        m = _MIGRATION_RE.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise MigrationError(f"migration {name} is numbered {version}, expected {expected}")
    return found


def _split_sql(script: str) -> list[str]:
    statements: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("--")):
            continue
        buf += line
        if stripped.endswith(";") and sqlite3.complete_statement(buf):
            statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements


class Store(AnnouncementQueries, SyncQueries):
    """Async access to the SQLite database. Build with ``await Store.open(path)``."""

    def __init__(self, conn: aiosqlite.Connection, path: Path | str) -> None:
        self._conn = conn
        self.path = path
        # One connection is shared by every coroutine: a write must never land inside another
        # coroutine's open transaction (and be committed or rolled back with it).
        self._write_lock = asyncio.Lock()

    # -- life cycle -------------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        store = cls(conn, path)
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA busy_timeout=5000")
            await store.migrate()
        except BaseException:
            await conn.close()
            raise
        return store

    async def close(self) -> None:
        await self._conn.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        return await self._scalar("PRAGMA user_version")

    async def migrate(self) -> int:
        """Apply pending migrations, each in its own transaction. Returns the new version."""
        current = await self.schema_version()
        all_migrations = migrations()
        if current > len(all_migrations):
            raise MigrationError(
                f"the database is at version {current}, newer than this code ({len(all_migrations)})"
            )
        for version, name, sql in all_migrations[current:]:
            async with self.transaction():
                for statement in _split_sql(sql):
                    await self._conn.execute(statement)
                await self._conn.execute(f"PRAGMA user_version = {version:d}")
            log.info("applied migration %s", name)
        return len(all_migrations)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        async with self._conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self._conn.execute_fetchall(sql, params))  # one trip to the thread

    # -- import and export ---------------------------------------------------------------------

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
        conn = self._conn
        async with self._write_lock:
            # Foreign keys can only be switched outside a transaction: off for a bulk load, whose
            # rows satisfy them by construction (see bot.store.bulk).
            bulk = await catalogue_is_empty(conn) and show_ids_unique(records)
            journal = None
            if bulk:
                await conn.execute("PRAGMA foreign_keys = OFF")
                journal = await bulk_journal(conn)
            try:
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    # Another connection may have written since: then the normal path (its
                    # outcome does not depend on foreign key enforcement).
                    if bulk and await catalogue_is_empty(conn):
                        await conn.execute(f"PRAGMA cache_size = {-_BULK_CACHE_KIB:d}")
                        loader = await bulk_load(
                            conn,
                            records,
                            batch=batch,
                            progress=progress,
                            index_names=lambda: self._index_new_names(conn, 0),
                            timings=spent,
                        )
                        counts[:] = loader.counts
                        spent["write"] += clock() - started - sum(spent.values())
                    else:
                        await conn.execute(f"PRAGMA cache_size = {-_IMPORT_CACHE_KIB:d}")
                        people = _merged_people(records)
                        counts[1] = len(people)
                        mark = await self._write_all(conn, records, people, counts, batch, progress)
                        indexed = clock()
                        spent["write"] = indexed - started
                        await self._index_new_names(conn, mark)
                        spent["search"] = clock() - indexed
                    if curated:
                        await conn.executemany(
                            "INSERT INTO curated (show_id, record) VALUES (?, ?) "
                            "ON CONFLICT(show_id) DO UPDATE SET record = excluded.record",
                            list(curated.items()),
                        )
                except BaseException:
                    await conn.execute("ROLLBACK")
                    raise
                finally:
                    await conn.execute(f"PRAGMA cache_size = {_DEFAULT_CACHE_SIZE:d}")
                committing = clock()
                await conn.execute("COMMIT")
                spent["commit"] = clock() - committing
            finally:
                if bulk:
                    await conn.execute("PRAGMA foreign_keys = ON")
                    await restore_journal(conn, journal)

    async def _write_all(
        self,
        conn: aiosqlite.Connection,
        records: Sequence[ShowRecord],
        people: dict[str, Person],
        counts: list[int],
        batch: int,
        progress: Callable[[int, int], None] | None,
    ) -> int:
        """The normal path: upsert chunk by chunk. Returns the names mark (see below)."""
        total = len(records)
        state = _ImportState(people)
        # Names rows with ids above the mark are new in this import: they join the trigram
        # index in one pass at the end, which is far cheaper than row by row.
        state.mark = await self._scalar("SELECT coalesce(max(id), 0) FROM names")
        state.next_name_id = state.mark + 1
        for start in range(0, total, batch):
            chunk = records[start : start + batch]
            await self._write_chunk(conn, chunk, counts, state)
            if progress:
                progress(min(start + batch, total), total)
        return state.mark

    async def _index_new_names(self, conn: aiosqlite.Connection, mark: int) -> None:
        """Add the names rows above ``mark`` to the search structures, in one pass each (sorted
        inserts into name_keys, bulk inserts into the trigram indexes), then recount trigrams."""
        await conn.execute(
            "WITH RECURSIVE k(id, kind, rest, whole, length) AS ("
            " SELECT id, kind, key, 1, length(key) FROM names WHERE id > ? AND key != ''"
            " UNION ALL SELECT id, kind, substr(rest, instr(rest, ' ') + 1), 0, length FROM k"
            " WHERE instr(rest, ' ') > 0) "
            "INSERT INTO name_keys (kind, key, name_id, whole, length) "
            "SELECT kind, rest, id, whole, length FROM k ORDER BY kind, rest, id",
            (mark,),
        )
        for kind in _NAME_KINDS:
            await conn.execute(
                f"INSERT INTO names_fts_{kind} (rowid, key) SELECT id, key FROM names "  # noqa: S608
                "WHERE id > ? AND kind = ?",
                (mark, kind),
            )
        await conn.execute("DELETE FROM name_grams")
        for kind in _NAME_KINDS:
            await conn.execute(
                f"INSERT INTO name_grams (kind, gram, docs) SELECT ?, term, doc FROM names_vocab_{kind}",  # noqa: S608
                (kind,),
            )

    async def _stored_names(self, kind: str, refs: Sequence[str]) -> dict[str, list[tuple[int, str, str]]]:
        out: dict[str, list[tuple[int, str, str]]] = {}
        for start in range(0, len(refs), 500):
            part = refs[start : start + 500]
            marks = ",".join("?" * len(part))
            for row in await self._all(
                f"SELECT id, ref, text, key FROM names WHERE ref IN ({marks}) AND kind = ? ORDER BY id",  # noqa: S608
                [*part, kind],
            ):
                out.setdefault(row[1], []).append((row[0], row[2], row[3]))
        return out

    async def _replace_names(
        self, conn: aiosqlite.Connection, kind: str, wanted: dict[str, list[str]], state: _ImportState
    ) -> None:
        """Make the names of each ref exactly ``wanted[ref]``; unchanged refs are left alone."""
        stored = await self._stored_names(kind, list(wanted))
        unindex: list[tuple[int, str]] = []
        unkey: list[tuple[str, str, int]] = []
        drop: list[tuple[int]] = []
        add: list[tuple[int, str, str, str, str]] = []
        for ref, texts in wanted.items():
            old = stored.get(ref, [])
            if [t for _, t, _ in old] == texts:  # a key follows from its text
                continue
            for name_id, _text, key in old:
                drop.append((name_id,))
                if name_id <= state.mark:  # newer rows are not in the search structures yet
                    unindex.append((name_id, key))
                    unkey.extend((kind, suffix, name_id) for suffix in word_suffixes(key))
            for text in texts:
                add.append((state.next_name_id, kind, ref, text, normalise(text)))
                state.next_name_id += 1
        if unindex:
            await conn.executemany(
                f"INSERT INTO names_fts_{kind} (names_fts_{kind}, rowid, key) VALUES ('delete', ?, ?)",  # noqa: S608
                unindex,
            )
            await conn.executemany("DELETE FROM name_keys WHERE kind = ? AND key = ? AND name_id = ?", unkey)
        if drop:
            await conn.executemany("DELETE FROM names WHERE id = ?", drop)
        if add:
            await conn.executemany("INSERT INTO names (id, kind, ref, text, key) VALUES (?,?,?,?,?)", add)

    async def _write_chunk(
        self, conn: aiosqlite.Connection, chunk: Sequence[ShowRecord], counts: list[int], state: _ImportState
    ) -> None:
        rows = state.rows.rows(chunk)
        show_rows = rows.shows
        credit_rows = rows.credits
        episode_rows = rows.episodes
        release_rows = rows.releases
        event_rows = rows.events
        link_rows = rows.links
        show_names = {r.show.id: _unique(r.show.title, r.show.original_title, *r.show.aliases) for r in chunk}
        new_people: dict[str, Person] = {}
        for row in credit_rows:
            pid = row[1]
            if pid not in state.written:
                state.written.add(pid)
                new_people[pid] = state.people[pid]
        ids = [(row[0],) for row in show_rows]
        await conn.executemany(_UPSERT_SHOWS_SQL, show_rows)
        # A show's children are replaced wholesale by what the record says.
        for table in ("credits", "episodes", "releases", "events", "show_links"):
            await conn.executemany(f"DELETE FROM {table} WHERE show_id = ?", ids)  # noqa: S608
        await self._replace_names(conn, "show", show_names, state)

        # People first seen in this import: write those that are new or changed.
        stored: dict[str, tuple[str, str | None]] = {}
        pids = list(new_people)
        for start in range(0, len(pids), 500):
            part = pids[start : start + 500]
            marks = ",".join("?" * len(part))
            sql = f"SELECT id, name, native_name FROM people WHERE id IN ({marks})"  # noqa: S608
            for row in await self._all(sql, part):
                stored[row[0]] = (row[1], row[2])
        person_rows = []
        person_names: dict[str, list[str]] = {}
        for p in new_people.values():
            old = stored.get(p.id)
            final = (p.name, p.native_name or (old[1] if old else None))
            if old == final:
                continue
            person_rows.append((p.id, p.name, p.native_name))
            person_names[p.id] = _unique(*final)
        if person_rows:
            await conn.executemany(
                "INSERT INTO people (id, name, native_name) VALUES (?,?,?) ON CONFLICT(id) DO UPDATE SET "
                "name=excluded.name, native_name=COALESCE(excluded.native_name, people.native_name)",
                person_rows,
            )
            await self._replace_names(conn, "person", person_names, state)
        await conn.executemany(
            "INSERT OR REPLACE INTO credits (show_id, person_id, role, character, billing) "
            "VALUES (?,?,?,?,?)",
            credit_rows,
        )
        await conn.executemany(
            "INSERT OR REPLACE INTO episodes (show_id, season, number, title) VALUES (?,?,?,?)", episode_rows
        )
        await conn.executemany(
            "INSERT OR REPLACE INTO releases (id, show_id, scope, season, episode, platform, region, "
            "precision, zone, instant, local, note, part, last_episode) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            release_rows,
        )
        if link_rows:
            await conn.executemany(
                "INSERT OR REPLACE INTO show_links (show_id, other_id, relation) VALUES (?,?,?)", link_rows
            )
        await conn.executemany(
            "INSERT OR REPLACE INTO events (id, show_id, kind, title, precision, zone, instant, local, "
            "place) VALUES (?,?,?,?,?,?,?,?,?)",
            event_rows,
        )
        counts[0] += len(show_rows)
        counts[2] += len(credit_rows)
        counts[3] += len(episode_rows)
        counts[4] += len(release_rows)
        counts[5] += len(event_rows)

    async def export_records(self) -> list[ShowRecord]:
        shows = [_show(r) for r in await self._all("SELECT * FROM shows ORDER BY id")]
        by_id = {s.id: ShowRecord(s) for s in shows}
        for row in await self._all(
            "SELECT c.*, p.name, p.native_name FROM credits c JOIN people p ON p.id = c.person_id "
            f"ORDER BY c.show_id, {_ROLE_ORDER}, c.billing, p.name"
        ):
            by_id[row["show_id"]].credits.append(_credit(row))
        for row in await self._all("SELECT * FROM episodes ORDER BY show_id, season, number"):
            by_id[row["show_id"]].episodes.append(_episode(row))
        for row in await self._all(
            "SELECT * FROM releases ORDER BY show_id, instant IS NULL, instant, season, episode, id"
        ):
            by_id[row["show_id"]].releases.append(_release(row))
        for row in await self._all("SELECT * FROM events ORDER BY show_id, instant, id"):
            by_id[row["show_id"]].events.append(_event(row))
        for row in await self._all("SELECT * FROM show_links ORDER BY show_id, other_id"):
            by_id[row["show_id"]].links.append(Link(row["show_id"], row["other_id"], row["relation"]))
        return list(by_id.values())

    async def stats(self) -> CatalogueStats:
        row = (
            await self._all(
                "SELECT (SELECT count(*) FROM shows), (SELECT count(*) FROM people), "
                "(SELECT count(*) FROM credits), (SELECT count(*) FROM episodes), "
                "(SELECT count(*) FROM releases), (SELECT count(*) FROM events)"
            )
        )[0]
        return CatalogueStats(*row)

    async def is_empty(self) -> bool:
        return await self._scalar("SELECT NOT EXISTS (SELECT 1 FROM shows)") == 1

    # -- the bot's own facts -------------------------------------------------------------------

    async def get_meta(self, key: str) -> str | None:
        return await self._scalar("SELECT value FROM meta WHERE key = ?", (key,))

    async def set_meta(self, key: str, value: str) -> None:
        async with self._write_lock:
            await self._conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- catalogue queries -----------------------------------------------------------------------

    async def get_show(self, show_id: str) -> Show | None:
        rows = await self._all("SELECT * FROM shows WHERE id = ?", (show_id,))
        return _show(rows[0]) if rows else None

    async def get_shows(self, show_ids: Iterable[str]) -> dict[str, Show]:
        ids = list(dict.fromkeys(show_ids))
        out: dict[str, Show] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            for row in await self._all(f"SELECT * FROM shows WHERE id IN ({marks})", part):  # noqa: S608
                out[row["id"]] = _show(row)
        return out

    async def get_credits(self, show_id: str, role: Role | None = None) -> list[Credit]:
        sql = (
            "SELECT c.*, p.name, p.native_name FROM credits c JOIN people p ON p.id = c.person_id "
            "WHERE c.show_id = ?"
        )
        params: list[Any] = [show_id]
        if role is not None:
            sql += " AND c.role = ?"
            params.append(role.value)
        sql += f" ORDER BY {_ROLE_ORDER}, c.billing = 0, c.billing, p.name"
        return [_credit(r) for r in await self._all(sql, params)]

    async def get_episodes(self, show_id: str) -> list[Episode]:
        rows = await self._all("SELECT * FROM episodes WHERE show_id = ? ORDER BY season, number", (show_id,))
        return [_episode(r) for r in rows]

    async def get_releases(self, show_id: str) -> list[Release]:
        rows = await self._all(
            "SELECT * FROM releases WHERE show_id = ? ORDER BY instant IS NULL, instant, season, episode, id",
            (show_id,),
        )
        return [_release(r) for r in rows]

    async def get_release(self, release_id: str) -> Release | None:
        rows = await self._all("SELECT * FROM releases WHERE id = ?", (release_id,))
        return _release(rows[0]) if rows else None

    async def get_events(self, show_id: str) -> list[Event]:
        rows = await self._all("SELECT * FROM events WHERE show_id = ? ORDER BY instant, id", (show_id,))
        return [_event(r) for r in rows]

    async def get_person(self, person_id: str) -> Person | None:
        rows = await self._all("SELECT * FROM people WHERE id = ?", (person_id,))
        return Person(rows[0]["id"], rows[0]["name"], rows[0]["native_name"]) if rows else None

    async def person_credits(self, person_id: str) -> list[tuple[Credit, Show]]:
        rows = await self._all(
            "SELECT c.*, p.name, p.native_name, s.* FROM credits c JOIN people p ON p.id = c.person_id "
            "JOIN shows s ON s.id = c.show_id WHERE c.person_id = ? "
            f"ORDER BY s.title, {_ROLE_ORDER}, c.billing",
            (person_id,),
        )
        out = []
        for r in rows:
            credit = Credit(
                r["show_id"], Person(person_id, r["name"], r["native_name"]), Role(r["role"]),
                r["character"] or None, r["billing"],
            )
            out.append((credit, _show(r)))
        return out

    async def releases_between(
        self, start: datetime, end: datetime, *, platform: str | None = None, limit: int = 500
    ) -> list[Release]:
        """Releases with a known start in [start, end), earliest first (TBA never)."""
        sql = "SELECT * FROM releases WHERE instant >= ? AND instant < ?"
        params: list[Any] = [instant_text(start), instant_text(end)]
        if platform:
            sql += " AND lower(platform) = lower(?)"
            params.append(platform)
        sql += " ORDER BY instant, show_id, season, episode LIMIT ?"
        params.append(limit)
        return [_release(r) for r in await self._all(sql, params)]

    async def upcoming_releases(
        self, now: datetime, end: datetime, *, platform: str | None = None, limit: int = 25
    ) -> tuple[list[Release], int]:
        """Releases still ahead of ``now`` that start before ``end``, earliest first: the first
        ``limit`` of them, and how many there are. A date-only release is still ahead for the
        whole of its day, a month or year release for the whole of its month or year; any other
        from its instant on (TBA never)."""
        # A month or year release that has begun but not ended is still upcoming (and is never
        # posted): its stored instant is the start of its month or year in its zone.
        month, year = now.strftime("%Y-%m"), now.strftime("%Y")
        where = (
            "instant > ? AND instant < ? AND (instant >= ? OR (precision = 'date' AND instant > ?) "
            "OR (precision = 'month' AND local >= ?) OR (precision = 'year' AND local >= ?))"
        )
        params: list[Any] = [
            instant_text(now - timedelta(days=367)), instant_text(end), instant_text(now),
            instant_text(now - timedelta(days=1)), month, year,
        ]
        if platform:
            where += " AND lower(platform) = lower(?)"
            params.append(platform)
        rows = await self._all(
            f"SELECT * FROM releases WHERE {where} ORDER BY instant, show_id, season, episode LIMIT ?",  # noqa: S608
            [*params, limit],
        )
        if len(rows) < limit:
            return [_release(r) for r in rows], len(rows)
        total = await self._scalar(f"SELECT count(*) FROM releases WHERE {where}", params)  # noqa: S608
        return [_release(r) for r in rows], total

    async def platforms(self) -> list[str]:
        rows = await self._all(
            "SELECT platform FROM releases WHERE platform IS NOT NULL UNION "
            "SELECT platform FROM shows WHERE platform IS NOT NULL ORDER BY 1"
        )
        return [r[0] for r in rows]

    async def search_names(
        self, text: str, kind: str | None = None, limit: int = 25
    ) -> list[tuple[str, str, str]]:
        """Substring search in titles, aliases and names (their search keys), any script:
        (kind, ref, matched text)."""
        needle = normalise(text)
        if not needle:
            return []
        # A key holds only word characters (no "_") and single spaces: nothing to escape in LIKE.
        out: list[tuple[str, str, str]] = []
        for k in _NAME_KINDS if kind is None else (kind,):
            if k not in _NAME_KINDS or len(out) >= limit:
                continue
            if len(needle) >= 3:  # the trigram index answers LIKE; shorter needles scan
                sql = (
                    f"SELECT n.kind, n.ref, n.text FROM names_fts_{k} f JOIN names n ON n.id = f.rowid "  # noqa: S608
                    "WHERE f.key LIKE ? LIMIT ?"
                )
                params: list[Any] = [f"%{needle}%", limit - len(out)]
            else:
                sql = "SELECT kind, ref, text FROM names WHERE kind = ? AND key LIKE ? LIMIT ?"
                params = [k, f"%{needle}%", limit - len(out)]
            out += [(r[0], r[1], r[2]) for r in await self._all(sql, params)]
        return out

    # -- name search (bot.search drives these) ---------------------------------------------------

    async def name_prefix(
        self, kind: str, key: str, *, scan: int = 2000, top: int = 100
    ) -> list[tuple[str, str, str, float]]:
        """Names of ``kind`` whose key, or a word-start suffix of it, starts with ``key``:
        (ref, text, key, score), best first. Reads at most ``scan`` index rows in key order."""
        rows = await self._all(
            "SELECT n.ref, n.text, n.key, m.score FROM ("
            " SELECT name_id, max(CASE WHEN whole AND key = ?1 THEN 100.0"
            "  WHEN whole THEN 96.0 - min(length - ?2, 40) * 0.05"
            "  ELSE 92.0 - min(length - ?2, 40) * 0.05 END) AS score, length FROM ("
            "  SELECT name_id, whole, length, key FROM name_keys"
            "  WHERE kind = ?3 AND key >= ?1 AND key < ?4 LIMIT ?5)"
            " GROUP BY name_id ORDER BY score DESC, length LIMIT ?6"
            ") m JOIN names n ON n.id = m.name_id ORDER BY m.score DESC, m.length",
            (key, len(key), kind, key + "\U0010ffff", scan, top),
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def gram_docs(self, kind: str, grams: Sequence[str]) -> dict[str, int]:
        """How many names of ``kind`` hold each trigram (absent: none)."""
        if not grams:
            return {}
        marks = ",".join("?" * len(grams))
        rows = await self._all(
            f"SELECT gram, docs FROM name_grams WHERE kind = ? AND gram IN ({marks})",  # noqa: S608
            [kind, *grams],
        )
        return {r[0]: r[1] for r in rows}

    async def name_candidates(
        self, kind: str, grams: Sequence[str], need: int, limit: int = 300
    ) -> list[tuple[str, str, str, int]]:
        """Names of ``kind`` holding at least ``need`` of ``grams`` (trigrams of a search key),
        most shared first: (ref, text, key, shared)."""
        if kind not in _NAME_KINDS or not grams:
            return []
        union = " UNION ALL ".join(
            f"SELECT rowid AS id FROM names_fts_{kind} WHERE names_fts_{kind} MATCH ?" for _ in grams  # noqa: S608
        )
        rows = await self._all(
            f"SELECT n.ref, n.text, n.key, c.hits FROM (SELECT id, count(*) AS hits FROM ({union}) "  # noqa: S608
            "GROUP BY id HAVING hits >= ? ORDER BY hits DESC LIMIT ?) c JOIN names n ON n.id = c.id "
            "ORDER BY c.hits DESC",
            ['"' + g.replace('"', '""') + '"' for g in grams] + [need, limit],
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def names_with_grams(
        self, kind: str, groups: Sequence[Sequence[str]], limit: int = 300
    ) -> list[tuple[str, str, str]]:
        """Names of ``kind`` holding every trigram of at least one of ``groups``: (ref, text, key).
        The trigram index intersects and unites the postings itself."""
        if kind not in _NAME_KINDS or not groups:
            return []
        expr = " OR ".join(
            "(" + " AND ".join('"' + g.replace('"', '""') + '"' for g in group) + ")" for group in groups
        )
        rows = await self._all(
            f"SELECT n.ref, n.text, n.key FROM names_fts_{kind} f JOIN names n ON n.id = f.rowid "  # noqa: S608
            f"WHERE names_fts_{kind} MATCH ? LIMIT ?",
            (expr, limit),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def display_names(self, kind: str, refs: Iterable[str]) -> dict[str, str]:
        """Show id -> title, or person id -> name, for the given ids."""
        ids = list(dict.fromkeys(refs))
        if not ids:
            return {}
        table, column = ("shows", "title") if kind == "show" else ("people", "name")
        marks = ",".join("?" * len(ids))
        rows = await self._all(f"SELECT id, {column} FROM {table} WHERE id IN ({marks})", ids)  # noqa: S608
        return {r[0]: r[1] for r in rows}

    async def first_names(self, kind: str, limit: int = 25) -> list[tuple[str, str]]:
        """The first ``limit`` shows (by title) or people (by name) in key order: (ref, display)."""
        table, column = ("shows", "title") if kind == "show" else ("people", "name")
        rows = await self._all(
            f"SELECT n.ref, d.{column} FROM name_keys k JOIN names n ON n.id = k.name_id "  # noqa: S608
            f"JOIN {table} d ON d.id = n.ref AND d.{column} = n.text "
            "WHERE k.kind = ? AND k.whole = 1 ORDER BY k.key, k.name_id LIMIT ?",
            (kind, limit),
        )
        return [(r[0], r[1]) for r in rows]

    async def name_count(self) -> int:
        return await self._scalar("SELECT count(*) FROM names")


_NAME_KINDS = ("show", "person")


_unique = unique_names


# Enum members by value: a dict lookup is several times cheaper than calling the enum.
_KINDS = {k.value: k for k in Kind}
_STATUSES = {k.value: k for k in Status}
_ROLES = {k.value: k for k in Role}


def _show(r: aiosqlite.Row) -> Show:
    return Show(
        id=r["id"], title=r["title"], kind=_KINDS.get(r["kind"]) or Kind(r["kind"]),
        original_title=r["original_title"],
        aliases=_strings(r["aliases"]), platform=r["platform"], country=r["country"],
        original_language=r["original_language"], genres=_strings(r["genres"]),
        synopsis=r["synopsis"], episode_count=r["episode_count"], season_count=r["season_count"],
        source_kind=r["source_kind"], source_title=r["source_title"],
        source_original_title=r["source_original_title"],
        status=(_STATUSES.get(r["status"]) or Status(r["status"])) if r["status"] else None,
        tvmaze_id=r["tvmaze_id"], imdb_id=r["imdb_id"], thetvdb_id=r["thetvdb_id"],
        premiered=r["premiered"], ended=r["ended"], tvmaze_updated=r["tvmaze_updated"],
    )


def _credit(r: aiosqlite.Row) -> Credit:
    return Credit(
        r["show_id"], Person(r["person_id"], r["name"], r["native_name"]), _ROLES.get(r["role"]) or Role(r["role"]),
        r["character"] or None, r["billing"],
    )


def _episode(r: aiosqlite.Row) -> Episode:
    return Episode(r["show_id"], r["season"], r["number"], r["title"])


def _event(r: aiosqlite.Row) -> Event:
    return Event(r["show_id"], r["kind"], r["title"], _when(r), r["place"])
