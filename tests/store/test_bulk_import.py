"""Importing into an empty catalogue in bulk gives the database the normal path gives.

The bulk path (``bot.store.bulk``) drops the catalogue's secondary indexes, writes the rows
without per-row CHECK and foreign key evaluation, and builds the indexes once at the end; these
tests compare it table by table, export by export and search by search with the normal path, and
check that a failure anywhere leaves the database as it was.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import sqlite3
from pathlib import Path

import pytest

import bot.store.importer
from bench import generate as gen
from bot.models import Credit, Episode, Link, Person, Role, Show, ShowRecord
from bot.search import initials, search
from bot.store import Store
from bot.store.bulk import SORT_RUN_KIB, sorted_runs

TABLES = {
    "shows": "rowid",
    "people": "rowid",
    "credits": "show_id, person_id, role, character",
    "episodes": "show_id, season, number",
    "releases": "rowid",
    "events": "rowid",
    "show_links": "show_id, other_id",
    "names": "id",
    "name_keys": "kind, key, name_id",
    "name_grams": "kind, gram",
}
QUERIES = [
    ("show", "the"),
    ("show", "night"),
    ("show", "secret house"),
    ("show", "winter storm"),
    ("show", "shadwo"),
    ("show", "gardne"),
    ("person", "kim"),
    ("person", "park ji"),
    ("person", "ivan"),
    ("person", "김"),
    ("show", "사랑"),
    ("show", "の"),
]


def catalogue(n: int = 300) -> list[ShowRecord]:
    """Generated shows (every field, four scripts), plus the cases the merge rules are about."""
    records = gen.generate(n, seed=11)
    a, b, c = records[0], records[1], records[2]
    # A person named without a native name first and with one later; a credit given twice (the
    # later billing wins); an episode given twice; links between shows.
    twin = Person("twin-person", "Twin Person")
    a.credits.append(Credit(a.show.id, twin, Role.CAST, "One", 7))
    b.credits.append(Credit(b.show.id, Person("twin-person", "Twin Person", "쌍둥이"), Role.CAST, "Two", 3))
    b.credits.append(Credit(b.show.id, Person("twin-person", "Twin Person", "쌍둥이"), Role.CAST, "Two", 4))
    c.episodes.append(Episode(c.show.id, 1, 1, "Again"))
    a.links.append(Link(a.show.id, b.show.id, "sequel"))
    b.links.append(Link(b.show.id, a.show.id, "prequel"))
    return records


async def dump(store: Store) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for table, order in TABLES.items():
        out[table] = [tuple(r) for r in await store.db.query(f"SELECT * FROM {table} ORDER BY {order}")]  # noqa: S608
    out["schema"] = [
        tuple(r)
        for r in await store.db.query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    ]
    for kind in ("show", "person"):
        sql = f"SELECT term, doc FROM names_vocab_{kind} ORDER BY term"  # noqa: S608
        out[f"fts_{kind}"] = [tuple(r) for r in await store.db.query(sql)]
    return out


async def answers(store: Store) -> list:
    out = []
    for kind, query in QUERIES:
        out.append([(m.ref, m.text, m.score) for m in await search(store, query, kind=kind)])
        out.append(await store.search_names(query, kind=kind))
    out.append(await store.first_names("show"))
    out.append(await store.first_names("person"))
    return out


async def assert_connection_as_before(store: Store) -> None:
    """What the bulk path switches for the load is switched back."""
    assert await store.db.scalar("PRAGMA foreign_keys") == 1
    assert await store.db.scalar("PRAGMA ignore_check_constraints") == 0
    assert await store.db.scalar("PRAGMA journal_mode") == "wal"
    assert await store.db.scalar("PRAGMA synchronous") == 1  # NORMAL
    assert await store.db.scalar("PRAGMA threads") == 0  # the sorts' helper threads (sorted_runs)
    assert await store.db.scalar("PRAGMA cache_size") == -2000  # SQLite's default


@pytest.fixture
def normal_path(monkeypatch: pytest.MonkeyPatch):
    """Make the store take the normal path even into an empty catalogue."""

    async def never_empty(db: object) -> bool:
        return False

    def use() -> None:
        monkeypatch.setattr(bot.store.importer, "catalogue_is_empty", never_empty)

    return use


@pytest.fixture
def bulk_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = bot.store.importer.bulk_load

    async def spy(tx, records, *args, **kwargs):
        calls.append(len(records))
        return await real(tx, records, *args, **kwargs)

    monkeypatch.setattr(bot.store.importer, "bulk_load", spy)
    return calls


async def test_bulk_and_normal_paths_write_the_same_database(tmp_path: Path, normal_path, bulk_calls) -> None:
    records = catalogue()
    async with await Store.open(tmp_path / "bulk.sqlite3") as bulk:
        bulk_stats = await bulk.import_records(records, batch=40)
        assert bulk_calls == [len(records)]
        bulk_dump, bulk_export, bulk_answers = (
            await dump(bulk),
            await bulk.export_records(),
            await answers(bulk),
        )
        await assert_connection_as_before(bulk)
    normal_path()
    async with await Store.open(tmp_path / "normal.sqlite3") as normal:
        normal_stats = await normal.import_records(records, batch=40)
        assert bulk_calls == [len(records)]  # not called again
        assert normal_stats == bulk_stats
        assert await dump(normal) == bulk_dump
        assert await normal.export_records() == bulk_export
        assert await answers(normal) == bulk_answers
    assert bulk_stats.shows == len(records) and bulk_stats.credits > 3000
    assert any(hits for hits in bulk_answers)


def test_the_cli_import_of_tvmaze_files_matches_the_normal_path(
    tmp_path: Path, normal_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files read by worker processes straight into rows (``bot.catalogue.row_read``), then
    written in bulk: the same as the normal path."""
    from bot.cli import IMPORT_TIMES_ENV, catalogue_main

    records = gen.generate(400, seed=3)
    gen.write_tvmaze(records, tmp_path / "files", per_file=2)  # 200 files: read by workers
    log, err = io.StringIO(), io.StringIO()
    bulk_db, normal_db = tmp_path / "bulk.sqlite3", tmp_path / "normal.sqlite3"
    monkeypatch.setenv(IMPORT_TIMES_ENV, "1")
    assert (
        catalogue_main(
            ["import", str(tmp_path / "files"), "--database", str(bulk_db)], stdout=log, stderr=err
        )
        == 0
    )
    times = err.getvalue().splitlines()[-1]
    for part in ("open", "write", "search", "index", "commit"):
        assert f"{part} " in times, times
    monkeypatch.delenv(IMPORT_TIMES_ENV)
    normal_path()
    assert (
        catalogue_main(
            ["import", str(tmp_path / "files"), "--database", str(normal_db)], stdout=log, stderr=log
        )
        == 0
    )

    async def compare() -> None:
        async with await Store.open(bulk_db) as bulk, await Store.open(normal_db) as normal:
            assert (await bulk.stats()).shows == 400
            assert await dump(bulk) == await dump(normal)
            assert await bulk.export_records() == await normal.export_records()
            assert await answers(bulk) == await answers(normal)

    asyncio.run(compare())


