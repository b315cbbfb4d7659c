"""Command latency and autocomplete on SQLite and on PostgreSQL, side by side, on one catalogue.

`python -m bench.backends [--shows 10000] [--samples 3000] [--profile DIR] [--json out.json]`

One generated catalogue (``bench/generate.py``, seed 5) imported into a SQLite file and into a
throwaway PostgreSQL (tests/pg/server.py: the Debian binaries, ``fsync=off``, a Unix socket and
127.0.0.1; the store connects over TCP to 127.0.0.1, as ``DATABASE_URL`` would); then the very
same timed calls as ``python -m bench --only service`` (``bench/service.py``: resolve + service +
render for /show, /cast, /release, /upcoming, /person; autocomplete by prefix, with a typo, and
in the original script) on each backend, one after the other, p50/p99 side by side.

Then where the time goes, per call of each row, from a second pass of ``--breakdown`` calls:
the statements it sends to the database (the store's observer), wall time, the bench process's
CPU (every thread: SQLite runs in aiosqlite's thread, so on SQLite this holds the database's
work too) and, on PostgreSQL, the server's CPU (every backend process of the throwaway server,
from /proc). What is left of the wall time is waiting: the hops between the event loop and the
database. One ``SELECT 1`` round trip through the store is timed on each backend too.
``--profile DIR`` also runs that pass under cProfile and prints each backend's top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate as gen  # noqa: E402
from bench.service import make_queries, run_service, service_calls  # noqa: E402
from bench.stats import Row, percentile  # noqa: E402
from tests.pg.server import SUPERUSER  # noqa: E402

BACKENDS = ("sqlite", "postgresql")


@dataclass(slots=True)
class Cost:
    """One row's calls on one backend, per call (means over the breakdown pass)."""

    calls: int = 0
    statements: float = 0.0
    wall_ms: float = 0.0
    client_cpu_ms: float = 0.0  # this process, every thread
    server_cpu_ms: float = 0.0  # PostgreSQL's backends (0 on SQLite: it is in client_cpu)

    @property
    def wait_ms(self) -> float:
        return max(0.0, self.wall_ms - self.client_cpu_ms - self.server_cpu_ms)


@dataclass(slots=True)
class Backend:
    name: str
    import_s: float = 0.0
    rows: list[Row] = field(default_factory=list)
    costs: dict[str, Cost] = field(default_factory=dict)
    round_trip_ms: dict[str, float] = field(default_factory=dict)  # SELECT 1: p50, p99
    profile: str = ""
    statements: dict[str, list[list[Any]]] = field(default_factory=dict)  # row -> top statements
    plan: str = ""  # PostgreSQL's plan of the slowest statement of the slowest row
    fresh_rows: list[Row] = field(default_factory=list)  # PostgreSQL right after the import


