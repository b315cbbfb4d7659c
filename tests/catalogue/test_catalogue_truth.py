"""The bundled catalogue tells the truth: checks that keep facts found wrong from coming back.

- A whole season is not announced when only part of it came out (the split-season trap).
- A streaming release's time agrees with its platform's known drop time, or is a named exception
  with its source.
- Everything the founding article (``../shared/founding-article.txt``) states can be answered
  from the catalogue, and each work and person it names leads to the others.

The drop-time exceptions live here, not in the files: a release's ``note`` is shown to people in
announcements, so it is no place for a source's title and address, and an exception kept as
reviewed code cannot silence the check by a change of wording in a note. Each exception also
pins the release to its real time, so the date-only entry it replaced cannot come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.catalogue.validate import load_path
from bot.config import BUNDLED_CATALOGUE
from bot.models import Credit, Precision, Release, Role, Scope, Show, ShowRecord, When


@pytest.fixture(scope="module")
def catalogue() -> dict[str, ShowRecord]:
    return {r.show.id: r for r in load_path(BUNDLED_CATALOGUE)}


# --- the split-season trap -------------------------------------------------------------------


def split_season_problems(record: ShowRecord) -> list[str]:
    """A whole-season release (no part) followed by any other release of that season: the
    season came out in parts, and the first part is announced as the whole season."""
    out: list[str] = []
    for whole in record.releases:
        if whole.scope is not Scope.SEASON or whole.is_part or whole.season is None:
            continue
        start = whole.when.instant
        for other in record.releases:
            if other is whole or other.season != whole.season:
                continue
            later = start is None or other.when.instant is None or other.when.instant > start
            if later:
                out.append(
                    f"{whole.id} announces all of season {whole.season} on {whole.when.to_text()}, "
                    f"but {other.id} releases more of it on {other.when.to_text()}: "
                    f'enter each part with part = N and episodes = "first-last"'
                )
    return out


def test_no_whole_season_release_is_followed_by_more_of_that_season(catalogue) -> None:
    problems = [p for record in catalogue.values() for p in split_season_problems(record)]
    assert problems == []


def test_the_split_season_check_catches_the_glory_as_it_was() -> None:
    kst = "Asia/Seoul"
    record = ShowRecord(
        Show("the-glory", "The Glory"),
        releases=[
            Release("the-glory", When.parse("2022-12-30", kst), Scope.SEASON, 1, platform="Netflix"),
            Release("the-glory", When.parse("2023-03-10", kst), Scope.EPISODE, 1, 9, platform="Netflix"),
        ],
    )
    (problem,) = split_season_problems(record)
    assert problem.startswith("the-glory-season-s1-netflix-ww announces all of season 1 on 2022-12-30")
    parts = [
        Release(
            "the-glory", When.parse("2022-12-30", kst), Scope.SEASON, 1, 1, "Netflix", part=1, last_episode=8
        ),
        Release(
            "the-glory", When.parse("2023-03-10", kst), Scope.SEASON, 1, 9, "Netflix", part=2, last_episode=16
        ),
    ]
    assert split_season_problems(ShowRecord(record.show, releases=parts)) == []


# Each split season as its parts: (show, season) -> [(part, first, last, local time or day, zone)]
SPLIT_SEASONS = {
    ("the-glory", 1): [(1, 1, 8, "2022-12-30", "Asia/Seoul"), (2, 9, 16, "2023-03-10", "Asia/Seoul")],
    ("stranger-things", 4): [
        (1, 1, 7, "2022-05-27", "America/Los_Angeles"),
        (2, 8, 9, "2022-07-01", "America/Los_Angeles"),
    ],
    ("stranger-things", 5): [
        (1, 1, 4, "2025-11-26T17:00", "America/Los_Angeles"),
        (2, 5, 7, "2025-12-25T17:00", "America/Los_Angeles"),
        (3, 8, 8, "2025-12-31T17:00", "America/Los_Angeles"),
    ],
    ("the-crown", 6): [(1, 1, 4, "2023-11-16", "Europe/London"), (2, 5, 10, "2023-12-14", "Europe/London")],
    ("wednesday", 2): [
        (1, 1, 4, "2025-08-06", "America/Los_Angeles"),
        (2, 5, 8, "2025-09-03", "America/Los_Angeles"),
    ],
    ("lupin", 1): [(1, 1, 5, "2021-01-08", "Europe/Paris"), (2, 6, 10, "2021-06-11", "Europe/Paris")],
    ("arcane", 1): [
        (1, 1, 3, "2021-11-06T19:00", "America/Los_Angeles"),
        (2, 4, 6, "2021-11-13T00:00", "America/Los_Angeles"),
        (3, 7, 9, "2021-11-20T00:00", "America/Los_Angeles"),
    ],
}


@pytest.mark.parametrize("key", sorted(SPLIT_SEASONS), ids=lambda k: f"{k[0]}-s{k[1]}")
def test_split_seasons_are_entered_as_their_parts(catalogue, key: tuple[str, int]) -> None:
    show, season = key
    record = catalogue[show]
    got = [
        (r.part, *r.episode_range, r.when.to_text(), r.when.zone)  # type: ignore[misc]
        for r in record.releases
        if r.season == season
    ]
    assert got == SPLIT_SEASONS[key]
    listed = sorted(e.number for e in record.episodes if e.season == season)
    assert listed == list(range(1, SPLIT_SEASONS[key][-1][2] + 1))


def test_facts_found_wrong_stay_fixed(catalogue) -> None:
    # Demon Slayer: Mugen Train: Akira Ishida voices Akaza; Enmu is Daisuke Hirakawa
    voices = {
        c.person.name: c.character
        for c in catalogue["demon-slayer-mugen-train"].credits
        if c.role is Role.CAST
    }
    assert voices["Akira Ishida"] == "Akaza" and voices["Daisuke Hirakawa"] == "Enmu"
    # The Handmaid's Tale's final episode: 00:00 US Eastern on 27 May 2025
    (finale,) = [r for r in catalogue["the-handmaids-tale"].releases if (r.season, r.episode) == (6, 10)]
    assert (finale.when.local, finale.when.zone) == ("2025-05-27T00:00", "America/New_York")
    assert finale.when.instant == datetime(2025, 5, 27, 4, 0, tzinfo=UTC)


# --- drop times --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DropTime:
    """A platform's usual drop for exact worldwide releases: local time in its zone."""

    zone: str
    time: str  # HH:MM
    source: str


