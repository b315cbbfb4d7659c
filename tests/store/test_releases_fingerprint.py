"""The releases' fingerprint, which the scheduler and the events watch once a minute: it moves
when releases are added, moved or removed (by an import here or in another process), and stays
put while nothing changes."""

from __future__ import annotations

from bot.models import Kind, Release, Scope, Show, ShowRecord, When
from bot.store import Store


def _record(sid: str, *days: str) -> ShowRecord:
    show = Show(sid, sid.title(), Kind.SERIES, platform="Netflix")
    releases = [Release(sid, When.parse(day), Scope.SEASON, season) for season, day in enumerate(days, 1)]
    return ShowRecord(show, releases=releases)


async def test_the_fingerprint_moves_with_the_releases_only(store: Store) -> None:
    empty = await store.releases_fingerprint()
    assert await store.releases_fingerprint() == empty
    await store.import_records([_record("a", "2027-01-05", "2027-02-05"), _record("b", "2027-03-01")])
    added = await store.releases_fingerprint()
    assert added != empty and await store.releases_fingerprint() == added
    # This process removes one release (a show's releases are replaced by its record's).
    await store.import_records([_record("b")])
    removed = await store.releases_fingerprint()
    assert removed != added
    # Another process removes one: the file's data version (or the trigger's counter) says so.
    other = await Store.open(store.path)
    try:
        await other.import_records([_record("a", "2027-01-05")])
    finally:
        await other.close()
    assert await store.releases_fingerprint() != removed
