"""SQL for calendar feeds and calendar entries. Tables from migrations 0006 and 0007.

A feed is one row per server or member (``kind``, ``owner_id``) with an unguessable token; a
reset replaces the token in one transaction, so the old address stops working at once. An
entry's row keeps its revision (``bot.calendar.Revision``) by UID; it is written only when what
the entry shows changed, so serving an unchanged calendar writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.calendar_models import Feed, FeedKind, Revision
from bot.models import Release
from bot.store.database import IN_CHUNK, Database, Row
from bot.store.rows import instant_text as _t
from bot.store.rows import parse_instant as _p
from bot.store.rows import release_from_row


def _feed(r: Row) -> Feed:
    return Feed(
        token=r["token"],
        kind=FeedKind(r["kind"]),
        owner_id=r["owner_id"],
        created_at=_p(r["created_at"]),  # type: ignore[arg-type]
        etag=r["etag"],
        changed_at=_p(r["changed_at"]),
    )


class CalendarRecords:
    """Calendar feeds (who owns which token) and the revision of every calendar entry."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- feeds -----------------------------------------------------------------------------------------

    async def feed(self, token: str) -> Feed | None:
        rows = await self.db.query("SELECT * FROM calendar_feeds WHERE token = ?", (token,))
        return _feed(rows[0]) if rows else None

    async def feed_of(self, kind: FeedKind, owner_id: int) -> Feed | None:
        rows = await self.db.query(
            "SELECT * FROM calendar_feeds WHERE kind = ? AND owner_id = ?", (kind.value, owner_id)
        )
        return _feed(rows[0]) if rows else None

    async def ensure_feed(self, kind: FeedKind, owner_id: int, token: str, *, now: datetime) -> Feed:
        """The owner's feed: the one it has, or a new one with ``token``."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO calendar_feeds (token, kind, owner_id, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(kind, owner_id) DO NOTHING",
                (token, kind.value, owner_id, _t(now)),
            )
        feed = await self.feed_of(kind, owner_id)
        assert feed is not None
        return feed

    async def replace_feed(self, kind: FeedKind, owner_id: int, token: str, *, now: datetime) -> Feed:
        """A new token for the owner's feed; the old one (if any) stops working."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM calendar_feeds WHERE kind = ? AND owner_id = ?", (kind.value, owner_id)
            )
            await tx.execute(
                "INSERT INTO calendar_feeds (token, kind, owner_id, created_at) VALUES (?, ?, ?, ?)",
                (token, kind.value, owner_id, _t(now)),
            )
        feed = await self.feed_of(kind, owner_id)
        assert feed is not None
        return feed

    async def delete_feed(self, kind: FeedKind, owner_id: int) -> bool:
        n = await self.db.run(
            "DELETE FROM calendar_feeds WHERE kind = ? AND owner_id = ?", (kind.value, owner_id)
        )
        return n > 0

    async def feed_served(self, token: str, etag: str, *, now: datetime) -> datetime | None:
        """Record that the feed now shows ``etag``; returns when what it shows last changed
        (``now`` when it just did), or None when the feed is gone."""
        await self.db.run(
            "UPDATE calendar_feeds SET etag = ?, changed_at = ? "
            "WHERE token = ? AND (etag IS NULL OR etag != ? OR changed_at IS NULL)",
            (etag, _t(now), token, etag),
        )
        return _p(await self.db.scalar("SELECT changed_at FROM calendar_feeds WHERE token = ?", (token,)))

    # -- entries ---------------------------------------------------------------------------------------

    async def revisions(self, uids: Iterable[str]) -> dict[str, Revision]:
        rows = await self.db.query_in("SELECT * FROM calendar_entries WHERE uid IN ({values})", uids)
        return {r["uid"]: Revision(r["digest"], r["sequence"], _p(r["changed_at"])) for r in rows}  # type: ignore[arg-type]

    async def save_revisions(self, revisions: Mapping[str, Revision]) -> None:
        """Write these revisions; one that another writer already saved with the same digest is
        kept as it is (two calendars served at once revise an entry once)."""
        items = list(revisions.items())
        for start in range(0, len(items), IN_CHUNK):
            async with self.db.transaction() as tx:
                await tx.executemany(
                    "INSERT INTO calendar_entries (uid, digest, sequence, changed_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(uid) DO UPDATE SET digest = excluded.digest, "
                    "sequence = CASE WHEN excluded.sequence > calendar_entries.sequence + 1 "
                    "THEN excluded.sequence ELSE calendar_entries.sequence + 1 END, "
                    "changed_at = excluded.changed_at "
                    "WHERE calendar_entries.digest != excluded.digest",
                    [
                        (uid, r.digest, r.sequence, _t(r.changed_at))
                        for uid, r in items[start : start + IN_CHUNK]
                    ],
                )

    async def forget_revisions(self, before: datetime) -> int:
        """Drop the revisions of entries unchanged since ``before`` (long out of every window)."""
        return await self.db.run("DELETE FROM calendar_entries WHERE changed_at < ?", (_t(before),))

    # -- releases --------------------------------------------------------------------------------------

    async def dated_releases_of(
        self, show_ids: Iterable[str], start: datetime, end: datetime
    ) -> list[Release]:
        """Exact and date-only releases of these shows whose stored instant is in [start, end)."""
        rows = await self.db.query_in(
            "SELECT * FROM releases WHERE show_id IN ({values}) AND instant >= ? AND instant < ? "
            "AND precision IN ('exact', 'date') ORDER BY instant, show_id, season, episode, id",
            show_ids,
            after=(_t(start), _t(end)),
        )
        return [release_from_row(r) for r in rows]
