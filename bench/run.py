"""`python -m bench [--size small|full] [--shows N] [--import-only] [--scale [N,N,...]]`: generate a
catalogue, measure, print a table (with --scale: one per size, and how each figure grows).

Rows: import through the real CLI; service answers and autocomplete in process; then, through
localcord and the real bot process, end-to-end /cast, cold start to READY, memory with many
guilds configured, and one release announced to many channels with Discord's limits on and off.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate as gen  # noqa: E402
from bench.stats import Row, missing_row, table  # noqa: E402

IMPORT_TARGET = 10_000  # shows per second, with their credits


@dataclass(frozen=True, slots=True)
class Plan:
    size: str
    shows: int
    samples: int  # timed calls per service and autocomplete row
    e2e_samples: int
    guilds: int  # guilds configured for the memory row
    channels: int  # channels one release is announced to
    limits_on: bool  # run the fan-out with Discord's limits on (>= channels / 50 s)


SIZES = {
    "small": Plan("small", 2_000, 300, 60, 200, 50, True),
    "full": Plan("full", 100_000, 3_000, 500, 10_000, 10_000, True),
}


def machine() -> dict:
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


TIMES_PREFIX = "import times: "


def bench_import(records: list, work: Path, fmt: str, per_file: int = 10_000) -> list[Row]:
    """Write the catalogue as files, then time `python -m bot catalogue import` on them.

    TVmaze JSON goes in lists of ``per_file`` shows (0: the whole catalogue in one file). The
    CLI reports where its time went (``PREMIERE_IMPORT_TIMES``); the row's notes give it."""
    src = work / f"catalogue-{fmt}"
    db = work / "import.sqlite3"
    for suffix in ("", "-wal", "-shm", "-journal"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    shutil.rmtree(src, ignore_errors=True)
    t = time.perf_counter()
    if fmt == "tvmaze":
        size = gen.write_tvmaze(records, src, per_file=per_file or max(1, len(records)))
    else:
        size = gen.write_toml(records, src)
    write_s = time.perf_counter() - t
    files = sum(1 for _ in src.rglob("*") if _.is_file())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREMIERE_IMPORT_TIMES": "1"}
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "catalogue", "import", str(src), "--database", str(db)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return [missing_row("import (CLI)", f"the import failed ({proc.returncode}): {' / '.join(tail)}")]
    n = len(records)
    counts = gen.counts(records)
    rows_total = sum(counts[k] for k in ("shows", "credits", "episodes", "releases", "events"))
    rate = n / seconds
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    split = import_times(proc.stderr)
    accounted = sum(split.values())
    split_text = ", ".join(f"{k} {v:.1f}" for k, v in split.items())
    return [
        Row(
            f"import (CLI, {fmt})",
            f"{rate:,.0f} shows/s ({rows_total / seconds:,.0f} rows/s), {seconds:.1f} s",
            f">= {IMPORT_TARGET:,} shows/s",
            rate >= IMPORT_TARGET,
            f"{files} file{'s' if files != 1 else ''}, {size / 1e6:.0f} MB (written in {write_s:.1f} s); "
            f"process start to exit; s: {split_text}, start+exit {seconds - accounted:.1f}",
            {
                "seconds": seconds,
                "shows_per_s": rate,
                "rows_per_s": rows_total / seconds,
                "cli": summary,
                "files": files,
                "bytes": size,
                "split_s": split,
            },
        )
    ]


def import_times(stderr: str) -> dict[str, float]:
    """The CLI's ``import times: read+parse 12.76 s, ...`` line as {part: seconds}."""
    for line in reversed(stderr.splitlines()):
        if line.startswith(TIMES_PREFIX):
            parts = (item.rsplit(" ", 2) for item in line[len(TIMES_PREFIX) :].split(", "))
            return {name: float(value) for name, value, _unit in parts}
    return {}


async def build_store(records: list, db: Path) -> Row:
    """The service database, from the records in memory (every field the generator makes)."""
    from bot.store import Store

    for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        p.unlink(missing_ok=True)
    store = await Store.open(db)
    try:
        t = time.perf_counter()
        stats = await store.import_records(records)
        seconds = time.perf_counter() - t
    finally:
        await store.close()
    rate = len(records) / seconds
    return Row(
        "import (store only)",
        f"{rate:,.0f} shows/s, {seconds:.1f} s",
        "",
        None,
        f"Store.import_records from memory: {stats.people:,} people, {stats.credits:,} credits",
        {"seconds": seconds, "shows_per_s": rate},
    )


SCALE_SIZES = (10_000, 100_000, 300_000)
SCALE_SAMPLES = 3_000


def sizes_list(text: str) -> list[int]:
    """``--scale`` sizes: "10000,100000" (``_`` and ``k`` allowed: "10k,100_000")."""
    sizes = []
    for item in filter(None, (t.strip().lower().replace("_", "") for t in text.split(","))):
        try:
            n = int(item[:-1]) * 1000 if item.endswith("k") else int(item)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of shows: {item!r}") from None
        if n < 1:
            raise argparse.ArgumentTypeError(f"not a number of shows: {item!r}")
        sizes.append(n)
    if not sizes:
        raise argparse.ArgumentTypeError("no sizes given")
    return sorted(set(sizes))


def run_size(
    plan: Plan, parts: set[str], args: argparse.Namespace, work: Path, rows: list[Row], extra: dict
) -> None:
    """Every part of ``parts`` at one catalogue size; rows and raw figures appended as they come."""
    t = time.perf_counter()
    records = gen.generate(plan.shows, args.seed)
    counts = gen.counts(records)
    extra["catalogue"] = counts
    made = ", ".join(f"{v:,} {k}" for k, v in counts.items())
    print(f"generated {made} in {time.perf_counter() - t:.1f} s", flush=True)
    if "import" in parts:
        rows += bench_import(records, work, args.format, args.per_file)
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    db = work / "premiere.sqlite3"
    if parts & {"service", "e2e"}:
        rows.append(asyncio.run(build_store(records, db)))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    if "service" in parts:
        from bench.service import run_service

        service_rows, service_info = asyncio.run(run_service(str(db), records, plan.samples))
        extra.update(service_info)
        rows += service_rows
        if warm := service_info.get("warm_first_pass"):
            print(
                f"database file kept in memory (DATABASE_KEEP_WARM=30): first pass {warm['mb']:,.0f} MB "
                f"in {warm['seconds']:.1f} s, then every 30 s while timing",
                flush=True,
            )
        print(table(service_rows), flush=True)
    if "e2e" in parts:
        from bench.e2e import run_e2e

        rows += asyncio.run(run_e2e(db, records, plan, work))


def growth_figures(row: Row) -> list[tuple[str, float, str]]:
    """(figure, value, unit) of a row that the growth table follows."""
    d = row.data
    if "shows_per_s" in d:
        return [(f"{row.name}", d["shows_per_s"], "shows/s")]
    out = [(f"{row.name} {k[:-3]}", d[k], "ms") for k in ("p50_ms", "p99_ms", "max_ms") if k in d]
    for days, figures in d.get("by_days", {}).items():
        out.append((f"{row.name}: {days} d p99", figures["p99_ms"], "ms"))
    if "right_first_pct" in d:
        out.append((f"{row.name}: right name first", d["right_first_pct"], "%"))
    return out


def growth(by_size: dict[int, list[Row]]) -> list[dict]:
    """Each figure at each size, and how it grows: the largest size's over the smallest's."""
    figures: dict[str, dict] = {}
    for shows, rows in by_size.items():
        for row in rows:
            for name, value, unit in growth_figures(row):
                entry = figures.setdefault(name, {"figure": name, "unit": unit, "values": {}})
                entry["values"][shows] = value
    sizes = sorted(by_size)
    for entry in figures.values():
        first, last = entry["values"].get(sizes[0]), entry["values"].get(sizes[-1])
        entry["growth"] = last / first if first and last is not None and len(sizes) > 1 else None
    return list(figures.values())


def growth_table(sizes: list[int], figures: list[dict]) -> str:
    head = ["Figure", *(f"{n:,} shows" for n in sizes), f"growth ({sizes[-1]:,} / {sizes[0]:,})"]
    cells = []
    for f in figures:
        unit = f["unit"]
        values = [f["values"].get(n) for n in sizes]
        shown = [
            "-" if v is None else (f"{v:,.0f}" if unit == "shows/s" else f"{v:.2f}") + f" {unit}"
            for v in values
        ]
        cells.append([f["figure"], *shown, "-" if f["growth"] is None else f"x{f['growth']:.2f}"])
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(head)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |"
    out = [line, "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += ["| " + " | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)) + " |" for c in cells]
    return "\n".join(out)


