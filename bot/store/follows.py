"""SQL for members' follows and their DM settings. Tables from migration 0005.

Every write is one statement or one transaction under the database's write lock: a follow and
the cap it is checked against are read and written by one transaction, so two follows at once
never pass the cap together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.follows.models import Follow, Follower, FollowResult, What
from bot.store.database import IN_CHUNK, Database, Row
from bot.store.rows import instant_text as _t
from bot.store.rows import parse_instant as _p


def _follower(r: Row) -> Follower:
    return Follower(
        user_id=r["user_id"],
        created_at=_p(r["created_at"]),  # type: ignore[arg-type]
        reminders=tuple(int(m) for m in json.loads(r["reminders"] or "[]")),
        dm_channel_id=r["dm_channel_id"],
        paused_reason=r["paused_reason"],
        paused_at=_p(r["paused_at"]),
        told=bool(r["told"]),
        locale=r["locale"],
    )


def _follow(r: Row) -> Follow:
    return Follow(r["user_id"], r["show_id"], What(r["what"]), _p(r["added_at"]))  # type: ignore[arg-type]


class FollowRecords:
    """Who follows which show, and each follower's DM settings and health."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_follow(
        self, user_id: int, show_id: str, what: What, *, now: datetime, cap: int
    ) -> FollowResult:
        """Follow a show (or change what of it is followed), unless ``cap`` shows are followed."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO followers (user_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (user_id, _t(now)),
            )
            before = await tx.scalar(
                "SELECT what FROM follows WHERE user_id = ? AND show_id = ?", (user_id, show_id)
            )
            if before == what.value:
                return FollowResult.SAME
            if before is not None:
                await tx.execute(
                    "UPDATE follows SET what = ? WHERE user_id = ? AND show_id = ?",
                    (what.value, user_id, show_id),
                )
                return FollowResult.CHANGED
            count = await tx.scalar("SELECT count(*) FROM follows WHERE user_id = ?", (user_id,))
            if int(count or 0) >= cap:
                return FollowResult.FULL
            await tx.execute(
                "INSERT INTO follows (user_id, show_id, what, added_at) VALUES (?, ?, ?, ?)",
                (user_id, show_id, what.value, _t(now)),
            )
            return FollowResult.ADDED

    async def remove_follow(self, user_id: int, show_id: str) -> bool:
        n = await self.db.run("DELETE FROM follows WHERE user_id = ? AND show_id = ?", (user_id, show_id))
        return n > 0

    async def follows_of(self, user_id: int) -> list[Follow]:
        """A member's follows, the newest first."""
        rows = await self.db.query(
            "SELECT * FROM follows WHERE user_id = ? ORDER BY added_at DESC, show_id", (user_id,)
        )
        return [_follow(r) for r in rows]

    async def follow_count(self, user_id: int) -> int:
        return int(await self.db.scalar("SELECT count(*) FROM follows WHERE user_id = ?", (user_id,)) or 0)

    async def follows_of_shows(self, show_ids: Iterable[str]) -> list[Follow]:
        """Every follow of these shows by a member whose DMs are not paused."""
        rows = await self.db.query_in(
            "SELECT f.* FROM follows f JOIN followers u ON u.user_id = f.user_id "
            "WHERE u.paused_reason IS NULL AND f.show_id IN ({values}) ORDER BY f.user_id, f.show_id",
            show_ids,
        )
        return [_follow(r) for r in rows]

    async def follower(self, user_id: int) -> Follower | None:
        rows = await self.db.query("SELECT * FROM followers WHERE user_id = ?", (user_id,))
        return _follower(rows[0]) if rows else None

    async def followers(self, user_ids: Iterable[int]) -> dict[int, Follower]:
        rows = await self.db.query_in("SELECT * FROM followers WHERE user_id IN ({values})", user_ids)
        return {r["user_id"]: _follower(r) for r in rows}

    async def follower_leads(self) -> int:
        """The longest reminder any active follower asks for, in minutes (0: none)."""
        rows = await self.db.query(
            "SELECT DISTINCT reminders FROM followers WHERE reminders != '[]' AND paused_reason IS NULL"
        )
        return max((m for r in rows for m in json.loads(r[0])), default=0)

    async def set_follower_reminders(
        self, user_id: int, reminders: tuple[int, ...], *, now: datetime
    ) -> None:
        await self.db.run(
            "INSERT INTO followers (user_id, created_at, reminders) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET reminders = excluded.reminders",
            (user_id, _t(now), json.dumps(list(reminders))),
        )

    async def set_follower_locale(self, user_id: int, locale: str) -> bool:
        """Remember a follower's Discord locale (the language of their DMs); True when it changed."""
        n = await self.db.run(
            "UPDATE followers SET locale = ? WHERE user_id = ? AND (locale IS NULL OR locale != ?)",
            (locale, user_id, locale),
        )
        return n > 0

    async def pause_followers(self, reasons: Mapping[int, str], *, now: datetime) -> list[int]:
        """Pause the DMs of these members (their DMs are closed); returns those newly paused."""
        out: list[int] = []
        async with self.db.transaction() as tx:
            for user_id, reason in reasons.items():
                rows = await tx.returning(
                    "UPDATE followers SET paused_reason = ?, paused_at = ?, told = 0 "
                    "WHERE user_id = ? AND paused_reason IS NULL RETURNING user_id",
                    (reason, _t(now), user_id),
                )
                out += [r[0] for r in rows]
        return out

    async def resume_follower(self, user_id: int) -> bool:
        """DMs again (the member opened them); True when they were paused."""
        n = await self.db.run(
            "UPDATE followers SET paused_reason = NULL, paused_at = NULL, told = 0, dm_channel_id = NULL "
            "WHERE user_id = ? AND paused_reason IS NOT NULL",
            (user_id,),
        )
        return n > 0

    async def untold_paused(self) -> set[int]:
        """Members whose DMs were paused and who have not been told yet."""
        rows = await self.db.query(
            "SELECT user_id FROM followers WHERE paused_reason IS NOT NULL AND told = 0"
        )
        return {r[0] for r in rows}

    async def mark_told(self, user_id: int) -> bool:
        """Record that a member was told of the pause; True only for the first telling."""
        n = await self.db.run(
            "UPDATE followers SET told = 1 WHERE user_id = ? AND paused_reason IS NOT NULL AND told = 0",
            (user_id,),
        )
        return n > 0

    async def save_dm_channels(self, channels: Mapping[int, int | None]) -> None:
        """Remember (or forget, with None) the DM channel of each member: opening one costs a request."""
        items = list(channels.items())
        for start in range(0, len(items), IN_CHUNK):
            async with self.db.transaction() as tx:
                await tx.executemany(
                    "UPDATE followers SET dm_channel_id = ? WHERE user_id = ?",
                    [(cid, uid) for uid, cid in items[start : start + IN_CHUNK]],
                )