# Only drop times with a source. Other platforms have none here: their exact releases are not checked.
DROP_TIMES = {
    "netflix": DropTime(
        "America/Los_Angeles",
        "00:00",
        "Netflix Help Center, 'What time does Netflix release new TV shows and movies?', "
        "https://help.netflix.com/en/node/118959",
    ),
}


@dataclass(frozen=True)
class DropException:
    """A release that came out at another time than its platform's usual drop."""

    show: str
    season: int
    episode: int  # the first episode of the release
    local: str  # its real time in the platform's zone
    source: str


ST5_SOURCE = (
    "Newser, 'Here's When the Final Stranger Things Episodes Are Out' (8pm Eastern/5pm Pacific on each "
    "of the three dates), https://www.newser.com/story/369577/heres-when-the-final-stranger-things-"
    "episodes-are-out.html; Primetimer, 'Stranger Things season 5 volume 2: release date, time...', "
    "https://www.primetimer.com/features/stranger-things-season-5-volume-2-release-date-time-where-to-"
    "watch-and-what-to-expect"
)
DROP_EXCEPTIONS = [
    DropException(
        "arcane",
        1,
        1,
        "2021-11-06T19:00",
        "GameSpot, 'Netflix's Arcane Series Gets New Trailer And November Release Date' (the premiere at "
        "7 PM PT, the later acts at 12 AM PT), https://www.gamespot.com/articles/netflixs-arcane-series-"
        "gets-new-trailer-and-november-release-date/1100-6496560/",
    ),
    DropException("stranger-things", 5, 1, "2025-11-26T17:00", ST5_SOURCE),
    DropException("stranger-things", 5, 5, "2025-12-25T17:00", ST5_SOURCE),
    DropException("stranger-things", 5, 8, "2025-12-31T17:00", ST5_SOURCE),
]


def first_episode(release: Release) -> int | None:
    if release.scope is Scope.EPISODE:
        return release.episode
    if release.scope is Scope.SEASON:
        span = release.episode_range
        return span[0] if span else 1
    return None


