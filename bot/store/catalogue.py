"""Reads of the catalogue: shows, credits, episodes, releases, events, links, and what a plan of
announcements reads. The tables come from migrations 0001 and 0003."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.models import CatalogueStats, Credit, Episode, Event, Link, Person, Release, Role, Show, ShowRecord
from bot.store.database import POSTGRESQL, SQLITE, Database
from bot.store.rows import (
    credit_from_row,
    episode_from_row,
    event_from_row,
    instant_text,
    release_from_row,
    show_from_row,
)

ROLE_ORDER = (
    "CASE role WHEN 'cast' THEN 0 WHEN 'director' THEN 1 WHEN 'creator' THEN 2 "
    "WHEN 'writer' THEN 3 ELSE 4 END"
)


class CatalogueReads:
    """What the catalogue holds, as models."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # The reads behind a command; what plans, exports and counts read goes through ``db``.
        self.reads = db.command_reads()

    # -- shows and what they hold ----------------------------------------------------------------

    async def get_show(self, show_id: str) -> Show | None:
        rows = await self.reads.query("SELECT * FROM shows WHERE id = ?", (show_id,))
        return show_from_row(rows[0]) if rows else None

    async def get_shows(self, show_ids: Iterable[str]) -> dict[str, Show]:
        rows = await self.reads.query_in("SELECT * FROM shows WHERE id IN ({values})", show_ids)
        return {row["id"]: show_from_row(row) for row in rows}

    async def get_credits(self, show_id: str, role: Role | None = None) -> list[Credit]:
        sql = (
            "SELECT c.*, p.name, p.native_name FROM credits c JOIN people p ON p.id = c.person_id "
            "WHERE c.show_id = ?"
        )
        params: list[Any] = [show_id]
        if role is not None:
            sql += " AND c.role = ?"
            params.append(role.value)
        sql += f" ORDER BY {ROLE_ORDER}, c.billing = 0, c.billing, p.name"
        return [credit_from_row(r) for r in await self.reads.query(sql, params)]

    async def get_episodes(self, show_id: str) -> list[Episode]:
        rows = await self.reads.query(
            "SELECT * FROM episodes WHERE show_id = ? ORDER BY season, number", (show_id,)
        )
        return [episode_from_row(r) for r in rows]

    async def count_episodes(self, show_id: str) -> int:
        """How many episodes of the show the catalogue lists."""
        return int(await self.reads.scalar("SELECT count(*) FROM episodes WHERE show_id = ?", (show_id,)))

    async def get_releases(self, show_id: str) -> list[Release]:
        rows = await self.reads.query(
            "SELECT * FROM releases WHERE show_id = ? ORDER BY instant IS NULL, instant, season, episode, id",
            (show_id,),
        )
        return [release_from_row(r) for r in rows]

    async def get_release(self, release_id: str) -> Release | None:
        rows = await self.reads.query("SELECT * FROM releases WHERE id = ?", (release_id,))
        return release_from_row(rows[0]) if rows else None

    async def get_events(self, show_id: str) -> list[Event]:
        sql = "SELECT * FROM events WHERE show_id = ? ORDER BY instant, id"
        rows = await self.reads.query(sql, (show_id,))
        return [event_from_row(r) for r in rows]

    async def get_person(self, person_id: str) -> Person | None:
        rows = await self.reads.query("SELECT * FROM people WHERE id = ?", (person_id,))
        return Person(rows[0]["id"], rows[0]["name"], rows[0]["native_name"]) if rows else None

    async def person_credits(self, person_id: str) -> list[tuple[Credit, Show]]:
        rows = await self.reads.query(
            "SELECT c.*, p.name, p.native_name, s.* FROM credits c JOIN people p ON p.id = c.person_id "
            "JOIN shows s ON s.id = c.show_id WHERE c.person_id = ? "
            f"ORDER BY s.title, {ROLE_ORDER}, c.billing",
            (person_id,),
        )
        return [(credit_from_row(r), show_from_row(r)) for r in rows]

    async def known_for(self, person_ids: Sequence[str]) -> dict[str, str]:
        """Person id -> the title of the show they are billed highest in (cast first, then the
        crew, in ``ROLE_ORDER``), in one query; people with no credit are left out."""
        if not person_ids:
            return {}
        rows = await self.reads.query_in(
            "SELECT c.person_id, s.title FROM credits c JOIN shows s ON s.id = c.show_id "
            "WHERE c.person_id IN ({values}) "
            f"ORDER BY c.person_id, {ROLE_ORDER}, c.billing = 0, c.billing, s.title",
            person_ids,
        )
        out: dict[str, str] = {}
        for r in rows:
            out.setdefault(r[0], r[1])
        return out

    async def get_links(self, show_id: str) -> list[Link]:
        sql = "SELECT * FROM show_links WHERE show_id = ? ORDER BY other_id"
        rows = await self.reads.query(sql, (show_id,))
        return [Link(r["show_id"], r["other_id"], r["relation"]) for r in rows]

    async def linked_shows(self, show_id: str) -> list[tuple[Link, str]]:
        """The shows linked from this one, and those that link to it: (link from this show's
        side, the other show's title), for the other shows the catalogue has."""
        rows = await self.reads.query(
            "SELECT l.other_id, l.relation, s.title FROM show_links l JOIN shows s ON s.id = l.other_id "
            "WHERE l.show_id = ?1 UNION "
            "SELECT l.show_id, '', s.title FROM show_links l JOIN shows s ON s.id = l.show_id "
            "WHERE l.other_id = ?1 AND l.show_id NOT IN (SELECT other_id FROM show_links WHERE show_id = ?1) "
            "ORDER BY 3",
            (show_id,),
        )
        return [(Link(show_id, r[0], r[1] or "related"), r[2]) for r in rows]

    # -- releases by time ------------------------------------------------------------------------

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
        return [release_from_row(r) for r in await self.reads.query(sql, params)]

    async def upcoming_releases(
        self,
        now: datetime,
        end: datetime,
        *,
        platform: str | None = None,
        limit: int = 25,
        count_to: int = 125,
        offset: int = 0,
        premieres: bool | None = None,
    ) -> tuple[list[Release], int]:
        """Releases still ahead of ``now`` that start before ``end``, earliest first: ``limit`` of
        them after the first ``offset`` (a page), and how many there are in all, counted up to
        ``count_to + 1`` (more than ``count_to`` comes back as ``count_to + 1``). A date-only
        release is still ahead for the whole of its day, a month or year release for the whole of
        its month or year; any other from its instant on (TBA never). ``premieres``: only
        premieres (films, whole shows, season drops, episode 1) when true, only the other
        episodes when false.

        Each part is one short range of ``releases_instant`` (``upcoming_parts``), so the cost
        follows the window listed and not the catalogue: the releases from ``now`` on, and those
        under way (a date-only release of the last day, a month or year release that has begun),
        which start before ``now`` and so come first."""
        parts, params = self.upcoming_parts(now, end, platform, self.db.dialect, premieres)
        # Each part reads what its index holds (the row's key and the order's columns): only the
        # rows listed are read from the table, at the end, not up to `limit` for every part.
        key = "rowid" if self.db.dialect == SQLITE else "id"
        order = "ORDER BY instant, show_id, season, episode"
        listed = " UNION ALL ".join(
            f"SELECT * FROM (SELECT {key} AS k, instant, show_id, season, episode FROM releases "  # noqa: S608
            f"WHERE {where} {order} LIMIT ?) AS p{i}"
            for i, where in enumerate(parts)
        )
        counted = " UNION ALL ".join(f"SELECT 1 FROM releases WHERE {where}" for where in parts)  # noqa: S608
        # One statement: the list, and the count (only when the list is full or a later page:
        # else it is the list's).
        rows = await self.reads.query(
            f"WITH listed AS ({listed} {order} LIMIT ? OFFSET ?) "  # noqa: S608
            "SELECT r.*, CASE WHEN ? = 0 AND (SELECT count(*) FROM listed) < ? "
            "THEN (SELECT count(*) FROM listed) "
            f"ELSE (SELECT count(*) FROM ({counted} LIMIT ?) AS n) END AS upcoming_total "
            f"FROM listed l JOIN releases r ON r.{key} = l.k "
            "ORDER BY l.instant, l.show_id, l.season, l.episode",
            [
                *(a for p in params for a in (*p, offset + limit)),
                limit,
                offset,
                offset,
                limit,
                *(a for p in params for a in p),
                count_to + 1,
            ],
        )
        if rows or offset == 0:
            return [release_from_row(r) for r in rows], rows[0]["upcoming_total"] if rows else 0
        # A page past the end (the catalogue changed since): nothing listed, the count alone.
        again = await self.upcoming_releases(
            now, end, platform=platform, limit=1, count_to=count_to, premieres=premieres
        )
        return [], again[1]

    @staticmethod
    def upcoming_parts(
        now: datetime,
        end: datetime,
        platform: str | None,
        dialect: str = SQLITE,
        premieres: bool | None = None,
    ) -> tuple[list[str], list[list[Any]]]:
        """The WHERE clause and parameters of each part of what is upcoming (see above), each a
        range of ``releases_instant``: the releases from ``now`` on, and before ``now`` those
        still under way.

        A date-only release is under way for a day after its stored instant. A month or year
        release is under way until its month or year ends (and is never posted); its stored
        instant is the start of that month or year in its zone, at most 14 hours from the same
        month or year's start in UTC. So one under way now starts within a day of this month's
        (this year's) start, or of the next one's if that is less than a day away: two ranges of
        two days each, whatever the catalogue holds, not the whole month or year."""
        month = datetime(now.year, now.month, 1, tzinfo=UTC)  # now's month as UTC
        next_month = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
        year, next_year = datetime(now.year, 1, 1, tzinfo=UTC), datetime(now.year + 1, 1, 1, tzinfo=UTC)
        day = timedelta(days=1)
        at, until = instant_text(now), instant_text(end)
        before = "instant < ? AND instant < ?"  # not from now on (that part lists it), and in the window
        parts = ["instant >= ? AND instant < ?", f"precision = 'date' AND instant > ? AND {before}"]
        params: list[list[Any]] = [[at, until], [instant_text(now - day), at, until]]
        for precision, start, following, local in (
            ("month", month, next_month, now.strftime("%Y-%m")),
            ("year", year, next_year, now.strftime("%Y")),
        ):
            for begin, stop in ((start - day, start + day), (following - day, following + day)):
                if begin >= now:
                    continue  # nothing there has begun
                parts.append(
                    f"precision = '{precision}' AND instant >= ? AND instant < ? AND {before} AND local >= ?"
                )
                params.append([instant_text(begin), instant_text(stop), at, until, local])
        if platform:
            # The same match (ASCII letters in any case); SQLite's collation costs a third of a
            # call to lower() on each row the range holds.
            same = "platform = ? COLLATE NOCASE" if dialect == SQLITE else "lower(platform) = lower(?)"
            parts = [f"{where} AND {same}" for where in parts]
            params = [[*p, platform] for p in params]
        if premieres is not None:  # Release.is_premiere, or not
            kind = (
                "(scope <> 'episode' OR episode = 1)" if premieres else "(scope = 'episode' AND episode <> 1)"
            )
            parts = [f"{where} AND {kind}" for where in parts]
        return parts, params

    async def platforms(self) -> list[str]:
        """Every platform a show or a dated release names (a release with no date yet is never
        listed or posted), in order, one spelling per platform whatever its case. On SQLite read
        by jumping from one platform to the next along ``shows_platform`` and
        ``releases_platform``: a look-up per platform, not a read of every show and release
        (0.9 s at 300,000 shows)."""
        if self.db.dialect == SQLITE:
            rows = await self.db.query(
                f"WITH RECURSIVE s(name) AS ({_next_platform('shows', 'platform IS NOT NULL', 's')}), "
                f"r(name) AS ({_next_platform('releases', 'instant IS NOT NULL', 'r')}) "
                "SELECT name COLLATE NOCASE FROM s WHERE name IS NOT NULL UNION "
                "SELECT name FROM r WHERE name IS NOT NULL ORDER BY 1"
            )
        else:
            rows = await self.db.query(
                "SELECT min(platform) FROM (SELECT platform FROM shows WHERE platform IS NOT NULL UNION ALL "
                "SELECT platform FROM releases WHERE instant IS NOT NULL AND platform IS NOT NULL) AS named "
                "GROUP BY lower(platform) ORDER BY lower(platform)"
            )
        return [r[0] for r in rows]

    # -- what a plan of announcements reads ------------------------------------------------------

    async def dated_releases_between(self, start: datetime, end: datetime) -> list[Release]:
        """Exact and date-only releases whose stored instant is in [start, end)."""
        rows = await self.db.query(
            "SELECT * FROM releases WHERE instant >= ? AND instant < ? AND precision IN ('exact', 'date') "
            "ORDER BY instant, show_id, season, episode, id",
            (instant_text(start), instant_text(end)),
        )
        return [release_from_row(r) for r in rows]

    async def releases_by_ids(self, ids: Iterable[str]) -> dict[str, Release]:
        rows = await self.db.query_in("SELECT * FROM releases WHERE id IN ({values})", ids)
        return {r["id"]: release_from_row(r) for r in rows}

    async def show_platforms(self, show_ids: Iterable[str] | None = None) -> dict[str, str | None]:
        """Each show's platform: of the given shows only (what a plan needs), or of every show."""
        if show_ids is None:
            return {r[0]: r[1] for r in await self.db.query("SELECT id, platform FROM shows")}
        rows = await self.db.query_in("SELECT id, platform FROM shows WHERE id IN ({values})", show_ids)
        return {r[0]: r[1] for r in rows}

    async def releases_fingerprint(self) -> tuple[int, int, int]:
        """Changes whenever the releases change, here or in another process (an import).

        SQLite: the count and the highest rowid (this connection's writes) and the file's data
        version (another connection's); the two in separate subqueries, so that the highest rowid
        is one look-up and the count a read of the smallest index (12 ms at 300,000 shows, against
        0.12 s for both in one pass over the table). PostgreSQL: a counter that every statement
        writing to the table moves on (a trigger; migration 0001), which alone tells every change
        (a count there reads the whole table)."""
        if self.db.dialect == POSTGRESQL:
            return (0, 0, int(await self.db.scalar("SELECT n FROM releases_changes")))
        rows = await self.db.query(
            "SELECT (SELECT count(*) FROM releases), (SELECT coalesce(max(rowid), 0) FROM releases)"
        )
        version = await self.db.query("PRAGMA data_version")
        return (rows[0][0], rows[0][1], version[0][0])

    # -- the whole catalogue ---------------------------------------------------------------------

    async def export_records(self) -> list[ShowRecord]:
        shows = [show_from_row(r) for r in await self.db.query("SELECT * FROM shows ORDER BY id")]
        by_id = {s.id: ShowRecord(s) for s in shows}
        for row in await self.db.query(
            "SELECT c.*, p.name, p.native_name FROM credits c JOIN people p ON p.id = c.person_id "
            f"ORDER BY c.show_id, {ROLE_ORDER}, c.billing, p.name"
        ):
            by_id[row["show_id"]].credits.append(credit_from_row(row))
        for row in await self.db.query("SELECT * FROM episodes ORDER BY show_id, season, number"):
            by_id[row["show_id"]].episodes.append(episode_from_row(row))
        for row in await self.db.query(
            "SELECT * FROM releases ORDER BY show_id, instant IS NULL, instant, season, episode, id"
        ):
            by_id[row["show_id"]].releases.append(release_from_row(row))
        for row in await self.db.query("SELECT * FROM events ORDER BY show_id, instant, id"):
            by_id[row["show_id"]].events.append(event_from_row(row))
        for row in await self.db.query("SELECT * FROM show_links ORDER BY show_id, other_id"):
            by_id[row["show_id"]].links.append(Link(row["show_id"], row["other_id"], row["relation"]))
        return list(by_id.values())

    async def stats(self) -> CatalogueStats:
        row = (
            await self.db.query(
                "SELECT (SELECT count(*) FROM shows), (SELECT count(*) FROM people), "
                "(SELECT count(*) FROM credits), (SELECT count(*) FROM episodes), "
                "(SELECT count(*) FROM releases), (SELECT count(*) FROM events)"
            )
        )[0]
        return CatalogueStats(*row)

    async def is_empty(self) -> bool:
        return await self.db.scalar("SELECT NOT EXISTS (SELECT 1 FROM shows)") == 1


def _next_platform(table: str, where: str, cte: str) -> str:
    """The body of a recursive CTE named ``cte`` walking the distinct platforms of ``table`` (rows
    where ``where``) along its index on ``platform COLLATE NOCASE``, one look-up each."""
    first = f"SELECT platform FROM {table} WHERE {where} ORDER BY platform COLLATE NOCASE LIMIT 1"
    after = (
        f"SELECT platform FROM {table} WHERE {where} AND platform > {cte}.name COLLATE NOCASE "
        "ORDER BY platform COLLATE NOCASE LIMIT 1"
    )
    return f"SELECT ({first}) UNION ALL SELECT ({after}) FROM {cte} WHERE {cte}.name IS NOT NULL"
