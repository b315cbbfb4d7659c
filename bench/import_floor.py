"""`python -m bench.import_floor --shows 100000`: what the CLI import of N generated shows costs,
next to the least any import of them costs on this machine.

1. **The import**: N shows written as TVmaze lists of 10,000, imported by `python -m bot catalogue
   import` into a new database: wall seconds and the CPU seconds of the whole process tree (the
   reading processes included), and the CLI's own split (``PREMIERE_IMPORT_TIMES``).
2. **Reading, at the least**: ``json.loads`` of every file, CPU seconds in this process. Any reader
   written in Python builds at least these objects; turning them into rows comes on top.
3. **SQLite, at the least**: the rows that import wrote, put aside (untimed) in plain tables in the
   order the import writes them (a show's rows after it, show after show), then inserted into a
   new migrated database by SQLite itself, ``INSERT`` or ``REPLACE ... SELECT`` as the import's
   own statements say (no Python per row, secondary indexes dropped, CHECK constraints off as in
   the import), then the search structures (``bot.store.names.index_new_names``), the indexes (both
   sorted as the import sorts them, ``bot.store.bulk.sorted_runs``) and the commit: SQLite's own
   work for this catalogue, in order (indexes and search keys need every row), one statement at a
   time (only a sort has helper threads). The rows are inserted value by value: copying a table's
   stored records as they are (``INSERT INTO t SELECT * FROM u`` of an identical table, which
   SQLite does without decoding a row, already in key order) is no import's least work.

The floor of an import's wall time is then SQLite's part (serial) plus the reading that must come
before its last rows (at best spread over every core), and it prints the most shows per second
that floor allows. Figures only: no test asserts a time (tests/test_bench_import_floor.py runs it
at a tiny size).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import generate as gen  # noqa: E402
from bench.run import import_times  # noqa: E402
from bot.catalogue import pool  # noqa: E402
from bot.memory import gc_paused  # noqa: E402
from bot.store.bulk import (  # noqa: E402
    CREDITS_SQL,
    EPISODES_SQL,
    EVENTS_SQL,
    LINKS_SQL,
    NAMES_SQL,
    PEOPLE_SQL,
    RELEASES_SQL,
    SHOWS_SQL,
)
from bot.store.database import Session  # noqa: E402

PER_FILE = 10_000
# The tables an import writes row by row, in this order (parents first), with the import's own
# statement for each; name_keys, name_grams and the FTS tables are built from names by
# index_new_names, as an import builds them.
STATEMENTS = {
    "shows": SHOWS_SQL,
    "people": PEOPLE_SQL,
    "credits": CREDITS_SQL,
    "episodes": EPISODES_SQL,
    "releases": RELEASES_SQL,
    "events": EVENTS_SQL,
    "show_links": LINKS_SQL,
    "names": NAMES_SQL,
}
COPIED = tuple(STATEMENTS)
# INSERT or REPLACE, as the import's own statement for the table says
VERBS = {table: sql.split()[0] for table, sql in STATEMENTS.items()}


@dataclass
class Floor:
    shows: int
    files: int = 0
    megabytes: float = 0.0
    import_s: float = 0.0
    import_cpu_s: float = 0.0
    import_split: dict[str, float] = field(default_factory=dict)
    json_cpu_s: float = 0.0
    sqlite: dict[str, float] = field(default_factory=dict)  # step -> seconds
    cores: int = 1

    @property
    def sqlite_s(self) -> float:
        return sum(self.sqlite.values())

    @property
    def floor_s(self) -> float:
        return self.sqlite_s + self.json_cpu_s / self.cores

    def rate(self, seconds: float) -> float:
        return self.shows / seconds if seconds > 0 else float("inf")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_import(src: Path, db: Path, result: Floor) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREMIERE_IMPORT_TIMES": "1"}
    before, started = _children_cpu(), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "catalogue", "import", str(src), "--database", str(db)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    result.import_s = time.perf_counter() - started
    result.import_cpu_s = _children_cpu() - before
    if proc.returncode != 0:
        raise SystemExit(f"the import failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    result.import_split = import_times(proc.stderr)


def json_cpu(src: Path) -> float:
    """CPU seconds of ``json.loads`` of every file, the garbage collector off (as in the import's
    reading processes: it would walk the millions of new objects again and again)."""
    spent = 0.0
    for path in sorted(src.glob("*.json")):
        data = path.read_bytes()
        with gc_paused():
            started = time.process_time()
            json.loads(data)
            spent += time.process_time() - started
    return spent


def import_order(table: str, create_sql: str, columns: str = "*", db: str = "") -> str:
    """A SELECT of ``columns`` of ``table`` (in database ``db``) in the order the import wrote its
    rows: its own rowid order, or for a table keyed WITHOUT ROWID (whose order is its key's), show
    by show in the order the shows went in. ``create_sql``: the table's CREATE statement."""
    at = f"{db}." if db else ""
    if "WITHOUT ROWID" in create_sql.upper():
        picked = "x.*" if columns == "*" else ", ".join(f"x.{c.strip()}" for c in columns.split(","))
        return f"SELECT {picked} FROM {at}{table} x JOIN {at}shows s ON s.id = x.show_id ORDER BY s.rowid"  # noqa: S608
    return f"SELECT {columns} FROM {at}{table} ORDER BY rowid"  # noqa: S608


async def put_aside(session: Session) -> None:
    """Each table of ``src`` into a plain table of ``aside`` whose rowids follow the order the
    import writes its rows (``import_order``)."""
    async with session.transaction() as tx:
        for table in COPIED:
            sql = await tx.scalar("SELECT sql FROM src.sqlite_master WHERE name = ?", (table,))
            await tx.execute(f"CREATE TABLE aside.{table} AS {import_order(table, str(sql), db='src')}")


async def sqlite_floor(source: Path, target: Path, aside: Path) -> dict[str, float]:
    """SQLite's own work for the catalogue in ``source``, timed step by step into ``target``
    (the rows put aside in ``aside`` first, untimed)."""
    from bot.store import Store
    from bot.store.bulk import secondary_indexes, sorted_runs
    from bot.store.names import index_new_names

    steps: dict[str, float] = {}
    clock = time.perf_counter
    async with await Store.open(target) as store, store.db.session() as session:
        await session.execute("PRAGMA foreign_keys = OFF")
        await session.returning("PRAGMA journal_mode = DELETE")
        await session.execute("PRAGMA synchronous = FULL")
        await session.execute("ATTACH DATABASE ? AS src", (str(source),))
        await session.execute("ATTACH DATABASE ? AS aside", (str(aside),))
        await put_aside(session)
        os.sync()  # the rows put aside are on disk before the clock starts (the commit syncs too)
        async with session.transaction() as tx:
            await tx.execute("PRAGMA cache_size = -1024000")
            indexes = await secondary_indexes(tx)
            for name, _ in indexes:
                await tx.execute(f'DROP INDEX "{name}"')
            await tx.execute("PRAGMA ignore_check_constraints = ON")
            for table in COPIED:
                columns = ", ".join(r[1] for r in await tx.query(f"PRAGMA main.table_info({table})"))
                started = clock()
                await tx.execute(
                    f"{VERBS[table]} INTO main.{table} ({columns}) "  # noqa: S608
                    f"SELECT {columns} FROM aside.{table} ORDER BY rowid"
                )
                steps[f"insert {table}"] = clock() - started
            await tx.execute("PRAGMA ignore_check_constraints = OFF")
            started = clock()
            async with sorted_runs(tx):  # as the import sorts
                await index_new_names(tx, 0)
                steps["search structures"] = clock() - started
                started = clock()
                for _, sql in indexes:
                    await tx.execute(sql)
                steps["indexes"] = clock() - started
            committing = clock()
        steps["commit"] = clock() - committing
        await session.execute("DETACH DATABASE src")
        await session.execute("DETACH DATABASE aside")
        await session.returning("PRAGMA journal_mode = WAL")
    return steps


def run(shows: int, work: Path, seed: int = 5, echo: bool = True) -> Floor:
    result = Floor(shows, cores=pool.workers())
    src, db, copy = work / "floor-files", work / "floor-import.sqlite3", work / "floor-copy.sqlite3"
    aside = work / "floor-aside.sqlite3"
    shutil.rmtree(src, ignore_errors=True)
    for path in (db, copy, aside):
        for suffix in ("", "-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    if echo:
        print(f"generating {shows:,} shows...", file=sys.stderr)
    size = gen.write_tvmaze(gen.generate(shows, seed), src, per_file=PER_FILE)
    result.files, result.megabytes = sum(1 for _ in src.glob("*.json")), size / 1e6
    if echo:
        print("importing through the CLI...", file=sys.stderr)
    cli_import(src, db, result)
    result.json_cpu_s = json_cpu(src)
    if echo:
        print("inserting the rows into a new database...", file=sys.stderr)
    result.sqlite = asyncio.run(sqlite_floor(db, copy, aside))
    aside.unlink(missing_ok=True)
    return result


def report(result: Floor) -> str:
    split = ", ".join(f"{k} {v:.2f}" for k, v in result.import_split.items())
    lines = [
        f"import floor at {result.shows:,} shows ({result.files} TVmaze files, {result.megabytes:.0f} MB, "
        f"{result.cores} cores)",
        f"  CLI import: {result.import_s:.2f} s, {result.rate(result.import_s):,.0f} shows/s; "
        f"CPU of the process tree {result.import_cpu_s:.2f} s; its split (s): {split}",
        f"  reading at the least (json.loads of every file): {result.json_cpu_s:.2f} CPU-s",
        f"  SQLite at the least (the import's rows inserted by SQLite itself, in the import's order): "
        f"{result.sqlite_s:.2f} s",
    ]
    lines += [f"    {step}: {seconds:.2f} s" for step, seconds in result.sqlite.items()]
    lines.append(
        f"  floor: {result.sqlite_s:.2f} s + {result.json_cpu_s:.2f} CPU-s / {result.cores} cores = "
        f"{result.floor_s:.2f} s, at most {result.rate(result.floor_s):,.0f} shows/s "
        "(before any Python turns a show into rows)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.import_floor", description=__doc__.split("\n")[0])
    ap.add_argument("--shows", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/premiere-bench"))
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    result = run(args.shows, args.workdir, args.seed)
    print(report(result))
    if args.json:
        print(json.dumps({**result.__dict__, "floor_s": result.floor_s}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
