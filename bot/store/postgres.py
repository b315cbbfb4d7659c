"""The database on PostgreSQL: the store's ``Database`` over an asyncpg pool.

``DATABASE_URL=postgresql://user:password@host:5432/premiere`` selects it (``open_database``).
The parts send the same SQL as on SQLite; here ``?`` and ``?N`` placeholders become ``$N``
(``translate``), and rows are asyncpg's records, which read by name and by position alike.

Behaviour kept from SQLite:

- **One write transaction at a time.** SQLite's ``BEGIN IMMEDIATE`` lets one writer in at once,
  and the parts rely on it (a follow and the cap it is checked against, a setting read back by
  the statement that wrote it). Each transaction here takes a transaction-level advisory lock
  (``pg_advisory_xact_lock``) first, so write transactions of every process on the database run
  one after the other. Reads do not wait for them; a single statement (``run``) waits for a
  transaction of its own process, as on SQLite, but not for another process's (it is atomic on
  its own). Waiting for that lock, or for a row, gives up after ``LOCK_TIMEOUT``.
- **Migrations**: numbered files in ``migrations/postgresql/``, one for each SQLite migration
  and numbered alike, each applied in one transaction (under the same lock, so two processes
  starting at once apply each migration once); the version is kept in the table
  ``schema_version``; a database newer than the code is refused. There is no file to copy
  before a migration: take a ``pg_dump`` before upgrading the bot (the README says so).
- **Counts**: ``execute`` and ``executemany`` return the rows changed; ``write_many`` pipelines
  its rows and counts nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.store.database import POSTGRESQL, MigrationError, ReadsOverQuery, Row, migrations

log = logging.getLogger(__name__)

# The advisory lock every write transaction (and every migration) holds: one at a time.
WRITE_LOCK_KEY = 0x7072656D69657265 & 0x7FFFFFFFFFFFFFFF  # "premiere"
LOCK_TIMEOUT = "60s"  # a write transaction waits this long for the lock or a row, then fails
CONNECT_TIMEOUT = 10.0  # seconds to connect
ACQUIRE_TIMEOUT = 60.0  # seconds to wait for a free connection of the pool
CLOSE_TIMEOUT = 10.0  # seconds for the pool to close before its connections are cut
POOL_SIZE = 10


@functools.lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """SQLite's placeholders as PostgreSQL's: ``?N`` is ``$N``, and a bare ``?`` is one more than
    the largest number so far (SQLite's rule). Placeholders in string literals, quoted names and
    comments are left alone."""
    out: list[str] = []
    highest = 0
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            end = sql.find(ch, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == ch:  # a doubled quote
                end = sql.find(ch, end + 2)
            end = n - 1 if end == -1 else end
            out.append(sql[i : end + 1])
            i = end + 1
        elif ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end])
            i = end
        elif ch == "?":
            j = i + 1
            while j < n and sql[j].isdigit():
                j += 1
            if j > i + 1:
                number = int(sql[i + 1 : j])
                highest = max(highest, number)
            else:
                highest += 1
                number = highest
            out.append(f"${number}")
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _changed(status: str) -> int:
    """The rows a command changed, from its status ("UPDATE 3", "INSERT 0 1", "CREATE TABLE")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def public_url(url: str) -> str:
    """``url`` without its password: what may be shown and logged."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}" if user else netloc))


class _PgReads(ReadsOverQuery):
    """Reads, through ``_fetch`` (a pool's or one connection's)."""

    __slots__ = ("_observers",)
    dialect: ClassVar[str] = POSTGRESQL

    def __init__(self, observers: list[Callable[[str], None]]) -> None:
        self._observers = observers

    def _seen(self, sql: str) -> None:
        for observer in self._observers:
            observer(sql)

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Row]:
        raise NotImplementedError

    async def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if self._observers:
            self._seen(sql)
        return await self._fetch(translate(sql), params)


class PgStatements(_PgReads):
    """Reads and writes on one connection (in a transaction, or a session)."""

    __slots__ = ("_conn",)

    def __init__(self, conn: Any, observers: list[Callable[[str], None]]) -> None:
        super().__init__(observers)
        self._conn = conn

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return list(await self._conn.fetch(sql, *params))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        if self._observers:
            self._seen(sql)
        return _changed(await self._conn.execute(translate(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """One statement per row, one after the other, to count the rows each changed (asyncpg's
        own executemany counts nothing: ``write_many`` is that)."""
        if self._observers:
            self._seen(sql)
        statement = translate(sql)
        changed = 0
        for row in rows:
            changed += _changed(await self._conn.execute(statement, *row))
        return changed

    async def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        if self._observers:
            self._seen(sql)
        batch = list(rows)
        if batch:
            await self._conn.executemany(translate(sql), batch)

    async def returning(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if self._observers:
            self._seen(sql)
        return list(await self._conn.fetch(translate(sql), *params))

    async def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Iterable[Any]]) -> None:
        """Rows into ``table`` by COPY (each value of its column's type: str for text, int for
        integers, None for NULL)."""
        if self._observers:
            self._seen(f"COPY {table}")
        batch = [tuple(r) for r in rows]
        if batch:
            await self._conn.copy_records_to_table(table, records=batch, columns=list(columns))

    async def begin_write(self) -> None:
        """The start of a write transaction: the lock that lets one in at a time, with a deadline."""
        if self._observers:
            self._seen("BEGIN")
        await self._conn.execute(
            "SELECT set_config('lock_timeout', $1, true), pg_advisory_xact_lock($2)",
            LOCK_TIMEOUT,
            WRITE_LOCK_KEY,
        )

    def ended(self, how: str) -> None:
        """A write transaction ended (COMMIT or ROLLBACK): told to the observers."""
        if self._observers:
            self._seen(how)

    async def script(self, sql: str) -> None:
        """Several statements without parameters at once (a migration)."""
        if self._observers:
            self._seen(sql)
        await self._conn.execute(sql)


class PgSession(PgStatements):
    """One connection of the pool, held outside a transaction."""

    __slots__ = ()

    @asynccontextmanager
    async def plain_transaction(self) -> AsyncIterator[PgStatements]:
        """A transaction without the write lock (the caller holds it already)."""
        async with self._conn.transaction():
            yield self

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgStatements]:
        async with self._conn.transaction():
            await self.begin_write()
            try:
                yield self
            except BaseException:
                self.ended("ROLLBACK")
                raise
            self.ended("COMMIT")


class PgDatabase(_PgReads):
    """A PostgreSQL database through a pool, migrated. Build with ``await PgDatabase.open(url)``."""

    __slots__ = ("_pool", "_url", "_write_lock")

    def __init__(self, pool: Any, url: str) -> None:
        super().__init__([])
        self._pool = pool
        self._url = url
        # Inside this process too, one write transaction at a time: a second one would hold a
        # connection of the pool only to wait for the advisory lock.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True, pool_size: int = POOL_SIZE) -> PgDatabase:
        """Connect and apply pending migrations (``migrate=False``: only connect)."""
        pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=pool_size,
            timeout=CONNECT_TIMEOUT,
            # Short queries: planning them for the JIT costs more than it saves.
            server_settings={"application_name": "premiere", "jit": "off"},
        )
        db = cls(pool, url)
        try:
            if migrate:
                await db.migrate()
        except BaseException:
            await db.close()
            raise
        return db

    @property
    def path(self) -> str:
        return public_url(self._url)

    @property
    def url(self) -> str:
        """The URL it was opened with, password included (to open it again)."""
        return self._url

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._pool.close(), CLOSE_TIMEOUT)
        except TimeoutError:
            self._pool.terminate()

    def command_reads(self) -> PgDatabase:
        """Every read goes through the pool."""
        return self

    def observe(self, observer: Callable[[str], None]) -> Callable[[], None]:
        self._observers.append(observer)
        return lambda: self._observers.remove(observer)

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Row]:
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as conn:
            return list(await conn.fetch(sql, *params))

    # -- writes -----------------------------------------------------------------------------------

    # One statement waits, as on SQLite, for a write transaction of this process to end (another
    # process's does not hold it up: the statement is atomic on its own).

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        if self._observers:
            self._seen(sql)
        async with self._write_lock, self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as conn:
            return _changed(await conn.execute(translate(sql), *params))

    async def run_returning(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if self._observers:
            self._seen(sql)
        async with self._write_lock:
            return await self._fetch(translate(sql), params)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[PgSession]:
        async with self._write_lock, self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as conn:
            yield PgSession(conn, self._observers)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgStatements]:
        async with self.session() as session, session.transaction() as tx:
            yield tx

    # -- migrations -------------------------------------------------------------------------------

    async def schema_version(self) -> int:
        return await _version(self)

    async def migrate(self) -> int:
        """Apply pending migrations, each in its own transaction, while holding the write lock
        (another process may have applied one meanwhile: it is then skipped). Returns the new
        version. The lock is taken before each transaction begins, so the transaction sees what
        another process's migration made (a table it created, too)."""
        bundled = migrations(POSTGRESQL)
        current = await self.schema_version()
        _check_not_newer(current, len(bundled))
        if current == len(bundled):
            return current
        if current > 0:
            log.warning(
                "migrating %s from version %d to %d; PostgreSQL keeps no copy before a migration "
                "(take a pg_dump before upgrading)",
                self.path,
                current,
                len(bundled),
            )
        async with self.session() as session:
            await session.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
            await session.execute(f"SELECT pg_advisory_lock({WRITE_LOCK_KEY:d})")
            try:
                for version, name, sql in bundled[current:]:
                    async with session.plain_transaction() as tx:
                        now = await _version(tx)
                        _check_not_newer(now, len(bundled))
                        if now >= version:
                            continue
                        await tx.script(sql)
                        await tx.script(
                            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL); "
                            f"DELETE FROM schema_version; INSERT INTO schema_version VALUES ({version:d})"
                        )
                    log.info("applied migration %s", name)
            finally:
                await session.execute(f"SELECT pg_advisory_unlock({WRITE_LOCK_KEY:d})")
                await session.execute("RESET lock_timeout")
        return len(bundled)


async def _version(reads: _PgReads) -> int:
    """The schema version (0: no schema yet)."""
    if not await reads.scalar("SELECT to_regclass('schema_version') IS NOT NULL"):
        return 0
    return int(await reads.scalar("SELECT coalesce(max(version), 0) FROM schema_version"))


def _check_not_newer(version: int, known: int) -> None:
    if version > known:
        raise MigrationError(f"the database is at version {version}, newer than this code ({known})")
