"""The fast path of the TVmaze reader (plain, well-formed entries) gives what the careful path
gives: the same record, the same problems in the same order, for any mix of good and bad values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.catalogue.tvmaze as tvmaze
from bot.catalogue.tvmaze import parse_tvmaze

TVMAZE = Path(__file__).resolve().parents[1] / "fixtures" / "tvmaze"

# Values each field may take: good ones, and every kind of bad one the reader names.
TEXT_VALUES: list[Any] = [
    "Kim Ji-won",
    "Kim Ji-won",  # the same person again
    "  Padded Name  ",
    "김지원",
    "Tab\tName",
    "Nul\x00Name",
    "\u00a0Nbsp\u00a0",
    "",
    "   ",
    "Kim  Ji-won",
]
TEXT = st.sampled_from(TEXT_VALUES)
ANY_BAD = st.sampled_from([None, 1, -3, True, 1.5, [], {}, "", 2**60])
IDS = st.one_of(st.none(), st.integers(-2, 6), st.just(2**60), st.just(True), st.just("7"))
DAYS_VALUES: list[Any] = [
    None,
    "2024-03-08",
    "2024-02-30",
    " 2024-03-09 ",
    "",
    "abc",
    20240308,
    "2024-3-8",
    "0001-01-01",  # before the year 1 in UTC when the zone is east of it
    "9999-12-31",
]
DAYS = st.sampled_from(DAYS_VALUES)
STAMPS_VALUES: list[Any] = [
    None,
    "2024-03-08T12:00:00+00:00",
    "2024-03-08T21:30:00+09:00",
    " 2024-03-09T01:00:00+00:00 ",
    "2024-03-08",
    "2024-03-08T12:00",
    "nonsense",
    "",
    5,
    "2024-03-08T12:00:00+00:00\x01",
    "2024-03-08T12:00:00Z",
    "2024-03-08T12:00:00.123456-05:30",
    "2024-03-10T02:30:00-08:00",  # in the hour Los Angeles skips
    "1000-01-01T00:30:00+01:00",  # the year before in UTC
    "0999-12-31T23:00:00-02:00",
    "9998-12-31T23:30:00-01:00",
    "9999-12-31T23:59:00+00:00",
    "2024",
    "2024-03",
    "TBA",
]
STAMPS = st.sampled_from(STAMPS_VALUES)
AIRTIMES_VALUES: list[Any] = ["<missing>", None, "", "  ", "21:00", 9, "\t"]
AIRTIMES = st.sampled_from(AIRTIMES_VALUES)
CREW_TYPES_VALUES: list[Any] = [
    "Director",
    " writer ",
    "Creator",
    "Producer",
    "Novel",
    "",
    None,
    3,
    "Director\x07",
]
CREW_TYPES = st.sampled_from(CREW_TYPES_VALUES)


def person() -> st.SearchStrategy[Any]:
    good = st.fixed_dictionaries({"name": TEXT}, optional={"id": IDS})
    return st.one_of(good, good, ANY_BAD)


def character() -> st.SearchStrategy[Any]:
    return st.one_of(st.fixed_dictionaries({}, optional={"name": st.one_of(TEXT, ANY_BAD)}), ANY_BAD)


CAST = st.one_of(
    st.fixed_dictionaries({"person": person()}, optional={"character": character()}),
    ANY_BAD,
)
CREW = st.one_of(st.fixed_dictionaries({"type": CREW_TYPES, "person": person()}), ANY_BAD)


@st.composite
def episode(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(ANY_BAD)
    ep: dict[str, Any] = {
        "season": draw(st.one_of(st.integers(0, 2), st.sampled_from([None, -1, 10_001, "1", True]))),
        "number": draw(st.one_of(st.integers(1, 4), st.sampled_from([None, 0, 100_001, "2", 1.0]))),
        "name": draw(st.one_of(TEXT, ANY_BAD)),
        "airdate": draw(DAYS),
        "airstamp": draw(STAMPS),
    }
    airtime = draw(AIRTIMES)
    if airtime != "<missing>":
        ep["airtime"] = airtime
    return ep


CHANNELS_VALUES: list[Any] = [
    {"network": {"name": "tvN", "country": {"code": "KR", "timezone": "Asia/Seoul"}}},
    {"webChannel": {"name": "Netflix", "country": None}},
    {"network": {"name": "Nowhere TV", "country": {"code": "XX", "timezone": "Mars/Base"}}},
    {"network": None, "webChannel": None},
]
CHANNELS = st.sampled_from(CHANNELS_VALUES)


@st.composite
def show(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {"id": draw(st.integers(1, 50)), "name": "A Show", "updated": 1}
    data.update(draw(CHANNELS))
    data["_embedded"] = {
        "cast": draw(st.one_of(st.lists(CAST, max_size=6), ANY_BAD)),
        "crew": draw(st.lists(CREW, max_size=4)),
        "episodes": draw(st.lists(episode(), max_size=8)),
    }
    return data


def both_ways(data: object, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[Any]]:
    def parsed() -> list[Any]:
        out = parse_tvmaze(data)
        return [
            (p.show_id, p.problems, p.record, p.record and [r.id for r in p.record.releases]) for p in out
        ]

    fast = parsed()
    with monkeypatch.context() as m:
        m.setattr(tvmaze, "FAST_PATHS", False)
        careful = parsed()
    return fast, careful


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shows=st.lists(show(), min_size=1, max_size=3))
def test_fast_path_gives_what_the_careful_path_gives(
    shows: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, careful = both_ways(shows, monkeypatch)
    assert fast == careful


TEXTS = [*TEXT_VALUES, None, 7, True, [], {}]
ID_VALUES = [None, 1, 2, 0, -1, 2**60, True, "7", 1.0]


def every_value_show(channel: dict[str, Any]) -> dict[str, Any]:
    """One show with each tricky value in each field of its cast, crew and episodes."""
    cast = [
        {"person": {"name": n, "id": i}, "character": {"name": c}}
        for n in TEXTS
        for i in ID_VALUES[:4]
        for c in TEXTS
    ]
    cast += [{"person": {"name": "Kim Ji-won", "id": i}} for i in ID_VALUES]
    cast += [{"person": p, "character": c} for p in [None, "x", 1, {}] for c in [None, "x", {}, 1]]
    cast += [None, 1, "x", []]
    crew = [
        {"type": t, "person": {"name": n, "id": i}}
        for t in CREW_TYPES_VALUES
        for n in TEXTS
        for i in ID_VALUES[:3]
    ]
    crew += [{"type": "Director", "person": p} for p in [None, "x", 1, {}]] + [None, 2]
    episodes: list[Any] = []
    number = 0
    for day in DAYS_VALUES:
        for stamp in STAMPS_VALUES:
            for airtime in AIRTIMES_VALUES:
                number += 1
                ep = {"season": 1 + number % 3, "number": number, "name": TEXTS[number % len(TEXTS)]}
                ep |= {"airdate": day, "airstamp": stamp}
                if airtime != "<missing>":
                    ep["airtime"] = airtime
                episodes.append(ep)
    for season in [None, 0, -1, 10_001, "1", True, 2]:
        for num in [None, 0, 1, 100_001, "2", 1.0, 5]:
            episodes.append({"season": season, "number": num, "airdate": "2024-03-08"})
    episodes += [None, 3, {"number": 1, "season": 1}, {"number": 1, "season": 1}]
    return {
        "id": 9,
        "name": "Every Value",
        "updated": 1,
        **channel,
        "_embedded": {"cast": cast, "crew": crew, "episodes": episodes},
    }


@pytest.mark.parametrize("channel", CHANNELS_VALUES)
def test_every_value_in_every_field_reads_the_same_both_ways(
    channel: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = every_value_show(channel)
    fast, careful = both_ways(data, monkeypatch)
    assert fast == careful
    ((show_id, problems, record, _),) = fast
    assert record is not None and problems  # both good entries and named problems


@pytest.mark.parametrize("name", sorted(p.name for p in TVMAZE.glob("*.json")))
def test_fixtures_read_the_same_both_ways(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, careful = both_ways(json.loads((TVMAZE / name).read_text(encoding="utf-8")), monkeypatch)
    assert fast == careful


def test_the_careful_path_is_what_the_comparison_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The switch really turns the fast path off: the careful path cleans every text it reads
    (``clean_text``), the fast path takes text without control characters as it is."""
    seen: list[str] = []
    real = tvmaze.clean_text

    def spy(text: str) -> str:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(tvmaze, "clean_text", spy)
    data = {"id": 1, "name": "S", "_embedded": {"cast": [{"person": {"name": "Person Name"}}]}}
    fast = parse_tvmaze(data)
    assert "Person Name" not in seen
    monkeypatch.setattr(tvmaze, "FAST_PATHS", False)
    assert parse_tvmaze(data) == fast
    assert "Person Name" in seen


