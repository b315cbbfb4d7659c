"""Loading files into the store: counts, idempotent re-imports, round trips, all-or-nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.catalogue.project_format import write_records
from bot.catalogue.validate import CatalogueError, load_path, load_paths
from bot.models import CatalogueStats, ShowRecord
from bot.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOOD = FIXTURES / "catalogue" / "good"
TVMAZE = FIXTURES / "tvmaze"


def normalise(record: ShowRecord) -> tuple:
    """A record with its lists in a canonical order (the store keeps its own order)."""
    return (
        record.show,
        sorted(record.credits, key=lambda c: (c.role, c.order, c.person.id, c.character or "")),
        sorted(record.episodes, key=lambda e: (e.season, e.number)),
        sorted(record.releases, key=lambda r: r.id),
        sorted(record.events, key=lambda e: e.id),
    )


def as_file(record: ShowRecord) -> ShowRecord:
    """A record as its TOML file holds it."""
    return dataclasses.replace(record, show=dataclasses.replace(record.show, tvmaze_updated=None))


def expected_stats(records: list[ShowRecord]) -> CatalogueStats:
    return CatalogueStats(
        shows=len(records),
        people=len({c.person.id for r in records for c in r.credits}),
        credits=sum(len(r.credits) for r in records),
        episodes=sum(len(r.episodes) for r in records),
        releases=sum(len(r.releases) for r in records),
        events=sum(len(r.events) for r in records),
    )


async def test_import_counts_and_idempotent_reimport(store: Store) -> None:
    records = load_paths([GOOD, TVMAZE])
    await store.import_records(records)
    first = await store.stats()
    assert first == expected_stats(records)
    assert first == CatalogueStats(shows=6, people=18, credits=21, episodes=15, releases=15, events=1)
    await store.import_records(load_paths([GOOD, TVMAZE]))
    assert await store.stats() == first


async def test_export_then_import_round_trips(tmp_path: Path, store: Store) -> None:
    records = load_paths([GOOD, TVMAZE])
    await store.import_records(records)
    exported = await store.export_records()
    assert sorted(map(normalise, exported), key=lambda t: t[0].id) == sorted(
        map(normalise, records), key=lambda t: t[0].id
    )
    # the exported files load back to exactly what the database held, as hand-curated files: a
    # file never carries the stamp of a sync
    write_records(exported, tmp_path / "export")
    reloaded = load_path(tmp_path / "export")
    as_files = [as_file(r) for r in exported]
    assert reloaded == as_files
    async with await Store.open(tmp_path / "second.sqlite3") as second:
        await second.import_records(reloaded)
        assert await second.export_records() == as_files
        assert await second.stats() == await store.stats()


async def test_a_native_name_given_once_is_kept_for_every_credit(store: Store) -> None:
    records = load_path(GOOD)
    people = {c.person for r in records for c in r.credits if c.person.id == "seo-ji-an"}
    assert {(p.name, p.native_name) for p in people} == {("Seo Ji-an", "서지안")}


async def test_a_bad_file_in_a_directory_changes_nothing(good_dir: Path, store: Store) -> None:
    await store.import_records(load_path(good_dir))
    before = await store.stats()
    before_records = await store.export_records()
    # a good change and a bad file together: neither reaches the database
    (good_dir / "salt-and-steel.toml").write_text(
        (good_dir / "salt-and-steel.toml").read_text(encoding="utf-8").replace("Salt and Steel", "Renamed"),
        encoding="utf-8",
    )
    (good_dir / "zz-new.toml").write_text(
        'id = "zz-new"\ntitle = "New"\nkind = "series"\n[[releases]]\nwhen = "2022-02-30"\n', encoding="utf-8"
    )
    with pytest.raises(CatalogueError) as info:
        load_path(good_dir)
    assert info.value.errors == [
        f"{good_dir / 'zz-new.toml'}: zz-new: releases[0].when: bad date '2022-02-30': "
        "use TBA, YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM"
    ]
    assert await store.stats() == before
    assert await store.export_records() == before_records
