"""Opening the database for the bot, the sandbox and the CLI: every problem one line that names
the file (or the PostgreSQL URL, without its password) and says what is wrong, never a
traceback, and nothing changed.

SQLite, refused before connecting: a directory, a file that is not SQLite, a file or folder
that cannot be written. Refused by the store: a database from a newer version of the bot.
Mapped: SQLite's own errors (read-only, disk full, locked, corrupt), PostgreSQL's (no such
database, a refused password, a server that does not answer).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from bot.store import MigrationError, Store, migrations
from bot.store.database import backend_errors, file_schema_version, is_url

if TYPE_CHECKING:
    from bot.config import Settings

SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseError(Exception):
    """The database cannot be used; the message is one line naming the file."""


def check_database_file(path: Path) -> None:
    """Refuse what would fail half-way, before connecting (a failed open could also leave the
    connection's thread running, and the process would not exit)."""
    if str(path) == ":memory:":
        return
    if path.is_dir():
        raise DatabaseError(f"{path}: is a directory, not a database file; set DATABASE_PATH to a file")
    if path.is_file():
        if path.stat().st_size > 0:
            try:
                with path.open("rb") as fh:
                    header = fh.read(len(SQLITE_HEADER))
            except OSError as exc:
                raise DatabaseError(f"{path}: cannot be read ({exc.strerror or exc})") from None
            if header != SQLITE_HEADER:
                raise DatabaseError(f"{path}: is not a SQLite database (a different file?)")
            _check_version(path)
        if not os.access(path, os.W_OK):
            raise DatabaseError(f"{path}: is read-only; the bot needs to write to it")
        folder = path.parent
    else:
        folder = next((p for p in path.parents if p.exists()), Path("."))
        if not folder.is_dir():
            raise DatabaseError(f"{path}: {folder} is not a directory")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseError(
            f"{path}: the folder {folder} is read-only; the bot keeps its journal beside the file"
        )


def _check_version(path: Path) -> None:
    """Refuse a database from a newer version of the bot without touching it (read-only)."""
    try:
        version = file_schema_version(path)
    except sqlite3.Error as exc:
        raise DatabaseError(describe(path, exc)) from None
    known = len(migrations())
    if version > known:
        raise DatabaseError(
            f"{path}: the database is at version {version}, newer than this code ({known}); "
            "use the version of the bot that wrote it, or a backup"
        )


def database_target(settings: Settings) -> Path | str:
    """Where the bot's database is: DATABASE_URL (PostgreSQL) when set, else DATABASE_PATH."""
    return settings.database_url or settings.database_path


def shown(target: Path | str) -> str:
    """``target`` as it may be shown: a URL without its password."""
    if is_url(target):
        from bot.store.postgres import public_url

        return public_url(str(target))
    return str(target)


def describe(path: Path | str, exc: BaseException) -> str:
    """One line for a database error."""
    path = shown(path)
    text = str(exc).strip() or type(exc).__name__
    if is_url(path):
        return _describe_postgres(path, exc, text)
    lowered = text.lower()
    if "disk is full" in lowered or "database or disk is full" in lowered:
        return f"{path}: the disk is full; free some space and start again (nothing was changed)"
    if "readonly" in lowered or "read-only" in lowered:
        return f"{path}: is read-only; the bot needs to write to it"
    if "not a database" in lowered or "malformed" in lowered:
        return f"{path}: is not a usable SQLite database ({text})"
    if "locked" in lowered:
        return f"{path}: is locked by another program; stop it or wait, then start again"
    if isinstance(exc, MigrationError):
        return f"{path}: {text}; use the version of the bot that wrote it, or a backup"
    return f"{path}: {text}"


def _describe_postgres(url: str, exc: BaseException, text: str) -> str:
    import asyncpg

    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return f"{url}: there is no such database; create it (createdb) or fix DATABASE_URL"
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError | asyncpg.InvalidPasswordError):
        return f"{url}: the server refused the user or password in DATABASE_URL ({text})"
    if isinstance(exc, OSError | TimeoutError):
        return f"{url}: the PostgreSQL server does not answer ({text}); is it running, at that address?"
    if isinstance(exc, MigrationError):
        return f"{url}: {text}; use the version of the bot that wrote it, or a backup"
    return f"{url}: {text}"


async def open_database(target: Path | str) -> Store:
    """The store at ``target`` (a SQLite file, or a PostgreSQL URL), migrated; DatabaseError
    (one line) when it cannot be used."""
    if not is_url(target):
        check_database_file(Path(target))
    try:
        return await Store.open(target)
    except Exception as exc:  # asyncpg's errors looked up only then: a SQLite start never imports it
        if not isinstance(exc, (MigrationError, OSError, TimeoutError, *backend_errors())):
            raise
        raise DatabaseError(describe(target, exc)) from None
