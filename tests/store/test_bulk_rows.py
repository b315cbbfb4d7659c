"""TVmaze files straight into rows (``bot.catalogue.row_read``, ``bot.store.bulk_rows``) give the
database the usual import gives, table by table (search structures' own tables included), and
every case that is not plain goes the usual way with the usual outcome.
"""

from __future__ import annotations

import copy
import io
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import bot.catalogue.row_read
import bot.store.importer
from bench import generate as gen
from bot.catalogue import pool
from bot.cli import catalogue_main


def whole_database(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows (with their rowids where they have one), the FTS tables' own too;
    nothing when there is no database."""
    if not path.exists():
        return {}
    con = sqlite3.connect(path)
    out: dict[str, list[tuple]] = {}
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for name in tables:
        if name.startswith("sqlite_"):
            continue
        try:
            rows = con.execute(f'SELECT rowid, * FROM "{name}" ORDER BY rowid').fetchall()  # noqa: S608
        except sqlite3.OperationalError:  # WITHOUT ROWID: in key order
            rows = con.execute(f'SELECT * FROM "{name}"').fetchall()  # noqa: S608
        out[name] = rows
    con.close()
    return out


@pytest.fixture
def rows_taken(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Shows written by the row path, one entry per load that got to the end."""
    taken: list[int] = []
    real = bot.store.importer.load_rows

    async def spy(*args: Any, **kwargs: Any) -> list[int]:
        counts = await real(*args, **kwargs)
        taken.append(counts[0])
        return counts

    monkeypatch.setattr(bot.store.importer, "load_rows", spy)
    return taken


def cli_import(src: Path, db: Path, *, rows: bool = True) -> tuple[int, str, str]:
    """`catalogue import`; ``rows=False``: as it was before the row path (records only)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as m:
        if not rows:
            m.setattr(bot.catalogue.row_read, "tvmaze_only", lambda planned: False)
        code = catalogue_main(["import", str(src), "--database", str(db)], stdout=out, stderr=err)
    summary = re.sub(r" in [0-9.]+ s \([0-9.]+ shows/s\)", "", out.getvalue())
    return code, summary, err.getvalue()


def both_ways(src: Path, tmp_path: Path) -> tuple[tuple[int, str, str], dict[str, list[tuple]]]:
    """Import ``src`` the row way and the records way; assert the same outcome and database."""
    by_rows, by_records = tmp_path / "rows.sqlite3", tmp_path / "records.sqlite3"
    first = cli_import(src, by_rows)
    second = cli_import(src, by_records, rows=False)
    assert first[:2] == second[:2]
    if first[0] != 0:  # the errors are those of the usual path
        assert first[2] == second[2]
    database = whole_database(by_rows)
    assert database == whole_database(by_records)
    return first, database


def write_lists(directory: Path, *lists: list[dict]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for i, shows in enumerate(lists):
        text = json.dumps(shows, ensure_ascii=False)
        (directory / f"shows-{i:03d}.json").write_text(text, encoding="utf-8")
    return directory


def generated(n: int, seed: int) -> list[dict]:
    return [gen.tvmaze_show(r, i) for i, r in enumerate(gen.generate(n, seed=seed), 1)]


@pytest.mark.parametrize(("n", "seed", "per_file"), [(90, 1, 7), (150, 8, 150)])
def test_rows_give_the_database_records_give(
    tmp_path: Path, rows_taken: list[int], n: int, seed: int, per_file: int
) -> None:
    gen.write_tvmaze(gen.generate(n, seed=seed), tmp_path / "files", per_file=per_file)
    (code, summary, _), database = both_ways(tmp_path / "files", tmp_path)
    assert code == 0 and summary.startswith(f"imported {n} shows, ")
    assert rows_taken == [n]
    assert len(database["credits"]) > 5 * n and len(database["names"]) > n
    assert len(database["name_keys"]) > len(database["names"])


def test_rows_read_by_worker_processes(
    tmp_path: Path, rows_taken: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tasks read in other processes, file parts and all, come back in file order."""
    monkeypatch.setattr(pool, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(pool, "TASK_BYTES", 20_000)  # one list read in parts, several lists per task
    shows = generated(120, seed=4)
    write_lists(tmp_path / "files", shows[:70], *[shows[i : i + 10] for i in range(70, 120, 10)])
    (code, summary, err), _ = both_ways(tmp_path / "files", tmp_path)
    assert code == 0 and summary.startswith("imported 120 shows, ")
    assert rows_taken == [120]


def test_shows_with_one_name_get_the_ids_the_usual_path_gives(tmp_path: Path, rows_taken: list[int]) -> None:
    """One title three times (the slug, the slug with the year, then tvmaze-<id>), a title whose
    slug is another's slug with its year, and two people with one name in one show."""
    shows = generated(12, seed=2)
    for s in shows[:3]:
        s["name"] = "The Same Title"
        s["premiered"] = "2021-05-01"
    shows[3]["name"] = "The Same Title 2021"
    shows[4]["name"] = "the same title"  # the same slug, another title
    shows[4]["premiered"] = None
    cast = shows[5]["_embedded"]["cast"]
    cast[0]["person"] = {"id": 101, "name": "Kim Min-ji"}
    cast[1]["person"] = {"id": 102, "name": "Kim Min-ji"}
    write_lists(tmp_path / "files", shows[:6], shows[6:])
    (code, _, _), database = both_ways(tmp_path / "files", tmp_path)
    assert code == 0 and rows_taken == [12]
    ids = [row[1] for row in database["shows"]]
    assert ids[:5] == [
        "the-same-title",
        "the-same-title-2021",
        "tvmaze-3",
        "the-same-title-2021-2019",  # its slug was taken: the slug with its first release's year
        "the-same-title-2028",
    ]
    assert len(set(ids)) == 12
    people = {row[1] for row in database["people"]}
    assert {"kim-min-ji", "kim-min-ji-102"} <= people
    # the releases of a show that did not keep the id it was read under are under its stored id
    releases = [row for row in database["releases"] if row[2] == "tvmaze-3"]
    assert releases and all(row[1].startswith("tvmaze-3-") for row in releases)


def test_a_tvmaze_id_given_twice_goes_the_usual_way(tmp_path: Path, rows_taken: list[int]) -> None:
    shows = generated(20, seed=6)
    again = copy.deepcopy(shows[3])
    again["name"] = "Renamed Later"
    write_lists(tmp_path / "files", shows[:10], [*shows[10:], again])
    (code, summary, _), database = both_ways(tmp_path / "files", tmp_path)
    assert code == 0 and summary.startswith("imported 20 shows, ")
    assert rows_taken == []  # the row path gave up; the records way wrote it
    assert "Renamed Later" in {row[2] for row in database["shows"]}


def test_problems_are_named_as_before_and_nothing_is_written(tmp_path: Path, rows_taken: list[int]) -> None:
    shows = generated(20, seed=7)
    shows[12]["_embedded"]["episodes"][0]["number"] = "one"
    write_lists(tmp_path / "files", shows[:10], shows[10:])
    (code, summary, err), database = both_ways(tmp_path / "files", tmp_path)
    assert code == 1 and summary == ""
    assert "must be a whole number" in err and err.rstrip().endswith("nothing imported")
    assert database == {} and rows_taken == []  # no database left behind, as before
    assert not (tmp_path / "rows.sqlite3").exists()


def test_one_person_id_with_two_names_is_named_as_before(tmp_path: Path, rows_taken: list[int]) -> None:
    shows = generated(20, seed=9)
    shows[2]["_embedded"]["cast"][0]["person"] = {"name": "Kim Ji-won"}
    shows[15]["_embedded"]["cast"][0]["person"] = {"name": "Kim Ji Won"}  # the same slug
    write_lists(tmp_path / "files", shows[:10], shows[10:])
    (code, _, err), _ = both_ways(tmp_path / "files", tmp_path)
    assert code == 1 and "person id 'kim-ji-won' is already 'Kim Ji-won'" in err
    assert rows_taken == []


def test_into_a_catalogue_that_has_shows_the_usual_way(tmp_path: Path, rows_taken: list[int]) -> None:
    shows = generated(30, seed=10)
    first = write_lists(tmp_path / "first", shows[:20])
    second = write_lists(tmp_path / "second", shows[10:])
    by_rows, by_records = tmp_path / "rows.sqlite3", tmp_path / "records.sqlite3"
    assert cli_import(first, by_rows)[0] == 0 and rows_taken == [20]
    assert cli_import(second, by_rows)[0] == 0 and rows_taken == [20]  # not empty: upserted
    assert cli_import(first, by_records, rows=False)[0] == 0
    assert cli_import(second, by_records, rows=False)[0] == 0
    assert whole_database(by_rows) == whole_database(by_records)


def test_progress_counts_parts_of_the_catalogue(tmp_path: Path) -> None:
    shows = generated(40, seed=12)
    write_lists(tmp_path / "files", *[shows[i : i + 4] for i in range(0, 40, 4)])
    code, _, err = cli_import(tmp_path / "files", tmp_path / "db.sqlite3")
    assert code == 0
    lines = err.splitlines()
    assert lines[0] == "importing 1/10 parts of the catalogue (10%)"
    assert lines[-1] == "importing 10/10 parts of the catalogue (100%)"


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tvmaze"


@pytest.mark.parametrize("name", ["lantern-keepers.json", "streaming.json", "both"])
def test_the_tvmaze_fixtures_the_same_both_ways(tmp_path: Path, rows_taken: list[int], name: str) -> None:
    """Real TVmaze shapes (a whole-season drop, parts, specials, made-up air times...)."""
    src = tmp_path / "files"
    src.mkdir()
    for fixture in sorted(FIXTURES.glob("*.json")):
        if name in (fixture.name, "both"):
            (src / fixture.name).write_bytes(fixture.read_bytes())
    (code, summary, _), database = both_ways(src, tmp_path)
    assert code == 0 and rows_taken == [int(summary.split()[1])]
    assert database["releases"] and database["names"]


@pytest.mark.parametrize(
    ("text", "code"),
    [("[]", 1), ("{not json", 1), ('[{"id": 1}]', 1), ('{"id": 7, "name": "One Show"}', 0)],
)
def test_odd_files_the_same_both_ways(tmp_path: Path, text: str, code: int) -> None:
    """An empty list (no show in it: an error), a file that is not JSON, a show without a name,
    one show object."""
    src = tmp_path / "files"
    src.mkdir()
    (src / "odd.json").write_text(text, encoding="utf-8")
    (got, _, _), _ = both_ways(src, tmp_path)
    assert got == code
