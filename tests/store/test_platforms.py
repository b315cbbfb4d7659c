"""The platforms the catalogue names: those of shows and of dated releases, one spelling per
platform whatever its case, in order; on SQLite read along two indexes, never a scan."""

from __future__ import annotations

from bot.models import Kind, Release, Scope, Show, ShowRecord, When
from bot.store import Store
from bot.store.database import SQLITE


def _record(sid: str, platform: str | None, releases: list[tuple[str, str | None]]) -> ShowRecord:
    show = Show(sid, sid.title(), Kind.SERIES, platform=platform)
    return ShowRecord(
        show,
        releases=[
            Release(sid, When.parse(when), Scope.SEASON, season, platform=p)
            for season, (when, p) in enumerate(releases, 1)
        ],
    )


CATALOGUE = [
    _record("a", "Netflix", [("2027-01-05", "Netflix"), ("2027-02", "NETFLIX")]),
    _record("b", None, [("2027", "Disney+"), ("TBA", "Only To Be Announced")]),
    _record("c", "Coupang Play", [("2026-12-24T12:00", "Apple TV+"), ("TBA", None)]),
    _record("d", "apple tv+", []),
    _record("e", None, []),
]


async def test_the_platforms_of_shows_and_dated_releases_once_each(store: Store) -> None:
    assert await store.platforms() == []
    await store.import_records(CATALOGUE)
    named = await store.platforms()
    assert [p.casefold() for p in named] == ["apple tv+", "coupang play", "disney+", "netflix"]
    assert "Only To Be Announced" not in named  # a release with no date is never listed or posted
    assert set(named) <= {"Apple TV+", "apple tv+", "Coupang Play", "Disney+", "Netflix", "NETFLIX"}


async def test_the_platforms_are_read_along_indexes(store: Store) -> None:
    await store.import_records(CATALOGUE)
    if store.db.dialect != SQLITE:
        return  # PostgreSQL's plans follow its statistics
    seen: list[str] = []
    stop = store.db.observe(seen.append)
    await store.platforms()
    stop()
    plan = [row[3] for sql in seen for row in await store.db.query(f"EXPLAIN QUERY PLAN {sql}")]
    assert any("USING COVERING INDEX shows_platform" in d for d in plan), plan
    assert any("USING COVERING INDEX releases_platform" in d for d in plan), plan
    # Every read of the two tables goes through the index (the first platform: its first entry).
    tables = [
        d for d in plan if d.startswith(("SCAN shows", "SCAN releases", "SEARCH shows", "SEARCH releases"))
    ]
    assert len(tables) == 4 and all("USING COVERING INDEX" in d for d in tables), plan
