"""The database: what every part of the store issues its SQL through, and its SQLite backend.

A part (``bot.store.catalogue``, ``bot.store.follows`` ...) is given a ``Database`` and writes
SQL in the dialect both backends read: ``?`` placeholders (``?1``, ``?2`` ... where one value is
used twice), ``ON CONFLICT ... DO NOTHING | DO UPDATE`` upserts, ``RETURNING``, integers for
booleans and ISO text for instants. ``Database``, ``Statements``, ``Session``, ``Reads`` and
``Row`` below are that interface; ``SqliteDatabase`` (here) and ``bot.store.postgres.PgDatabase``
implement it, and ``open_database`` picks one from a path or a ``postgresql://`` URL. Where a
part must say something differently (the search index, a bulk import, how a change is seen),
it asks ``db.dialect``, ``"sqlite"`` or ``"postgresql"``.

SQLite: numbered migrations in ``migrations/NNNN_name.sql``, each applied in one transaction,
the version kept in ``PRAGMA user_version``. Before each migration of a database that already
has a schema, the database as it is is copied beside it, to ``<file>.v<version>.bak``
(``backup_path``). WAL mode and foreign keys are on for every connection.

One connection is shared by every coroutine, so a write must never land inside another
coroutine's open transaction (and be committed or rolled back with it): every write takes the
write lock, either for one statement (``run``, ``run_returning``) or for a transaction
(``transaction``), or for a session of several steps around one (``session``). Reads
(``query``, ``scalar``, ``query_in``) take no lock. The short reads behind a command go to
``command_reads()``: on a SQLite file a second, read-only connection used in the event loop's own
thread (``LoopReads``), which sees the last commit.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Protocol

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
IN_CHUNK = 500  # values per IN (...) list: far under either backend's limit of bound parameters
SQLITE, POSTGRESQL = "sqlite", "postgresql"  # the dialects


class MigrationError(Exception):
    pass


# -- the interface every part is written against --------------------------------------------------


class Row(Protocol):
    """A row: its values by column name (``r["title"]``) or position (``r[0]``)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> Any: ...


class Reads(Protocol):
    """Reads."""

    dialect: ClassVar[str]

    async def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a read."""
        ...

    async def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row of a read, or None."""
        ...

    async def query_in(
        self, sql: str, values: Iterable[Any], before: Sequence[Any] = (), after: Sequence[Any] = ()
    ) -> list[Row]:
        """Every row of ``sql`` for ``values`` given once each, in chunks: ``sql`` holds
        ``IN ({values})``, and its other parameters are ``before`` and ``after`` them."""
        ...


class Statements(Reads, Protocol):
    """Reads and writes inside a transaction or a session."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement; the rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """One statement for each of ``rows``; the rows changed."""
        ...

    async def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement for each of ``rows``, the rows changed not counted: the fast way to
        write many rows (PostgreSQL pipelines them)."""
        ...

    async def returning(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """One statement that writes and returns rows (``... RETURNING``)."""
        ...

    async def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Iterable[Any]]) -> None:
        """Rows into ``table``, as fast as the backend takes them (PostgreSQL: COPY)."""
        ...


class Session(Statements, Protocol):
    """One connection held by one coroutine, outside a transaction, for several steps around one."""

    def transaction(self) -> AbstractAsyncContextManager[Statements]:
        """A transaction on this connection: COMMIT, or ROLLBACK on any exception."""
        ...


class Database(Reads, Protocol):
    """A migrated database (see the module's docstring)."""

    @property
    def path(self) -> Path | str:
        """The SQLite file, or the PostgreSQL URL (without its password)."""
        ...

    async def close(self) -> None: ...

    def command_reads(self) -> Reads:
        """Where the short reads behind a command go: committed data, a fraction of a
        millisecond each (see ``LoopReads``); on PostgreSQL the database itself."""
        ...

    def observe(self, observer: Callable[[str], None]) -> Callable[[], None]:
        """Call ``observer`` with the SQL of every statement sent from now on (diagnostics and
        tests: how many statements a piece of work takes). Returns the call that stops it."""
        ...

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement, atomic on its own; the rows it changed."""
        ...

    async def run_returning(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """One write statement with ``RETURNING``; the rows it returned."""
        ...

    def session(self) -> AbstractAsyncContextManager[Session]:
        """The write lock and one connection, for several steps that are not one transaction."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Statements]:
        """A write transaction: one at a time (as SQLite's BEGIN IMMEDIATE), COMMIT, or ROLLBACK
        on any exception."""
        ...

    async def schema_version(self) -> int: ...

    async def migrate(self) -> int:
        """Apply pending migrations, each in its own transaction. Returns the new version."""
        ...


