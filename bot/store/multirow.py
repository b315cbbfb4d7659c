"""Many rows in one SQLite statement: ``INSERT ... VALUES (?,?),(?,?),...``.

SQLite sets a statement up (its program, its cursors on the table and on every index) each time
the statement runs, so ``executemany`` of a one-row INSERT pays that once per row. The same
INSERT with ``ROWS`` groups of values pays it once per ``ROWS`` rows: a bulk import writes its
millions of rows this way (about 35 % less of SQLite's and the binding's time, measured with the
rows of 10,000 generated shows). SQLite runs the rows of one statement in order, each with its own
conflict handling, so the outcome is that of one statement per row.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

ROWS = 100  # rows a statement at most (a show row has 22 values)
# the values one statement may hold: SQLite's default limit (999 before SQLite 3.32)
MAX_VALUES = 32_766 if sqlite3.sqlite_version_info >= (3, 32) else 999

_PLAIN = re.compile(
    r"\s*(INSERT|REPLACE)\s.*\sVALUES\s*(\(\s*(?:\?\s*,\s*)*\?\s*\))\s*", re.IGNORECASE | re.DOTALL
)


@lru_cache(maxsize=64)
def _shape(sql: str) -> tuple[str, int, int] | None:
    """(the statement with several groups of values, values a row, rows a statement), or None
    when ``sql`` is not a plain ``INSERT``/``REPLACE ... VALUES (?,...)`` (an upsert,
    ``RETURNING``, numbered marks)."""
    match = _PLAIN.fullmatch(sql)
    if match is None:
        return None
    group = match.group(2)
    width = group.count("?")
    per = min(ROWS, MAX_VALUES // width)
    if per < 2:
        return None
    return sql[: match.start(2)] + ",".join([group] * per), width, per


def grouped(
    sql: str, rows: Sequence[Sequence[Any]]
) -> tuple[str, list[list[Any]], Sequence[Sequence[Any]]] | None:
    """``(statement, parameters of each run, rows left)`` to write ``rows`` up to ``ROWS`` at a
    time (the rows left go one by one with ``sql``), or None when that does not apply: the
    statement is not a plain INSERT, there are too few rows for one run, or a row has not one
    value per mark (one statement per row then says which)."""
    shape = _shape(sql)
    if shape is None:
        return None
    statement, width, per = shape
    if len(rows) < per or any(len(row) != width for row in rows):
        return None
    whole = len(rows) - len(rows) % per
    flat = list(chain.from_iterable(rows[:whole]))
    step = per * width
    return statement, [flat[i : i + step] for i in range(0, len(flat), step)], rows[whole:]
