"""What /upcoming reads: the releases still ahead of a moment, earliest first, and a bounded count
of them, against a plain reading of the rule, around the turns of days, months and years in
zones far from UTC; and on SQLite, each part read as a range of the index by instant, never a scan."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.models import Kind, Precision, Release, Scope, Show, ShowRecord, When
from bot.store import Store
from bot.store.catalogue import CatalogueReads
from bot.store.database import SQLITE

ZONES = ("UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Seoul", "America/New_York")
PLATFORMS = ("Netflix", "Disney+", None)
MOMENTS = (
    datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
    datetime(2027, 1, 1, 0, 0, tzinfo=UTC),
    datetime(2027, 1, 1, 9, 0, tzinfo=UTC),
    datetime(2027, 2, 28, 12, 0, tzinfo=UTC),
    datetime(2027, 3, 1, 0, 0, tzinfo=UTC),
    datetime(2027, 3, 1, 13, 59, tzinfo=UTC),
)


def catalogue(seed: int = 7, shows: int = 60) -> list[ShowRecord]:
    """Shows with a season each per release, at every precision, in zones from UTC-11 to UTC+14,
    around the moments above (seasons differ, so the order is the same on both backends)."""
    rng = random.Random(seed)
    start = datetime(2026, 10, 1, tzinfo=UTC)  # formatted as local text below
    records = []
    for i in range(shows):
        sid = f"show-{i:03d}"
        platform = rng.choice(PLATFORMS)
        releases = []
        for season in range(1, 7):
            zone = rng.choice(ZONES)
            day = start + timedelta(days=rng.randrange(200), minutes=rng.randrange(24 * 60))
            when = rng.choice(
                (
                    When.parse(day.strftime("%Y-%m-%dT%H:%M"), zone),
                    When.parse(day.strftime("%Y-%m-%d"), zone),
                    When.parse(day.strftime("%Y-%m"), zone),
                    When.parse(day.strftime("%Y"), zone),
                    When.tba(),
                )
            )
            if rng.random() < 0.5:  # a season drop
                releases.append(Release(sid, when, Scope.SEASON, season, platform=platform))
            else:  # one episode of the season: its first (a premiere) or a later one
                episode = rng.choice((1, 2, 5))
                releases.append(Release(sid, when, Scope.EPISODE, season, episode, platform=platform))
        records.append(ShowRecord(Show(sid, f"Show {i}", Kind.SERIES, platform=platform), releases=releases))
    return records


def still_ahead(r: Release, now: datetime, end: datetime, platform: str | None) -> bool:
    """The rule, as /upcoming states it."""
    w = r.when
    if w.instant is None or not w.instant < end:
        return False
    if platform and (r.platform or "").lower() != platform.lower():
        return False
    if w.instant >= now:
        return True
    if w.precision is Precision.DATE:
        return w.instant > now - timedelta(days=1)
    if w.precision is Precision.MONTH:
        return (w.local or "") >= now.strftime("%Y-%m")
    if w.precision is Precision.YEAR:
        return (w.local or "") >= now.strftime("%Y")
    return False


async def test_upcoming_releases_follow_the_rule_and_count_up_to_a_bound(store: Store) -> None:
    records = catalogue()
    await store.import_records(records)
    every = [r for rec in records for r in rec.releases]
    checked, kinds = 0, {True: 0, False: 0}
    for now in MOMENTS:
        for days in (1, 7, 40, 366):
            end = now + timedelta(days=days)
            for platform in (None, "netflix"):
                expected = sorted(
                    (r for r in every if still_ahead(r, now, end, platform)),
                    key=lambda r: (r.when.instant, r.show_id, r.season),
                )
                for limit, count_to in ((25, 1_000), (5, 12), (1_000, 1_000)):
                    got, total = await store.upcoming_releases(
                        now, end, platform=platform, limit=limit, count_to=count_to
                    )
                    assert [r.id for r in got] == [r.id for r in expected[:limit]], (now, days, platform)
                    assert total == min(len(expected), count_to + 1), (now, days, platform, limit)
                    checked += len(got)
                for premieres in (True, False):  # one kind of release
                    kind = [r for r in expected if r.is_premiere is premieres]
                    kinds[premieres] += len(kind)
                    got, total = await store.upcoming_releases(
                        now, end, platform=platform, limit=25, count_to=1_000, premieres=premieres
                    )
                    assert [r.id for r in got] == [r.id for r in kind[:25]], (now, days, platform, premieres)
                    assert total == len(kind), (now, days, platform, premieres)
                for offset in (1, 25, len(expected) - 1, len(expected) + 3):  # pages after the first
                    got, total = await store.upcoming_releases(
                        now, end, platform=platform, limit=10, count_to=1_000, offset=max(offset, 0)
                    )
                    page = expected[max(offset, 0) : max(offset, 0) + 10]
                    assert [r.id for r in got] == [r.id for r in page], (now, days, platform, offset)
                    assert total == len(expected), (now, days, platform, offset)
    assert checked > 1_000  # the moments see plenty of each kind
    assert min(kinds.values()) > 200  # premieres and later episodes alike


async def test_each_part_of_upcoming_is_a_range_of_an_index(store: Store) -> None:
    await store.import_records(catalogue(shows=20))
    if store.db.dialect != SQLITE:
        return  # PostgreSQL's plans follow its statistics; its figures are in bench.backends
    cases = [(MOMENTS[0], None, None), (MOMENTS[1], "Netflix", None)]  # the 31st: next month's too
    cases += [(MOMENTS[0], None, True), (MOMENTS[1], "Netflix", False)]  # one kind: from the index too
    for now, platform, premieres in cases:
        parts, params = CatalogueReads.upcoming_parts(
            now, now + timedelta(days=30), platform, SQLITE, premieres
        )
        assert len(parts) == (4 if now.day == 1 else 6)
        for where, args in zip(parts, params, strict=True):
            plan = await store.db.query(
                "EXPLAIN QUERY PLAN SELECT rowid, instant, show_id, season, episode FROM releases "
                f"WHERE {where} ORDER BY instant, show_id, season, episode LIMIT 25",  # noqa: S608
                args,
            )
            details = [row[3] for row in plan]
            # A range of instants (of one platform's releases when a platform is asked for).
            assert any(d.startswith("SEARCH releases USING") and "instant>" in d for d in details), details
            assert platform is None or any("releases_platform (platform=?" in d for d in details), details
            assert not any(d.startswith("SCAN") or "TEMP B-TREE" in d for d in details), details
            if "local" not in where:  # a month or year part reads its few rows' local text
                assert any("COVERING INDEX" in d for d in details), details  # no row read for the list
