"""A big catalogue is read by a pool of processes: the records and errors must be exactly those
of a reading in one process (same errors, same order, same records)."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest

from bot.catalogue import pool
from bot.catalogue.validate import validate_paths
from bot.models import Person

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOOD = FIXTURES / "catalogue" / "good"
BAD = FIXTURES / "catalogue" / "bad"
TVMAZE = FIXTURES / "tvmaze"


def _sequential(monkeypatch: pytest.MonkeyPatch, paths: list[Path]) -> tuple[list, list[str]]:
    with monkeypatch.context() as m:
        m.setattr(pool, "POOL_MIN_FILES", 10**9)
        m.setattr(pool, "POOL_MIN_BYTES", 10**15)
        return validate_paths(paths)


def _parallel(
    monkeypatch: pytest.MonkeyPatch, paths: list[Path], task_bytes: int = 3_000
) -> tuple[list, list[str]]:
    with monkeypatch.context() as m:
        m.setattr(pool, "POOL_MIN_FILES", 1)
        m.setattr(pool, "TASK_BYTES", task_bytes)  # a task per file, a big list in many parts
        m.setattr(pool, "workers", lambda: 2)
        return validate_paths(paths)


def _tvmaze_list(n: int) -> list[dict]:
    shows = json.loads((TVMAZE / "lantern-keepers.json").read_text(encoding="utf-8"))
    base = shows if isinstance(shows, dict) else shows[0]
    out = []
    for i in range(n):
        show = json.loads(json.dumps(base))
        show["name"] = f"Show {i}"
        show["id"] = 1000 + i
        out.append(show)
    return out


@pytest.fixture
def mixed_catalogue(tmp_path: Path) -> Path:
    """Good and bad TOML, TVmaze lists with errors in several parts, and clashes across files."""
    root = tmp_path / "cat"
    shutil.copytree(GOOD, root / "a-good")
    shutil.copy(BAD / "many-mistakes.toml", root / "b-bad.toml")
    shutil.copytree(TVMAZE, root / "c-tvmaze")
    shows = _tvmaze_list(12)
    shows[3]["name"] = shows[7]["name"]  # the same show id twice in one list, in two parts
    del shows[5]["_embedded"]["cast"][0]["person"]["name"]  # an error in a middle part
    shows[2]["_embedded"]["cast"][0]["person"]["name"] = "Kim Ji Won"  # one person id, two names
    shows[10]["_embedded"]["cast"][0]["person"]["name"] = "Kim Ji-won"
    (root / "d-list.json").write_text(json.dumps(shows), encoding="utf-8")
    (root / "e-again.json").write_text(json.dumps(_tvmaze_list(2)), encoding="utf-8")  # ids clash
    (root / "f-broken.json").write_text("[{", encoding="utf-8")
    (root / "g-notvmaze.json").write_text(json.dumps([{"x": 1}]), encoding="utf-8")
    (root / "h-bad.toml").write_text("id = \n", encoding="utf-8")
    (root / "i-binary.toml").write_bytes(b"\xff\xfe\x00")
    # one person id with two names, across files
    good = (GOOD / "harbour-lights.toml").read_text(encoding="utf-8")
    (root / "z-renamed").mkdir()
    (root / "z-renamed" / "harbour-lights.toml").write_text(good, encoding="utf-8")
    return root


def test_parallel_reading_gives_the_same_errors_and_records(
    monkeypatch: pytest.MonkeyPatch, mixed_catalogue: Path, tmp_path: Path
) -> None:
    paths = [mixed_catalogue, tmp_path / "missing.toml", GOOD / "quiet-orchard.toml"]
    seq_records, seq_errors = _sequential(monkeypatch, paths)
    par_records, par_errors = _parallel(monkeypatch, paths)
    assert seq_errors  # the catalogue is full of mistakes
    assert any("duplicate show id" in e for e in seq_errors)
    assert any("d-list.json: show-5: [5]._embedded.cast[0].person.name" in e for e in seq_errors)
    assert any("d-list.json: show-10: credits[0].name: person id 'kim-ji-won'" in e for e in seq_errors)
    assert par_errors == seq_errors
    assert par_records == seq_records
    assert [r.releases[0].id for r in par_records if r.releases] == [
        r.releases[0].id for r in seq_records if r.releases
    ]
    for task_bytes in (1, 10**9, 20_000):  # whole files per task; a few parts per list
        assert _parallel(monkeypatch, paths, task_bytes) == (seq_records, seq_errors)


def test_parallel_reading_of_a_valid_catalogue(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shutil.copytree(GOOD, tmp_path / "toml")
    (tmp_path / "shows.json").write_text(json.dumps(_tvmaze_list(30)), encoding="utf-8")
    seq = _sequential(monkeypatch, [tmp_path, TVMAZE])
    par = _parallel(monkeypatch, [tmp_path, TVMAZE])
    assert seq[1] == par[1] == []
    assert par[0] == seq[0]
    assert len(par[0]) == 3 + 30 + 3
    # one person credited in many shows is one Person object
    people: dict[str, Person] = {}
    for record in par[0]:
        for c in record.credits:
            assert people.setdefault(c.person.id, c.person) is c.person


def test_people_with_native_names_given_later_are_unified(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    base = 'title = "T"\nkind = "series"\n[[credits]]\nname = "Kim Ji-won"\nrole = "cast"\n'
    for i in range(3):
        native = 'native_name = "김지원"\n' if i == 1 else ""
        (tmp_path / f"s{i}.toml").write_text(f'id = "s{i}"\n' + base + native, encoding="utf-8")
    seq = _sequential(monkeypatch, [tmp_path])
    par = _parallel(monkeypatch, [tmp_path])
    assert seq == par
    assert {r.credits[0].person.native_name for r in par[0]} == {"김지원"}


def test_small_catalogues_are_read_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("no processes for a small catalogue")

    monkeypatch.setattr(pool, "ProcessPoolExecutor", no_pool)
    records, errors = validate_paths([GOOD, TVMAZE])
    assert errors == [] and len(records) == 6


def test_records_pickle_with_their_ids() -> None:
    records, _ = validate_paths([GOOD, TVMAZE])
    back = pickle.loads(pickle.dumps(records))
    assert back == records
    assert [r.id for rec in back for r in rec.releases] == [r.id for rec in records for r in rec.releases]
