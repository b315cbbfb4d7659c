"""The project TOML format: parsing, billing order, person ids, and TOML round trips."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.catalogue.project_format import dump_record, load_toml_file, parse_toml, write_records
from bot.catalogue.validate import CatalogueError, load_path
from bot.models import Kind, Link, Precision, Role, Scope, Status, When

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOOD = FIXTURES / "catalogue" / "good"
TVMAZE = FIXTURES / "tvmaze"


def test_good_show_parses_every_field() -> None:
    rec = load_toml_file(GOOD / "harbour-lights.toml")
    s = rec.show
    assert (s.id, s.title, s.original_title, s.aliases) == (
        "harbour-lights",
        "Harbour Lights",
        "항구의 불빛",
        ("Port Lights",),
    )
    assert (s.kind, s.platform, s.country, s.original_language) == (Kind.SERIES, "JTBC", "KR", "ko")
    assert (s.genres, s.episode_count, s.season_count, s.status) == (("Romance", "Drama"), 2, 1, Status.ENDED)
    assert (s.source_kind, s.source_title, s.source_original_title) == ("novel", "The Harbour", "항구")
    assert [(e.season, e.number, e.title) for e in rec.episodes] == [(1, 1, "Departure"), (1, 2, None)]
    first = rec.releases[0]
    assert (first.scope, first.season, first.episode, first.platform, first.region) == (
        Scope.EPISODE,
        1,
        1,
        "JTBC",
        "KR",
    )
    assert first.when.precision is Precision.EXACT
    assert first.when.instant == datetime(2021, 6, 5, 13, 30, tzinfo=UTC)  # 22:30 in Seoul
    assert first.id == "harbour-lights-episode-s1-e1-jtbc-kr"
    (event,) = rec.events
    assert (event.kind, event.when.local, event.when.zone, event.place) == (
        "press_conference",
        "2021-06-03",
        "Asia/Seoul",
        None,
    )


def test_cast_billing_order_is_list_position_unless_given() -> None:
    rec = load_toml_file(GOOD / "harbour-lights.toml")
    got = [(c.person.id, c.role, c.character, c.order) for c in rec.credits]
    assert got == [
        ("seo-ji-an", Role.CAST, "Captain Yoo Bom", 1),
        ("kim-do-yun", Role.CAST, "Dr. Ha Eun-woo", 2),
        ("kim-do-yun-1990", Role.CAST, "Deckhand", 9),  # person_id and order given
        ("park-se-ra", Role.DIRECTOR, None, 0),
        ("noh-ye-rim", Role.ORIGINAL_AUTHOR, None, 0),
    ]
    assert rec.credits[0].person.native_name == "서지안"


def test_defaults_when_fields_are_left_out() -> None:
    rec = load_toml_file(GOOD / "quiet-orchard.toml")
    assert rec.show.kind is Kind.FILM and rec.show.episode_count is None
    month, tba = rec.releases
    assert (month.scope, month.when.precision, month.when.local, month.when.zone) == (
        Scope.SHOW,
        Precision.MONTH,
        "2027-03",
        "Asia/Tokyo",
    )
    assert tba.when == When.tba() and tba.region == "JP"
    salt = load_toml_file(GOOD / "salt-and-steel.toml")
    assert salt.releases[0].region == "WW"  # region defaults to worldwide
    assert salt.releases[1].when.precision is Precision.YEAR


def test_unquoted_toml_dates_are_accepted() -> None:
    rec = parse_toml(
        'id = "d"\ntitle = "D"\nkind = "film"\n'
        '[[releases]]\nwhen = 2024-05-01\nzone = "Europe/Paris"\n'
        '[[events]]\nkind = "trailer"\ntitle = "Trailer"\nwhen = 2024\n'
    )
    assert rec.releases[0].when == When.parse("2024-05-01", "Europe/Paris")
    assert rec.events[0].when.precision is Precision.YEAR


@pytest.mark.parametrize("path", sorted(GOOD.glob("*.toml")), ids=lambda p: p.stem)
def test_dump_then_parse_is_the_same_record(path: Path) -> None:
    rec = load_toml_file(path)
    text = dump_record(rec)
    assert parse_toml(text) == rec
    assert dump_record(parse_toml(text)) == text  # stable output


def test_dump_then_parse_keeps_tvmaze_records_and_unusual_orders() -> None:
    for rec in load_path(TVMAZE):
        # the sync stamp is not part of the format: a file is curated data
        rec.show = replace(rec.show, tvmaze_updated=None)
        assert parse_toml(dump_record(rec)) == rec
    rec = load_toml_file(GOOD / "harbour-lights.toml")
    c = rec.credits
    # cast out of billing order, an unordered cast credit and an ordered crew credit
    rec.credits = [c[1], c[0], replace(c[2], order=0), replace(c[3], order=5), c[4]]
    assert parse_toml(dump_record(rec)) == rec


def test_dump_escapes_awkward_text() -> None:
    rec = load_toml_file(GOOD / "salt-and-steel.toml")
    rec.show = replace(
        rec.show,
        synopsis='Quotes " and \\ backslashes,\nnewlines and 한국어',
        aliases=tuple(f"Alias number {i}" for i in range(12)),  # a long list wraps
    )
    text = dump_record(rec)
    assert "aliases = [\n" in text
    assert parse_toml(text) == rec


def test_written_files_are_named_after_the_show(tmp_path: Path) -> None:
    records = load_path(GOOD)
    written = write_records(records, tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(f"{r.show.id}.toml" for r in records)
    assert load_path(tmp_path / "out") == sorted(records, key=lambda r: r.show.id)


def test_parse_toml_reports_bad_toml_with_its_line() -> None:
    with pytest.raises(CatalogueError) as info:
        parse_toml('id = "x"\ntitle = "X"\nkind = series\n', "x.toml")
    (error,) = info.value.errors
    assert error.startswith("x.toml: invalid TOML: ") and "line 3" in error


SPLIT = 'id = "split"\ntitle = "Split"\nkind = "series"\n'


def test_outside_ids_and_show_dates() -> None:
    rec = parse_toml(
        SPLIT + 'tvmaze_id = 82\nimdb_id = "tt0944947"\nthetvdb_id = 121361\n'
        'premiered = "2011-04-17"\nended = 2019-05-19\n'
    )
    s = rec.show
    assert (s.tvmaze_id, s.imdb_id, s.thetvdb_id, s.premiered, s.ended) == (
        82,
        "tt0944947",
        121361,
        "2011-04-17",
        "2019-05-19",  # a bare TOML date is kept as its text
    )
    text = dump_record(rec)
    assert 'premiered = "2011-04-17"\nended = "2019-05-19"\ntvmaze_id = 82\nimdb_id = "tt0944947"\n' in text
    assert parse_toml(text) == rec


def test_a_season_in_parts_maps_to_ranges_and_back() -> None:
    text = (
        SPLIT
        + '[[releases]]\nscope = "season"\nseason = 1\npart = 1\nepisodes = "1-8"\nwhen = "2022-12-30"\n'
        + '[[releases]]\nscope = "season"\nseason = 1\npart = 2\nepisodes = "9 \u2013 16"\n'  # an en dash
        + 'when = "2023-03-10"\n'
        + '[[releases]]\nscope = "season"\nseason = 2\npart = 3\nepisodes = "8"\nwhen = "2025-12-31"\n'
        + '[[releases]]\nscope = "season"\nseason = 3\nepisodes = "9-9"\nwhen = "2026"\n'
    )
    rec = parse_toml(text)
    got = [(r.season, r.part, r.episode, r.last_episode, r.episode_range, r.is_part) for r in rec.releases]
    assert got == [
        (1, 1, 1, 8, (1, 8), True),
        (1, 2, 9, 16, (9, 16), True),
        (2, 3, 8, None, (8, 8), True),  # one episode: "8"
        (3, None, 9, 9, (9, 9), True),  # "9-9" keeps its last episode
    ]
    assert [r.id for r in rec.releases] == [
        "split-season-s1-p1-e1-ww",
        "split-season-s1-p2-e9-ww",
        "split-season-s2-p3-e8-ww",
        "split-season-s3-e9-ww",
    ]
    out = dump_record(rec)
    assert '[[releases]]\nscope = "season"\nseason = 1\npart = 2\nepisodes = "9-16"\nregion = "WW"\n' in out
    assert 'part = 3\nepisodes = "8"\n' in out and 'season = 3\nepisodes = "9-9"\n' in out
    assert parse_toml(out) == rec
    assert dump_record(parse_toml(out)) == out


def test_links_to_other_shows() -> None:
    rec = parse_toml(
        SPLIT + '[[links]]\nshow = "peninsula"\nrelation = "sequel"\n'
        '[[links]]\nshow = "kingdom"\nrelation = "Korean zombie story"\n'
    )
    assert rec.links == [
        Link("split", "peninsula", "sequel"),
        Link("split", "kingdom", "Korean zombie story"),
    ]
    out = dump_record(rec)
    assert out.endswith(
        '[[links]]\nshow = "peninsula"\nrelation = "sequel"\n\n'
        '[[links]]\nshow = "kingdom"\nrelation = "Korean zombie story"\n'
    )
    assert parse_toml(out) == rec
