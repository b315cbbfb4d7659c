"""The TVmaze sync against a TVmaze-compatible server on loopback: what it brings, what it
asks, what it changes, and how it fails."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.models import Scope
from bot.store import Store
from bot.sync.client import BadResponse, TVmazeClient, Unavailable
from bot.sync.service import CatalogueSync
from localtvmaze import LocalTVmaze, make_cast, make_crew, make_episode, make_person, make_show

from .conftest import NOW, no_sleep

TOMORROW = (NOW + timedelta(days=1)).date().isoformat()


def add_drama(
    tv: LocalTVmaze, *, tvmaze_id: int = 7, airdate: str = TOMORROW, name: str = "Night Harbour"
) -> None:
    show = make_show(
        tvmaze_id,
        name,
        network="tvN",
        country_code="KR",
        language="Korean",
        genres=("Drama",),
        premiered=airdate,
        updated=100,
    )
    eps = [
        make_episode(tvmaze_id * 100 + n, 1, n, airdate=airdate, airtime="21:00", zone="Asia/Seoul")
        for n in (1, 2)
    ]
    actor = make_person(70, "Han Ji-min", country="KR")
    director = make_person(71, "Kim Won-seok", country="KR")
    tv.add_show(
        show, episodes=eps, cast=[make_cast(actor, "Seo Yeon")], crew=[make_crew(director, "Director")]
    )


async def test_the_schedule_brings_a_show_airing_tomorrow_with_its_people(
    tv: LocalTVmaze, sync: CatalogueSync, store: Store
) -> None:
    add_drama(tv)
    report = await sync.sync_schedule()
    assert (report.shows_added, report.failures, report.errors) == (1, 0, [])
    sid = (await store.shows_by_tvmaze([7]))[7]
    show = await store.get_show(sid)
    assert show is not None and (show.title, show.platform, show.country) == ("Night Harbour", "tvN", "KR")
    assert [c.person.name for c in await store.get_credits(sid)] == ["Han Ji-min", "Kim Won-seok"]
    releases = await store.get_releases(sid)
    assert [(r.scope, r.episode, r.when.local, r.when.zone) for r in releases] == [
        (Scope.EPISODE, 1, f"{TOMORROW}T21:00", "Asia/Seoul"),
        (Scope.EPISODE, 2, f"{TOMORROW}T21:00", "Asia/Seoul"),
    ]
    runs = await store.sync_runs()
    assert runs[0].kind == "schedule" and runs[0].shows_added == 1 and runs[0].finished is not None


async def test_an_unchanged_show_is_never_asked_for_again(tv: LocalTVmaze, sync: CatalogueSync) -> None:
    add_drama(tv)
    await sync.sync_schedule()
    asked = tv.request_count("/shows/")
    report = await sync.sync_schedule()
    assert report.shows_unchanged == 1 and report.shows_added == report.shows_updated == 0
    assert tv.request_count("/shows/") == asked
    updates = await sync.sync_updates()
    assert updates.shows_unchanged == 1 and tv.request_count("/shows/") == asked


async def test_a_show_changed_upstream_is_fetched_and_its_moved_and_removed_releases_counted(
    tv: LocalTVmaze, sync: CatalogueSync, store: Store, sync_clock: ManualClock
) -> None:
    add_drama(tv)
    await sync.sync_schedule()
    later = (NOW + timedelta(days=2)).date().isoformat()
    sync_clock.set(NOW + timedelta(hours=1))
    tv.set_episodes(7, [make_episode(701, 1, 1, airdate=later, airtime="22:00", zone="Asia/Seoul")])
    report = await sync.sync_updates()
    assert (report.shows_updated, report.releases_moved, report.releases_removed) == (1, 1, 1)
    sid = (await store.shows_by_tvmaze([7]))[7]
    assert [r.when.local for r in await store.get_releases(sid)] == [f"{later}T22:00"]


async def test_a_malformed_show_is_skipped_whole_and_the_rest_still_come(
    tv: LocalTVmaze, sync: CatalogueSync, store: Store
) -> None:
    add_drama(tv, tvmaze_id=7)
    add_drama(tv, tvmaze_id=8, name="Second Light")
    tv.faults.truncated(count=1, path_prefix="/shows/7")
    report = await sync.sync_schedule()
    assert report.shows_added == 1 and any("/shows/7" in e for e in report.errors)
    assert await store.shows_by_tvmaze([7, 8]) == {8: "second-light"}
    assert (await store.stats()).shows == 1


async def test_no_network_the_local_catalogue_stays_and_one_warning_per_streak(
    tv: LocalTVmaze, store: Store, sync_clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    add_drama(tv)
    tv.faults.offline = True
    async with TVmazeClient(tv.base_url, sleep=no_sleep, timeout=1.0, tries=2) as client:
        sync = CatalogueSync(store, sync_clock, client, days=2, countries=("KR",))
        with caplog.at_level(logging.WARNING, logger="bot.sync.client"):
            report = await sync.sync_schedule()
            again = await sync.sync_schedule()
        assert report.errors and again.errors and (await store.stats()).shows == 0
        warnings = [r for r in caplog.records if r.name == "bot.sync.client" and r.levelno == logging.WARNING]
        assert len(warnings) == 1
        runs = await store.sync_runs()
        assert len(runs) == 2 and all(r.error for r in runs) and runs[0].failures >= 1
        tv.faults.offline = False
        with caplog.at_level(logging.INFO, logger="bot.sync.client"):
            back = await sync.sync_schedule()
        assert back.shows_added == 1 and client.streak == 0


async def test_429_waits_and_asks_again_5xx_backs_off(tv: LocalTVmaze, client: TVmazeClient) -> None:
    add_drama(tv)
    tv.faults.inject(429, count=2, path_prefix="/shows/7")
    tv.faults.inject(503, count=2, path_prefix="/shows/7")
    data = await client.show(7)
    assert data is not None and data["name"] == "Night Harbour"
    assert [r.status for r in tv.requests if r.path == "/shows/7"] == [429, 429, 503, 503, 200]
    assert client.failures == 0


async def test_a_body_that_is_not_json_is_a_bad_response(tv: LocalTVmaze, client: TVmazeClient) -> None:
    add_drama(tv)
    tv.faults.malformed(count=1, path_prefix="/shows/7")
    with pytest.raises(BadResponse):
        await client.show(7)
    tv.faults.inject(500, count=10, path_prefix="/shows/7")
    with pytest.raises(Unavailable):
        await client.show(7)


async def test_the_limiter_keeps_twenty_requests_in_any_ten_seconds() -> None:
    from bot.sync.client import RateLimiter

    now = [0.0]
    starts: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(20, 10.0, monotonic=lambda: now[0], sleep=fake_sleep)
    for _ in range(65):
        await limiter.acquire()
        starts.append(now[0])
    for i in range(len(starts) - 20):
        assert starts[i + 20] - starts[i] >= 10.0
    assert starts[-1] < 40.0  # and it does not wait longer than it must


async def test_a_title_lookup_imports_the_best_match(
    tv: LocalTVmaze, sync: CatalogueSync, store: Store
) -> None:
    add_drama(tv, airdate="2005-06-06", name="Fashion 70's")
    tv.update_show(7, status="Ended", ended="2005-08-30")
    show_id = await sync.lookup("fashion 70")
    assert show_id is not None
    show = await store.get_show(show_id)
    assert show is not None and show.premiered == "2005-06-06" and show.ended == "2005-08-30"
    assert await sync.lookup("no such thing at all") is None


async def test_a_big_answer_is_read_whole(tv: LocalTVmaze, client: TVmazeClient) -> None:
    """A web schedule of a busy day is hundreds of kilobytes, sent in many pieces."""
    summary = "<p>" + "A long summary. " * 20_000 + "</p>"
    show = make_show(9, "Long Story", web_channel="Netflix", summary=summary, updated=1)
    tv.add_show(show, episodes=[make_episode(901, 1, 1, airdate=TOMORROW)])
    data = await client.show(9)
    assert data is not None and len(data["summary"]) == len(summary)
