"""SQL for leases: which process of a cluster runs a once-per-bot job. Table from migration 0009.

A lease is one row (name, holder, expires_at). :meth:`LeaseRecords.acquire` takes a lease that
is free or expired, or renews it for the process that holds it, and refuses it otherwise, in ONE
statement: an ``INSERT ... ON CONFLICT (name) DO UPDATE ... WHERE ... RETURNING``. The database
decides between processes racing for one lease (SQLite lets one writer at a time; PostgreSQL
locks the conflicting row and re-checks the WHERE on its latest version), so exactly one of
them gets a row back. The statement is plain SQL that PostgreSQL runs as it is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store.database import Database
from bot.store.rows import instant_text as _t
from bot.store.rows import parse_instant as _p


class LeaseRecords:
    """Taking, renewing, releasing and reading leases."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def acquire(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take the lease ``name`` for ``holder`` until ``now + ttl``, or renew it when ``holder``
        has it already. False while another holder's lease has not expired (at ``now``)."""
        rows = await self.db.run_returning(
            "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
            "WHERE leases.holder = excluded.holder OR leases.expires_at < ? "
            "RETURNING holder",
            (name, holder, _t(now + ttl), _t(now)),
        )
        return bool(rows)

    async def release(self, name: str, holder: str) -> bool:
        """Give the lease up at once (a clean shutdown), if ``holder`` has it."""
        changed = await self.db.run("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
        return changed > 0

    async def lease(self, name: str) -> tuple[str, datetime] | None:
        """Who holds ``name`` and until when (expired or not); None when nobody took it."""
        rows = await self.db.query("SELECT holder, expires_at FROM leases WHERE name = ?", (name,))
        if not rows:
            return None
        expires = _p(rows[0]["expires_at"])
        assert expires is not None
        return rows[0]["holder"], expires


__all__ = ["LeaseRecords"]
