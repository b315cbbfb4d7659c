"""SQL for the "week at a glance" messages: one row per (channel, week). Table from migration 0005.

A row says which message shows a channel's week (``message_id``) and what it showed when last
written (``digest``), so a refresh edits it only when that changed. Every write here is one
statement, under the database's write lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.store.database import Database, Row
from bot.store.rows import instant_text as _t
from bot.store.rows import parse_instant as _p


@dataclass(frozen=True, slots=True)
class WeeklyMessage:
    """The message that shows one channel's week."""

    channel_id: int
    week_start: date  # the week's Monday, in the server's zone
    guild_id: int
    message_id: int | None
    digest: str | None  # what the message shows, as last written
    updated_at: datetime


def _row(r: Row) -> WeeklyMessage:
    return WeeklyMessage(
        channel_id=r["channel_id"],
        week_start=date.fromisoformat(r["week_start"]),
        guild_id=r["guild_id"],
        message_id=r["message_id"],
        digest=r["digest"],
        updated_at=_p(r["updated_at"]),  # type: ignore[arg-type]
    )


class WeeklyMessages:
    """The week-at-a-glance message of each channel and week."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def weekly_messages(self, since: date) -> dict[tuple[int, date], WeeklyMessage]:
        """Every channel's message for the weeks from ``since`` on, by (channel, week start)."""
        rows = await self.db.query(
            "SELECT * FROM weekly_messages WHERE week_start >= ?", (since.isoformat(),)
        )
        return {(m.channel_id, m.week_start): m for m in map(_row, rows)}

    async def weekly_message(self, channel_id: int, week_start: date) -> WeeklyMessage | None:
        rows = await self.db.query(
            "SELECT * FROM weekly_messages WHERE channel_id = ? AND week_start = ?",
            (channel_id, week_start.isoformat()),
        )
        return _row(rows[0]) if rows else None

    async def save_weekly_message(
        self,
        channel_id: int,
        week_start: date,
        guild_id: int,
        message_id: int,
        digest: str,
        *,
        now: datetime,
    ) -> None:
        """Remember the message that now shows a channel's week, and what it shows."""
        await self.db.run(
            "INSERT INTO weekly_messages (channel_id, week_start, guild_id, message_id, digest, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(channel_id, week_start) DO UPDATE SET "
            "guild_id = excluded.guild_id, message_id = excluded.message_id, digest = excluded.digest, "
            "updated_at = excluded.updated_at",
            (channel_id, week_start.isoformat(), guild_id, message_id, digest, _t(now)),
        )

    async def forget_weekly_messages(self, before: date) -> int:
        """Forget the messages of weeks that started before ``before`` (they are never edited
        again); returns how many rows went."""
        return await self.db.run("DELETE FROM weekly_messages WHERE week_start < ?", (before.isoformat(),))
