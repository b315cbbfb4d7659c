"""SQL for the live catalogue: synced shows' identities, the curated layer, and sync runs.

Mixed into :class:`bot.store.Store`; the tables and columns come from migration 0003.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.models import Link
from bot.store.rows import instant_text as _t
from bot.store.rows import parse_instant as _p

_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True, slots=True)
class ShowIdentity:
    """What identifies a stored show against an outside catalogue."""

    show_id: str
    title: str
    tvmaze_id: int | None
    imdb_id: str | None
    premiered: str | None
    first_release: str | None  # the earliest stored release instant, UTC text
    curated: bool


@dataclass(frozen=True, slots=True)
class SyncRun:
    """One row of ``sync_runs``."""

    id: int
    kind: str
    started: datetime
    finished: datetime | None
    requests: int = 0
    shows_added: int = 0
    shows_updated: int = 0
    shows_unchanged: int = 0
    releases_added: int = 0
    releases_moved: int = 0
    releases_removed: int = 0
    failures: int = 0
    error: str | None = None

    def counts(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in SYNC_COUNTS}


SYNC_COUNTS = (
    "requests",
    "shows_added",
    "shows_updated",
    "shows_unchanged",
    "releases_added",
    "releases_moved",
    "releases_removed",
    "failures",
)


def _started(text: str) -> datetime:
    started = _p(text)
    assert started is not None  # NOT NULL in the schema
    return started


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class SyncQueries:
    _conn: aiosqlite.Connection
    _write_lock: asyncio.Lock

    async def _s_all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    # -- identity ------------------------------------------------------------------------------

    async def _identities(self, where: str, params: Sequence[Any]) -> list[ShowIdentity]:
        rows = await self._s_all(
            "SELECT s.id, s.title, s.tvmaze_id, s.imdb_id, s.premiered, "
            "(SELECT min(instant) FROM releases r WHERE r.show_id = s.id), "
            "EXISTS (SELECT 1 FROM curated c WHERE c.show_id = s.id) "
            f"FROM shows s WHERE {where}",  # noqa: S608
            params,
        )
        return [ShowIdentity(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]

    async def shows_by_tvmaze(self, tvmaze_ids: Iterable[int]) -> dict[int, str]:
        """TVmaze id -> stored show id, for the ids the catalogue has."""
        ids = list(dict.fromkeys(tvmaze_ids))
        out: dict[int, str] = {}
        for part in _chunks(ids):
            marks = ",".join("?" * len(part))
            for r in await self._s_all(f"SELECT tvmaze_id, id FROM shows WHERE tvmaze_id IN ({marks})", part):  # noqa: S608
                out[r[0]] = r[1]
        return out

    async def shows_by_imdb(self, imdb_ids: Iterable[str]) -> dict[str, ShowIdentity]:
        ids = list(dict.fromkeys(imdb_ids))
        out: dict[str, ShowIdentity] = {}
        for part in _chunks(ids):
            marks = ",".join("?" * len(part))
            for ident in await self._identities(f"s.imdb_id IN ({marks})", part):
                if ident.imdb_id:
                    out[ident.imdb_id] = ident
        return out

    async def unsynced_shows_named(self, keys: Iterable[str]) -> dict[str, list[ShowIdentity]]:
        """Search key of a title, original title or alias -> shows with no TVmaze id that bear it."""
        wanted = list(dict.fromkeys(keys))
        out: dict[str, list[ShowIdentity]] = {}
        for part in _chunks(wanted):
            marks = ",".join("?" * len(part))
            rows = await self._s_all(
                "SELECT DISTINCT k.key, n.ref FROM name_keys k JOIN names n ON n.id = k.name_id "  # noqa: S608
                f"JOIN shows s ON s.id = n.ref WHERE k.kind = 'show' AND k.whole = 1 AND k.key IN ({marks}) "
                "AND s.tvmaze_id IS NULL",
                part,
            )
            refs: dict[str, list[str]] = {}
            for r in rows:
                refs.setdefault(r[1], []).append(r[0])
            if not refs:
                continue
            ref_ids = list(refs)
            marks = ",".join("?" * len(ref_ids))
            for ident in await self._identities(f"s.id IN ({marks})", ref_ids):
                for key in refs[ident.show_id]:
                    out.setdefault(key, []).append(ident)
        return out

    async def existing_show_ids(self, show_ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(show_ids))
        out: set[str] = set()
        for part in _chunks(ids):
            marks = ",".join("?" * len(part))
            out.update(r[0] for r in await self._s_all(f"SELECT id FROM shows WHERE id IN ({marks})", part))  # noqa: S608
        return out

    async def tvmaze_stamps(self) -> dict[int, int]:
        """TVmaze id -> the `updated` stamp of the data last synced, for every synced show."""
        rows = await self._s_all(
            "SELECT tvmaze_id, coalesce(tvmaze_updated, 0) FROM shows WHERE tvmaze_id IS NOT NULL"
        )
        return {r[0]: r[1] for r in rows}

    async def get_links(self, show_id: str) -> list[Link]:
        rows = await self._s_all("SELECT * FROM show_links WHERE show_id = ? ORDER BY other_id", (show_id,))
        return [Link(r["show_id"], r["other_id"], r["relation"]) for r in rows]

    async def linked_shows(self, show_id: str) -> list[tuple[Link, str]]:
        """The shows linked from this one, and those that link to it: (link from this show's
        side, the other show's title), for the other shows the catalogue has."""
        rows = await self._s_all(
            "SELECT l.other_id, l.relation, s.title FROM show_links l JOIN shows s ON s.id = l.other_id "
            "WHERE l.show_id = ?1 UNION "
            "SELECT l.show_id, '', s.title FROM show_links l JOIN shows s ON s.id = l.show_id "
            "WHERE l.other_id = ?1 AND l.show_id NOT IN (SELECT other_id FROM show_links WHERE show_id = ?1) "
            "ORDER BY 3",
            (show_id,),
        )
        return [(Link(show_id, r[0], r[1] or "related"), r[2]) for r in rows]

    # -- the curated layer ------------------------------------------------------------------------

    async def curated_texts(self, show_ids: Iterable[str]) -> dict[str, str]:
        """Show id -> the curated record (JSON text), for the shows that have one."""
        ids = list(dict.fromkeys(show_ids))
        out: dict[str, str] = {}
        for part in _chunks(ids):
            marks = ",".join("?" * len(part))
            sql = f"SELECT show_id, record FROM curated WHERE show_id IN ({marks})"  # noqa: S608
            out.update((r[0], r[1]) for r in await self._s_all(sql, part))
        return out

    # -- sync runs ---------------------------------------------------------------------------------

    async def start_sync_run(self, kind: str, started: datetime) -> int:
        async with self._write_lock:
            async with self._conn.execute(
                "INSERT INTO sync_runs (kind, started) VALUES (?, ?)", (kind, _t(started))
            ) as cur:
                return int(cur.lastrowid or 0)

    async def finish_sync_run(
        self, run_id: int, finished: datetime, counts: Mapping[str, int], error: str | None = None
    ) -> None:
        sets = ", ".join(f"{k} = ?" for k in SYNC_COUNTS)
        async with self._write_lock:
            await self._conn.execute(
                f"UPDATE sync_runs SET finished = ?, error = ?, {sets} WHERE id = ?",  # noqa: S608
                [_t(finished), error, *(int(counts.get(k, 0)) for k in SYNC_COUNTS), run_id],
            )

    async def sync_runs(self, limit: int = 5, kind: str | None = None) -> list[SyncRun]:
        """The latest sync runs, newest first."""
        where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
        rows = await self._s_all(
            f"SELECT * FROM sync_runs {where} ORDER BY id DESC LIMIT ?",  # noqa: S608
            [*params, limit],
        )
        return [
            SyncRun(
                r["id"],
                r["kind"],
                _started(r["started"]),
                _p(r["finished"]),
                *(r[k] for k in SYNC_COUNTS),
                r["error"],
            )
            for r in rows
        ]
