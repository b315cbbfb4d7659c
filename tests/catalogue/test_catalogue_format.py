"""The project TOML format: parsing, billing order, person ids, and TOML round trips."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.catalogue.project_format import dump_record, load_toml_file, parse_toml, write_records
from bot.catalogue.validate import CatalogueError, load_path
from bot.models import Kind, Precision, Role, Scope, Status, When

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
