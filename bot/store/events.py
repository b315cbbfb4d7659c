"""SQL for the Discord scheduled events made for releases: one row per (server, release key).
Table from migration 0006.

A row is written before Discord is asked to make the event (a claim, with ``event_id`` NULL), so
a crash between Discord's answer and the next write never leads to a second event for one
release: the next run finds the claim and looks the event up in Discord's list first. ``state``
is ``active`` (the event is, or is being, made), ``canceled`` (the bot canceled it: its release
was withdrawn or is no longer announced here) or ``deleted`` (someone else deleted or ended it:
it is never made again). Every write here is one statement, under the database's write lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.store.database import Database, Row
from bot.store.rows import instant_text as _t
from bot.store.rows import parse_instant as _p

State = Literal["active", "canceled", "deleted"]


@dataclass(frozen=True, slots=True)
class EventRow:
    guild_id: int
    release_key: str
    event_id: int | None  # None: claimed, Discord's answer not written yet
    starts_at: datetime  # the start last written to Discord (UTC)
    digest: str | None  # what the event says, as last written
    state: State
    updated_at: datetime


def _row(r: Row) -> EventRow:
    return EventRow(
        guild_id=r["guild_id"],
        release_key=r["release_key"],
        event_id=r["event_id"],
        starts_at=_p(r["starts_at"]),  # type: ignore[arg-type]
        digest=r["digest"],
        state=r["state"],
        updated_at=_p(r["updated_at"]),  # type: ignore[arg-type]
    )


class ScheduledEvents:
    """The scheduled event made for each release in each server."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def event_rows(self, guild_ids: Iterable[int] | None = None) -> list[EventRow]:
        """Every row, or the rows of these servers."""
        if guild_ids is None:
            rows = await self.db.query("SELECT * FROM scheduled_events ORDER BY guild_id, starts_at")
        else:
            rows = await self.db.query_in(
                "SELECT * FROM scheduled_events WHERE guild_id IN ({values}) ORDER BY guild_id, starts_at",
                guild_ids,
            )
        return [_row(r) for r in rows]

    async def claim_event(
        self, guild_id: int, release_key: str, starts_at: datetime, digest: str, *, now: datetime
    ) -> bool:
        """Claim the making of a release's event before Discord is asked: a new row, or a row
        whose event the bot canceled (the release came back). False when the release has an
        event, or a claim, already, or its event was deleted by someone."""
        changed = await self.db.run(
            "INSERT INTO scheduled_events (guild_id, release_key, event_id, starts_at, digest, state, "
            "updated_at) VALUES (?, ?, NULL, ?, ?, 'active', ?) ON CONFLICT(guild_id, release_key) "
            "DO UPDATE SET event_id = NULL, starts_at = excluded.starts_at, digest = excluded.digest, "
            "state = 'active', updated_at = excluded.updated_at WHERE scheduled_events.state = 'canceled'",
            (guild_id, release_key, _t(starts_at), digest, _t(now)),
        )
        return changed > 0

    async def event_made(
        self,
        guild_id: int,
        release_key: str,
        event_id: int,
        starts_at: datetime,
        digest: str | None,
        *,
        now: datetime,
    ) -> bool:
        """Discord made (or already had) the claimed event: remember its id and what it says."""
        changed = await self.db.run(
            "UPDATE scheduled_events SET event_id = ?, starts_at = ?, digest = ?, updated_at = ? "
            "WHERE guild_id = ? AND release_key = ? AND event_id IS NULL AND state = 'active'",
            (event_id, _t(starts_at), digest, _t(now), guild_id, release_key),
        )
        return changed > 0

    async def event_edited(
        self, guild_id: int, release_key: str, starts_at: datetime, digest: str, *, now: datetime
    ) -> None:
        """The event now starts at ``starts_at`` and says what ``digest`` stands for."""
        await self.db.run(
            "UPDATE scheduled_events SET starts_at = ?, digest = ?, updated_at = ? "
            "WHERE guild_id = ? AND release_key = ?",
            (_t(starts_at), digest, _t(now), guild_id, release_key),
        )

    async def set_event_state(self, guild_id: int, release_key: str, state: State, *, now: datetime) -> None:
        await self.db.run(
            "UPDATE scheduled_events SET state = ?, updated_at = ? WHERE guild_id = ? AND release_key = ?",
            (state, _t(now), guild_id, release_key),
        )

    async def release_claim(self, guild_id: int, release_key: str) -> bool:
        """Drop a claim whose event Discord did not make (it refused, or it is not in its list)."""
        changed = await self.db.run(
            "DELETE FROM scheduled_events WHERE guild_id = ? AND release_key = ? AND event_id IS NULL",
            (guild_id, release_key),
        )
        return changed > 0

    async def forget_events(self, guild_id: int, release_keys: Iterable[str] | None = None) -> int:
        """Forget a server's rows (all of them, or these); returns how many went."""
        if release_keys is None:
            return await self.db.run("DELETE FROM scheduled_events WHERE guild_id = ?", (guild_id,))
        keys = [(guild_id, k) for k in dict.fromkeys(release_keys)]
        if not keys:
            return 0
        async with self.db.transaction() as tx:
            return await tx.executemany(
                "DELETE FROM scheduled_events WHERE guild_id = ? AND release_key = ?", keys
            )

    async def prune_events(self, before: datetime) -> int:
        """Forget events that started before ``before`` (Discord has ended them: they are never
        edited again), and canceled or deleted ones of that age; claims are kept."""
        return await self.db.run(
            "DELETE FROM scheduled_events "
            "WHERE starts_at < ? AND (event_id IS NOT NULL OR state != 'active')",
            (_t(before),),
        )


__all__ = ["EventRow", "ScheduledEvents", "State"]
