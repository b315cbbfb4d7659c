"""The curated layer over synced facts: a pure merge, and identity against the store."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.models import Credit, Episode, Kind, Person, Release, Role, Scope, Show, ShowRecord, When
from bot.store import Store
from bot.sync.layers import import_layered
from bot.sync.merge import merge

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "catalogue"


def curated_aoad() -> ShowRecord:
    sid = "all-of-us-are-dead"
    show = Show(
        sid,
        "All of Us Are Dead",
        Kind.SERIES,
        original_title="지금 우리 학교는",
        platform="Netflix",
        episode_count=12,
        season_count=1,
    )
    cast = [
        Credit(sid, Person("park-ji-hu", "Park Ji-hu", "박지후"), Role.CAST, "Nam On-jo", 1),
        Credit(sid, Person("lee-yoo-mi", "Lee Yoo-mi"), Role.CAST, "Lee Na-yeon", 2),
        Credit(sid, Person("lomon", "Lomon"), Role.CAST, None, 3),
    ]
    release = Release(
        sid,
        When.parse("2022-01-28T17:00", "Asia/Seoul"),
        Scope.SEASON,
        1,
        platform="Netflix",
        note="All 12 episodes at once",
    )
    return ShowRecord(show, cast, [Episode(sid, 1, n) for n in range(1, 13)], [release])


def synced_aoad(tvmaze_id: int = 55, stamp: int = 1_000) -> ShowRecord:
    sid = "all-of-us-are-dead"
    show = Show(
        sid,
        "All of Us Are Dead",
        Kind.SERIES,
        platform="Netflix",
        genres=("Drama", "Horror"),
        episode_count=20,
        season_count=2,
        tvmaze_id=tvmaze_id,
        imdb_id="tt14169960",
        premiered="2022-01-28",
        tvmaze_updated=stamp,
    )
    cast = [
        Credit(sid, Person("park-ji-hu", "Park Ji-hu"), Role.CAST, "On-jo (wrong)", 1),
        Credit(sid, Person("lomon", "Lomon"), Role.CAST, "Lee Su-hyeok", 2),
        Credit(sid, Person("yoon-chan-young", "Yoon Chan-young"), Role.CAST, "Lee Cheong-san", 3),
    ]
    s1 = [
        Release(sid, When.parse("2022-01-28T12:00", "UTC"), Scope.EPISODE, 1, n, platform="Netflix")
        for n in range(1, 13)
    ]
    s2 = Release(sid, When.parse("2027-03-05T08:00", "UTC"), Scope.SEASON, 2, platform="Netflix")
    episodes = [Episode(sid, 1, n, f"Episode {n}") for n in range(1, 13)] + [Episode(sid, 2, 1)]
    return ShowRecord(show, cast, episodes, [*s1, s2])


def test_curated_values_stay_and_silent_fields_fill_in() -> None:
    merged = merge(curated_aoad(), synced_aoad())
    s = merged.show
    assert (s.title, s.original_title, s.episode_count, s.season_count) == (
        "All of Us Are Dead",
        "지금 우리 학교는",
        12,
        1,
    )
    assert s.genres == ("Drama", "Horror") and s.tvmaze_id == 55 and s.premiered == "2022-01-28"
    by_name = {c.person.name: c for c in merged.credits}
    assert by_name["Park Ji-hu"].character == "Nam On-jo"  # the file's character wins
    assert by_name["Lomon"].character == "Lee Su-hyeok"  # the file was silent: filled in
    assert by_name["Yoon Chan-young"].order == 4  # a new actor comes after the curated billing
    assert [c.person.name for c in merged.credits][:3] == ["Park Ji-hu", "Lee Yoo-mi", "Lomon"]


def test_a_curated_season_release_is_never_replaced_but_new_seasons_come_in() -> None:
    merged = merge(curated_aoad(), synced_aoad())
    season1 = [r for r in merged.releases if r.season == 1]
    assert len(season1) == 1 and season1[0].when.local == "2022-01-28T17:00"
    assert season1[0].when.zone == "Asia/Seoul"
    assert [r.season for r in merged.releases if r.season == 2] == [2]
    assert {e.title for e in merged.episodes if e.season == 1} == {f"Episode {n}" for n in range(1, 13)}


async def test_a_synced_show_lands_on_the_curated_show_with_its_title(store: Store) -> None:
    await import_layered(store, [curated_aoad()])
    await import_layered(store, [synced_aoad()])
    assert await store.shows_by_tvmaze([55]) == {55: "all-of-us-are-dead"}
    releases = await store.get_releases("all-of-us-are-dead")
    assert [(r.season, r.when.local) for r in releases] == [(1, "2022-01-28T17:00"), (2, "2027-03-05T08:00")]
    credits = await store.get_credits("all-of-us-are-dead", Role.CAST)
    assert credits[0].character == "Nam On-jo"
    # a later sync of the same show finds it by its TVmaze id, and the file still wins
    await import_layered(store, [synced_aoad(stamp=2_000)])
    assert (await store.get_credits("all-of-us-are-dead", Role.CAST))[0].character == "Nam On-jo"
    assert (await store.tvmaze_stamps()) == {55: 2_000}


async def test_two_shows_with_one_title_never_overwrite_each_other(store: Store) -> None:
    def show(tvmaze_id: int, platform: str, premiered: str, actor: str) -> ShowRecord:
        s = Show(
            "the-office",
            "The Office",
            platform=platform,
            tvmaze_id=tvmaze_id,
            premiered=premiered,
            tvmaze_updated=1,
        )
        return ShowRecord(s, [Credit(s.id, Person(actor.lower(), actor), Role.CAST, None, 1)])

    await import_layered(
        store, [show(526, "NBC", "2005-03-24", "Steve"), show(1040, "BBC Two", "2001-07-09", "Ricky")]
    )
    ids = await store.shows_by_tvmaze([526, 1040])
    assert len(set(ids.values())) == 2
    platforms = {tv: (await store.get_show(sid)).platform for tv, sid in ids.items()}  # type: ignore[union-attr]
    assert platforms == {526: "NBC", 1040: "BBC Two"}
    for tv, actor in ((526, "Steve"), (1040, "Ricky")):
        assert [c.person.name for c in await store.get_credits(ids[tv])] == [actor]


async def test_a_curated_file_imported_after_a_sync_keeps_the_synced_facts_it_is_silent_on(
    store: Store,
) -> None:
    synced = synced_aoad()
    await import_layered(store, [synced])
    await import_layered(store, [curated_aoad()])
    show = await store.get_show("all-of-us-are-dead")
    assert show is not None and show.tvmaze_id == 55 and show.genres == ("Drama", "Horror")
    assert show.episode_count == 12
    assert await store.curated_texts(["all-of-us-are-dead"])


async def test_a_curated_file_imported_by_the_cli_is_kept_as_the_curated_layer(tmp_path) -> None:
    """`catalogue import` of the bundled files keeps them as the layer a later sync merges under."""
    db = tmp_path / "db.sqlite3"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "catalogue", "import", str(BUNDLED), "--database", str(db),
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(120):
        _, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    async with await Store.open(db) as store:
        assert set(await store.curated_texts(["all-of-us-are-dead", "the-glory"])) == {
            "all-of-us-are-dead",
            "the-glory",
        }
        await import_layered(store, [synced_aoad()])
        assert (await store.get_credits("all-of-us-are-dead", Role.CAST))[0].character == "Nam On-jo"
        releases = await store.get_releases("all-of-us-are-dead")
        assert [(r.season, r.when.local) for r in releases][0] == (1, "2022-01-28T17:00")
