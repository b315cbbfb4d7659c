from datetime import UTC, datetime

import aiosqlite
import pytest

from bot.models import (
    CatalogueStats,
    Credit,
    Episode,
    Event,
    Person,
    Release,
    Role,
    Scope,
    Show,
    ShowRecord,
    When,
)
from bot.store import Store, migrations
from bot.store.database import integrity_errors


def record(
    show_id: str = "all-of-us-are-dead", title: str = "All of Us Are Dead", character: str = "Nam On-jo"
):
    show = Show(
        show_id, title, original_title="지금 우리 학교는", aliases=("Now at Our School",), platform="Netflix"
    )
    return ShowRecord(
        show,
        credits=[Credit(show_id, Person("park-ji-hu", "Park Ji-hu", "박지후"), Role.CAST, character, 1)],
        episodes=[Episode(show_id, 1, n) for n in range(1, 13)],
        releases=[
            Release(
                show_id, When.parse("2022-01-28T17:00", "Asia/Seoul"), Scope.SEASON, 1, platform="Netflix"
            )
        ],
        events=[
            Event(
                show_id,
                "press_conference",
                "Press conference",
                When.parse("2022-01-26", "Asia/Seoul"),
                "Seoul",
            )
        ],
    )


async def test_new_database_is_migrated_in_wal_mode_with_foreign_keys(tmp_path):
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        assert await store.schema_version() == len(migrations())
        assert await store.db.scalar("PRAGMA journal_mode") == "wal"
        assert await store.db.scalar("PRAGMA foreign_keys") == 1
        assert await store.is_empty()
    finally:
        await store.close()


async def test_reopening_does_not_reapply_migrations(tmp_path):
    path = tmp_path / "db.sqlite3"
    store = await Store.open(path)
    await store.import_records([record()])
    await store.close()
    store = await Store.open(path)
    try:
        assert (await store.stats()).shows == 1
    finally:
        await store.close()


async def test_a_database_newer_than_the_code_is_refused(tmp_path):
    path = tmp_path / "db.sqlite3"
    async with aiosqlite.connect(path) as conn:
        await conn.execute("PRAGMA user_version = 999")
        await conn.commit()
    with pytest.raises(Exception, match="newer than this code"):
        await Store.open(path)


async def test_import_is_idempotent(store):
    first = await store.import_records([record()])
    again = await store.import_records([record()])
    assert first == again
    assert await store.stats() == CatalogueStats(
        shows=1, people=1, credits=1, episodes=12, releases=1, events=1
    )


async def test_reimport_replaces_a_shows_children(store):
    await store.import_records([record()])
    await store.import_records([record(character="On-jo")])
    credits = await store.get_credits("all-of-us-are-dead")
    assert [c.character for c in credits] == ["On-jo"]


async def test_a_failing_import_changes_nothing(store):
    await store.import_records([record()])
    before = await store.stats()
    bad = record("broken", "Broken")
    bad.credits.append(Credit("broken", Person("x", None), Role.CAST))  # type: ignore[arg-type]  # name NOT NULL
    with pytest.raises(integrity_errors()):  # the backend's: sqlite3's or asyncpg's
        await store.import_records([record("other", "Other"), bad])
    assert await store.stats() == before
    assert await store.get_show("other") is None


async def test_round_trip_through_export(store):
    rec = record()
    await store.import_records([rec])
    [out] = await store.export_records()
    assert out == rec


async def test_releases_between_is_half_open_and_filters_platform(store):
    await store.import_records([record()])
    at = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
    assert len(await store.releases_between(at, datetime(2022, 1, 29, tzinfo=UTC))) == 1
    assert await store.releases_between(datetime(2022, 1, 1, tzinfo=UTC), at) == []
    assert len(await store.releases_between(at, datetime(2023, 1, 1, tzinfo=UTC), platform="netflix")) == 1
    assert await store.releases_between(at, datetime(2023, 1, 1, tzinfo=UTC), platform="Disney+") == []


async def test_search_names_in_any_script(store):
    await store.import_records([record()])
    assert ("show", "all-of-us-are-dead", "지금 우리 학교는") in await store.search_names("우리 학교")
    assert ("show", "all-of-us-are-dead", "지금 우리 학교는") in await store.search_names("지금")
    assert ("person", "park-ji-hu", "박지후") in await store.search_names("박지후", kind="person")
    assert await store.search_names("100%_") == []


async def test_meta_round_trip(store):
    assert await store.get_meta("k") is None
    await store.set_meta("k", "v1")
    await store.set_meta("k", "v2")
    assert await store.get_meta("k") == "v2"


async def test_a_file_that_is_not_sqlite_is_refused_and_closed(tmp_path):
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(Exception, match="not a database"):
        await Store.open(path)


async def test_a_write_waits_for_an_open_transaction_and_survives_its_rollback(store):
    import asyncio

    task = None
    with pytest.raises(RuntimeError):
        async with store.transaction():
            task = asyncio.create_task(store.set_meta("k", "v"))
            await asyncio.sleep(0.05)
            assert not task.done()
            raise RuntimeError("import failed")
    await task
    assert await store.get_meta("k") == "v"
