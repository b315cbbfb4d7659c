"""Validation: every error names the file, the show and the field; all errors are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.catalogue.validate import CatalogueError, load_path, load_paths, validate_paths, validate_records
from bot.models import Link, Release, Scope, When

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
    # outside ids and show dates
    ("tvmaze_id = 0\n", "tvmaze_id: must be 1 or more, not 0"),
    ('thetvdb_id = "81189"\n', "thetvdb_id: must be a whole number, not a string"),
    ('imdb_id = "0944947"\n', "imdb_id: '0944947' is not an IMDb id such as tt0944947"),
    (
        'premiered = "2022-02-30"\n',
        "premiered: '2022-02-30' is not a date such as \"2022-01-28\" (YYYY-MM-DD)",
    ),
    ('ended = "2022"\n', "ended: '2022' is not a date such as"),
    (
        "premiered = 2022-01-28\nended = 2021-12-31\n",
        "ended: 2021-12-31 is before the show premiered (2022-01-28)",
    ),
    # season parts
    (
        '[[releases]]\nscope = "season"\nseason = 1\npart = 1\nwhen = "2022"\n',
        'releases[0].episodes: required for a season part (part = 1): its episodes, such as "1-8"',
    ),
    (
        '[[releases]]\nscope = "episode"\nseason = 1\nepisode = 9\nepisodes = "9-16"\n',
        "releases[0].episodes: only a season part takes a range of episodes",
    ),
    (
        '[[releases]]\npart = 2\nwhen = "2022"\n',
        'releases[0].part: only a season release is released in parts (scope = "season")',
    ),
    (
        '[[releases]]\nscope = "season"\nseason = 1\nepisode = 9\n',
        'releases[0].episode: a season release has no episode: a part gives its episodes = "5-8"',
    ),
    (
        '[[releases]]\nscope = "season"\nseason = 1\npart = 1\nepisodes = "1 to 8"\n',
        'releases[0].episodes: must be a range of episodes such as "1-8", or "9" for one, not \'1 to 8\'',
    ),
    (
        '[[releases]]\nscope = "season"\nseason = 1\npart = 1\nepisodes = 8\n',
        'releases[0].episodes: must be a range of episodes such as "1-8", or "9" for one, not an integer',
    ),
    (
        '[[releases]]\nscope = "season"\nseason = 1\npart = 1\nepisodes = "8-1"\n',
        "releases[0].episodes: '8-1' is not a range of episodes: 1 <= first <= last",
    ),
    (
        '[[releases]]\nscope = "season"\nseason = 1\npart = 1\nepisodes = "0"\n',
        "releases[0].episodes: '0' is not a range of episodes: 1 <= first <= last",
    ),
    (
        '[[releases]]\nscope = "season"\nseason = 1\npart = 0\nepisodes = "1-4"\n',
        "releases[0].part: must be 1 or more, not 0",
    ),
    # a season release holds no more than its season
    (
        "".join(f"[[episodes]]\nseason = 1\nnumber = {n}\n" for n in range(1, 5))
        + '[[releases]]\nscope = "season"\nseason = 1\npart = 2\nepisodes = "3-5"\n',
        "releases[0].episodes: episodes 3-5 go past the last listed episode of season 1 (4)",
    ),
    (
        "".join(f"[[episodes]]\nseason = 1\nnumber = {n}\n" for n in range(1, 9))
        + '[[releases]]\nscope = "season"\nseason = 1\nnote = "All 16 episodes at once"\n',
        "releases[0].note: says 'All 16 episodes' but the release holds 8 (the whole of season 1)",
    ),
    (
        'season_count = 1\nepisode_count = 12\n[[releases]]\nscope = "season"\nseason = 1\n'
        'note = "All 16 episodes at once"\n',
        "releases[0].note: says 'All 16 episodes' but the release holds 12 (the whole of season 1)",
    ),
    (
        "".join(f"[[episodes]]\nseason = 1\nnumber = {n}\n" for n in range(1, 17))
        + '[[releases]]\nscope = "season"\nseason = 1\nnote = "episodes 1-8 at once"\n',
        "releases[0].note: says 'episodes 1-8' but the release holds the whole of season 1 (episodes 1-16)",
    ),
    (
        '[[releases]]\nscope = "season"\nseason = 1\npart = 1\nepisodes = "1-8"\n'
        'note = "All 16 episodes at once"\n',
        "releases[0].note: says 'All 16 episodes' but the release holds 8 (episodes 1-8)",
    ),
    (
        '[[releases]]\nscope = "season"\nseason = 4\npart = 2\nepisodes = "8-9"\n'
        'note = "Volume 2: episodes 8 to 10"\n',
        "releases[0].note: says 'episodes 8 to 10' but the release holds episodes 8-9",
    ),
    (
        '[[releases]]\nscope = "season"\nseason = 4\nnote = "Volume 1: episodes 1-7 at once"\n',
        "releases[0].note: says 'Volume 1' but the release is the whole of season 4: give it part = 1",
    ),
    (
        '[[releases]]\nscope = "season"\nseason = 4\nnote = "episodes 8 and 9"\n',
        "releases[0].note: says 'episodes 8 and 9' but a whole-season release starts at episode 1",
    ),
    (
        '[[releases]]\nscope = "season"\nseason = 1\npart = 1\nepisodes = "1-8"\nnote = "Part 2"\n',
        "releases[0].note: says part 2 but the release is part = 1",
    ),
    # links
    ('[[links]]\nrelation = "sequel"\n', "links[0].show: required"),
    (
        '[[links]]\nshow = "y"\nrelation = "sequel"\nrealtion = "sequel"\n',
        "links[0].realtion: unknown key (did you mean 'relation'?)",
    ),
    ('[[links]]\nshow = "x"\nrelation = "sequel"\n', "links[0].show: a show does not link to itself"),
    (
        '[[links]]\nshow = "Train to Busan"\nrelation = "sequel"\n',
        "links[0].show: 'Train to Busan' is not a valid show id",
    ),
    (
        '[[links]]\nshow = "y"\nrelation = "sequel"\n[[links]]\nshow = "y"\nrelation = "prequel"\n',
        "links[1]: duplicate link to 'y': already links[0]",
    ),
    (
        '[[links]]\nshow = "y"\nrelation = "' + "a very long relation that says far too much" + '"\n',
        "links[0].relation: at most 40 characters",
    ),
    ('links = "y"\n', "links: must be an array of tables ([[links]]), not a string"),
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


def test_parts_and_links_built_in_code_are_checked_too() -> None:
    (rec,) = load_paths([GOOD / "salt-and-steel.toml"])
    sid = rec.show.id
    rec.releases = [
        Release(sid, When.parse("2027"), Scope.SEASON, 1, part=1),  # a part without its episodes
        Release(sid, When.parse("2027"), Scope.SEASON, 2, None, last_episode=8),  # a last without a first
        Release(sid, When.parse("2027"), Scope.EPISODE, 3, 1, part=1, last_episode=2),
        Release(sid, When.parse("2027"), Scope.SEASON, 4, 3, part=2, last_episode=3),  # "3-3" is fine
    ]
    rec.links = [Link(sid, sid, "sequel"), Link(sid, "other-show", " ")]
    assert validate_records([rec]) == [
        f"<records>: {sid}: releases[0].episodes: required for a season part (part = 1): its episodes, "
        'such as "1-8"',
        f"<records>: {sid}: releases[1].episodes: a range needs its first episode, not only the last (8)",
        f'<records>: {sid}: releases[2].part: only a season release is released in parts (scope = "season")',
        f"<records>: {sid}: releases[2].episodes: only a season part takes a range of episodes "
        '(scope = "season", part = 1)',
        f"<records>: {sid}: links[0].show: a show does not link to itself",
        f"<records>: {sid}: links[1].relation: must not be empty",
    ]


def test_the_catalogue_as_it_was_is_refused_for_its_split_seasons(tmp_path: Path) -> None:
    """The Glory entered as it was: part 1 as the whole season, part 2 as episode 9."""
    text = (
        'id = "the-glory"\ntitle = "The Glory"\nkind = "series"\nepisode_count = 16\nseason_count = 1\n'
        + "".join(f"[[episodes]]\nseason = 1\nnumber = {n}\n" for n in range(1, 17))
        + '[[releases]]\nscope = "season"\nseason = 1\nplatform = "Netflix"\nwhen = "2022-12-30"\n'
        'zone = "Asia/Seoul"\nnote = "Part 1: episodes 1-8 at once"\n'
    )
    errors = errors_for(tmp_path, text, name="the-glory.toml")
    prefix = f"{tmp_path / 'the-glory.toml'}: the-glory: releases[0].note: "
    assert errors == [
        prefix + "says 'episodes 1-8' but the release holds the whole of season 1 (episodes 1-16)",
        prefix + "says 'Part 1' but the release is the whole of season 1: give it part = 1 and its "
        'episodes = "first-last"',
    ]