def test_dates_out_of_range_in_the_zone_are_named_problems() -> None:
    """An instant or a day that exists, but not in the years 1 to 9999 once in the show's zone
    (or in UTC), is a problem naming the field, not a crash."""
    seoul = {"network": {"name": "tvN", "country": {"code": "KR", "timezone": "Asia/Seoul"}}}
    episodes = [
        {"season": 1, "number": 1, "airdate": "9999-12-31", "airstamp": "9999-12-31T23:59:00+00:00"},
        {"season": 1, "number": 2, "airdate": "0001-01-01", "airtime": ""},
        {"season": 1, "number": 3, "airdate": "2024-03-08", "airstamp": "2024-03-08T12:00:00+00:00"},
    ]
    (parsed,) = parse_tvmaze({"id": 1, "name": "Edge", **seoul, "_embedded": {"episodes": episodes}})
    assert [(p.field, p.message) for p in parsed.problems] == [
        ("_embedded.episodes[0].airstamp", "'9999-12-31T23:59:00+00:00' is out of range in Asia/Seoul"),
        ("_embedded.episodes[1].airdate", "'0001-01-01' is out of range in Asia/Seoul"),
    ]
    assert parsed.record is not None
    assert [(r.episode, r.when.local) for r in parsed.record.releases] == [
        (1, "9999-12-31"),
        (3, "2024-03-08T21:00"),
    ]
