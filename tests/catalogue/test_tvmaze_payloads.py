"""TVmaze payloads in the shapes of its public API (https://www.tvmaze.com/api), written here:
show identity, season parts, schedules, search results, and malformed or hostile data."""

from __future__ import annotations

import io
import json
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.catalogue.errors import CatalogueError
from bot.catalogue.tvmaze import (
    SYNOPSIS_CHARS,
    ScheduledShow,
    clean_text,
    is_schedule,
    is_tvmaze,
    parse_schedule,
    parse_tvmaze,
    records_from_tvmaze,
    schedule_shows,
    synopsis_text,
)
from bot.catalogue.validate import load_path, validate_paths
from bot.cli import catalogue_main
from bot.models import Precision, Scope

OUT_OF_ID_RANGE = "is out of range: 1 to 9007199254740992"
GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "catalogue" / "good"

NETFLIX = {"id": 1, "name": "Netflix", "country": None, "officialSite": "https://www.netflix.com/"}
PEACOCK = {
    "id": 347,
    "name": "Peacock",
    "country": {"name": "United States", "code": "US", "timezone": "America/New_York"},
    "officialSite": None,
}
BBC_ONE = {
    "id": 12,
    "name": "BBC One",
    "country": {"name": "United Kingdom", "code": "GB", "timezone": "Europe/London"},
    "officialSite": None,
}


def show(tvmaze_id: int = 4001, name: str = "Glass Harbour", **fields: Any) -> dict[str, Any]:
    """A show object with every key TVmaze's /shows/{id} gives; ``fields`` override."""
    data: dict[str, Any] = {
        "id": tvmaze_id,
        "url": f"https://www.tvmaze.com/shows/{tvmaze_id}/x",
        "name": name,
        "type": "Scripted",
        "language": "English",
        "genres": ["Drama"],
        "status": "Running",
        "runtime": None,
        "averageRuntime": 50,
        "premiered": "2024-03-08",
        "ended": None,
        "officialSite": None,
        "schedule": {"time": "", "days": []},
        "rating": {"average": None},
        "weight": 80,
        "network": None,
        "webChannel": NETFLIX,
        "dvdCountry": None,
        "externals": {"tvrage": None, "thetvdb": 400123, "imdb": "tt1234567"},
        "image": None,
        "summary": "<p>A <b>harbour</b> of glass.</p>",
        "updated": 1712345678,
        "_links": {"self": {"href": f"https://api.tvmaze.com/shows/{tvmaze_id}"}},
    }
    data.update(fields)
    return data


