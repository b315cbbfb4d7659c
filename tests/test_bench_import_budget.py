"""The import budget benchmark (bench/import_budget.py) at a tiny size, no timing assertions:
every part runs on the import's own tasks and rows, and the budget is the sum it says."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bench.import_budget import Budget, report, run
from bench.import_floor import COPIED, Floor


def test_bench_import_budget_tiny(tmp_path: Path) -> None:
    b = run(300, tmp_path, echo=False)

    assert b.tasks == 1 and b.read_cpu_s > 0 and b.write_cpu_s > 0
    assert {"write", "search", "index", "commit"} <= set(b.write_steps)
    # every table's rows went through executemany, as many as the import wrote
    imported = sqlite3.connect(tmp_path / "floor-import.sqlite3")
    assert list(b.executemany) == list(b.rows) == list(COPIED)
    for table in COPIED:
        assert b.rows[table] == imported.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
    assert b.rows["shows"] == 300
    # the rows written alone are the catalogue the CLI wrote
    written = sqlite3.connect(tmp_path / "budget-write.sqlite3")
    for table in COPIED:
        sql = f"SELECT * FROM {table} ORDER BY 1, 2, 3"  # noqa: S608
        assert written.execute(sql).fetchall() == imported.execute(sql).fetchall(), table
    text = report(b)
    assert "reading alone (1 tasks" in text and "executemany alone" in text and "left for reading" in text


@pytest.mark.parametrize(
    ("sqlite", "executemany", "expected"),
    [
        ({"search structures": 2.0, "indexes": 1.5, "commit": 0.5}, 6.0, "= 6.00 CPU-s, 60 µs a show"),
        ({"search structures": 6.0, "indexes": 4.0, "commit": 1.0}, 1.0, "nothing (3.00 CPU-s short"),
    ],
)
def test_the_budget_is_what_the_end_steps_and_the_binding_leave(sqlite, executemany, expected) -> None:
    floor = Floor(100_000, sqlite={"insert shows": 9.0, **sqlite}, cores=2)
    b = Budget(floor, read_cpu_s=21.8, executemany={"credits": executemany})
    # 10 s for 100,000 shows; the end steps after the last row; the rest of 2 cores less the binding
    assert b.reading_left_cpu_s == pytest.approx((10.0 - sum(sqlite.values())) * 2 - executemany)
    assert expected in report(b)
