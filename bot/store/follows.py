"""SQL for members' follows and their DM settings. Tables from migration 0005."""

from __future__ import annotations

from bot.store.database import Database


class FollowRecords:
    """Who follows which show, and each follower's DM settings and health."""

    def __init__(self, db: Database) -> None:
        self.db = db
