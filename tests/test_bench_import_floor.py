"""The import floor benchmark (bench/import_floor.py) at a tiny size, no timing assertions: the
CLI import runs, the copy of its rows into a new database holds the same catalogue, and the
report prints every figure."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.import_floor import COPIED, report, run


def test_bench_import_floor_tiny(tmp_path: Path) -> None:
    result = run(300, tmp_path, echo=False)

    assert result.files == 1 and result.import_s > 0 and result.import_cpu_s > 0
    assert {"write", "search", "index", "commit"} <= set(result.import_split)
    assert result.json_cpu_s > 0
    assert [step for step in result.sqlite][: len(COPIED)] == [f"insert {t}" for t in COPIED]
    assert {"search structures", "indexes", "commit"} <= set(result.sqlite)
    # the copy (rows inserted anew) is the catalogue the import wrote, search structures included
    imported = sqlite3.connect(tmp_path / "floor-import.sqlite3")
    copied = sqlite3.connect(tmp_path / "floor-copy.sqlite3")
    for table in (*COPIED, "name_keys", "name_grams"):
        sql = f"SELECT * FROM {table} ORDER BY 1, 2, 3"  # noqa: S608
        assert copied.execute(sql).fetchall() == imported.execute(sql).fetchall(), table
    assert copied.execute("SELECT count(*) FROM shows").fetchone() == (300,)
    text = report(result)
    assert "CLI import:" in text and "SQLite at the least" in text and "floor:" in text
    assert "shows/s" in text