def run_scale(sizes: list[int], parts: set[str], args: argparse.Namespace, work: Path, info: dict) -> dict:
    """Each size in turn (its own folder under ``work``), then the growth table."""
    samples = args.samples or SCALE_SAMPLES
    by_size: dict[int, list[Row]] = {}
    extras: dict[int, dict] = {}
    base = SIZES["full"]
    for shows in sizes:
        plan = Plan(
            f"scale {shows:,}",
            shows,
            samples,
            max(10, samples // 6),
            args.guilds or base.guilds,
            args.channels or base.channels,
            base.limits_on and not args.no_limits_on,
        )
        print(f"\n== {shows:,} shows ==", flush=True)
        rows: list[Row] = []
        extra: dict = {}
        folder = work / f"shows-{shows}"
        folder.mkdir(parents=True, exist_ok=True)
        run_size(plan, parts, args, folder, rows, extra)
        by_size[shows], extras[shows] = rows, extra
    print()
    print(f"Machine: {info['nproc']} CPUs, {info['memory_gib']} GiB, Python {info['python']}, {info['date']}")
    for shows, rows in by_size.items():
        print(f"\n{shows:,} shows")
        print(table(rows))
    figures = growth(by_size)
    print("\nGrowth")
    print(growth_table(sizes, figures))
    return {
        "sizes": sizes,
        "samples": samples,
        "by_size": {
            str(n): {"extra": extras[n], "rows": [asdict(r) for r in rows]} for n, rows in by_size.items()
        },
        "growth": [{**f, "values": {str(k): v for k, v in f["values"].items()}} for f in figures],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument("--shows", type=int, help="catalogue size (overrides the size's)")
    ap.add_argument("--samples", type=int, help="timed calls per latency row")
    ap.add_argument("--guilds", type=int, help="guilds configured for the memory row")
    ap.add_argument("--channels", type=int, help="channels one release is announced to")
    ap.add_argument(
        "--no-limits-on",
        action="store_true",
        help="skip the fan-out with limits on (it takes channels / 50 seconds)",
    )
    ap.add_argument(
        "--format",
        choices=("tvmaze", "toml"),
        default="tvmaze",
        help="the files the import bench writes (tvmaze JSON parses fastest)",
    )
    ap.add_argument("--only", default="", help="comma list of parts: import,service,e2e")
    ap.add_argument(
        "--import-only",
        action="store_true",
        help="only the CLI import (the same as --only import), with where its time went",
    )
    ap.add_argument(
        "--per-file",
        type=int,
        default=10_000,
        metavar="N",
        help="TVmaze shows per JSON file the import reads (0: all in one file)",
    )
    ap.add_argument(
        "--scale",
        nargs="?",
        const=",".join(str(n) for n in SCALE_SIZES),
        type=sizes_list,
        metavar="N,N,...",
        help="each size in turn (default 10000,100000,300000): import and service rows, then how each "
        "figure grows from the smallest to the largest",
    )
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--workdir", type=Path, help="keep files here (default: a temporary folder)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    args = ap.parse_args(argv)
    base = SIZES[args.size]
    plan = Plan(
        base.size,
        args.shows or base.shows,
        args.samples or base.samples,
        max(10, (args.samples or base.samples) // 6) if args.samples else base.e2e_samples,
        args.guilds or base.guilds,
        args.channels or base.channels,
        base.limits_on and not args.no_limits_on,
    )
    parts = set(filter(None, args.only.split(","))) or {"import", "service", "e2e"}
    if args.import_only:
        parts = {"import"}
    elif args.scale and not args.only:
        parts = {"import", "service"}
    work = args.workdir or Path(tempfile.mkdtemp(prefix="premiere-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    info = machine()
    if args.scale:
        sizes = ", ".join(f"{n:,}" for n in args.scale)
        print(
            f"premiere bench --scale: {sizes} shows ({', '.join(sorted(parts))}), seed {args.seed}, "
            f"{info['nproc']} CPUs, {info['memory_gib']} GiB, Python {info['python']}",
            flush=True,
        )
        try:
            scale = run_scale(args.scale, parts, args, work, info)
        finally:
            if args.workdir is None:
                shutil.rmtree(work, ignore_errors=True)
        if args.json:
            args.json.write_text(json.dumps({"machine": info, "scale": scale}, indent=2, default=str))
        return 0
    print(
        f"premiere bench: {plan.shows:,} shows, seed {args.seed}, {info['nproc']} CPUs, "
        f"{info['memory_gib']} GiB, Python {info['python']}",
        flush=True,
    )
    rows: list[Row] = []
    extra: dict = {}
    try:
        run_size(plan, parts, args, work, rows, extra)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"Machine: {info['nproc']} CPUs, {info['memory_gib']} GiB, Python {info['python']}, {info['date']}")
    print(table(rows))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": info, "plan": asdict(plan), "extra": extra, "rows": [asdict(r) for r in rows]},
                indent=2,
                default=str,
            )
        )
    return 0
