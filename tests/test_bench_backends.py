"""The SQLite / PostgreSQL latency benchmark at a tiny size (no timing assertions): every row is
timed on both backends (PostgreSQL also right after the import), with its statements counted
and timed, and the tables are printed. Skipped without PostgreSQL's binaries."""

from __future__ import annotations

import os

import pytest

from bench.backends import main, run
from tests.pg.server import REQUIRE_VAR, PostgresUnavailable, find_bindir

ROWS = [
    "service /show",
    "service /cast",
    "service /release",
    "service /upcoming",
    "service /upcoming premieres",
    "service /upcoming new episodes",
    "service /person",
    "autocomplete prefix",
    "autocomplete typo",
    "autocomplete Korean",
]


@pytest.fixture(autouse=True)
def _postgres_binaries() -> None:
    try:
        find_bindir()
    except PostgresUnavailable as exc:
        if os.environ.get(REQUIRE_VAR):
            pytest.fail(f"{exc} ({REQUIRE_VAR} is set)", pytrace=False)
        pytest.skip(str(exc))


async def test_bench_backends_tiny_times_every_row_on_both(tmp_path) -> None:
    sqlite, postgres = await run(300, 20, 10, 5, tmp_path, None)
    assert (sqlite.name, postgres.name) == ("SQLite", "PostgreSQL")
    for backend in (sqlite, postgres):
        assert [r.name for r in backend.rows] == ROWS
        assert all(r.data["n"] == 20 for r in backend.rows)
        assert list(backend.costs) == ROWS and list(backend.statements) == ROWS
        for name, cost in backend.costs.items():
            assert cost.calls == 10 and cost.statements >= 1, (name, cost)
            assert backend.statements[name], name
        assert set(backend.round_trip_ms) == {"p50", "p99"}
    assert [r.name for r in postgres.fresh_rows] == ROWS and sqlite.fresh_rows == []
    # one SELECT per statement on both: the same calls send the same statements
    for name in ROWS:
        assert sqlite.costs[name].statements == postgres.costs[name].statements, name


def test_bench_backends_prints_the_tables(tmp_path, capsys) -> None:
    assert main(["--shows", "200", "--samples", "10", "--breakdown", "5", "--workdir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| Row | SQLite p50 / p99 ms | PostgreSQL p50 / p99 ms | PostgreSQL right after the import" in out
    for name in ROWS:
        assert out.count(f"| {name} |") >= 4, name  # side by side, costs on each, statements
    assert "one SELECT 1 through the store" in out
