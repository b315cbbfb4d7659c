"""TVmaze show JSON -> records: cast, crew, episodes, weekly releases and whole-season drops."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.catalogue.tvmaze import is_tvmaze, records_from_tvmaze, strip_html
from bot.catalogue.validate import CatalogueError, load_path
from bot.models import Precision, Role, Scope, Status

TVMAZE = Path(__file__).resolve().parents[1] / "fixtures" / "tvmaze"


def load(name: str) -> object:
    return json.loads((TVMAZE / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def lantern():
    (rec,) = records_from_tvmaze(load("lantern-keepers.json"))
    return rec


@pytest.fixture(scope="module")
def streaming():
    return {r.show.id: r for r in records_from_tvmaze(load("streaming.json"))}


def test_show_fields(lantern) -> None:
    s = lantern.show
    assert (s.id, s.title, s.platform, s.country, s.original_language) == (
        "the-lantern-keepers",
        "The Lantern Keepers",
        "tvN",
        "KR",
        "ko",
    )
    assert s.genres == ("Drama", "Fantasy") and s.status is Status.ENDED
    assert s.synopsis == (
        "The Lantern Keepers follows two night-shift keepers of a seaside lighthouse & the ghosts "
        "who visit it. Based on a webtoon."
    )
    assert (s.episode_count, s.season_count) == (5, 1)
    # identity and show dates: the layering step keys the show on its TVmaze id
    assert (s.tvmaze_id, s.imdb_id, s.thetvdb_id) == (90001, None, None)
    assert (s.premiered, s.ended, s.tvmaze_updated) == ("2023-04-01", "2023-04-22", 1700000000)


def test_cast_in_order_with_characters(lantern) -> None:
    cast = [
        (c.person.id, c.person.name, c.character, c.order) for c in lantern.credits if c.role is Role.CAST
    ]
    assert cast == [
        ("han-seo-yeon", "Han Seo-yeon", "Yoon Da-on", 1),
        # listed twice by TVmaze: one credit, both characters
        ("choi-min-jae", "Choi Min-jae", "Kang Ho-seok / Young Kang Ho-seok", 2),
        ("bae-eun-ji", "Bae Eun-ji", "The Lighthouse Ghost", 3),
    ]


def test_crew_roles(lantern) -> None:
    crew = [(c.person.name, c.role) for c in lantern.credits if c.role is not Role.CAST]
    assert crew == [
        ("Jung Ha-rin", Role.CREATOR),
        ("Lim Jae-hyun", Role.DIRECTOR),
        ("Jung Ha-rin", Role.WRITER),  # Writer and Screenplay: one writer credit
        ("Moon Seul", Role.ORIGINAL_AUTHOR),
    ]  # the executive producer and the "Original Concept" are left out


def test_episodes_leave_out_unnumbered_specials(lantern) -> None:
    assert [(e.season, e.number, e.title) for e in lantern.episodes] == [
        (1, 1, "The First Light"),
        (1, 2, "Fog Warning"),
        (1, 3, "The Keeper's Log"),
        (1, 4, "Last Light"),
        (1, 5, "Episode 5"),
    ]


def test_weekly_broadcast_is_one_release_per_dated_episode(lantern) -> None:
    releases = lantern.releases
    assert [(r.scope, r.season, r.episode) for r in releases] == [(Scope.EPISODE, 1, n) for n in (1, 2, 3, 4)]
    first = releases[0]
    assert (first.platform, first.region, first.when.precision, first.when.zone) == (
        "tvN",
        "KR",
        Precision.EXACT,
        "Asia/Seoul",
    )
    assert first.when.instant == datetime(2023, 4, 1, 11, 50, tzinfo=UTC)
    assert first.when.local == "2023-04-01T20:50"  # as announced in Seoul
    assert first.id == "the-lantern-keepers-episode-s1-e1-tvn-kr"
    # episode 5 has no date yet: no release


def test_whole_season_drop_is_one_season_release(streaming) -> None:
    rec = streaming["paper-crowns"]
    assert rec.show.platform == "Netflix" and rec.show.country is None
    assert rec.show.status is Status.RUNNING and rec.show.original_language == "es"
    s1, s2 = rec.releases
    assert (s1.scope, s1.season, s1.episode, s1.platform, s1.region) == (
        Scope.SEASON,
        1,
        None,
        "Netflix",
        "WW",
    )
    # no air time on TVmaze: the day is known, the hour is not
    assert (s1.when.precision, s1.when.local) == (Precision.DATE, "2024-03-08")
    assert s1.note == "All 3 episodes at once"
    assert (s2.scope, s2.season, s2.when.precision) == (Scope.SEASON, 2, Precision.EXACT)
    assert s2.when.instant == datetime(2025, 5, 16, 7, 0, tzinfo=UTC)
    assert len(rec.episodes) == 5


def test_weekly_streaming_show_gets_episode_releases(streaming) -> None:
    rec = streaming["orbit-street"]
    assert rec.show.status is Status.RUNNING  # "To Be Determined"
    assert rec.show.synopsis is None and rec.show.original_language == "en"
    assert [(r.scope, r.episode, r.when.precision) for r in rec.releases] == [
        (Scope.EPISODE, 1, Precision.EXACT),
        (Scope.EPISODE, 2, Precision.EXACT),
        (Scope.EPISODE, 3, Precision.DATE),
    ]
    assert rec.releases[0].when.instant == datetime(2025, 9, 4, 1, 0, tzinfo=UTC)
    assert [(c.person.name, c.character) for c in rec.credits] == [("Noah Bell", "Captain Juno")]


def test_id_schemes() -> None:
    data = load("lantern-keepers.json")
    assert records_from_tvmaze(data, id_scheme="tvmaze")[0].show.id == "tvmaze-90001"
    assert records_from_tvmaze({"score": 0.9, "show": data})[0].show.id == "the-lantern-keepers"
    assert records_from_tvmaze({"score": 0.9, "show": data})[0].show.tvmaze_id == 90001


def test_status_and_language_mapping() -> None:
    shows = [
        {"id": 1, "name": "A", "status": "In Development", "language": "Japanese"},
        {"id": 2, "name": "B", "status": "Something New", "language": "Klingon"},
    ]
    a, b = records_from_tvmaze(shows)
    assert (a.show.status, a.show.original_language) == (Status.ANNOUNCED, "ja")
    assert (b.show.status, b.show.original_language) == (None, None)
    assert a.credits == a.episodes == a.releases == []


def test_malformed_tvmaze_shows_are_reported() -> None:
    with pytest.raises(CatalogueError) as info:
        records_from_tvmaze(
            [
                {"id": 1, "name": "Fine"},
                {"id": 2, "summary": "no name"},
                {"id": 3, "name": "C", "_embedded": {"cast": [{"person": {}, "character": {"name": "X"}}]}},
            ],
            file="shows.json",
        )
    assert info.value.errors == [
        "shows.json: [1].name: required: the show's name",
        "shows.json: c: [2]._embedded.cast[0].person.name: required",
    ]


def test_load_path_reads_json_files(tmp_path: Path) -> None:
    assert [r.show.id for r in load_path(TVMAZE / "streaming.json")] == ["paper-crowns", "orbit-street"]
    assert is_tvmaze(load("streaming.json")) and not is_tvmaze({"title": "x"}) and not is_tvmaze([])


def test_strip_html() -> None:
    assert strip_html("<p>One&nbsp;<b>two</b></p><p>Three &lt;4&gt;.</p>") == "One two Three <4>."
    assert strip_html("Tom &amp;amp; Jerry<br>Cats, mice") == "Tom &amp; Jerry Cats, mice"
    assert strip_html("<p> </p>") is None
    assert strip_html(None) is None


def test_two_people_with_one_name_stay_two_people() -> None:
    show = {
        "id": 5,
        "name": "Namesakes",
        "_embedded": {
            "cast": [
                {"person": {"id": 11, "name": "Lee Ji-hoon"}, "character": {"name": "Elder brother"}},
                {"person": {"id": 12, "name": "Lee Ji-hoon"}, "character": {"name": "Younger brother"}},
            ],
            "crew": [{"type": "Director", "person": {"id": 12, "name": "Lee Ji-hoon"}}],
        },
    }
    (rec,) = records_from_tvmaze(show)
    assert [(c.person.id, c.role, c.character, c.order) for c in rec.credits] == [
        ("lee-ji-hoon", Role.CAST, "Elder brother", 1),
        ("lee-ji-hoon-12", Role.CAST, "Younger brother", 2),
        ("lee-ji-hoon-12", Role.DIRECTOR, None, 0),
    ]
