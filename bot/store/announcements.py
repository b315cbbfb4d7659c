"""SQL for release announcements: guild settings, channel subscriptions, the delivery ledger.

Mixed into :class:`bot.store.Store`; the tables come from migration 0002.
"""

from __future__ import annotations

import aiosqlite


class AnnouncementQueries:
    _conn: aiosqlite.Connection
