"""SQL for the delivery ledger of release announcements and followers' DMs.

A part of :class:`bot.store.Store`; the table comes from migrations 0002 and 0005. A row is one
(kind, target, release, lead): ``kind`` 'channel' (the target is an announcement channel) or
'user' (a follower, sent as a DM), ``lead`` the minutes before the release of a reminder (0 for
the post at release). Every read and write below is of one kind, 'channel' unless told. (The catalogue reads a
plan needs are in ``bot.store.catalogue``.)

Every write here is ONE statement, so it is atomic on its own (SQLite wraps each statement in
an implicit transaction), and it takes the database's write lock, so it never lands inside
another coroutine's open transaction on the shared connection. The claim of a post is a single
multi-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: the rows a caller gets back are its
own, and nobody else's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.database import Database, Row
from bot.store.rows import instant_text as _t
from bot.store.rows import parse_instant as _p

_CLAIM_CHUNK = 1_000  # rows per INSERT: 12 parameters each, under SQLite's 32,766
CHANNEL, USER = "channel", "user"  # the kinds of target


@dataclass(frozen=True, slots=True)
class Claim:
    """The ledger rows of one post to claim: (channel, release) for each of ``release_ids``."""

    channel_id: int
    guild_id: int
    release_ids: tuple[str, ...]
    due: datetime
    nonce: str
    late: bool = False
    state: str = "pending"  # or skipped: recorded, never sent
    reason: str | None = None
    kind: str = CHANNEL
    lead: int = 0  # minutes before the release: a reminder; 0 = the post at release


@dataclass(frozen=True, slots=True)
class Finish:
    """One post's outcome: its pending rows become sent (with the message) or failed (with why)."""

    channel_id: int
    nonce: str
    state: str
    message_id: int | None = None
    reason: str | None = None
    kind: str = CHANNEL


@dataclass(frozen=True, slots=True)
class Delivery:
    """One row of the ledger."""

    channel_id: int
    release_id: str
    guild_id: int
    due: datetime
    state: str  # pending, sent, failed, skipped
    nonce: str
    message_id: int | None
    late: bool
    reason: str | None
    attempts: int
    claimed_at: datetime
    updated_at: datetime
    kind: str = CHANNEL
    lead: int = 0


def _delivery(r: Row) -> Delivery:
    return Delivery(
        r["channel_id"],
        r["release_id"],
        r["guild_id"],
        _p(r["due"]),  # type: ignore[arg-type]
        r["state"],
        r["nonce"],  # type: ignore[arg-type]
        r["message_id"],
        bool(r["late"]),
        r["reason"],
        r["attempts"],
        _p(r["claimed_at"]),  # type: ignore[arg-type]
        _p(r["updated_at"]),  # type: ignore[arg-type]
        r["kind"],
        r["lead"],
    )


