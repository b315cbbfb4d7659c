"""`python -m bot db migrate` and `python -m bot db copy`: an existing SQLite install moves to
PostgreSQL without losing a setting or a ledger row, and search works on the copy."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.announce.models import ChannelChange, Kinds
from bot.calendar import Revision
from bot.calendar_models import FeedKind
from bot.follows.models import What
from bot.search import search
from bot.store import Store, migrations
from bot.store.announce_ledger import Claim, Finish
from bot.store.copy import POSTGRES_ONLY
from bot.store.database import split_sql

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2022, 1, 28, 7, 0, tzinfo=UTC)
GUILD, CHANNEL, USER = 111111111111111111, 222222222222222222, 333333333333333333  # snowflakes: > 2**31


def bot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_PATH")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**environ, **(env or {})},
    )


async def an_install(path: Path, bundled_records) -> None:
    """A SQLite install as a bot that ran for a while leaves it: the catalogue, a server's settings
    and channels, posts sent and one pending, follows with reminders, calendar feeds and entries,
    scheduled events, the week at a glance, sync runs, a lease, the bot's own facts."""
    async with await Store.open(path) as store:
        await store.import_records(bundled_records)
        await store.update_announce_guild(GUILD, zone="Asia/Seoul", post_time=time(8, 30), language="ko")
        await store.configure_announce_channel(
            GUILD,
            CHANNEL,
            ChannelChange(role_id=GUILD + 5, platforms=("netflix",), kinds=Kinds.PREMIERES, reminders=(60,)),
            now=NOW,
        )
        await store.configure_announce_channel(GUILD, CHANNEL + 1, ChannelChange(weekly=True), now=NOW)
        due = NOW + timedelta(hours=1)
        await store.claim_many([Claim(CHANNEL, GUILD, ("r-sent-1", "r-sent-2"), due, "nonce-sent")], now=NOW)
        await store.finish_many([Finish(CHANNEL, "nonce-sent", "sent", message_id=GUILD + 9)], now=NOW)
        await store.claim_many([Claim(CHANNEL + 1, GUILD, ("r-pending",), due, "nonce-pending")], now=NOW)
        await store.claim_many(
            [Claim(USER, 0, ("r-dm",), due - timedelta(hours=1), "nonce-dm", kind="user", lead=60)], now=NOW
        )
        await store.follows.add_follow(USER, "all-of-us-are-dead", What.EPISODES, now=NOW, cap=100)
        await store.follows.add_follow(USER + 1, "all-of-us-are-dead", What.PREMIERES, now=NOW, cap=100)
        await store.follows.set_follower_reminders(USER, (1440, 60), now=NOW)
        await store.follows.set_follower_locale(USER, "ko")
        await store.follows.pause_followers({USER + 1: "DMs closed"}, now=NOW)
        await store.calendars.ensure_feed(FeedKind.SERVER, GUILD, "t" * 32, now=NOW)
        await store.calendars.ensure_feed(FeedKind.USER, USER, "u" * 32, now=NOW)
        await store.calendars.save_revisions({"uid-1@premiere": Revision("digest", 2, NOW)})
        await store.events.claim_event(GUILD, "release-key", NOW + timedelta(days=1), "digest", now=NOW)
        await store.weekly.save_weekly_message(CHANNEL + 1, NOW.date(), GUILD, GUILD + 7, "d", now=NOW)
        run = await store.start_sync_run("schedule", NOW)
        await store.finish_sync_run(run, NOW + timedelta(minutes=1), {"requests": 3, "shows_added": 1})
        await store.leases.acquire("sync", "host:1:abc", NOW, timedelta(minutes=1))
        await store.set_meta("commands_hash", "abc123")


