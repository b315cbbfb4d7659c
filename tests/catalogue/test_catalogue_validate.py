"""Validation: every error names the file, the show and the field; all errors are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.catalogue.validate import CatalogueError, load_path, load_paths, validate_paths, validate_records
from bot.models import Release, Scope, When

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOOD = FIXTURES / "catalogue" / "good"
BAD = FIXTURES / "catalogue" / "bad"
TVMAZE = FIXTURES / "tvmaze"

BASE = 'id = "x"\ntitle = "X"\nkind = "series"\n'


def errors_for(tmp_path: Path, text: str, name: str = "x.toml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_path(path)
    return info.value.errors


# (extra TOML after BASE, the one expected error after "<file>: x: ")
CASES = [
    (
        'status = "runing"\n',
        "status: 'runing' is not one of announced, running, ended, renewed, released, cancelled",
    ),
    ('synopsys = "typo"\n', "synopsys: unknown key (did you mean 'synopsis'?)"),
    ('episode_count = "12"\n', "episode_count: must be a whole number, not a string"),
    ("season_count = -1\n", "season_count: must be 0 or more, not -1"),
    ('genres = "Horror"\n', "genres: must be a list of strings, not a string"),
    ('country = "Korea"\n', "country: 'Korea' is not an ISO 3166-1 alpha-2 code such as KR"),
    ('original_language = "kor"\n', "original_language: 'kor' is not an ISO 639-1 code such as ko"),
    ('[source]\nkind = "webtoon"\nauthor = "Joo Dong-geun"\n', "source.author: unknown key"),
    (
        '[[credits]]\nname = "A"\nrole = "cast"\n[[credits]]\nname = "B"\nrole = "actor"\n',
        "credits[1].role: 'actor' is not one of cast, director, writer, creator, original_author",
    ),
    ('[[credits]]\nrole = "cast"\n', "credits[0].name: required"),
    (
        '[[credits]]\nname = "A"\nrole = "cast"\ncharater = "Z"\n',
        "credits[0].charater: unknown key (did you mean 'character'?)",
    ),
    (
        '[[credits]]\nname = "A"\nrole = "director"\ncharacter = "Z"\n',
        "credits[0].character: only cast credits take a character, not director",
    ),
    (
        '[[credits]]\nname = "A"\nrole = "cast"\nperson_id = "Not A Slug"\n',
        "credits[0].person_id: 'Not A Slug' is not a valid id",
    ),
    (
        '[[credits]]\nname = "A"\nrole = "cast"\n[[credits]]\nname = "A"\nrole = "cast"\n',
        "credits[1]: duplicate credit: A as cast is already credits[0]",
    ),
    ("[[episodes]]\nseason = 1\n", "episodes[0].number: required"),
    (
        "[[episodes]]\nseason = 1\nnumber = 1\n[[episodes]]\nseason = 1\nnumber = 1\n",
        "episodes[1]: duplicate episode: season 1 episode 1 is already episodes[0]",
    ),
    (
        '[[releases]]\nwhen = "2022-13-40"\n',
        "releases[0].when: bad date '2022-13-40': use TBA, YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM",
    ),
    (
        '[[releases]]\nwhen = "2022-01-28"\nzone = "Asia/Soul"\n',
        "releases[0].zone: unknown time zone 'Asia/Soul' (use an IANA name such as Asia/Seoul)",
    ),
    ('[[releases]]\nscope = "weekly"\n', "releases[0].scope: 'weekly' is not one of show, season, episode"),
    ('[[releases]]\nscope = "season"\nwhen = "2022"\n', "releases[0].season: required for a season release"),
    (
        '[[releases]]\nscope = "episode"\nseason = 1\nwhen = "2022"\n',
        "releases[0].episode: required for an episode release",
    ),
    (
        '[[releases]]\nscope = "show"\nseason = 2\n',
        'releases[0].season: a show release has no season (use scope = "season")',
    ),
    (
        '[[releases]]\nregion = "World"\n',
        "releases[0].region: 'World' is not WW or an ISO 3166-1 alpha-2 code",
    ),
    (
        '[[releases]]\nwhen = "2022"\nplatfrom = "Netflix"\n',
        "releases[0].platfrom: unknown key (did you mean 'platform'?)",
    ),
    (
        '[[releases]]\nscope = "season"\nseason = 1\nplatform = "Netflix"\nwhen = "2022"\n'
        '[[releases]]\nscope = "season"\nseason = 1\nplatform = "netflix"\nwhen = "2023"\n',
        "releases[1]: duplicate release 'x-season-s1-netflix-ww'",
    ),
    ('[[events]]\ntitle = "Press"\n', "events[0].kind: required"),
    (
        '[[events]]\nkind = "Press Conference"\ntitle = "Press"\n',
        "events[0].kind: 'Press Conference' is not a kind such as press_conference",
    ),
    (
        '[[events]]\nkind = "trailer"\ntitle = "T1"\nwhen = "2022-01-01"\n'
        '[[events]]\nkind = "trailer"\ntitle = "T2"\nwhen = "2022-01-01"\n',
        "events[1]: duplicate event 'x-trailer-2022-01-01'",
    ),
    ("[[releases]]\nwhen = 12:30:00\n", "releases[0].when: must be a string such as"),
]


@pytest.mark.parametrize(("extra", "expected"), CASES, ids=[c[1].split(":")[0] for c in CASES])
def test_each_error_names_file_show_and_field(tmp_path: Path, extra: str, expected: str) -> None:
    errors = errors_for(tmp_path, BASE + extra)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{tmp_path / 'x.toml'}: x: {expected}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('title = "X"\nkind = "series"\n', "id: required"),
        ('id = "x"\nkind = "series"\n', "x: title: required"),
        ('id = "x"\ntitle = "X"\n', "x: kind: required: one of series, film"),
        ('id = "x"\ntitle = ""\nkind = "film"\n', "x: title: must not be empty"),
        (
            'id = "x"\ntitle = "X"\nkind = "film"\nepisode_count = 1\n',
            "x: episode_count: a film has no episodes or seasons: leave it out",
        ),
    ],
)
def test_required_show_fields(tmp_path: Path, text: str, expected: str) -> None:
    errors = errors_for(tmp_path, text)
    assert errors == [f"{tmp_path / 'x.toml'}: {expected}"]


def test_bad_ids_and_file_names(tmp_path: Path) -> None:
    errors = errors_for(tmp_path, BASE.replace('"x"', '"Bad_Id"'), name="Bad_Id.toml")
    assert errors == [
        f"{tmp_path / 'Bad_Id.toml'}: Bad_Id: id: 'Bad_Id' is not a valid id: "
        "lowercase ASCII letters, digits and single dashes"
    ]
    errors = errors_for(tmp_path, BASE, name="y.toml")
    assert errors == [f"{tmp_path / 'y.toml'}: x: id: must match the file name 'y' (name the file x.toml)"]


def test_all_errors_of_a_file_are_reported_at_once() -> None:
    _, errors = validate_paths([BAD / "many-mistakes.toml"])
    prefix = f"{BAD / 'many-mistakes.toml'}: many-mistakes: "
    assert all(e.startswith(prefix) for e in errors), errors
    assert sorted(e[len(prefix) :].split(":")[0] for e in errors) == [
        "credits[0].role",
        "credits[1].charater",
        "releases[0].season",
        "releases[0].when",
        "releases[1].zone",
        "stauts",
    ]


def test_errors_across_files_in_a_directory(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.toml").write_text(BASE.replace('"x"', '"a"') + 'status = "bad"\n', encoding="utf-8")
    (tmp_path / "sub" / "b.toml").write_text("id = \n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a catalogue file", encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_path(tmp_path)
    errors = info.value.errors
    assert len(errors) == 2
    assert errors[0].startswith(f"{tmp_path / 'a.toml'}: a: status: 'bad' is not one of")
    assert errors[1].startswith(f"{tmp_path / 'sub' / 'b.toml'}: invalid TOML: ")
    assert "(at line 1, column 6)" in errors[1]


def test_show_ids_are_unique_across_files(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "x.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "x.toml").write_text(BASE, encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_path(tmp_path)
    assert info.value.errors == [
        f"{tmp_path / 'two' / 'x.toml'}: x: id: duplicate show id: already in {tmp_path / 'one' / 'x.toml'}"
    ]


def test_one_person_id_means_one_person(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(
        BASE.replace('"x"', '"a"') + '[[credits]]\nname = "Kim Ji Won"\nrole = "cast"\n', encoding="utf-8"
    )
    (tmp_path / "b.toml").write_text(
        BASE.replace('"x"', '"b"') + '[[credits]]\nname = "Kim Ji-won"\nrole = "cast"\n', encoding="utf-8"
    )
    with pytest.raises(CatalogueError) as info:
        load_path(tmp_path)
    (error,) = info.value.errors
    assert error.startswith(f"{tmp_path / 'b.toml'}: b: credits[0].name: person id 'kim-ji-won' is already")
    assert "set person_id" in error


def test_file_level_errors(tmp_path: Path) -> None:
    bad_json = tmp_path / "show.json"
    bad_json.write_text('{"name": "X",\n "id": }', encoding="utf-8")
    other_json = tmp_path / "other.json"
    other_json.write_text(json.dumps({"title": "not tvmaze"}), encoding="utf-8")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    _, errors = validate_paths(
        [bad_json, other_json, binary, tmp_path / "missing.toml", tmp_path / "notes.txt"]
    )
    assert errors == [
        f"{bad_json}: invalid JSON: Expecting value (at line 2, column 8)",
        f"{other_json}: not a TVmaze show: expected a show object (with name and _embedded) "
        "or a list of them",
        f"{binary}: not UTF-8 text (invalid start byte at byte 0)",
        f"{tmp_path / 'missing.toml'}: no such file or directory",
        f"{tmp_path / 'notes.txt'}: not a catalogue file: "
        "use a .toml show file, a .json TVmaze file or a directory",
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    _, errors = validate_paths([empty])
    assert errors == [f"{empty}: no .toml or .json catalogue files in this directory"]


def test_good_fixtures_and_tvmaze_load_together() -> None:
    records = load_paths([GOOD, TVMAZE])
    assert [r.show.id for r in records] == [
        "harbour-lights",
        "quiet-orchard",
        "salt-and-steel",
        "the-lantern-keepers",
        "paper-crowns",
        "orbit-street",
    ]


def test_records_built_in_code_are_checked_too() -> None:
    (rec,) = load_paths([GOOD / "salt-and-steel.toml"])
    rec.releases.append(Release("salt-and-steel", When.parse("2027"), Scope.EPISODE, season=3))
    assert validate_records([rec]) == [
        "<records>: salt-and-steel: releases[2].episode: required for an episode release"
    ]