async def test_a_failing_bulk_import_changes_nothing(tmp_path: Path, bulk_calls) -> None:
    records = catalogue(120)
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        empty = await dump(store)
        # NOT NULL still holds: a person without a name fails in the last batch
        bad = ShowRecord(Show("broken", "Broken"), [Credit("broken", Person("x", None), Role.CAST)])  # type: ignore[arg-type]
        with pytest.raises(sqlite3.IntegrityError):
            await store.import_records([*records, bad], batch=50)
        # a unique index still holds: two shows with one TVmaze id fail when it is built again
        twins = [dataclasses.replace(r, show=dataclasses.replace(r.show, tvmaze_id=42)) for r in records[:2]]
        with pytest.raises(sqlite3.IntegrityError):
            await store.import_records([*records[2:], *twins])
        # an unknown role (what the CHECK constraint refuses) fails before it is written
        odd = ShowRecord(Show("odd", "Odd"), [Credit("odd", Person("y", "Y"), "producer")])  # type: ignore[arg-type]
        with pytest.raises(KeyError):
            await store.import_records([*records, odd])
        assert len(bulk_calls) == 3
        assert await dump(store) == empty  # same rows (none) and the same indexes
        await assert_connection_as_before(store)
        # the connection is still good, CHECK constraints included
        await store.import_records(records)
        assert (await store.stats()).shows == len(records)
        with pytest.raises(sqlite3.IntegrityError):
            await store.db.run(
                "REPLACE INTO credits (show_id, person_id, role) VALUES (?, ?, 'producer')",
                (records[0].show.id, records[0].credits[0].person.id),
            )


