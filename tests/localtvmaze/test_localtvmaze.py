"""localtvmaze: every endpoint's shape and every fault, driven over loopback with aiohttp."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from localtvmaze import (
    Faults,
    LocalTVmaze,
    RequestRecord,
    make_cast,
    make_crew,
    make_episode,
    make_person,
    make_show,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]

SHOW_KEYS = {
    "id", "url", "name", "type", "language", "genres", "status", "runtime", "averageRuntime",
    "premiered", "ended", "officialSite", "schedule", "rating", "weight", "network", "webChannel",
    "dvdCountry", "externals", "image", "summary", "updated", "_links",
}  # fmt: skip
EPISODE_KEYS = {
    "id", "url", "name", "season", "number", "type", "airdate", "airtime", "airstamp", "runtime",
    "rating", "image", "summary", "_links",
}  # fmt: skip
NOT_FOUND = {"name": "Not Found", "message": "", "code": 0, "status": 404}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def kingdom() -> dict[str, Any]:
    return make_show(
        1, "Kingdom", network="tvN", country_code="KR", genres=["Horror"], imdb="tt6611916", thetvdb=338115
    )


def seed(tv: LocalTVmaze) -> None:
    """KR network show, US network show, a KR-only web channel, a global web channel."""
    seoul = "Asia/Seoul"
    ju = make_person(10, "Ju Ji-hoon", country="KR", birthday="1982-05-16")
    tv.add_show(
        kingdom(),
        episodes=[
            make_episode(101, 1, 1, name="Pilot", airdate="2024-05-01", airtime="21:00", zone=seoul),
            make_episode(102, 1, 2, airdate="2024-05-08", airtime="21:00", zone=seoul),
            make_episode(103, 1, None, name="Making of", airdate="2024-05-09", type="significant_special"),
        ],
        cast=[make_cast(ju, "Lee Chang", 500)],
        crew=[make_crew(make_person(11, "Kim Seong-hun"), "Director")],
    )
    tv.add_show(
        make_show(2, "Night Court", network="NBC", country_code="US"),
        episodes=[make_episode(201, 1, 1, airdate="2024-05-01", airtime="20:00", zone="America/New_York")],
    )
    tv.add_show(
        make_show(3, "Seoul Stories", web_channel="TVING", country_code="KR"),
        episodes=[make_episode(301, 1, 1, airdate="2024-05-01", airtime="18:00", zone=seoul)],
    )
    tv.add_show(
        make_show(4, "Paper Crowns", web_channel="Netflix", thetvdb=90004),
        episodes=[
            make_episode(401, 1, 1, airdate="2024-05-01"),
            make_episode(402, 1, 2, airdate="2024-05-01"),
        ],
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def tv(clock: Clock) -> AsyncIterator[LocalTVmaze]:
    async with LocalTVmaze(now=clock) as server:
        seed(server)
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


async def get(http: aiohttp.ClientSession, url: str, **kw: Any) -> tuple[int, Any]:
    async with asyncio.timeout(5), http.get(url, **kw) as resp:
        text = await resp.text()
        return resp.status, json.loads(text)


# -- builders --------------------------------------------------------------------------------


def test_make_show_shape_and_channels() -> None:
    show = kingdom()
    assert set(show) == SHOW_KEYS
    assert show["network"]["name"] == "tvN"
    assert show["network"]["country"] == {
        "name": "Korea, Republic of",
        "code": "KR",
        "timezone": "Asia/Seoul",
    }
    assert set(show["network"]) == {"id", "name", "country", "officialSite"}
    assert show["webChannel"] is None
    assert show["externals"] == {"tvrage": None, "thetvdb": 338115, "imdb": "tt6611916"}
    assert show["_links"]["self"]["href"] == "https://api.tvmaze.com/shows/1"
    netflix = make_show(9, "Global", web_channel="Netflix")
    assert netflix["webChannel"]["country"] is None and netflix["network"] is None
    zoned = make_show(9, "X", network="Fuji TV", country_code="JP", timezone="Asia/Tokyo", updated=NOW)
    assert zoned["network"]["country"]["timezone"] == "Asia/Tokyo"
    assert zoned["updated"] == int(NOW.timestamp())


def test_make_episode_airstamps() -> None:
    timed = make_episode(1, 1, 1, airdate="2024-05-01", airtime="21:00", zone="Asia/Seoul")
    assert set(timed) == EPISODE_KEYS
    assert timed["airstamp"] == "2024-05-01T12:00:00+00:00"
    untimed = make_episode(2, 1, 2, airdate="2024-05-01", zone="Asia/Seoul")
    assert untimed["airtime"] == "" and untimed["airstamp"] == "2024-05-01T12:00:00+00:00"
    undated = make_episode(3, 2, 1)
    assert undated["airdate"] == "" and undated["airstamp"] is None and undated["name"] == "Episode 1"
    given = make_episode(4, 1, 3, airdate="2024-05-01", airstamp=datetime(2024, 5, 1, 3, tzinfo=UTC))
    assert given["airstamp"] == "2024-05-01T03:00:00+00:00"


def test_make_person_cast_crew() -> None:
    person = make_person(10, "Ju Ji-hoon", country="KR", birthday="1982-05-16")
    assert person["country"]["code"] == "KR" and person["birthday"] == "1982-05-16"
    cast = make_cast(person, "Lee Chang")
    assert set(cast) == {"person", "character", "self", "voice"}
    assert cast["self"] is False and cast["voice"] is False
    assert cast["character"]["name"] == "Lee Chang" and isinstance(cast["character"]["id"], int)
    assert make_cast(person, "Lee Chang")["character"]["id"] == cast["character"]["id"]
    assert make_crew(person, "Director") == {"type": "Director", "person": person}


# -- shows -----------------------------------------------------------------------------------


async def test_show_and_embeds(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    status, show = await get(http, f"{tv.base_url}/shows/1")
    assert status == 200 and set(show) == SHOW_KEYS and show["name"] == "Kingdom"
    assert "_embedded" not in show
    # previous/next episode links follow the clock (12:00 UTC on May 1, the pilot aired at 12:00)
    assert show["_links"]["previousepisode"]["href"].endswith("/episodes/101")
    assert show["_links"]["nextepisode"]["href"].endswith("/episodes/102")

    url = f"{tv.base_url}/shows/1?embed[]=cast&embed[]=crew&embed[]=episodes"
    status, show = await get(http, url)
    embedded = show["_embedded"]
    assert set(embedded) == {"cast", "crew", "episodes"}
    assert [e["id"] for e in embedded["episodes"]] == [101, 102]  # no specials
    assert embedded["cast"][0]["person"]["name"] == "Ju Ji-hoon"
    assert embedded["cast"][0]["character"]["id"] == 500
    assert embedded["crew"][0]["type"] == "Director"

    status, show = await get(http, f"{tv.base_url}/shows/1?embed=cast")
    assert status == 200 and set(show["_embedded"]) == {"cast"}
    params = [("embed[]", "cast"), ("embed[]", "crew")]  # brackets percent-encoded by the client
    status, show = await get(http, f"{tv.base_url}/shows/1", params=params)
    assert set(show["_embedded"]) == {"cast", "crew"}

    status, show = await get(http, f"{tv.base_url}/shows/1?embed[]=nextepisode&embed[]=seasons")
    assert show["_embedded"]["nextepisode"]["id"] == 102
    assert [s["number"] for s in show["_embedded"]["seasons"]] == [1]

    status, body = await get(http, f"{tv.base_url}/shows/1?embed=bogus")
    assert status == 400 and body["message"] == "Invalid embed type"


async def test_lists(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    status, episodes = await get(http, f"{tv.base_url}/shows/1/episodes")
    assert status == 200 and [e["id"] for e in episodes] == [101, 102]
    assert all(set(e) == EPISODE_KEYS for e in episodes)
    assert episodes[0]["_links"]["show"] == {"href": "https://api.tvmaze.com/shows/1", "name": "Kingdom"}
    _, with_specials = await get(http, f"{tv.base_url}/shows/1/episodes?specials=1")
    assert [e["id"] for e in with_specials] == [101, 102, 103]
    _, cast = await get(http, f"{tv.base_url}/shows/1/cast")
    assert cast[0]["character"]["name"] == "Lee Chang" and cast[0]["self"] is False
    _, crew = await get(http, f"{tv.base_url}/shows/1/crew")
    assert crew == [{"type": "Director", "person": make_person(11, "Kim Seong-hun")}]
    _, empty = await get(http, f"{tv.base_url}/shows/2/cast")
    assert empty == []


@pytest.mark.parametrize(
    "path", ["/shows/999", "/shows/999/episodes", "/shows/999/cast", "/shows/999/crew", "/nope", "/shows/x"]
)
async def test_not_found(tv: LocalTVmaze, http: aiohttp.ClientSession, path: str) -> None:
    status, body = await get(http, tv.base_url + path)
    assert (status, body) == (404, NOT_FOUND)


async def test_add_replace_update_remove(tv: LocalTVmaze, http: aiohttp.ClientSession, clock: Clock) -> None:
    tv.add_show(make_show(1, "Kingdom: Ashin", updated=1))
    status, show = await get(http, f"{tv.base_url}/shows/1?embed=episodes")
    assert show["name"] == "Kingdom: Ashin" and show["updated"] == 1
    assert "episodes" in show["_embedded"] and show["_embedded"]["episodes"] == []
    clock.now = NOW + timedelta(hours=1)
    tv.update_show(1, status="Ended")
    _, show = await get(http, f"{tv.base_url}/shows/1")
    assert show["status"] == "Ended" and show["updated"] == int(clock.now.timestamp())
    tv.remove_show(1)
    status, _ = await get(http, f"{tv.base_url}/shows/1")
    assert status == 404
    with pytest.raises(KeyError):
        tv.update_show(1, name="gone")


# -- schedules -------------------------------------------------------------------------------


async def test_schedule(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    status, rows = await get(http, f"{tv.base_url}/schedule?country=KR&date=2024-05-01")
    assert status == 200
    # the network's and the KR-only web channel's episodes, in airing order; not Netflix's
    assert [r["id"] for r in rows] == [301, 101]
    row = rows[1]
    assert set(row) == EPISODE_KEYS | {"show"}
    assert set(row["show"]) == SHOW_KEYS and row["show"]["id"] == 1
    assert "_embedded" not in row

    _, us = await get(http, f"{tv.base_url}/schedule?date=2024-05-01")  # country defaults to US
    assert [r["id"] for r in us] == [201]
    _, today = await get(http, f"{tv.base_url}/schedule?country=KR")  # date defaults to the clock's day
    assert [r["id"] for r in today] == [301, 101]
    _, later = await get(http, f"{tv.base_url}/schedule?country=KR&date=2024-05-08")
    assert [r["id"] for r in later] == [102]

    status, body = await get(http, f"{tv.base_url}/schedule?country=UK")
    assert status == 422 and body["message"] == "Not a valid ISO country code"
    status, body = await get(http, f"{tv.base_url}/schedule?date=2024-02-30")
    assert status == 422 and body["message"] == "Not a valid ISO date"


async def test_schedule_uses_local_day(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    # 00:30 in Seoul on May 2 is still May 1 in UTC: the KR schedule lists it on May 2
    late = make_episode(104, 1, 3, airdate="2024-05-02", airtime="00:30", zone="Asia/Seoul")
    assert late["airstamp"] == "2024-05-01T15:30:00+00:00"
    tv.add_show(kingdom(), episodes=[late])
    _, may1 = await get(http, f"{tv.base_url}/schedule?country=KR&date=2024-05-01")
    _, may2 = await get(http, f"{tv.base_url}/schedule?country=KR&date=2024-05-02")
    assert 104 not in [r["id"] for r in may1] and [r["id"] for r in may2] == [104]


async def test_web_schedule_country_semantics(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    base = f"{tv.base_url}/schedule/web?date=2024-05-01"
    _, both = await get(http, base)  # no country: local and global web channels
    assert sorted(r["id"] for r in both) == [301, 401, 402]
    row = next(r for r in both if r["id"] == 401)
    assert "show" not in row and set(row["_embedded"]["show"]) == SHOW_KEYS
    assert row["_embedded"]["show"]["webChannel"]["country"] is None
    _, global_only = await get(http, base + "&country=")
    assert sorted(r["id"] for r in global_only) == [401, 402]
    _, korean = await get(http, base + "&country=KR")
    assert [r["id"] for r in korean] == [301]
    _, american = await get(http, base + "&country=US")
    assert american == []
    _, other_day = await get(http, f"{tv.base_url}/schedule/web?date=2024-05-02")
    assert other_day == []


async def test_full_schedule(tv: LocalTVmaze, http: aiohttp.ClientSession, clock: Clock) -> None:
    clock.now = datetime(2024, 5, 5, tzinfo=UTC)
    status, rows = await get(http, f"{tv.base_url}/schedule/full")
    assert status == 200 and [r["id"] for r in rows] == [102, 103]
    assert rows[0]["_embedded"]["show"]["id"] == 1


# -- updates, search, lookup -----------------------------------------------------------------


async def test_updates_since(tv: LocalTVmaze, http: aiohttp.ClientSession, clock: Clock) -> None:
    stamp = int(NOW.timestamp())
    hour, day = 3600, 86_400
    for show_id, age in ((1, hour), (2, 3 * day), (3, 20 * day), (4, 60 * day)):
        tv.update_show(show_id, updated=stamp - age)
    url = f"{tv.base_url}/updates/shows"
    _, everything = await get(http, url)
    assert everything == {
        "1": stamp - hour,
        "2": stamp - 3 * day,
        "3": stamp - 20 * day,
        "4": stamp - 60 * day,
    }
    assert list((await get(http, url + "?since=day"))[1]) == ["1"]
    assert list((await get(http, url + "?since=week"))[1]) == ["1", "2"]
    assert list((await get(http, url + "?since=month"))[1]) == ["1", "2", "3"]
    assert (await get(http, url + "?since=year"))[0] == 400

    clock.now = NOW + timedelta(days=2)
    tv.set_episodes(4, [make_episode(403, 2, 1, airdate="2024-06-01")])
    _, recent = await get(http, url + "?since=day")
    assert recent == {"4": int(clock.now.timestamp())}


async def test_search(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    tv.add_show(make_show(5, "Kingdom Hospital", network="ABC", country_code="US"))
    status, results = await get(http, f"{tv.base_url}/search/shows?q=KINGDOM")
    assert status == 200
    assert [r["show"]["id"] for r in results] == [1, 5]
    assert results[0]["score"] > results[1]["score"] and isinstance(results[0]["score"], float)
    assert set(results[0]["show"]) == SHOW_KEYS
    _, words = await get(http, f"{tv.base_url}/search/shows?q=hospital kingdom")
    assert [r["show"]["id"] for r in words] == [5, 1]  # all words, then some words
    _, typo = await get(http, f"{tv.base_url}/search/shows?q=kingdon")
    assert typo[0]["show"]["id"] == 1
    assert (await get(http, f"{tv.base_url}/search/shows?q=zzzz"))[1] == []
    assert (await get(http, f"{tv.base_url}/search/shows"))[0] == 400


async def test_singlesearch(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    status, show = await get(http, f"{tv.base_url}/singlesearch/shows?q=night court&embed[]=episodes")
    assert status == 200 and show["id"] == 2
    assert [e["id"] for e in show["_embedded"]["episodes"]] == [201]
    assert await get(http, f"{tv.base_url}/singlesearch/shows?q=zzzz") == (404, None)


async def test_lookup_redirect(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    url = f"{tv.base_url}/lookup/shows?imdb=tt6611916"
    async with asyncio.timeout(5), http.get(url, allow_redirects=False) as resp:
        assert resp.status == 301
        assert resp.headers["Location"] == f"{tv.base_url}/shows/1"
    status, show = await get(http, url)  # followed
    assert status == 200 and show["id"] == 1
    status, show = await get(http, f"{tv.base_url}/lookup/shows?thetvdb=90004")
    assert status == 200 and show["id"] == 4
    assert await get(http, f"{tv.base_url}/lookup/shows?imdb=tt0000000") == (404, None)
    assert (await get(http, f"{tv.base_url}/lookup/shows"))[0] == 404


async def test_requests_are_recorded(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    await get(http, f"{tv.base_url}/shows/1?embed[]=cast&embed[]=crew")
    await get(http, f"{tv.base_url}/shows/999")
    await get(http, f"{tv.base_url}/search/shows?q=kingdom")
    assert tv.requests[0] == RequestRecord("GET", "/shows/1", {"embed[]": "cast,crew"}, 200)
    assert tv.requests[1].status == 404
    assert tv.request_count() == 3
    assert tv.request_count("/shows") == 2
    assert tv.request_count("/shows/1") == 1


# -- faults ----------------------------------------------------------------------------------


async def test_rate_limit(http: aiohttp.ClientSession) -> None:
    faults = Faults(rate_limit=True, rate_window=60.0, rate_max=5)
    async with LocalTVmaze(now=Clock(NOW), faults=faults) as tv:
        tv.add_show(kingdom())
        statuses, retry_after, bodies = [], [], []
        for _ in range(8):
            async with asyncio.timeout(5), http.get(f"{tv.base_url}/shows/1") as resp:
                statuses.append(resp.status)
                if resp.status == 429:
                    retry_after.append(int(resp.headers["Retry-After"]))
                    bodies.append(await resp.json())
        assert statuses.count(200) == 5 and statuses.count(429) == 3
        assert statuses[:5] == [200] * 5
        assert all(r >= 1 for r in retry_after) and bodies[0]["status"] == 429
        assert tv.request_count() == 8

        # a short window lets requests through again (polled, no timing asserted)
        tv.faults.rate_window = 0.2
        async with asyncio.timeout(5):
            status = 429
            while status != 200:
                await asyncio.sleep(0.05)
                status = (await get(http, f"{tv.base_url}/shows/1"))[0]
        tv.faults.rate_limit = False
        assert all([(await get(http, f"{tv.base_url}/shows/1"))[0] == 200 for _ in range(10)])


async def test_injected_statuses(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    tv.faults.inject(429, count=2, path_prefix="/shows")
    tv.faults.inject(503)
    for _ in range(2):
        async with asyncio.timeout(5), http.get(f"{tv.base_url}/shows/1") as resp:
            assert resp.status == 429 and resp.headers["Retry-After"] == "1"
            assert (await resp.json())["status"] == 429
    async with asyncio.timeout(5), http.get(f"{tv.base_url}/search/shows?q=x") as resp:
        assert resp.status == 503 and "Retry-After" not in resp.headers
    assert (await get(http, f"{tv.base_url}/shows/1"))[0] == 200
    for status in (500, 502):
        tv.faults.inject(status)
        assert (await get(http, f"{tv.base_url}/schedule"))[0] == status
    assert [r.status for r in tv.requests] == [429, 429, 503, 200, 500, 502]


async def test_malformed_and_truncated(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    async with asyncio.timeout(5), http.get(f"{tv.base_url}/shows/1") as resp:
        full = await resp.read()
    tv.faults.malformed(path_prefix="/shows")
    async with asyncio.timeout(5), http.get(f"{tv.base_url}/shows/1") as resp:
        assert resp.status == 200
        with pytest.raises(json.JSONDecodeError):
            await resp.json()
    tv.faults.truncated()
    async with asyncio.timeout(5), http.get(f"{tv.base_url}/shows/1") as resp:
        assert resp.status == 200
        body = await resp.read()
    assert body == full[: len(full) // 2]
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    assert (await get(http, f"{tv.base_url}/shows/1"))[1]["id"] == 1


async def test_hang_until_client_gives_up(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    tv.faults.hang(path_prefix="/schedule")
    async with asyncio.timeout(5):
        with pytest.raises(TimeoutError):
            await http.get(f"{tv.base_url}/schedule", timeout=aiohttp.ClientTimeout(total=0.2))
    assert tv.requests[-1].status == 0
    assert (await get(http, f"{tv.base_url}/schedule"))[0] == 200


async def test_close_lets_hanging_requests_go(http: aiohttp.ClientSession) -> None:
    tv = LocalTVmaze(now=Clock(NOW))
    await tv.start()
    tv.faults.hang(count=2)
    tv.faults.delay = 30.0
    url = f"{tv.base_url}/shows/1"
    pending = [asyncio.create_task(http.get(url)) for _ in range(3)]
    async with asyncio.timeout(5):
        await tv.wait_for_requests(3)
        await tv.close()
        results = await asyncio.gather(*pending, return_exceptions=True)
    assert all(isinstance(r, aiohttp.ClientConnectionError) for r in results)


async def test_offline(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    tv.faults.offline = True
    async with asyncio.timeout(5):
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.get(f"{tv.base_url}/shows/1")
    tv.faults.offline = False
    assert (await get(http, f"{tv.base_url}/shows/1"))[0] == 200
    statuses = [r.status for r in tv.requests]  # aiohttp may retry a dropped GET once
    assert statuses[-1] == 200 and set(statuses[:-1]) == {0}


async def test_delay_still_answers(tv: LocalTVmaze, http: aiohttp.ClientSession) -> None:
    tv.faults.delay = 0.05
    assert (await get(http, f"{tv.base_url}/shows/1"))[0] == 200
    tv.faults.clear()
    assert tv.faults.delay == 0.0 and tv.faults.pending == []


# -- seeding and the command line ------------------------------------------------------------


async def test_load_both_item_shapes(http: aiohttp.ClientSession) -> None:
    embedded = dict(make_show(7, "Orbit Street", web_channel="Disney+"))
    embedded["_embedded"] = {"episodes": [make_episode(701, 1, 1, airdate="2024-05-01")]}
    async with LocalTVmaze(now=Clock(NOW)) as tv:
        assert tv.load([{"show": kingdom(), "episodes": [make_episode(101, 1, 1)]}, embedded]) == 2
        assert tv.show_ids == [1, 7]
        _, eps = await get(http, f"{tv.base_url}/shows/7/episodes")
        assert [e["id"] for e in eps] == [701]
        _, show = await get(http, f"{tv.base_url}/shows/7")
        assert "_embedded" not in show and show["updated"] == int(NOW.timestamp())


async def test_command_line(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps([{"show": kingdom(), "episodes": [make_episode(101, 1, 1)]}]))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "localtvmaze", "--port", "0", "--seed", str(seed_file),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(10):
            assert proc.stdout is not None
            base_url = (await proc.stdout.readline()).decode().strip()
            assert base_url.startswith("http://127.0.0.1:")
            status, show = await get(http, f"{base_url}/shows/1/episodes")
            assert status == 200 and [e["id"] for e in show] == [101]
    finally:
        proc.terminate()
        async with asyncio.timeout(10):
            await proc.wait()
    assert proc.returncode == 0  # SIGTERM is a clean stop