class Ledger:
    """Which post of which release went to which channel: claims, outcomes, and their reads."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the delivery ledger ------------------------------------------------------------------------------

    async def delivered_keys(
        self,
        since: datetime,
        channel_ids: Iterable[int] | None = None,
        release_ids: Iterable[str] | None = None,
    ) -> set[tuple[int, str]]:
        """(channel, release) of every channel post at release due at or after ``since``, in any
        state; only of the given channels and releases when given (a plan asks for the releases
        of its window). Asked by release, rows of any due count: a release that moved after it
        was posted (a live catalogue) must never be posted again, however far it moved."""
        sql = "SELECT channel_id, release_id FROM deliveries WHERE kind = 'channel' AND lead = 0 AND due >= ?"
        params: list[Any] = [_t(since) if release_ids is None else "0"]
        if channel_ids is not None:
            ids = list(channel_ids)
            if not ids:  # ``IN ()`` is SQLite's alone
                return set()
            sql += f" AND channel_id IN ({','.join('?' * len(ids))})"
            params += ids
        if release_ids is None:
            return {(r[0], r[1]) for r in await self.db.query(sql, params)}
        rows = await self.db.query_in(sql + " AND release_id IN ({values})", release_ids, before=params)
        return {(r[0], r[1]) for r in rows}

    async def ledger_keys(self, kind: str, release_ids: Iterable[str]) -> set[tuple[int, str, int]]:
        """(target, release, lead) of every row of ``kind`` for these releases, in any state and
        of any due: what a plan of reminders or DMs must not send again."""
        rows = await self.db.query_in(
            "SELECT channel_id, release_id, lead FROM deliveries WHERE kind = ? AND release_id IN ({values})",
            release_ids,
            before=[kind],
        )
        return {(r[0], r[1], r[2]) for r in rows}

    async def claim_deliveries(
        self,
        channel_id: int,
        guild_id: int,
        release_ids: Sequence[str],
        *,
        due: datetime,
        nonce: str,
        late: bool,
        now: datetime,
        state: str = "pending",
        reason: str | None = None,
        kind: str = CHANNEL,
        lead: int = 0,
    ) -> list[str]:
        """Claim (channel, release) rows in one statement; returns the release ids claimed here.

        A row that already exists (sent, failed, skipped or claimed by someone else) is left as
        it is and not returned. ``state='skipped'`` records posts that will never be sent.
        """
        claim = Claim(channel_id, guild_id, tuple(release_ids), due, nonce, late, state, reason, kind, lead)
        got = await self.claim_many([claim], now=now)
        return [rid for rid in release_ids if (channel_id, rid, lead) in got]

    async def claim_many(self, claims: Sequence[Claim], *, now: datetime) -> set[tuple[int, str, int]]:
        """Claim the rows of many posts at once: one multi-row ``INSERT ... ON CONFLICT DO NOTHING
        RETURNING`` per chunk of rows, each atomic on its own. Returns the (target, release, lead)
        rows claimed here; a row that already exists (sent, failed, skipped, or claimed by anyone
        else) is left as it is and not returned. Every claim of one call is of one kind."""
        if len({c.kind for c in claims}) > 1:
            raise ValueError("one claim_many call claims rows of one kind")
        rows: list[list[Any]] = []
        stamp = _t(now)
        for c in claims:
            if c.state not in ("pending", "skipped"):
                raise ValueError(f"a claim is pending or skipped, not {c.state}")
            if c.kind not in (CHANNEL, USER):
                raise ValueError(f"a claim is for a channel or a user, not {c.kind}")
            due = _t(c.due)
            for rid in c.release_ids:
                rows.append(
                    [
                        c.kind,
                        c.channel_id,
                        rid,
                        c.lead,
                        c.guild_id,
                        due,
                        c.state,
                        c.nonce,
                        int(c.late),
                        c.reason,
                        stamp,
                        stamp,
                    ]
                )
        claimed: set[tuple[int, str, int]] = set()
        for start in range(0, len(rows), _CLAIM_CHUNK):
            part = rows[start : start + _CLAIM_CHUNK]
            values = ",".join(["(?,?,?,?,?,?,?,?,?,?,?,?)"] * len(part))
            params = [v for row in part for v in row]
            got = await self.db.run_returning(
                "INSERT INTO deliveries (kind, channel_id, release_id, lead, guild_id, due, state, nonce, "
                f"late, reason, claimed_at, updated_at) VALUES {values} "  # noqa: S608
                "ON CONFLICT(kind, channel_id, release_id, lead) DO NOTHING "
                "RETURNING channel_id, release_id, lead",
                params,
            )
            claimed.update((r[0], r[1], r[2]) for r in got)
        return claimed

    async def finish_many(self, finished: Sequence[Finish], *, now: datetime) -> int:
        """pending -> sent or failed for many posts in one transaction; returns the rows changed."""
        if not finished:
            return 0
        stamp = _t(now)
        params = []
        for f in finished:
            if f.state not in ("sent", "failed"):
                raise ValueError(f"a delivery finishes as sent or failed, not {f.state}")
            params.append((f.state, f.message_id, f.reason, stamp, f.kind, f.channel_id, f.nonce))
        async with self.db.transaction() as tx:
            return await tx.executemany(
                "UPDATE deliveries SET state = ?, message_id = ?, reason = ?, updated_at = ? "
                "WHERE kind = ? AND channel_id = ? AND nonce = ? AND state = 'pending'",
                params,
            )

    async def has_pending(self) -> bool:
        """Whether any post (a channel's or a DM) was claimed and not confirmed."""
        rows = await self.db.query("SELECT 1 FROM deliveries WHERE state = 'pending' LIMIT 1")
        return bool(rows)

    async def pending_deliveries(
        self, channel_ids: Iterable[int] | None = None, *, kind: str = CHANNEL
    ) -> list[Delivery]:
        sql = "SELECT * FROM deliveries WHERE state = 'pending' AND kind = ?"
        params: list[Any] = [kind]
        if channel_ids is not None:
            ids = list(channel_ids)
            if not ids:  # ``IN ()`` is SQLite's alone
                return []
            sql += f" AND channel_id IN ({','.join('?' * len(ids))})"
            params += ids
        sql += " ORDER BY due, channel_id, nonce, release_id"
        return [_delivery(r) for r in await self.db.query(sql, params)]

    async def finish_deliveries(
        self,
        channel_id: int,
        nonce: str,
        state: str,
        *,
        now: datetime,
        message_id: int | None = None,
        reason: str | None = None,
        kind: str = CHANNEL,
    ) -> int:
        """pending -> sent (with the message id) or failed (with the reason), for one post."""
        return await self.finish_many(
            [Finish(channel_id, nonce, state, message_id, reason, kind)],
            now=now,
        )

    async def count_attempt(self, channel_id: int, nonce: str, now: datetime, *, kind: str = CHANNEL) -> None:
        await self.db.run(
            "UPDATE deliveries SET attempts = attempts + 1, updated_at = ? "
            "WHERE kind = ? AND channel_id = ? AND nonce = ? AND state = 'pending'",
            (_t(now), kind, channel_id, nonce),
        )

    async def deliveries(
        self,
        channel_id: int | None = None,
        release_id: str | None = None,
        *,
        due: datetime | None = None,
        kind: str = CHANNEL,
        lead: int | None = 0,
    ) -> list[Delivery]:
        """Rows of one kind (a channel's posts at release unless told; ``lead=None``: reminders too)."""
        sql = "SELECT * FROM deliveries WHERE kind = ?"
        params: list[Any] = [kind]
        if lead is not None:
            sql += " AND lead = ?"
            params.append(lead)
        if due is not None:
            sql += " AND due = ?"
            params.append(_t(due))
        if channel_id is not None:
            sql += " AND channel_id = ?"
            params.append(channel_id)
        if release_id is not None:
            sql += " AND release_id = ?"
            params.append(release_id)
        sql += " ORDER BY due, channel_id, release_id, lead"
        return [_delivery(r) for r in await self.db.query(sql, params)]

    async def delivery_counts(self, kind: str | None = None) -> dict[str, int]:
        """Rows by state: of one kind, or of every kind."""
        if kind is None:
            rows = await self.db.query("SELECT state, count(*) FROM deliveries GROUP BY state")
        else:
            rows = await self.db.query(
                "SELECT state, count(*) FROM deliveries WHERE kind = ? GROUP BY state", (kind,)
            )
        return {r[0]: r[1] for r in rows}