async def query_in_chunks(
    reads: Reads, sql: str, values: Iterable[Any], before: Sequence[Any], after: Sequence[Any]
) -> list[Row]:
    """``Reads.query_in`` over ``reads.query``, for every backend."""
    wanted = list(dict.fromkeys(values))
    rows: list[Row] = []
    for start in range(0, len(wanted), IN_CHUNK):
        part = wanted[start : start + IN_CHUNK]
        marks = ",".join("?" * len(part))
        rows += await reads.query(sql.replace("{values}", marks), [*before, *part, *after])
    return rows


class ReadsOverQuery:
    """``scalar`` and ``query_in`` over a subclass's ``query``: every reader of every backend."""

    __slots__ = ()
    dialect: ClassVar[str]  # set by each backend's readers

    async def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError

    async def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row of a read, or None."""
        rows = await self.query(sql, params)
        return rows[0][0] if rows else None

    async def query_in(
        self, sql: str, values: Iterable[Any], before: Sequence[Any] = (), after: Sequence[Any] = ()
    ) -> list[Row]:
        """Every row of ``sql`` for ``values`` given once each, in chunks: ``sql`` holds
        ``IN ({values})``, and its other parameters are ``before`` and ``after`` them."""
        return await query_in_chunks(self, sql, values, before, after)


def is_url(target: Path | str) -> bool:
    """Whether ``target`` names a PostgreSQL database (a URL) rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


async def open_database(target: Path | str) -> Database:
    """The database at ``target`` (a SQLite file, or a ``postgresql://`` URL), migrated."""
    if is_url(target):
        from bot.store.postgres import PgDatabase

        return await PgDatabase.open(str(target))
    return await SqliteDatabase.open(target)


def backend_errors() -> tuple[type[BaseException], ...]:
    """What a backend raises when a statement fails (a constraint, a lost connection ...)."""
    import asyncpg

    return (sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError)


def integrity_errors() -> tuple[type[BaseException], ...]:
    """What a backend raises when a row breaks a constraint (NOT NULL, UNIQUE, a foreign key)."""
    import asyncpg

    return (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)


def migrations(dialect: str = SQLITE) -> list[tuple[int, str, str]]:
    """(version, name, sql) for every bundled migration of a dialect, in order; versions must be
    1..N. PostgreSQL's are in ``migrations/postgresql/``, one for each of SQLite's, numbered
    alike: a version is the same schema on both."""
    found: list[tuple[int, str, str]] = []
    folder = resources.files("bot.store").joinpath("migrations")
    if dialect == POSTGRESQL:
        folder = folder.joinpath("postgresql")
    for entry in folder.iterdir():
        m = _MIGRATION_RE.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise MigrationError(f"migration {name} is numbered {version}, expected {expected}")
    return found


def split_sql(script: str) -> list[str]:
    """The statements of a migration script, comments and blank lines between them left out."""
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