def backends_cpu(postmaster: int | None) -> dict[int, float]:
    """CPU seconds (user + system) of each client backend of the PostgreSQL server under
    ``postmaster`` (its processes titled ``postgres: premiere ...``: the store's connections,
    not autovacuum); empty without one."""
    if postmaster is None:
        return {}
    out: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != postmaster:
                continue
            title = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if title.startswith(f"postgres: {SUPERUSER} "):
            out[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    return out


def cpu_since(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


class StatementTimes:
    """Each read statement the store sends while on: how long it took, by its SQL. The ``query``
    of each reader given (the database, and where a command's reads go: on SQLite a connection
    of their own) is wrapped on its class (the PostgreSQL one has no instance dictionary), so
    every read counts (``scalar`` and ``query_in`` go through ``query``)."""

    def __init__(self, *readers: Any) -> None:
        self.classes = list(dict.fromkeys(type(r) for r in readers))
        self.times: dict[str, list[float]] = {}
        self.slowest: dict[str, tuple[float, str, tuple[Any, ...]]] = {}  # key -> (ms, sql, params)
        self._saved = [(cls, "query" in vars(cls), cls.query) for cls in self.classes]

    def __enter__(self) -> StatementTimes:
        times, slowest = self.times, self.slowest

        def timing(query: Any) -> Any:
            async def timed(db: Any, sql: str, params: Sequence[Any] = ()) -> Any:
                t = time.perf_counter_ns()
                try:
                    return await query(db, sql, params)
                finally:
                    ms = (time.perf_counter_ns() - t) / 1e6
                    key = " ".join(sql.split())[:100]
                    times.setdefault(key, []).append(ms)
                    if ms > slowest.get(key, (0.0, "", ()))[0]:
                        slowest[key] = (ms, sql, tuple(params))

            return timed

        for cls, _, query in self._saved:
            cls.query = timing(query)
        return self

    def __exit__(self, *exc: Any) -> None:
        for cls, own, query in self._saved:
            if own:
                cls.query = query
            else:
                delattr(cls, "query")

    def top(self, count: int = 6) -> list[tuple[str, int, float, float, float, float]]:
        """(sql, n, total ms, mean ms, p99 ms, max ms), most total time first."""
        rows = [
            (key, len(v), sum(v), sum(v) / len(v), percentile(v, 99), max(v)) for key, v in self.times.items()
        ]
        return sorted(rows, key=lambda r: -r[2])[:count]


async def answer(call: Any) -> None:
    from bot.errors import PremiereError

    try:
        await call()
    except PremiereError:  # a NotFound with suggestions is an answer too
        pass


async def build(target: Path | str, records: Sequence[Any]) -> float:
    from bot.store import Store

    store = await Store.open(target)
    try:
        t = time.perf_counter()
        await store.import_records(records)
        return time.perf_counter() - t
    finally:
        await store.close()


async def breakdown(
    target: Path | str, records: Sequence[Any], n: int, server_pid: int | None, profile: Path | None
) -> tuple[dict[str, Cost], dict[str, float], str, dict[str, list[list[Any]]], str]:
    """Per call of each row: statements, wall, CPU here and in the server's backends; each
    statement's time; one SELECT 1 round trip; PostgreSQL's plan of the slowest statement."""
    from bot.clock import ManualClock
    from bot.services.catalogue import CatalogueService
    from bot.store import Store

    store = await Store.open(target)
    costs: dict[str, Cost] = {}
    statements: dict[str, list[list[Any]]] = {}
    text = plan = ""
    try:
        trips = []
        for _ in range(2_000):
            t = time.perf_counter_ns()
            await store.db.query("SELECT 1")
            trips.append((time.perf_counter_ns() - t) / 1e6)
        trips = trips[200:]
        rtt = {"p50": percentile(trips, 50), "p99": percentile(trips, 99)}
        service = CatalogueService(store, ManualClock(gen.NOW))
        await service.refresh()
        q = make_queries(records, n, seed=23)  # other queries than the timed pass's
        seen = [0]
        stop = store.db.observe(lambda _sql: seen.__setitem__(0, seen[0] + 1))
        gc.collect()
        try:
            for name, calls in service_calls(service, q, n):
                with StatementTimes(store.db, store.db.command_reads()) as times:
                    server = backends_cpu(server_pid)
                    sent, cpu, wall = seen[0], time.process_time(), time.perf_counter()
                    for call in calls:
                        await answer(call)
                    wall = time.perf_counter() - wall
                    cpu = time.process_time() - cpu
                    sent = seen[0] - sent
                    in_server = cpu_since(server, backends_cpu(server_pid))
                k = len(calls)
                costs[name] = Cost(k, sent / k, wall / k * 1e3, cpu / k * 1e3, in_server / k * 1e3)
                statements[name] = [list(row) for row in times.top()]
                worst = max(times.slowest.values(), key=lambda v: v[0], default=None)
                if server_pid is not None and worst is not None and name == "autocomplete typo":
                    from bot.store.postgres import translate

                    rows = await store.db.query(f"EXPLAIN (ANALYZE, BUFFERS) {translate(worst[1])}", worst[2])
                    plan = f"{worst[0]:.1f} ms when timed: {' '.join(worst[1].split())}\n" + "\n".join(
                        r[0] for r in rows
                    )
        finally:
            stop()
        if profile is not None:  # again, under the profiler (it slows every call down)
            profiler = cProfile.Profile()
            for _, calls in service_calls(service, q, n):
                profiler.enable()
                for call in calls:
                    await answer(call)
                profiler.disable()
            path = profile / f"service-{'postgresql' if isinstance(target, str) else 'sqlite'}.prof"
            profiler.dump_stats(path)
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(14)
            text = f"profile ({path}), by own time:\n" + out.getvalue().split("\n\n", 1)[-1].strip()
    finally:
        await store.close()
    return costs, rtt, text, statements, plan


async def analyze(url: str) -> float:
    """VACUUM ANALYZE the database: what autovacuum does a minute or two after a bulk load."""
    import asyncpg

    t = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - t


async def measure(
    name: str,
    target: Path | str,
    records: Sequence[Any],
    n: int,
    m: int,
    server_pid: int | None,
    profile: Path | None,
) -> Backend:
    result = Backend(name)
    result.import_s = await build(target, records)
    print(f"{name}: {len(records):,} shows imported in {result.import_s:.1f} s", flush=True)
    if isinstance(target, str):
        # As the bot leaves it: no statistics yet (the import does not ANALYZE; autovacuum
        # does, a minute or so later). Then with them, which is how it runs from then on.
        result.fresh_rows = timed_rows((await run_service(target, records, n))[0])
        print(
            f"{name}: timed right after the import; VACUUM ANALYZE in {await analyze(target):.1f} s",
            flush=True,
        )
    result.rows = timed_rows((await run_service(str(target), records, n))[0])
    result.costs, result.round_trip_ms, result.profile, result.statements, result.plan = await breakdown(
        target, records, m, server_pid, profile
    )
    return result


def timed_rows(rows: Sequence[Row]) -> list[Row]:
    """The rows with one p50 / p99 each (the calls of ``service_calls``; not the figures by window)."""
    return [r for r in rows if "p50_ms" in r.data]


def side_by_side(results: Sequence[Backend]) -> str:
    """p50 / p99 of each row on each backend; PostgreSQL right after the import too."""
    columns: list[tuple[str, list[Row]]] = [(r.name, r.rows) for r in results]
    columns += [(f"{r.name} right after the import", r.fresh_rows) for r in results if r.fresh_rows]
    lines = [
        "| Row | " + " | ".join(f"{name} p50 / p99 ms" for name, _ in columns) + " | p99 ratio |",
        "|---" * (len(columns) + 2) + "|",
    ]
    for i, row in enumerate(results[0].rows):
        cells = [f"{rows[i].data['p50_ms']:.2f} / {rows[i].data['p99_ms']:.2f}" for _, rows in columns]
        ratio = results[-1].rows[i].data["p99_ms"] / max(results[0].rows[i].data["p99_ms"], 1e-9)
        lines.append(f"| {row.name} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    return "\n".join(lines)


def statement_table(results: Sequence[Backend], count: int = 3) -> str:
    lines = [
        "| Row | Backend | Statement (first 100 characters) | Per call | Mean ms | p99 ms | Max ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in results[0].statements:
        for r in results:
            calls = max(r.costs[name].calls, 1)
            for sql, n, _total, mean, p99, worst in r.statements[name][:count]:
                per = n / calls
                lines.append(
                    f"| {name} | {r.name} | `{sql}` | {per:.2f} | {mean:.3f} | {p99:.3f} | {worst:.2f} |"
                )
    return "\n".join(lines)


def cost_table(results: Sequence[Backend]) -> str:
    lines = [
        "| Row | Backend | Statements per call | Wall ms | CPU ms here | CPU ms in the server | Waiting ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in results[0].costs:
        for r in results:
            c = r.costs[name]
            lines.append(
                f"| {name} | {r.name} | {c.statements:.1f} | {c.wall_ms:.2f} | {c.client_cpu_ms:.2f} | "
                f"{c.server_cpu_ms:.2f} | {c.wait_ms:.2f} |"
            )
    return "\n".join(lines)


async def run(shows: int, n: int, m: int, seed: int, work: Path, profile: Path | None) -> list[Backend]:
    from tests.pg.server import ThrowawayPostgres, find_bindir

    t = time.perf_counter()
    records = gen.generate(shows, seed)
    print(f"generated {shows:,} shows (seed {seed}) in {time.perf_counter() - t:.1f} s", flush=True)
    results = [await measure("SQLite", work / "premiere.sqlite3", records, n, m, None, profile)]
    postgres = ThrowawayPostgres(find_bindir())
    postgres.start()
    try:
        url = await postgres.create_database(migrated=False)
        assert postgres.process is not None
        results.append(await measure("PostgreSQL", url, records, n, m, postgres.process.pid, profile))
    finally:
        postgres.stop()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backends", description=__doc__.split("\n\n")[0])
    parser.add_argument("--shows", type=int, default=10_000, help="catalogue size (default 10,000)")
    parser.add_argument("--samples", type=int, default=3_000, help="timed calls per row (default 3,000)")
    parser.add_argument("--breakdown", type=int, default=1_000, help="calls per row of the cost pass")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--profile", type=Path, help="run the cost pass under cProfile; .prof files here")
    parser.add_argument("--workdir", type=Path, help="keep the SQLite database here")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="premiere-backends-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        flush=True,
    )
    try:
        results = asyncio.run(run(args.shows, args.samples, args.breakdown, args.seed, work, args.profile))
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(side_by_side(results))
    print()
    print(cost_table(results))
    print()
    print(statement_table(results))
    print()
    for r in results:
        trip = r.round_trip_ms
        print(f"{r.name}: one SELECT 1 through the store: p50 {trip['p50']:.3f} ms, p99 {trip['p99']:.3f} ms")
    for r in results:
        if r.plan:
            print(f"\n{r.name}: the slowest statement of autocomplete typo, {r.plan}")
    for r in results:
        if r.profile:
            print(f"\n{r.name} {r.profile}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