def episode(
    season: int | None,
    number: int | None,
    airdate: str = "",
    airtime: str = "",
    airstamp: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An episode object as /shows/{id}/episodes gives it."""
    if airstamp is None and airdate:
        airstamp = f"{airdate}T12:00:00+00:00"  # TVmaze's made-up time when it knows none
    data: dict[str, Any] = {
        "id": 700000 + (season or 0) * 1000 + (number or 0),
        "url": "https://www.tvmaze.com/episodes/1/x",
        "name": f"Episode {number}",
        "season": season,
        "number": number,
        "type": "regular" if number is not None else "significant_special",
        "airdate": airdate,
        "airtime": airtime,
        "airstamp": airstamp,
        "runtime": 50,
        "rating": {"average": None},
        "image": None,
        "summary": None,
    }
    data.update(fields)
    return data


def with_episodes(data: dict[str, Any], episodes: list[dict[str, Any]], **embedded: Any) -> dict[str, Any]:
    return {**data, "_embedded": {"episodes": episodes, **embedded}}


def errors_of(data: object) -> list[str]:
    with pytest.raises(CatalogueError) as info:
        records_from_tvmaze(data, file="t.json")
    return info.value.errors


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- (a), (i) identity and show-level facts ---------------------------------------------------


def test_identity_and_show_dates() -> None:
    (rec,) = records_from_tvmaze(show(premiered="2005-03-26", ended="2022-10-23", status="Ended"))
    s = rec.show
    assert (s.id, s.tvmaze_id, s.imdb_id, s.thetvdb_id) == ("glass-harbour", 4001, "tt1234567", 400123)
    assert (s.premiered, s.ended, s.tvmaze_updated) == ("2005-03-26", "2022-10-23", 1712345678)


def test_an_ended_show_without_dated_episodes_gets_its_dates_and_no_made_up_release() -> None:
    data = with_episodes(show(premiered="2005-03-26", ended="2006-01-01", status="Ended"), [episode(1, 1)])
    (rec,) = records_from_tvmaze(data)
    assert (rec.show.premiered, rec.show.ended) == ("2005-03-26", "2006-01-01")
    assert rec.releases == [] and len(rec.episodes) == 1


def test_missing_externals_and_dates_are_none() -> None:
    data = show(premiered=None, externals={"tvrage": None, "thetvdb": None, "imdb": None})
    del data["updated"]
    (rec,) = records_from_tvmaze(data)
    s = rec.show
    assert (s.imdb_id, s.thetvdb_id, s.premiered, s.ended, s.tvmaze_updated) == (None, None, None, None, 0)


def test_bad_identity_and_show_dates_are_named() -> None:
    data = show(
        premiered="2005-02-30",
        ended="soon",
        externals={"tvrage": 5, "thetvdb": 2**70, "imdb": "nm0000001"},
    )
    assert errors_of(data) == [
        "t.json: glass-harbour: externals.imdb: 'nm0000001' is not an IMDb id such as tt0436992",
        f"t.json: glass-harbour: externals.thetvdb: {2**70} {OUT_OF_ID_RANGE}",
        "t.json: glass-harbour: premiered: '2005-02-30' is not a date (YYYY-MM-DD)",
        "t.json: glass-harbour: ended: 'soon' is not a date (YYYY-MM-DD)",
    ]


# -- (b) season parts ------------------------------------------------------------------------


def test_a_season_in_two_parts_on_a_web_channel() -> None:
    eps = [episode(1, n, "2022-05-27") for n in range(1, 8)] + [episode(1, n, "2022-07-01") for n in (8, 9)]
    (rec,) = records_from_tvmaze(with_episodes(show(), eps))
    one, two = rec.releases
    assert (one.scope, one.season, one.part, one.episode, one.last_episode) == (Scope.SEASON, 1, 1, 1, 7)
    assert (two.scope, two.season, two.part, two.episode, two.last_episode) == (Scope.SEASON, 1, 2, 8, 9)
    assert one.note == "Part 1: episodes 1–7 at once" and two.note == "Part 2: episodes 8–9 at once"
    assert (one.when.precision, one.when.local, two.when.local) == (
        Precision.DATE,
        "2022-05-27",
        "2022-07-01",
    )
    assert one.episode_range == (1, 7) and one.is_part
    assert one.id == "glass-harbour-season-s1-p1-e1-netflix-ww"
    assert (one.platform, one.region) == ("Netflix", "WW")


def test_whole_season_drop_stays_one_release_without_a_part() -> None:
    (rec,) = records_from_tvmaze(with_episodes(show(), [episode(2, n, "2025-01-10") for n in (1, 2, 3)]))
    (r,) = rec.releases
    assert (r.scope, r.season, r.part, r.episode, r.note) == (
        Scope.SEASON,
        2,
        None,
        None,
        "All 3 episodes at once",
    )


def test_parts_are_numbered_in_date_order_and_single_episodes_stay_episodes() -> None:
    eps = (
        [episode(1, n, "2024-01-05") for n in (1, 2, 3)]
        + [episode(1, 4, "2024-01-12")]
        + [episode(1, n, "2024-01-19") for n in (5, 6)]
        + [episode(1, 7, "2024-01-05")]  # same date as 1-3 but not next to them: its own release
        + [episode(1, 8), episode(1, 9)]  # not dated yet
    )
    (rec,) = records_from_tvmaze(with_episodes(show(), eps))
    got = [(r.scope, r.part, r.episode, r.last_episode, r.when.local) for r in rec.releases]
    assert got == [
        (Scope.SEASON, 1, 1, 3, "2024-01-05"),
        (Scope.EPISODE, None, 4, None, "2024-01-12"),
        (Scope.SEASON, 2, 5, 6, "2024-01-19"),
        (Scope.EPISODE, None, 7, None, "2024-01-05"),
    ]


def test_a_dated_first_part_with_the_rest_of_the_season_undated_is_a_part() -> None:
    eps = [episode(3, n, "2026-02-13") for n in (1, 2, 3, 4)] + [episode(3, n) for n in (5, 6, 7, 8)]
    (rec,) = records_from_tvmaze(with_episodes(show(), eps))
    (r,) = rec.releases
    assert (r.scope, r.season, r.part, r.episode, r.last_episode) == (Scope.SEASON, 3, 1, 1, 4)


def test_a_part_with_a_known_air_time_is_exact_at_its_earliest_airstamp() -> None:
    eps = [
        episode(1, 1, "2025-05-15", "03:00", "2025-05-15T07:00:00+00:00"),
        episode(1, 2, "2025-05-15", "03:00", "2025-05-15T07:00:00+00:00"),
        episode(1, 3, "2025-05-22", "03:00", "2025-05-22T07:00:00+00:00"),
    ]
    (rec,) = records_from_tvmaze(with_episodes(show(webChannel=PEACOCK), eps))
    part, third = rec.releases
    assert (part.part, part.when.precision, part.when.zone) == (1, Precision.EXACT, "America/New_York")
    assert part.when.instant == datetime(2025, 5, 15, 7, 0, tzinfo=UTC) and part.region == "US"
    assert (third.scope, third.episode, third.when.local) == (Scope.EPISODE, 3, "2025-05-22T03:00")


def test_a_network_double_bill_stays_two_episode_releases() -> None:
    eps = [episode(1, n, "2024-09-01", "21:00", "2024-09-01T20:00:00+00:00") for n in (1, 2)]
    (rec,) = records_from_tvmaze(with_episodes(show(network=BBC_ONE, webChannel=None), eps))
    assert [(r.scope, r.episode, r.part) for r in rec.releases] == [
        (Scope.EPISODE, 1, None),
        (Scope.EPISODE, 2, None),
    ]


def test_season_parts_pass_validation(tmp_path: Path) -> None:
    eps = [episode(1, n, "2022-05-27") for n in (1, 2, 3)] + [episode(1, n, "2022-07-01") for n in (4, 5)]
    (rec,) = load_path(write(tmp_path, "parts.json", with_episodes(show(), eps)))
    assert [(r.part, r.episode, r.last_episode) for r in rec.releases] == [(1, 1, 3), (2, 4, 5)]


# -- (c) schedules, search results, shows with one name ---------------------------------------


def scheduled(season: int, number: int, airdate: str, data: dict[str, Any], *, web: bool) -> dict[str, Any]:
    """A /schedule entry (show under ``show``) or a /schedule/web one (under ``_embedded.show``)."""
    entry = episode(season, number, airdate, "21:00", f"{airdate}T20:00:00+00:00")
    entry["_links"] = {"self": {"href": "https://api.tvmaze.com/episodes/1"}}
    if web:
        entry["_embedded"] = {"show": data}
    else:
        entry["show"] = data
    return entry


def test_schedules_are_recognised_and_give_their_shows_once() -> None:
    a, b = show(10, "Alpha"), show(20, "Beta", network=BBC_ONE, webChannel=None)
    broadcast = [scheduled(1, 1, "2025-03-01", b, web=False), scheduled(1, 2, "2025-03-01", b, web=False)]
    web = [scheduled(2, 1, "2025-03-01", a, web=True), scheduled(1, 5, "2025-03-01", b, web=True)]
    for data in (broadcast, web, broadcast[0]):
        assert is_schedule(data) and not is_tvmaze(data)
    assert schedule_shows(broadcast) == [b]
    assert [s["id"] for s in schedule_shows(web)] == [10, 20]
    (entry,) = parse_schedule(broadcast)
    assert isinstance(entry, ScheduledShow) and entry.tvmaze_id == 20
    assert [(e["season"], e["number"]) for e in entry.episodes] == [(1, 1), (1, 2)]
    assert all("show" not in e and "_embedded" not in e for e in entry.episodes)
    # shows, search results and empty lists are no schedules
    assert not is_schedule([a]) and not is_schedule([{"score": 0.9, "show": a}]) and not is_schedule([])
    assert parse_schedule([a]) == []


def test_a_schedule_is_refused_with_one_line_saying_what_to_give(tmp_path: Path) -> None:
    data = [scheduled(1, 1, "2025-03-01", show(20, "Beta"), web=True)]
    (problem,) = parse_tvmaze(data)[0].problems
    assert "TVmaze schedule" in problem.message
    path = write(tmp_path, "schedule.json", data)
    records, errors = validate_paths([path])
    assert records == [] and len(errors) == 1
    assert errors[0].startswith(f"{path}: a TVmaze schedule (episodes, each with its show), not shows:")
    assert "/shows/{id}?embed[]=cast&embed[]=crew&embed[]=episodes" in errors[0] and errors[0].endswith(
        "(TVmaze ids in this schedule: 20)"
    )
    out, err = io.StringIO(), io.StringIO()
    assert (
        catalogue_main(
            ["import", str(path), "--database", str(tmp_path / "db.sqlite3")], stdout=out, stderr=err
        )
        == 1
    )
    assert err.getvalue() == f"{errors[0]}\n1 error\nnothing imported\n"


def test_search_results_with_two_shows_of_one_name_are_both_kept(tmp_path: Path) -> None:
    results = [
        {
            "score": 0.91,
            "show": show(210, "Doctor Who", network=BBC_ONE, webChannel=None, premiered="2005-03-26"),
        },
        {
            "score": 0.88,
            "show": show(766, "Doctor Who", network=BBC_ONE, webChannel=None, premiered="1963-11-23"),
        },
    ]
    for records in (records_from_tvmaze(results), load_path(write(tmp_path, "search.json", results))):
        assert [(r.show.id, r.show.tvmaze_id, r.show.premiered, r.show.platform) for r in records] == [
            ("doctor-who", 210, "2005-03-26", "BBC One"),
            ("doctor-who", 766, "1963-11-23", "BBC One"),
        ]


def test_one_tvmaze_show_given_twice_is_kept_once_as_given_last(tmp_path: Path) -> None:
    first, again = show(5, "Twice", summary="<p>Old.</p>"), show(5, "Twice", summary="<p>New.</p>")
    other = show(6, "Other")
    (tmp_path / "a").mkdir()
    write(tmp_path / "a", "1.json", [first, other])
    write(tmp_path / "a", "2.json", again)
    for records in (records_from_tvmaze([first, other, again]), load_path(tmp_path / "a")):
        assert [(r.show.tvmaze_id, r.show.synopsis) for r in records] == [
            (5, "New."),
            (6, "A harbour of glass."),
        ]


def test_a_hand_written_show_and_a_tvmaze_show_with_one_id_still_clash(tmp_path: Path) -> None:
    path = write(tmp_path, "harbour.json", show(77, "Harbour Lights"))
    records, errors = validate_paths([GOOD / "harbour-lights.toml", path])
    assert errors == [
        f"{path}: harbour-lights: id: duplicate show id: already in {GOOD / 'harbour-lights.toml'}"
    ]


# -- (d) memory --------------------------------------------------------------------------------


def test_a_huge_summary_costs_about_its_size_not_a_hundred_times(tmp_path: Path) -> None:
    unit = '<p>A <a href="#x">long</a> story &amp; <i class="k">more</i>.</p>\n'
    path = write(tmp_path, "big.json", show(summary=unit * (3_000_000 // len(unit))))
    size = path.stat().st_size
    tracemalloc.start()
    try:
        (rec,) = load_path(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the file's text and the summary string: about 2x; HTMLParser over all of it was 7-11x
    assert peak < 3 * size
    synopsis = rec.show.synopsis
    assert synopsis is not None and len(synopsis) <= SYNOPSIS_CHARS and synopsis.endswith("…")
    assert synopsis.startswith("A long story & more. A long story")


def test_synopsis_text_caps_and_keeps_short_ones_whole() -> None:
    assert synopsis_text("<p>Short &amp; sweet.</p>") == "Short & sweet."
    long = synopsis_text("<p>" + "word " * 5000 + "</p>")
    assert long is not None and len(long) <= SYNOPSIS_CHARS and long.endswith("word…")
    cut_tag = synopsis_text("x" * (64 * 1024 - 3) + '<a href="y">z</a>')  # a tag cut by the 64 KiB limit
    assert cut_tag is not None and "<" not in cut_tag
    assert synopsis_text(None) is None and synopsis_text("") is None


# -- (e) absurd integers, deep nesting --------------------------------------------------------


def test_absurd_integers_are_named_problems_not_crashes(tmp_path: Path) -> None:
    data = with_episodes(
        show(2**70, updated=-1),
        [
            episode(10**30, 1, "2024-01-01"),
            episode(1, -5, "2024-01-01"),
            episode(1, 2, "2024-01-01"),
            episode(True, 3),
        ],
        cast=[{"person": {"id": 2**70, "name": "Big Id"}, "character": {"name": "X"}}],
    )
    assert errors_of(data) == [
        f"t.json: glass-harbour: id: {2**70} {OUT_OF_ID_RANGE}",
        "t.json: glass-harbour: updated: -1 is out of range: 0 to 9007199254740992",
        f"t.json: glass-harbour: _embedded.cast[0].person.id: {2**70} {OUT_OF_ID_RANGE}",
        f"t.json: glass-harbour: _embedded.episodes[0].season: {10**30} is out of range: 0 to 10000",
        "t.json: glass-harbour: _embedded.episodes[1].number: -5 is out of range: 1 to 100000",
        "t.json: glass-harbour: _embedded.episodes[3].season: must be a whole number, not True",
    ]
    path = write(tmp_path, "absurd.json", data)
    out, err = io.StringIO(), io.StringIO()
    assert (
        catalogue_main(
            ["import", str(path), "--database", str(tmp_path / "db.sqlite3")], stdout=out, stderr=err
        )
        == 1
    )
    assert "nothing imported" in err.getvalue() and "Traceback" not in err.getvalue()
    assert (
        f"{path}: glass-harbour: _embedded.episodes[1].number: -5 is out of range: 1 to 100000"
        in err.getvalue()
    )


def test_a_huge_number_is_quoted_short() -> None:
    (problem,) = parse_tvmaze(show(10**200))[0].problems
    assert problem == ("id", "a number of about 201 digits is out of range: 1 to 9007199254740992")


def test_deeply_nested_and_overlong_json_is_one_line_naming_the_file(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    huge = tmp_path / "huge.json"
    huge.write_text('{"id": ' + "7" * 5000 + ', "name": "X"}', encoding="utf-8")
    records, errors = validate_paths([deep, huge])
    assert errors == [
        f"{deep}: invalid JSON: lists and objects nested too deeply (a TVmaze show is a few levels)",
        f"{huge}: invalid JSON: Exceeds the limit (4300 digits) for integer string conversion",
    ]
    out, err = io.StringIO(), io.StringIO()
    assert (
        catalogue_main(
            ["import", str(deep), "--database", str(tmp_path / "db.sqlite3")], stdout=out, stderr=err
        )
        == 1
    )
    assert err.getvalue().splitlines()[0] == errors[0] and "Traceback" not in err.getvalue()


# -- (f) items that are not objects, or have no name ------------------------------------------


def test_every_bad_item_is_named() -> None:
    data = [
        show(1, "Fine"),
        {"score": 0.5, "show": show(2, None)},
        with_episodes(
            show(3, "Named"),
            ["not an episode", episode(1, 1, "2024-01-01")],
            cast=[
                {"person": {"id": 11, "name": "Ok"}, "character": {"name": "A"}},
                "Somebody",
                {"person": {"id": 12}, "character": {"name": "B"}},
                {"person": "Nobody", "character": None},
            ],
            crew=[
                {"type": "Director", "person": {"id": 13, "name": "Dee"}},
                42,
                {"type": "Writer", "person": {}},
            ],
        ),
        show(4, "Flat", _embedded=[]),
        "a string",
    ]
    assert errors_of(data) == [
        "t.json: [1].show.name: required: the show's name",
        "t.json: named: [2]._embedded.cast[1]: must be an object, not text",
        "t.json: named: [2]._embedded.cast[2].person.name: required",
        "t.json: named: [2]._embedded.cast[3].person: must be an object, not text",
        "t.json: named: [2]._embedded.crew[1]: must be an object, not a number",
        "t.json: named: [2]._embedded.crew[2].person.name: required",
        "t.json: named: [2]._embedded.episodes[0]: must be an object, not text",
        "t.json: flat: [3]._embedded: must be an object, not a list",
        "t.json: [4]: must be a TVmaze show object",
    ]


# -- (g) unknown time zone ---------------------------------------------------------------------


def test_an_unknown_time_zone_is_named_and_the_record_keeps_dates_only() -> None:
    mars = {
        "id": 9,
        "name": "Mars One",
        "country": {"name": "Mars", "code": "MA", "timezone": "Mars/Olympus"},
    }
    eps = [episode(1, 1, "2030-01-01", "20:00", "2030-01-01T18:00:00+00:00")]
    (parsed,) = parse_tvmaze(with_episodes(show(network=mars, webChannel=None), eps))
    assert parsed.problems == [("network.country.timezone", "unknown time zone 'Mars/Olympus'")]
    assert parsed.record is not None
    (r,) = parsed.record.releases
    assert (r.when.precision, r.when.zone, r.when.local) == (Precision.DATE, "UTC", "2030-01-01")
    assert errors_of(with_episodes(show(network=mars, webChannel=None), eps)) == [
        "t.json: glass-harbour: network.country.timezone: unknown time zone 'Mars/Olympus'"
    ]


# -- (h) bad dates, control characters ------------------------------------------------------


def test_bad_dates_are_named_and_a_bad_airstamp_keeps_the_airdate() -> None:
    eps = [
        episode(1, 1, "2024-02-30", airstamp=""),
        episode(1, 2, "2024-03-01", "21:00", "garbage"),
        episode(1, 3, "", "", "2024-03-08T12:00:00+00:00"),  # undated: no release, no problem
    ]
    data = with_episodes(show(network=BBC_ONE, webChannel=None), eps)
    (parsed,) = parse_tvmaze(data)
    assert parsed.problems == [
        ("_embedded.episodes[0].airdate", "'2024-02-30' is not a date (YYYY-MM-DD)"),
        (
            "_embedded.episodes[1].airstamp",
            "'garbage' is not a date and time such as 2024-03-08T12:00:00+00:00",
        ),
    ]
    assert parsed.record is not None
    assert [(r.episode, r.when.precision, r.when.local) for r in parsed.record.releases] == [
        (2, Precision.DATE, "2024-03-01")
    ]


def test_control_characters_are_removed_from_every_text() -> None:
    data = with_episodes(
        show(name="Bad\x00 Title\x1b", summary="<p>Sum\x00mary\x07.</p>", genres=["Dra\x00ma"]),
        [episode(1, 1, name="Pi\x00lot\tone")],
        cast=[{"person": {"id": 1, "name": "Ann\x00 Lee"}, "character": {"name": "Q\x08ueen"}}],
        crew=[{"type": "Creator", "person": {"id": 2, "name": "Bo\x7f Bo"}}],
    )
    (rec,) = records_from_tvmaze(data)
    assert (rec.show.id, rec.show.title, rec.show.synopsis, rec.show.genres) == (
        "bad-title",
        "Bad Title",
        "Summary.",
        ("Drama",),
    )
    assert rec.episodes[0].title == "Pilot\tone"
    assert [(c.person.name, c.character) for c in rec.credits] == [("Ann Lee", "Queen"), ("Bo Bo", None)]
    assert clean_text("a\x00b\nc\td\r") == "ab\nc\td" and clean_text("plain") == "plain"
