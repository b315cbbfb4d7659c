"""`python -m bench.import_budget --shows 100000`: what an import of N shows at 10,000 shows/s
would leave for reading them, from the import's parts measured one by one.

1. **The floor** (``bench.import_floor``): the CLI import of N generated shows, ``json.loads``
   of its files, SQLite's least work for the catalogue it wrote.
2. **Reading alone**: every task of the CLI's reading processes (``bot.catalogue.row_read``'s
   ``work_rows``, the same tasks) in this one process, collector off: CPU seconds.
3. **Writing alone**: the rows those tasks gave, written by ``Store.import_rows`` into a new
   database, the CLI's own process without its readers: its steps and its CPU seconds.
4. **The rows through ``executemany`` alone**: the rows the import wrote, read back (untimed)
   in the order it wrote them, then bound and inserted by ``sqlite3``'s ``executemany`` with the
   import's own statements into a new migrated database (no secondary index, CHECK constraints
   ignored, as in the import): what putting rows into SQLite from Python costs at the least.

**The budget.** At ``--rate`` shows/s the import has N / rate seconds. The search structures,
indexes and commit need every row, so they come after the last one (at SQLite's least, from 1);
what is left of every core, less the rows through ``executemany`` (4), is what reading the
shows may cost, against what it costs today (2). Figures only: no test asserts a time
(tests/test_bench_import_budget.py runs it at a tiny size).
"""

from __future__ import annotations

import argparse
import asyncio
import marshal
import re
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import import_floor  # noqa: E402
from bot.catalogue import pool  # noqa: E402
from bot.catalogue.files import plan_files  # noqa: E402
from bot.catalogue.row_read import work_rows  # noqa: E402
from bot.cli import import_batch  # noqa: E402
from bot.memory import gc_paused  # noqa: E402
from bot.store.bulk_rows import TaskRows  # noqa: E402

END_STEPS = ("search structures", "indexes", "commit")  # SQLite's steps after the last row


@dataclass
class Budget:
    floor: import_floor.Floor
    rate: float = 10_000.0
    tasks: int = 0
    read_cpu_s: float = 0.0
    write_steps: dict[str, float] = field(default_factory=dict)
    write_cpu_s: float = 0.0
    executemany: dict[str, float] = field(default_factory=dict)  # table -> seconds
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows bound

    @property
    def shows(self) -> int:
        return self.floor.shows

    @property
    def target_s(self) -> float:
        return self.shows / self.rate

    @property
    def end_s(self) -> float:
        return sum(self.floor.sqlite.get(step, 0.0) for step in END_STEPS)

    @property
    def executemany_s(self) -> float:
        return sum(self.executemany.values())

    @property
    def reading_left_cpu_s(self) -> float:
        """CPU seconds the target leaves for reading (negative: nothing, and short by that)."""
        return (self.target_s - self.end_s) * self.floor.cores - self.executemany_s

    def per_show_us(self, cpu_s: float) -> float:
        return cpu_s / self.shows * 1e6


def planned_tasks(src: Path) -> list[pool.Task]:
    """The reading processes' tasks for the files in ``src`` (one per file when the CLI would
    read them in its own process)."""
    planned = plan_files([src])
    units = pool.tasks(planned, pool.workers())
    if units is None:
        return [[(Path(e[0]), e[1], 0, 1)] for e in planned if not isinstance(e, str)]
    return [u for u in units if not isinstance(u, str)]


def read_alone(tasks: list[pool.Task]) -> tuple[list[bytes], float]:
    """Every task's rows as the reading processes send them, and the CPU seconds they took."""
    out: list[bytes] = []
    with gc_paused():
        started = time.process_time()
        for task in tasks:
            rows = work_rows(task)
            if rows is None:
                raise SystemExit("a task is not the plain case: the CLI would not read it as rows")
            out.append(rows)
        spent = time.process_time() - started
    return out, spent


async def write_alone(rows: list[bytes], db: Path) -> tuple[dict[str, float], float]:
    """``Store.import_rows`` of the rows read beforehand into a new database: its steps, and the
    CPU seconds of this process meanwhile (its database thread included)."""
    from bot.store import Store

    steps: dict[str, float] = {}
    async with await Store.open(db) as store:
        started = time.process_time()
        await store.import_rows(
            (TaskRows(*marshal.loads(data)) for data in rows), import_batch, timings=steps
        )
        spent = time.process_time() - started
    return steps, spent