def file_schema_version(path: Path) -> int:
    """The schema version of a database file, read without changing it (read-only, no WAL
    switch): a start can refuse a file from a newer version before touching it."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def backup_path(path: Path | str, version: int) -> Path:
    """Where the copy of a database at ``version`` goes before it is migrated further."""
    return Path(f"{path}.v{version:d}.bak")


# -- SQLite -------------------------------------------------------------------------------------------


class SqliteReads(ReadsOverQuery):
    """Reads on the connection: each one trip to SQLite's thread, no lock taken."""

    __slots__ = ("_conn", "_observers")
    dialect: ClassVar[str] = SQLITE

    def __init__(self, conn: aiosqlite.Connection, observers: list[Callable[[str], None]]) -> None:
        self._conn = conn
        self._observers = observers

    def _seen(self, sql: str) -> None:
        for observer in self._observers:
            observer(sql)

    async def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a read."""
        if self._observers:
            self._seen(sql)
        return list(await self._conn.execute_fetchall(sql, params))  # type: ignore[arg-type]


class SqliteStatements(SqliteReads):
    """Reads and writes, no lock taken: what a transaction or a session (which hold the write
    lock) is given."""

    __slots__ = ()

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement; the rows it changed."""
        if self._observers:
            self._seen(sql)
        cursor = await self._conn.execute(sql, params)
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """One statement for each of ``rows``; the rows changed."""
        if self._observers:
            self._seen(sql)
        cursor = await self._conn.executemany(sql, rows)
        return cursor.rowcount

    async def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement for each of ``rows``, the rows changed not counted."""
        await self.executemany(sql, rows)

    async def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Iterable[Any]]) -> None:
        """Rows into ``table``: one INSERT for each."""
        marks = ",".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        await self.executemany(sql, (tuple(r) for r in rows))

    async def returning(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """One statement that writes and returns rows (``... RETURNING``, a PRAGMA that sets)."""
        if self._observers:
            self._seen(sql)
        return list(await self._conn.execute_fetchall(sql, params))  # type: ignore[arg-type]


async def _to_the_end(statement: Awaitable[int]) -> int:
    """Wait for a statement to finish even when this task is cancelled meanwhile; the cancel is
    raised once it has (the statement goes on in aiosqlite's thread either way)."""
    task = asyncio.ensure_future(statement)
    cancelled = False
    while True:
        try:
            await asyncio.wait({task})
            break
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return task.result()


class SqliteSession(SqliteStatements):
    """The connection while one coroutine holds the write lock, outside a transaction: for
    connection settings that only change outside one (foreign keys, the journal mode)."""

    __slots__ = ()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteStatements]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception.

        A statement runs in aiosqlite's thread whether or not its caller still waits: a task
        cancelled while its BEGIN, COMMIT or ROLLBACK is on the way would otherwise leave the
        connection inside a transaction (and every later BEGIN refused). Each of the three is
        waited for to its end, and whatever is still open after an exception is rolled back."""
        try:
            await _to_the_end(self.execute("BEGIN IMMEDIATE"))
        except BaseException:
            await self._close_open()
            raise
        try:
            yield self
        except BaseException:
            await self._close_open()
            raise
        try:
            await _to_the_end(self.execute("COMMIT"))
        except BaseException:  # cancelled (the COMMIT ran, or failed), or refused (still open)
            await self._close_open()
            raise

    async def _close_open(self) -> None:
        """ROLLBACK, if the connection is inside a transaction."""
        if self._conn.in_transaction:
            await _to_the_end(self.execute("ROLLBACK"))


class LoopReads(ReadsOverQuery):
    """Short reads on a second, read-only connection, run in the event loop's own thread.

    A read through ``aiosqlite`` is a trip to its thread and back: ~0.09 ms a statement on an
    idle machine, and in the tail far more, when a busy machine is slow to wake either thread;
    a command sends 2 to 6. Here the statement runs at once, in this thread, so it must be short:
    the reads behind a command (a show, its credits, a name search), never a scan. Under WAL they
    see the last commit and never wait behind the main connection's writes. The connection opens
    at the first read. When SQLite says the database is locked (a bulk import, which leaves WAL
    while nobody else has the file open, is committing), the read goes through the main
    connection instead, as before.
    """

    __slots__ = ("_path", "_conn", "_fallback", "_observers")
    dialect: ClassVar[str] = SQLITE
    BUSY_MS = 50  # how long a read waits for a lock before it takes the main connection

    def __init__(self, path: Path | str, fallback: SqliteReads, observers: list[Callable[[str], None]]):
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._fallback = fallback  # the main connection, without observers (they saw it here)
        self._observers = observers

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(str(self._path), isolation_level=None, check_same_thread=False)
            try:
                conn.row_factory = sqlite3.Row
                conn.execute(f"PRAGMA busy_timeout={self.BUSY_MS:d}")
                conn.execute("PRAGMA query_only=1")
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    async def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a read."""
        for observer in self._observers:
            observer(sql)
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        return await self._fallback.query(sql, params)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class SqliteDatabase(SqliteReads):
    """One SQLite connection, migrated. Build with ``await SqliteDatabase.open(path)``."""

    __slots__ = ("_path", "_session", "_write_lock", "_loop_reads")

    def __init__(self, conn: aiosqlite.Connection, path: Path | str) -> None:
        super().__init__(conn, [])
        self._path = path
        self._session = SqliteSession(conn, self._observers)
        self._write_lock = asyncio.Lock()
        self._loop_reads: LoopReads | None = None
        if str(path) != ":memory:" and not str(path).startswith("file:"):
            self._loop_reads = LoopReads(path, SqliteReads(conn, []), self._observers)

    def command_reads(self) -> Reads:
        """``LoopReads`` on a file; the connection itself for an in-memory database."""
        return self._loop_reads or self

    @property
    def path(self) -> Path | str:
        return self._path

    @classmethod
    async def open(cls, path: Path | str) -> SqliteDatabase:
        """Connect, set up the connection and apply pending migrations."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA busy_timeout=5000")
            await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        if self._loop_reads is not None:
            self._loop_reads.close()
        await self._conn.close()

    async def read_batches(self, sql: str, size: int) -> AsyncIterator[list[Row]]:
        """The rows of a read, ``size`` at a time: a whole table without holding it in memory
        (``bot.store.copy``; nothing else may use the connection meanwhile)."""
        if self._observers:
            self._seen(sql)
        async with self._conn.execute(sql) as cursor:
            while rows := await cursor.fetchmany(size):
                yield list(rows)  # type: ignore[arg-type]

    def observe(self, observer: Callable[[str], None]) -> Callable[[], None]:
        """Call ``observer`` with the SQL of every statement sent from now on (diagnostics and
        tests: how many statements a piece of work takes). Returns the call that stops it."""
        self._observers.append(observer)
        return lambda: self._observers.remove(observer)

    # -- writes -----------------------------------------------------------------------------------

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement under the write lock; the rows it changed."""
        async with self._write_lock:
            return await self._session.execute(sql, params)

    async def run_returning(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """One write statement with ``RETURNING`` under the write lock; the rows it returned."""
        async with self._write_lock:
            return await self._session.returning(sql, params)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[SqliteSession]:
        """The write lock, for several steps that are not one transaction."""
        async with self._write_lock:
            yield self._session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteStatements]:
        """BEGIN IMMEDIATE ... COMMIT under the write lock, or ROLLBACK on any exception."""
        async with self._write_lock, self._session.transaction() as tx:
            yield tx

    # -- migrations -------------------------------------------------------------------------------

    async def schema_version(self) -> int:
        return int(await self.scalar("PRAGMA user_version"))

    async def migrate(self) -> int:
        """Apply pending migrations, each in its own transaction. Returns the new version.

        When the database already has a schema (its version is above 0), it is copied before
        each migration, at the version it is then at, to ``backup_path(path, version)``: one
        copy per version it passes through, kept. A copy that cannot be written stops the
        migration there (a new database, created here, is not copied)."""
        current = await self.schema_version()
        bundled = migrations()
        if current > len(bundled):
            raise MigrationError(
                f"the database is at version {current}, newer than this code ({len(bundled)})"
            )
        for version, name, sql in bundled[current:]:
            if current > 0 and str(self.path) not in ("", ":memory:"):
                await self.backup(backup_path(self.path, version - 1))
            async with self.transaction() as tx:
                for statement in split_sql(sql):
                    await tx.execute(statement)
                await tx.execute(f"PRAGMA user_version = {version:d}")
            log.info("applied migration %s", name)
        return len(bundled)

    async def backup(self, target: Path) -> None:
        """Copy the database as it is now to ``target`` with SQLite's backup API (a consistent
        copy, what the WAL holds included); written to ``<target>.tmp`` first, so ``target`` is
        either whole or as it was."""
        tmp = target.with_name(target.name + ".tmp")
        tmp.unlink(missing_ok=True)
        try:
            copy = sqlite3.connect(tmp, check_same_thread=False)
            try:
                async with self._write_lock:
                    await self._conn.backup(copy)
            finally:
                copy.close()
            tmp.replace(target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        log.info("copied the database before migrating it: %s", target)
