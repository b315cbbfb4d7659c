"""Many rows a statement (bot/store/multirow.py, used by SqliteStatements.write_many): which
statements it groups, and that a table written that way is the table written one row at a time,
conflicts and their order included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store.database import SqliteDatabase
from bot.store.multirow import MAX_VALUES, ROWS, grouped

INSERT = "INSERT INTO t (k, v) VALUES (?,?)"


def test_grouped_plain_insert_in_runs_of_rows_with_the_rest_left() -> None:
    rows = [(i, f"v{i}") for i in range(2 * ROWS + 7)]
    plan = grouped(INSERT, rows)
    assert plan is not None
    statement, runs, left = plan
    assert statement.startswith("INSERT INTO t (k, v) VALUES (?,?),(?,?)")
    assert statement.count("?") == 2 * ROWS
    assert len(runs) == 2 and all(len(run) == 2 * ROWS for run in runs)
    assert runs[0][:4] == [0, "v0", 1, "v1"] and runs[1][-2:] == [2 * ROWS - 1, f"v{2 * ROWS - 1}"]
    assert list(left) == rows[2 * ROWS :]


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO t (k, v) VALUES (?,?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
        "INSERT INTO t (k, v) VALUES (?,?) RETURNING k",
        "INSERT INTO t (k, v) VALUES (?1,?2)",
        "INSERT INTO t (k, v) SELECT ?, ?",
        "UPDATE t SET v = ? WHERE k = ?",
        "DELETE FROM t WHERE k = ? AND v = ?",
    ],
)
def test_grouped_leaves_anything_but_a_plain_insert_alone(sql: str) -> None:
    assert grouped(sql, [(i, "v") for i in range(3 * ROWS)]) is None


def test_grouped_leaves_few_rows_and_rows_of_the_wrong_width_alone() -> None:
    assert grouped(INSERT, [(i, "v") for i in range(ROWS - 1)]) is None
    rows: list[tuple] = [(i, "v") for i in range(3 * ROWS)]
    rows[5] = (5,)
    rows[6] = (6, "v", "extra")  # the same number of values in all, but not one a mark each
    assert grouped(INSERT, rows) is None
    assert grouped("REPLACE INTO t (k, v) values ( ?, ? )", [(i, "v") for i in range(ROWS)]) is not None


async def _written(path: Path, sql: str, rows: list[tuple], grouped_writes: bool) -> list[tuple]:
    db = await SqliteDatabase.open(path)
    try:
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL, n INTEGER)")
            if grouped_writes:
                await tx.write_many(sql, rows)
            else:
                await tx.executemany(sql, rows)
    finally:
        await db.close()
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT rowid, k, v, n FROM t ORDER BY rowid").fetchall()


async def test_write_many_writes_what_one_statement_a_row_writes(tmp_path: Path) -> None:
    # REPLACE with repeated keys, inside one group and across groups: the later row wins
    rows = [(i % 150, f"v{i}", i if i % 3 else None) for i in range(3 * ROWS + 41)]
    sql = "REPLACE INTO t (k, v, n) VALUES (?,?,?)"
    one_by_one = await _written(tmp_path / "a.sqlite3", sql, rows, grouped_writes=False)
    in_groups = await _written(tmp_path / "b.sqlite3", sql, rows, grouped_writes=True)
    assert in_groups == one_by_one
    assert len(in_groups) == 150
    assert {k: (v, n) for _, k, v, n in in_groups}[0] == ("v300", None)  # i = 0, 150, 300


async def test_write_many_stops_at_a_conflict_as_one_statement_a_row_does(tmp_path: Path) -> None:
    rows = [(i, "v", None) for i in range(2 * ROWS)] + [(7, "again", None)]
    for grouped_writes in (False, True):
        with pytest.raises(sqlite3.IntegrityError):
            await _written(
                tmp_path / f"{grouped_writes}.sqlite3",
                "INSERT INTO t (k, v, n) VALUES (?,?,?)",
                rows,
                grouped_writes,
            )


def test_grouped_keeps_a_statement_within_sqlites_limit_of_values() -> None:
    width = 400
    sql = f"INSERT INTO wide VALUES ({','.join('?' * width)})"
    rows = [tuple(range(width))] * (2 * ROWS)
    plan = grouped(sql, rows)
    assert plan is not None
    statement, runs, left = plan
    per = min(ROWS, MAX_VALUES // width)
    assert per < ROWS and statement.count("?") == per * width <= MAX_VALUES
    assert all(len(run) == per * width for run in runs) and len(runs) * per + len(left) == 2 * ROWS
