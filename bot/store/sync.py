"""SQL for the live catalogue: synced shows' identities, the curated layer, and sync runs.

A part of :class:`bot.store.Store`; the tables and columns come from migration 0003.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.database import IN_CHUNK, Database
from bot.store.rows import instant_text as _t
from bot.store.rows import parse_instant as _p


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


class SyncRecords:
    """What a sync keeps: the identities of synced shows, the curated layer, and its runs."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- identity ------------------------------------------------------------------------------

    async def _identities(self, where: str, values: Iterable[Any]) -> list[ShowIdentity]:
        """The identities of the shows ``where`` picks: it holds ``IN ({values})`` for ``values``."""
        rows = await self.db.query_in(
            "SELECT s.id, s.title, s.tvmaze_id, s.imdb_id, s.premiered, "
            "(SELECT min(instant) FROM releases r WHERE r.show_id = s.id), "
            "EXISTS (SELECT 1 FROM curated c WHERE c.show_id = s.id) "
            f"FROM shows s WHERE {where}",  # noqa: S608
            values,
        )
        return [ShowIdentity(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]

    async def shows_by_tvmaze(self, tvmaze_ids: Iterable[int]) -> dict[int, str]:
        """TVmaze id -> stored show id, for the ids the catalogue has."""
        rows = await self.db.query_in(
            "SELECT tvmaze_id, id FROM shows WHERE tvmaze_id IN ({values})", tvmaze_ids
        )
        return {r[0]: r[1] for r in rows}

    async def shows_by_imdb(self, imdb_ids: Iterable[str]) -> dict[str, ShowIdentity]:
        out: dict[str, ShowIdentity] = {}
        for ident in await self._identities("s.imdb_id IN ({values})", imdb_ids):
            if ident.imdb_id:
                out[ident.imdb_id] = ident
        return out

    async def unsynced_shows_named(self, keys: Iterable[str]) -> dict[str, list[ShowIdentity]]:
        """Search key of a title, original title or alias -> shows with no TVmaze id that bear it."""
        wanted = list(dict.fromkeys(keys))
        out: dict[str, list[ShowIdentity]] = {}
        for start in range(0, len(wanted), IN_CHUNK):
            rows = await self.db.query_in(
                "SELECT DISTINCT k.key, n.ref FROM name_keys k JOIN names n ON n.id = k.name_id "
                "JOIN shows s ON s.id = n.ref WHERE k.kind = 'show' AND k.whole = 1 AND k.key IN ({values}) "
                "AND s.tvmaze_id IS NULL",
                wanted[start : start + IN_CHUNK],
            )
            refs: dict[str, list[str]] = {}
            for r in rows:
                refs.setdefault(r[1], []).append(r[0])
            for ident in await self._identities("s.id IN ({values})", refs):
                for key in refs[ident.show_id]:
                    out.setdefault(key, []).append(ident)
        return out

    async def existing_show_ids(self, show_ids: Iterable[str]) -> set[str]:
        return {r[0] for r in await self.db.query_in("SELECT id FROM shows WHERE id IN ({values})", show_ids)}

    async def tvmaze_stamps(self) -> dict[int, int]:
        """TVmaze id -> the `updated` stamp of the data last synced, for every synced show."""
        rows = await self.db.query(
            "SELECT tvmaze_id, coalesce(tvmaze_updated, 0) FROM shows WHERE tvmaze_id IS NOT NULL"
        )
        return {r[0]: r[1] for r in rows}

    # -- the curated layer ------------------------------------------------------------------------

    async def curated_texts(self, show_ids: Iterable[str]) -> dict[str, str]:
        """Show id -> the curated record (JSON text), for the shows that have one."""
        rows = await self.db.query_in(
            "SELECT show_id, record FROM curated WHERE show_id IN ({values})", show_ids
        )
        return {r[0]: r[1] for r in rows}

    # -- sync runs ---------------------------------------------------------------------------------

    async def start_sync_run(self, kind: str, started: datetime) -> int:
        [row] = await self.db.run_returning(
            "INSERT INTO sync_runs (kind, started) VALUES (?, ?) RETURNING id", (kind, _t(started))
        )
        return int(row[0])

    async def finish_sync_run(
        self, run_id: int, finished: datetime, counts: Mapping[str, int], error: str | None = None
    ) -> None:
        sets = ", ".join(f"{k} = ?" for k in SYNC_COUNTS)
        await self.db.run(
            f"UPDATE sync_runs SET finished = ?, error = ?, {sets} WHERE id = ?",  # noqa: S608
            [_t(finished), error, *(int(counts.get(k, 0)) for k in SYNC_COUNTS), run_id],
        )

    async def sync_runs(self, limit: int = 5, kind: str | None = None) -> list[SyncRun]:
        """The latest sync runs, newest first."""
        where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
        rows = await self.db.query(
            f"SELECT * FROM sync_runs {where} ORDER BY id DESC LIMIT ?",  # noqa: S608
            [*params, limit],
        )
        return [
            SyncRun(
                id=r["id"],
                kind=r["kind"],
                started=_started(r["started"]),
                finished=_p(r["finished"]),
                error=r["error"],
                **{k: r[k] for k in SYNC_COUNTS},
            )
            for r in rows
        ]