def drop_time_problems(
    records: list[ShowRecord], exceptions: list[DropException] = DROP_EXCEPTIONS
) -> list[str]:
    out: list[str] = []
    expected: dict[str, DropException] = {}
    by_show = {r.show.id: r for r in records}
    for ex in exceptions:
        record = by_show.get(ex.show)
        platform = record.show.platform if record else None
        drop = DROP_TIMES.get((platform or "").lower())
        matches = [
            r
            for r in (record.releases if record else [])
            if r.season == ex.season
            and first_episode(r) == ex.episode
            and r.region == "WW"
            and (r.platform or "").lower() == (platform or "").lower()
        ]
        if drop is None or len(matches) != 1:
            out.append(
                f"{ex.show} S{ex.season}E{ex.episode}: no single worldwide release to hold the exception"
            )
            continue
        (release,) = matches
        expected[release.id] = ex
        real = When.parse(ex.local, drop.zone)
        if release.when.precision is not Precision.EXACT or release.when.instant != real.instant:
            out.append(
                f"{release.id} came out at {ex.local} {drop.zone} ({ex.source}), "
                f"but the catalogue says {release.when.to_text()} {release.when.zone}"
            )
    for record in records:
        for r in record.releases:
            drop = DROP_TIMES.get((r.platform or "").lower())
            if drop is None or r.region != "WW" or r.when.precision is not Precision.EXACT:
                continue
            if r.id in expected:
                continue
            assert r.when.instant is not None
            local = r.when.instant.astimezone(ZoneInfo(drop.zone))
            if f"{local:%H:%M}" != drop.time:
                out.append(
                    f"{r.id}: {r.when.to_text()} {r.when.zone} is {local:%Y-%m-%d %H:%M} in {drop.zone}, "
                    f"not the {r.platform} drop at {drop.time} ({drop.source}); "
                    "if it really came out then, add an exception with its source"
                )
    return out


def test_streaming_release_times_agree_with_the_platforms_drop_time(catalogue) -> None:
    assert drop_time_problems(list(catalogue.values())) == []


def test_the_drop_time_check_knows_summer_from_winter() -> None:
    def korean_drop(local: str) -> ShowRecord:
        release = Release("k", When.parse(local, "Asia/Seoul"), Scope.SEASON, 1, platform="Netflix")
        return ShowRecord(Show("k", "K", platform="Netflix"), releases=[release])

    # 00:00 Pacific is 17:00 in Seoul in winter (PST, UTC-8) and 16:00 in summer (PDT, UTC-7)
    assert drop_time_problems([korean_drop("2022-01-28T17:00")], []) == []
    assert drop_time_problems([korean_drop("2025-06-27T16:00")], []) == []
    (problem,) = drop_time_problems([korean_drop("2025-06-27T17:00")], [])
    assert "is 2025-06-27 01:00 in America/Los_Angeles, not the Netflix drop at 00:00" in problem
    assert When.parse("2025-06-27T16:00", "Asia/Seoul").instant == datetime(2025, 6, 27, 7, 0, tzinfo=UTC)


def test_an_exception_pins_the_release_to_its_real_time() -> None:
    act_one = Release(
        "arcane",
        When.parse("2021-11-06", "America/Los_Angeles"),
        Scope.SEASON,
        1,
        1,
        "Netflix",
        part=1,
        last_episode=3,
    )
    record = ShowRecord(Show("arcane", "Arcane", platform="Netflix"), releases=[act_one])
    (problem,) = drop_time_problems([record], DROP_EXCEPTIONS[:1])
    assert "came out at 2021-11-06T19:00 America/Los_Angeles" in problem
    assert "but the catalogue says 2021-11-06 America/Los_Angeles" in problem


def test_every_drop_exception_has_a_source_with_an_address() -> None:
    for ex in DROP_EXCEPTIONS:
        assert "https://" in ex.source, ex


# --- the founding article ----------------------------------------------------------------------

AOUAD = "all-of-us-are-dead"
ZOMBIE_WORKS = ("train-to-busan", "kingdom", "peninsula")


def credits_of(record: ShowRecord, name: str, role: Role) -> list[Credit]:
    return [c for c in record.credits if c.person.name == name and c.role is role]


def link(record: ShowRecord, other: str) -> str | None:
    return next((k.relation for k in record.links if k.other_id == other), None)


def test_the_article_names_works_that_are_all_in_the_catalogue(catalogue) -> None:
    for show_id in (
        AOUAD,
        "train-to-busan",
        "kingdom",
        "peninsula",
        "squid-game",
        "fashion-70s",
        "beethoven-virus",
    ):
        assert show_id in catalogue, show_id
    assert catalogue["fashion-70s"].show.platform == "SBS"
    assert catalogue["beethoven-virus"].show.platform == "MBC"
    assert catalogue["fashion-70s"].show.premiered.startswith("2005")  # type: ignore[union-attr]
    assert catalogue["beethoven-virus"].show.premiered.startswith("2008")  # type: ignore[union-attr]


