"""SQL for the rate budget every process shares (``bot.announce.budget``). Table from migration 0010.

A budget is a grid of slots ``interval`` apart: its row keeps ``next_at``, the first instant not
yet given out (Unix seconds, every process's wall clock). :meth:`RateBudgets.claim_slots` takes
the next ``count`` slots from ``max(next_at, now)`` in one statement, so two processes never get
the same slot and an idle process holds none. Each statement here is one upsert under the
database's write lock; the SQL is the same on PostgreSQL.
"""

from __future__ import annotations

from bot.store.database import Database


class RateBudgets:
    """Shared request budgets: slots handed out in turn to whichever process asks."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim_slots(self, name: str, now: float, count: int, interval: float) -> float:
        """Take the next ``count`` slots of budget ``name``, none before ``now``: they are the
        ``count`` instants ``interval`` apart that end just before the instant returned."""
        span = count * interval
        [row] = await self.db.run_returning(
            "INSERT INTO rate_budget (name, next_at) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET next_at = "
            "CASE WHEN rate_budget.next_at > ? THEN rate_budget.next_at ELSE ? END + ? "
            "RETURNING next_at",
            (name, now + span, now, now, span),
        )
        return float(row[0])

    async def hold_budget(self, name: str, until: float) -> None:
        """Give out no slot of budget ``name`` before ``until`` (Discord said to wait)."""
        await self.db.run(
            "INSERT INTO rate_budget (name, next_at) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET next_at = "
            "CASE WHEN rate_budget.next_at > ? THEN rate_budget.next_at ELSE ? END",
            (name, until, until, until),
        )

    async def budget_next_at(self, name: str) -> float | None:
        """The first instant of budget ``name`` not yet given out (None: never used)."""
        value = await self.db.scalar("SELECT next_at FROM rate_budget WHERE name = ?", (name,))
        return None if value is None else float(value)