def rows_of(path: Path, table: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info('{table}')")]
        return sorted(conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall(), key=repr)  # noqa: S608
    finally:
        conn.close()


async def pg_rows(url: str, table: str, columns: list[str]) -> list[tuple]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(f"SELECT {', '.join(columns)} FROM {table}")  # noqa: S608
        return sorted((tuple(r) for r in rows), key=repr)
    finally:
        await conn.close()


def sqlite_tables(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return sorted(
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith(("names_fts_", "names_vocab_", "sqlite_"))
        )
    finally:
        conn.close()


def test_copy_moves_every_row_and_search_works_on_the_copy(tmp_path: Path, postgres_server, bundled_records):
    path = tmp_path / "premiere.sqlite3"
    asyncio.run(an_install(path, bundled_records))
    url = asyncio.run(postgres_server.create_database(migrated=False))  # not even migrated yet

    done = bot("db", "copy", "--from", f"sqlite:{path}", "--to", url)
    assert done.returncode == 0, done.stderr
    assert "every count checked" in done.stdout
    assert "deliveries" in done.stdout and "follows" in done.stdout and "calendar_feeds" in done.stdout

    # Every row of every table, as it was.
    tables = sqlite_tables(path)
    assert {"deliveries", "follows", "followers", "announce_channels", "calendar_feeds"} <= set(tables)
    for table in tables:
        source = rows_of(path, table)
        columns = [r[1] for r in sqlite3.connect(path).execute(f"PRAGMA table_info('{table}')")]
        assert asyncio.run(pg_rows(url, table, columns)) == source, table
    assert len(rows_of(path, "deliveries")) == 4

    async def read_the_copy() -> None:
        async with await Store.open(url) as pg, await Store.open(path) as lite:
            # The settings, the ledger (sent and pending), the follows, the feeds, as the bot reads them.
            assert await pg.announce_guild(GUILD) == await lite.announce_guild(GUILD)
            assert await pg.announce_channels(GUILD) == await lite.announce_channels(GUILD)
            pending = await pg.pending_deliveries()
            assert [(d.channel_id, d.release_id, d.state) for d in pending] == [
                (CHANNEL + 1, "r-pending", "pending")
            ]
            assert await pg.deliveries(CHANNEL) == await lite.deliveries(CHANNEL)
            assert await pg.ledger_keys("user", ["r-dm"]) == {(USER, "r-dm", 60)}
            assert await pg.follows.follows_of(USER) == await lite.follows.follows_of(USER)
            assert await pg.follows.follower(USER + 1) == await lite.follows.follower(USER + 1)
            feed = await pg.calendars.feed("t" * 32)
            assert feed is not None and feed.owner_id == GUILD
            assert await pg.get_meta("commands_hash") == "abc123"
            assert await pg.export_records() == await lite.export_records()
            # Search answers the same: typos, another script, word starts.
            for query in ("all of us are ded", "지금 우리 학교는", "Now at Our School", "all of"):
                for kind in ("show", "person"):
                    assert await search(pg, query, kind=kind) == await search(lite, query, kind=kind), query
            assert (await search(pg, "all of us are ded", kind="show"))[0].ref == "all-of-us-are-dead"
            # A new sync run is numbered after the copied ones.
            assert await pg.start_sync_run("updates", NOW) == 2

    asyncio.run(read_the_copy())

    # A target that holds rows is refused, and left as it was; --replace copies over it.
    again = bot("db", "copy", "--from", f"sqlite:{path}", "--to", url)
    assert again.returncode == 1
    assert "not empty" in again.stderr and "--replace" in again.stderr
    assert asyncio.run(pg_rows(url, "sync_runs", ["id"])) == [(1,), (2,)]
    replaced = bot("db", "copy", "--from", f"sqlite:{path}", "--to", url, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert asyncio.run(pg_rows(url, "sync_runs", ["id"])) == [(1,)]
    assert asyncio.run(pg_rows(url, "deliveries", ["release_id"])) == sorted(
        [("r-dm",), ("r-pending",), ("r-sent-1",), ("r-sent-2",)], key=repr
    )


def test_an_older_sqlite_database_is_migrated_before_it_is_copied(tmp_path: Path, postgres_server):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, _, sql in migrations()[:4]:  # as a bot of version 4 left it
        for statement in split_sql(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute("INSERT INTO announce_guilds (guild_id, zone) VALUES (?, 'Europe/Paris')", (GUILD,))
    conn.execute(
        "INSERT INTO deliveries (channel_id, release_id, guild_id, due, state, nonce, claimed_at, "
        "updated_at) VALUES (?, 'r1', ?, ?, 'sent', 'n', ?, ?)",
        (CHANNEL, GUILD, *["2022-01-28T08:00:00Z"] * 3),
    )
    conn.close()
    url = asyncio.run(postgres_server.create_database())
    done = bot("db", "copy", "--from", f"sqlite:{path}", "--to", url)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "old.sqlite3.v4.bak").is_file()  # the source's own copy before its migration

    async def check() -> None:
        async with await Store.open(url) as pg:
            guild = await pg.announce_guild(GUILD)
            assert guild is not None and guild.zone == "Europe/Paris"
            [row] = await pg.deliveries(CHANNEL)
            assert (row.kind, row.release_id, row.state, row.lead) == ("channel", "r1", "sent", 0)

    asyncio.run(check())


def test_migrate_says_the_version_on_both_backends(tmp_path: Path, postgres_server):
    known = len(migrations())
    url = asyncio.run(postgres_server.create_database(migrated=False))
    first = bot("db", "migrate", env={"DATABASE_URL": url})
    assert first.returncode == 0, first.stderr
    assert f"migrated from version 0 to {known}" in first.stdout
    assert url.split("@")[-1] in first.stdout
    second = bot("db", "migrate", "--database", url)
    assert second.returncode == 0 and f"at version {known}, nothing to migrate" in second.stdout
    path = tmp_path / "premiere.sqlite3"
    lite = bot("db", "migrate", env={"DATABASE_PATH": str(path)})
    assert lite.returncode == 0 and f"migrated from version 0 to {known}" in lite.stdout
    assert bot("db", "migrate", "--database", str(path)).stdout.strip().endswith("nothing to migrate")


def test_usage_and_database_errors_are_one_line(tmp_path: Path, postgres_server):
    url = asyncio.run(postgres_server.create_database())
    missing = url.rsplit("/", 1)[0] + "/no_such_database"
    none = f"sqlite:{tmp_path / 'none.sqlite3'}"
    cases = [
        (("db", "copy", "--from", "mysql://x", "--to", url), 2, "--from takes sqlite:PATH"),
        (("db", "copy", "--from", none, "--to", "nowhere"), 2, "--to takes"),
        (("db", "copy", "--from", none, "--to", url), 1, "no SQLite database"),
        (("db", "migrate", "--database", missing), 1, "there is no such database"),
    ]
    for args, code, text in cases:
        done = bot(*args)
        assert done.returncode == code, (args, done.stderr)
        assert text in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize("value", ["mysql://u:secret@h/db", "postgresql://", "sqlite:///x.db"])
def test_a_database_url_that_is_not_postgresql_is_named_in_one_line(value: str) -> None:
    from bot.config import ConfigError, load_settings

    with pytest.raises(ConfigError) as err:
        load_settings({"DATABASE_URL": value}, dotenv_path=Path("/nonexistent"), require_token=False)
    assert str(err.value).startswith("DATABASE_URL is not a PostgreSQL URL")
    assert "secret" not in str(err.value)


def test_postgres_only_tables_are_what_the_copy_leaves_alone() -> None:
    assert set(POSTGRES_ONLY) == {"schema_version", "releases_changes"}