def test_the_article_release_episodes_and_press_conference(catalogue) -> None:
    aouad = catalogue[AOUAD]
    show = aouad.show
    assert (show.title, show.platform, show.country, show.episode_count) == (
        "All of Us Are Dead",
        "Netflix",
        "KR",
        12,
    )
    assert sorted(e.number for e in aouad.episodes if e.season == 1) == list(range(1, 13))
    (release,) = aouad.releases
    assert (release.scope, release.season, release.platform, release.region) == (
        Scope.SEASON,
        1,
        "Netflix",
        "WW",
    )
    assert not release.is_part and "12 episodes" in (release.note or "")
    # 17:00 in Seoul on 28 January 2022 is 00:00 Pacific (winter), Netflix's drop time
    assert release.when.instant == datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
    assert release.when.local_date.isoformat() == "2022-01-28"  # type: ignore[union-attr]
    (event,) = [e for e in aouad.events if e.kind == "press_conference"]
    assert (event.when.local, event.when.zone, event.place) == ("2022-01-26", "Asia/Seoul", "Seoul")


def test_the_article_credits_the_cast_the_author_and_the_director(catalogue) -> None:
    aouad = catalogue[AOUAD]
    for name in (
        "Park Ji-hu",
        "Yoon Chan-young",
        "Cho Yi-hyun",
        "Lomon",
        "Yoo In-soo",
        "Lim Jae-hyeok",
        "Lee Yoo-mi",
    ):
        assert credits_of(aouad, name, Role.CAST), name
    assert [c.character for c in credits_of(aouad, "Park Ji-hu", Role.CAST)] == ["Nam On-jo"]
    assert [c.character for c in credits_of(aouad, "Lee Yoo-mi", Role.CAST)] == ["Lee Na-yeon"]
    assert aouad.show.source_kind == "webtoon" and aouad.show.source_title == "Now at Our School"
    assert credits_of(aouad, "Joo Dong-geun", Role.ORIGINAL_AUTHOR)
    assert credits_of(aouad, "Lee Jae-kyoo", Role.DIRECTOR)


def test_the_people_it_names_lead_to_their_other_works(catalogue) -> None:
    def works(person_id: str, role: Role) -> set[str]:
        return {
            r.show.id
            for r in catalogue.values()
            for c in r.credits
            if c.person.id == person_id and c.role is role
        }

    # "Director Lee Jae-kyoo, who helmed the dramas 'Fashion 70's' and 'Beethoven Virus'"
    assert {AOUAD, "fashion-70s", "beethoven-virus"} <= works("lee-jae-kyoo", Role.DIRECTOR)
    # "Lee Yoo-mi of the hit Netflix series 'Squid Game'": Ji-yeong, player 240
    assert {AOUAD, "squid-game"} <= works("lee-yoo-mi", Role.CAST)
    (ji_yeong,) = credits_of(catalogue["squid-game"], "Lee Yoo-mi", Role.CAST)
    assert ji_yeong.character is not None
    assert ji_yeong.character.startswith("Ji-yeong") and "240" in ji_yeong.character
    # one person, one id: the same name gives the same person in every show
    names = {c.person.name for r in catalogue.values() for c in r.credits if c.person.id == "lee-jae-kyoo"}
    assert names == {"Lee Jae-kyoo"}


def test_the_korean_zombie_tradition_links_both_ways(catalogue) -> None:
    aouad = catalogue[AOUAD]
    for other in ZOMBIE_WORKS:
        assert link(aouad, other), f"{AOUAD} -> {other}"
        assert link(catalogue[other], AOUAD), f"{other} -> {AOUAD}"
    # Peninsula is the sequel of Train to Busan
    assert link(catalogue["train-to-busan"], "peninsula") == "sequel"
    assert link(catalogue["peninsula"], "train-to-busan") == "predecessor"


def test_peninsula_as_the_article_places_it(catalogue) -> None:
    peninsula = catalogue["peninsula"]
    assert peninsula.show.kind.value == "film" and peninsula.show.country == "KR"
    assert credits_of(peninsula, "Yeon Sang-ho", Role.DIRECTOR)
    assert credits_of(peninsula, "Gang Dong-won", Role.CAST) and credits_of(
        peninsula, "Lee Jung-hyun", Role.CAST
    )
    (release,) = peninsula.releases
    assert (release.region, release.when.local, release.when.zone) == ("KR", "2020-07-15", "Asia/Seoul")