def _columns(sql: str) -> str:
    found = re.search(r"\(([^)]*)\)", sql)
    assert found is not None, sql
    return found.group(1)


def executemany_alone(source: Path, target: Path) -> tuple[dict[str, float], dict[str, int]]:
    """Seconds of ``executemany`` for each table's rows (those ``source`` holds) into a new
    migrated database at ``target``, and the rows of each; rolled back."""
    from bot.store import Store

    async def migrate() -> None:
        async with await Store.open(target):
            pass

    asyncio.run(migrate())
    src = sqlite3.connect(source)
    db = sqlite3.connect(target, isolation_level=None)
    try:
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute("PRAGMA cache_size = -1024000")
        db.execute("BEGIN")
        indexes = db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        for (name,) in indexes.fetchall():
            db.execute(f'DROP INDEX "{name}"')
        db.execute("PRAGMA ignore_check_constraints = ON")
        spent: dict[str, float] = {}
        counts: dict[str, int] = {}
        for table, sql in import_floor.STATEMENTS.items():
            create = src.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
            rows = src.execute(import_floor.import_order(table, create, _columns(sql))).fetchall()
            counts[table] = len(rows)
            with gc_paused():
                started = time.perf_counter()
                db.executemany(sql, rows)
                spent[table] = time.perf_counter() - started
            del rows
        db.execute("ROLLBACK")
    finally:
        db.close()
        src.close()
    return spent, counts


def run(shows: int, work: Path, seed: int = 5, rate: float = 10_000.0, echo: bool = True) -> Budget:
    budget = Budget(import_floor.run(shows, work, seed, echo=echo), rate=rate)
    src, imported = work / "floor-files", work / "floor-import.sqlite3"
    if echo:
        print("reading every task in this process...", file=sys.stderr)
    tasks = planned_tasks(src)
    budget.tasks = len(tasks)
    rows, budget.read_cpu_s = read_alone(tasks)
    if echo:
        print("writing the rows read beforehand...", file=sys.stderr)
    written = work / "budget-write.sqlite3"
    emptied = work / "budget-executemany.sqlite3"
    for path in (written, emptied):
        for suffix in ("", "-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    budget.write_steps, budget.write_cpu_s = asyncio.run(write_alone(rows, written))
    del rows
    if echo:
        print("the rows through executemany...", file=sys.stderr)
    budget.executemany, budget.rows = executemany_alone(imported, emptied)
    return budget


def report(b: Budget) -> str:
    steps = ", ".join(f"{k} {v:.2f}" for k, v in b.write_steps.items())
    tables = ", ".join(f"{k} {v:.2f}" for k, v in b.executemany.items())
    left = b.reading_left_cpu_s
    lines = [
        import_floor.report(b.floor),
        f"import budget at {b.shows:,} shows, {b.rate:,.0f} shows/s ({b.floor.cores} cores)",
        f"  reading alone ({b.tasks} tasks in one process): {b.read_cpu_s:.2f} CPU-s, "
        f"{b.per_show_us(b.read_cpu_s):.0f} µs a show",
        f"  writing alone (the rows read beforehand, Store.import_rows): {b.write_cpu_s:.2f} CPU-s; "
        f"steps (s): {steps}",
        f"  the rows through executemany alone: {b.executemany_s:.2f} s for {sum(b.rows.values()):,} rows "
        f"({tables})",
        f"  {b.target_s:.2f} s for the import; after the last row, SQLite at the least: "
        f"{b.end_s:.2f} s (search structures, indexes, commit)",
    ]
    if left > 0:
        lines.append(
            f"  left for reading: ({b.target_s:.2f} - {b.end_s:.2f}) s x {b.floor.cores} cores - "
            f"{b.executemany_s:.2f} s = {left:.2f} CPU-s, {b.per_show_us(left):.0f} µs a show "
            f"(reading today: {b.per_show_us(b.read_cpu_s):.0f} µs, x{b.read_cpu_s / left:.1f} of it)"
        )
    else:
        lines.append(f"  left for reading: nothing ({-left:.2f} CPU-s short before a show is read)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.import_budget", description=__doc__.split("\n")[0])
    ap.add_argument("--shows", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--rate", type=float, default=10_000.0, help="the import's target, shows/s")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/premiere-bench"))
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(report(run(args.shows, args.workdir, args.seed, args.rate)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