async def test_importing_the_same_catalogue_again_changes_nothing(tmp_path: Path, bulk_calls) -> None:
    records = catalogue(200)
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        first = await store.import_records(records, batch=30)
        before, exported, found = await dump(store), await store.export_records(), await answers(store)
        again = await store.import_records(catalogue(200), batch=30)  # equal records, new objects
        assert bulk_calls == [len(records)]  # the second import took the normal path
        assert again == first
        assert await dump(store) == before
        assert await store.export_records() == exported
        assert await answers(store) == found


async def test_with_the_database_open_elsewhere_the_bulk_load_stays_in_wal(
    tmp_path: Path, bulk_calls
) -> None:
    records = catalogue(100)
    path = tmp_path / "db.sqlite3"
    async with await Store.open(path) as store:
        other = sqlite3.connect(path)  # another reader: the journal mode cannot change
        try:
            assert other.execute("SELECT count(*) FROM shows").fetchone() == (0,)
            await store.import_records(records)
            assert bulk_calls == [len(records)]
            await assert_connection_as_before(store)
            assert other.execute("SELECT count(*) FROM shows").fetchone() == (len(records),)
        finally:
            other.close()


async def test_sorted_runs_sort_on_every_core_and_give_the_cache_back(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "db.sqlite3") as store, store.db.session() as session:
        await session.execute("PRAGMA cache_size = -512000")
        with pytest.raises(RuntimeError):
            async with session.transaction() as tx, sorted_runs(tx):
                assert await tx.scalar("PRAGMA threads") == min(os.cpu_count() or 1, 8)
                assert await tx.scalar("PRAGMA cache_size") == -SORT_RUN_KIB
                raise RuntimeError("the import fails")
        assert await session.scalar("PRAGMA threads") == 0
        assert await session.scalar("PRAGMA cache_size") == -512000


def test_a_bad_file_among_many_imports_nothing(tmp_path: Path) -> None:
    """Every file is read and checked (by the worker processes) before anything is written."""
    from bot.cli import catalogue_main

    gen.write_tvmaze(gen.generate(400, seed=4), tmp_path / "files", per_file=2)
    (tmp_path / "files" / "shows-150.json").write_text(
        '[{"name": "Broken", "_embedded": {}', encoding="utf-8"
    )
    db = tmp_path / "db.sqlite3"

    async def state() -> tuple[dict[str, list[tuple]], str | None]:
        async with await Store.open(db) as store:
            return await dump(store), await store.get_meta("commands")

    async def seed() -> None:
        async with await Store.open(db) as store:
            await store.set_meta("commands", "abc")

    asyncio.run(seed())
    before = asyncio.run(state())
    out, err = io.StringIO(), io.StringIO()
    assert (
        catalogue_main(["import", str(tmp_path / "files"), "--database", str(db)], stdout=out, stderr=err)
        == 1
    )
    assert "shows-150.json" in err.getvalue() and err.getvalue().endswith("nothing imported\n")
    assert asyncio.run(state()) == before


def expected_name_keys(names: list[tuple[int, str, str]]) -> list[tuple[str, str, int, int, int]]:
    """name_keys by its rule: a name's whole key, then its suffix from each later word start, and
    a show name's initials (``bot.search.initials``) unless they are one of those."""
    rows = []
    for name_id, kind, key in names:
        if not key:
            continue
        rows.append((kind, key, name_id, 1, len(key)))
        rest = key
        suffixes = [key]
        while " " in rest:
            rest = rest[rest.index(" ") + 1 :]
            rows.append((kind, rest, name_id, 0, len(key)))
            suffixes.append(rest)
        short = initials(key) if kind == "show" else ""
        if short and short not in suffixes:
            rows.append((kind, short, name_id, 0, len(key)))
    return sorted(rows)


async def test_search_keys_follow_their_rule_after_a_bulk_and_a_later_import(
    tmp_path: Path, bulk_calls
) -> None:
    records = catalogue(200)
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        await store.import_records(records[:150], batch=30)
        await store.import_records(records[150:], batch=30)  # the normal path: new names above a mark
        assert bulk_calls == [150]
        names = [tuple(r) for r in await store.db.query("SELECT id, kind, key FROM names")]
        keys = [tuple(r) for r in await store.db.query("SELECT * FROM name_keys ORDER BY kind, key, name_id")]
    assert {kind for _, kind, _ in names} == {"show", "person"}
    assert any(" " in key for _, _, key in names)
    assert any(kind == "show" and initials(key) for _, kind, key in names)
    assert keys == expected_name_keys(names)
