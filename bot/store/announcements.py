"""SQL for release announcements: servers' settings and the channels that receive posts.

A part of :class:`bot.store.Store`; the tables come from migrations 0002 and 0004. The delivery
ledger is the part beside it (``bot.store.announce_ledger``).

Every write here is one statement, or one transaction, under the database's write lock, so it
never lands inside another coroutine's open transaction on the shared connection. A channel's
settings are changed by one transaction whose statement reads back what it wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, time

from bot.announce.models import ChannelChange, ChannelConfig, GuildConfig, Kinds
from bot.store.database import IN_CHUNK, Database, Row
from bot.store.rows import instant_text as _t
from bot.store.rows import json_strings as _json_tuple
from bot.store.rows import parse_instant as _p


def _guild(r: Row) -> GuildConfig:
    return GuildConfig(
        r["guild_id"],
        r["zone"],
        time.fromisoformat(r["post_time"]),
        bool(r["paused"]),
        bool(r["events"]),
        r["events_days"],
        r["language"],
        r["preferred_locale"],
    )


def _channel(r: Row) -> ChannelConfig:
    return ChannelConfig(
        channel_id=r["channel_id"],
        guild_id=r["guild_id"],
        added_at=_p(r["added_at"]),  # type: ignore[arg-type]
        role_id=r["role_id"],
        platforms=_json_tuple(r["platforms"]),
        shows=_json_tuple(r["shows"]),
        kinds=Kinds(r["kinds"]),
        threads=bool(r["threads"]),
        publish=bool(r["publish"]),
        broken_reason=r["broken_reason"],
        broken_at=_p(r["broken_at"]),
        name=r["name"],
        reminders=tuple(int(m) for m in json.loads(r["reminders"] or "[]")),
        weekly=bool(r["weekly"]),
    )


class AnnounceSettings:
    """Servers' and channels' announcement settings."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- guild settings --------------------------------------------------------------------------

    async def ensure_announce_guild(self, guild_id: int) -> GuildConfig:
        await self.db.run(
            "INSERT INTO announce_guilds (guild_id) VALUES (?) ON CONFLICT DO NOTHING", (guild_id,)
        )
        return (await self.announce_guild(guild_id)) or GuildConfig(guild_id)

    async def announce_guild(self, guild_id: int) -> GuildConfig | None:
        rows = await self.db.query("SELECT * FROM announce_guilds WHERE guild_id = ?", (guild_id,))
        return _guild(rows[0]) if rows else None

    async def announce_guilds(self) -> dict[int, GuildConfig]:
        return {r["guild_id"]: _guild(r) for r in await self.db.query("SELECT * FROM announce_guilds")}

    async def update_announce_guild(
        self,
        guild_id: int,
        *,
        zone: str | None = None,
        post_time: time | None = None,
        paused: bool | None = None,
        events: bool | None = None,
        events_days: int | None = None,
        language: str | None = None,
        clear_language: bool = False,
        preferred_locale: str | None = None,
    ) -> GuildConfig:
        """Change what is given of a server's settings (the rest is kept); ``clear_language``
        goes back to the server's preferred locale (``preferred_locale``: as Discord reports it)."""
        values = {
            "zone": zone,
            "post_time": post_time.strftime("%H:%M") if post_time else None,
            "paused": None if paused is None else int(paused),
            "events": None if events is None else int(events),
            "events_days": events_days,
            "language": language,
            "preferred_locale": preferred_locale,
        }
        given = {k: v for k, v in values.items() if v is not None}
        sets = [f"{k} = ?" for k in given]
        if clear_language:
            sets.append("language = NULL")
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO announce_guilds (guild_id) VALUES (?) ON CONFLICT DO NOTHING", (guild_id,)
            )
            if sets:
                await tx.execute(
                    f"UPDATE announce_guilds SET {', '.join(sets)} WHERE guild_id = ?",  # noqa: S608
                    (*given.values(), guild_id),
                )
        return (await self.announce_guild(guild_id)) or GuildConfig(guild_id)

    async def set_preferred_locales(self, locales: Mapping[int, str]) -> int:
        """Remember the preferred locale Discord reports for servers that have settings (others
        are not written: a server gets a row when an admin sets it up). Returns how many changed."""
        items = [(locale, guild_id, locale) for guild_id, locale in locales.items()]
        changed = 0
        for start in range(0, len(items), IN_CHUNK):
            async with self.db.transaction() as tx:
                for params in items[start : start + IN_CHUNK]:
                    changed += await tx.execute(
                        "UPDATE announce_guilds SET preferred_locale = ? "
                        "WHERE guild_id = ? AND (preferred_locale IS NULL OR preferred_locale != ?)",
                        params,
                    )
        return changed

    # -- channels ---------------------------------------------------------------------------------

    async def upsert_announce_channel(self, c: ChannelConfig) -> ChannelConfig:
        """Add or reconfigure a channel; it becomes healthy again (a repaired channel resumes).
        A channel already configured keeps its first ``added_at``."""
        await self.ensure_announce_guild(c.guild_id)
        await self.db.run(
            "INSERT INTO announce_channels (channel_id, guild_id, role_id, platforms, shows, kinds, threads, "
            "publish, added_at, name, reminders, weekly) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(channel_id) DO UPDATE SET "
            "guild_id = excluded.guild_id, role_id = excluded.role_id, platforms = excluded.platforms, "
            "shows = excluded.shows, kinds = excluded.kinds, threads = excluded.threads, "
            "publish = excluded.publish, name = coalesce(excluded.name, announce_channels.name), "
            "reminders = excluded.reminders, weekly = excluded.weekly, "
            "broken_reason = NULL, broken_at = NULL, owner_notified = 0",
            (
                c.channel_id,
                c.guild_id,
                c.role_id,
                json.dumps(list(c.platforms)),
                json.dumps(list(c.shows)),
                c.kinds.value,
                int(c.threads),
                int(c.publish),
                _t(c.added_at),
                c.name,
                json.dumps(list(c.reminders)),
                int(c.weekly),
            ),
        )
        return (await self.announce_channel(c.channel_id)) or c

    async def configure_announce_channel(
        self, guild_id: int, channel_id: int, change: ChannelChange, *, now: datetime
    ) -> tuple[ChannelConfig, bool]:
        """Add a channel, or change only the settings ``change`` gives, in one transaction.

        Returns the settings as written, read back by the same statement that wrote them (so a
        confirmation says what is saved even when two admins change one channel at once), and
        whether the channel is new here. The channel becomes healthy again (a repaired channel
        resumes) and keeps its first ``added_at``; a channel that was another server's starts over.
        """
        role = change.clear_role or change.role_id is not None
        values = (
            channel_id,
            guild_id,
            None if change.clear_role else change.role_id,
            json.dumps(list(change.platforms or ())),
            json.dumps(list(change.shows or ())),
            (change.kinds or Kinds.BOTH).value,
            int(bool(change.threads)),
            int(bool(change.publish)),
            _t(now),
            change.name,
            json.dumps(list(change.reminders or ())),
            int(bool(change.weekly)),
        )
        flags = (  # booleans: PostgreSQL takes no integer for a truth value
            bool(role),
            change.platforms is not None,
            change.shows is not None,
            change.kinds is not None,
            change.threads is not None,
            change.publish is not None,
            change.reminders is not None,
            change.weekly is not None,
        )
        moved = "announce_channels.guild_id != excluded.guild_id"  # NOT NULL on both sides
        # in the order of ``flags``
        given = ("role_id", "platforms", "shows", "kinds", "threads", "publish", "reminders", "weekly")
        sql = (
            "INSERT INTO announce_channels (channel_id, guild_id, role_id, platforms, shows, kinds, threads, "
            "publish, added_at, name, reminders, weekly) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(channel_id) DO UPDATE SET "
            + ", ".join(
                f"{c} = CASE WHEN ? OR {moved} THEN excluded.{c} ELSE announce_channels.{c} END"
                for c in given
            )
            + f", added_at = CASE WHEN {moved} THEN excluded.added_at ELSE announce_channels.added_at END, "
            "guild_id = excluded.guild_id, name = coalesce(excluded.name, announce_channels.name), "
            "broken_reason = NULL, broken_at = NULL, owner_notified = 0 RETURNING *"
        )
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO announce_guilds (guild_id) VALUES (?) ON CONFLICT DO NOTHING", (guild_id,)
            )
            before = await tx.scalar(
                "SELECT guild_id FROM announce_channels WHERE channel_id = ?", (channel_id,)
            )
            [row] = await tx.returning(sql, (*values, *flags))
        return _channel(row), before != guild_id

    async def forget_announce_channels(self, channel_ids: Iterable[int]) -> list[ChannelConfig]:
        """Remove the settings of channels that no longer exist (whatever their server); returns
        what was removed. Their delivery ledger stays: what was posted there is history."""
        ids = list(dict.fromkeys(channel_ids))
        out: list[ChannelConfig] = []
        for start in range(0, len(ids), IN_CHUNK):
            part = ids[start : start + IN_CHUNK]
            marks = ",".join("?" * len(part))
            rows = await self.db.run_returning(
                f"DELETE FROM announce_channels WHERE channel_id IN ({marks}) RETURNING *",  # noqa: S608
                part,
            )
            out += [_channel(r) for r in rows]
        return out

    async def forget_announce_guild(self, guild_id: int) -> list[ChannelConfig]:
        """Remove a server's settings and its channels' (the bot left it); the ledger stays."""
        async with self.db.transaction() as tx:
            rows = await tx.returning(
                "DELETE FROM announce_channels WHERE guild_id = ? RETURNING *", (guild_id,)
            )
            await tx.execute("DELETE FROM announce_guilds WHERE guild_id = ?", (guild_id,))
        return [_channel(r) for r in rows]

    async def announce_guild_ids(self) -> set[int]:
        """Every server with announcement settings or channels."""
        rows = await self.db.query(
            "SELECT guild_id FROM announce_guilds UNION SELECT guild_id FROM announce_channels"
        )
        return {r[0] for r in rows}

    async def clear_announce_roles(self, guild_id: int, role_ids: Iterable[int]) -> list[int]:
        """Stop pinging roles that no longer exist; returns the channels that pinged them."""
        ids = list(dict.fromkeys(role_ids))
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = await self.db.run_returning(
            f"UPDATE announce_channels SET role_id = NULL WHERE guild_id = ? AND role_id IN ({marks}) "  # noqa: S608
            "RETURNING channel_id",
            (guild_id, *ids),
        )
        return sorted(r[0] for r in rows)

    async def rename_announce_channel(self, channel_id: int, name: str) -> None:
        """Remember a configured channel's new name (nothing happens for other channels)."""
        await self.db.run(
            "UPDATE announce_channels SET name = ? WHERE channel_id = ? AND (name IS NULL OR name != ?)",
            (name, channel_id, name),
        )

    async def remove_announce_channel(self, channel_id: int, guild_id: int) -> bool:
        n = await self.db.run(
            "DELETE FROM announce_channels WHERE channel_id = ? AND guild_id = ?", (channel_id, guild_id)
        )
        return n > 0

    async def announce_channel(self, channel_id: int) -> ChannelConfig | None:
        rows = await self.db.query("SELECT * FROM announce_channels WHERE channel_id = ?", (channel_id,))
        return _channel(rows[0]) if rows else None

    async def announce_channels(self, guild_id: int | None = None) -> list[ChannelConfig]:
        if guild_id is None:
            rows = await self.db.query("SELECT * FROM announce_channels ORDER BY channel_id")
        else:
            rows = await self.db.query(
                "SELECT * FROM announce_channels WHERE guild_id = ? ORDER BY channel_id", (guild_id,)
            )
        return [_channel(r) for r in rows]

    async def mark_channel_broken(self, channel_id: int, reason: str, now: datetime) -> bool:
        """Mark a healthy channel broken. True only for the transition (once per breakage)."""
        n = await self.db.run(
            "UPDATE announce_channels SET broken_reason = ?, broken_at = ?, owner_notified = 0 "
            "WHERE channel_id = ? AND broken_reason IS NULL",
            (reason, _t(now), channel_id),
        )
        return n > 0

    async def mark_owner_notified(self, channel_id: int) -> None:
        await self.db.run(
            "UPDATE announce_channels SET owner_notified = 1 WHERE channel_id = ?", (channel_id,)
        )

    async def owner_notified(self, channel_id: int) -> bool:
        rows = await self.db.query(
            "SELECT owner_notified FROM announce_channels WHERE channel_id = ?", (channel_id,)
        )
        return bool(rows and rows[0][0])
