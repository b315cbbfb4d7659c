"""`python -m bench.ready --shows 100000 --sent 10000 --runs 5`: how long the real bot process
(`python -m bot`) takes from spawn to READY, on a first start and on a restart with ``--sent``
sent posts in the ledger, and where that time goes.

The catalogue database is built once per size and seed and kept in ``--workdir`` (a 100,000-show
one takes a few minutes); each invocation copies it, starts localcord (limits off) with
``--guilds`` servers and ``--sent`` announcement channels, and configures those channels.

* first start: the channels configured, an empty ledger, the bot's clock an hour before release
  A (its start-up plan covers every channel). The first run also syncs the command set.
* restart: release A announced in every channel (``--sent`` sent ledger rows, made in this process
  by the announcement service with an in-memory poster), the bot's clock an hour before release B.

"Ready" is as in bench/e2e.py: spawn -> localcord has sent READY and every GUILD_CREATE. From
the end of the bot's setup_hook to its READY the bot waits (its CPU hardly moves): discord.py
asks for the gateway, connects and identifies, and localcord, in this process, builds every
server's GUILD_CREATE before it sends READY. The bot runs with ``PREMIERE_START_TIMES=1`` and
says when each step of its start ended and the CPU seconds it had used by then
(bot/startup.py); the breakdown is the median of each step over the runs. The CPU figures do
not grow when other processes keep the machine's cores busy; the wall times do. The bot's
modules are compiled to bytecode first, as an installed bot has them. Figures only, no target
is asserted by tests (tests/test_bench_ready.py runs it at a tiny size).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.e2e import RELEASE_A, RELEASE_B, ROOT, BotProcess, bench_records
from bot.startup import START_TIMES_ENV
from bot.startup import parse as parse_start_times

READY_TARGET_S = 1.0  # a restart with 10,000 sent posts, at 100,000 shows
LEAD = timedelta(hours=1)  # the bot's clock starts this long before the release
READY_TIMEOUT_S = 120.0
SUFFIXES = ("", "-wal", "-shm", "-journal")


@dataclass
class Start:
    """One bot process: spawn -> READY, and when each of its steps ended (s after the spawn)."""

    seconds: float
    steps: list[tuple[str, float, float]] = field(default_factory=list)  # (step, s after spawn, CPU s)
    cpu: float = float("nan")  # CPU seconds the bot process had used at READY (user + system)


@dataclass
class Result:
    shows: int
    guilds: int
    sent: int
    first: list[Start]
    restart: list[Start]
    ledger: dict[str, int]
    setup_s: dict[str, float]

    def figures(self, starts: Sequence[Start]) -> tuple[float, float]:
        seconds = [s.seconds for s in starts]
        return statistics.median(seconds), max(seconds)


def compile_bytecode() -> None:
    """The bot's modules compiled, as an installed bot has them (pip compiles them; a clone's
    first start writes them unless PYTHONDONTWRITEBYTECODE is set): a start then measures the
    start, not the compiler."""
    import compileall

    for package in ("bot", "cogs"):
        compileall.compile_dir(ROOT / package, quiet=1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux; NaN elsewhere). On a busy machine the
    wall time to READY includes waiting for a core; this does not."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def remove_database(db: Path) -> None:
    for suffix in SUFFIXES:
        db.with_name(db.name + suffix).unlink(missing_ok=True)


async def build_base(shows: int, seed: int, work: Path, echo: bool) -> Path:
    """The catalogue database (``shows`` generated shows and the two bench releases), built once
    per schema version (an older one would be migrated inside every timed start)."""
    from bot.store import migrations

    base = work / f"ready-base-{shows}-{seed}-v{len(migrations())}.sqlite3"
    done = base.with_name(base.name + ".done")
    if base.is_file() and done.is_file():
        return base
    from bench import generate as gen
    from bot.store import Store

    remove_database(base)
    t = time.perf_counter()
    records = gen.generate(shows, seed)
    store = await Store.open(base)
    try:
        await store.import_records(records)
        await store.import_records(bench_records())
    finally:
        await store.close()
    done.write_text("built\n")
    if echo:
        print(f"ready: built the {shows:,}-show database in {time.perf_counter() - t:.1f} s", flush=True)
    return base


async def configure(db: Path, pairs: Sequence[tuple[int, int]]) -> None:
    """One announcement channel per (guild, channel) for the two bench releases."""
    from bot.planner import ChannelConfig
    from bot.store import Store

    store = await Store.open(db)
    try:
        shows = tuple(r.show.id for r in bench_records())
        added = RELEASE_A - timedelta(days=1)
        for guild_id, channel_id in pairs:
            await store.upsert_announce_channel(ChannelConfig(channel_id, guild_id, added, shows=shows))
    finally:
        await store.close()


class MemoryPoster:
    """Every post is delivered at once (the ledger is what the restart reads)."""

    def __init__(self) -> None:
        self.next_id = 1_000

    async def send(self, post: Any) -> int:
        self.next_id += 1
        return self.next_id

    async def publish(self, channel_id: int, message_id: int) -> None:
        return None

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> None:
        return None

    async def notify_owner(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def find_recent(self, post: Any) -> int | None:
        return None

    async def open_dm(self, user_id: int) -> int:
        return user_id


async def announce_release_a(db: Path) -> dict[str, int]:
    """Release A posted in every configured channel, through the announcement service; the
    ledger's counts by state."""
    from bot.services.announcements import AnnouncementService
    from bot.store import Store

    store = await Store.open(db)
    try:
        now = RELEASE_A + timedelta(seconds=30)
        service = AnnouncementService(store, lambda: now, MemoryPoster(), rate_per_second=None)
        await service.run_due(now)
        return await store.delivery_counts()
    finally:
        await store.close()


async def start_once(server: Any, db: Path, work: Path, fake_now: datetime, label: str) -> Start:
    bot = BotProcess(server, db, work, fake_now, label)
    bot.env[START_TIMES_ENV] = "1"
    identified = server.identify_count
    await bot.start()
    try:
        while server.identify_count <= identified:
            if time.monotonic() - bot.started > READY_TIMEOUT_S:
                raise RuntimeError(f"the bot did not identify: {bot.tail()}")
            if bot.proc is not None and bot.proc.returncode is not None:
                raise RuntimeError(f"the bot exited ({bot.proc.returncode}): {bot.tail()}")
            await asyncio.sleep(0.002)
        await server.wait_for_bot_ready(READY_TIMEOUT_S)
        seconds = time.monotonic() - bot.started
        cpu = cpu_seconds(bot.proc.pid) if bot.proc is not None else float("nan")
        spawned_at = time.time() - seconds  # the wall time of the spawn, for the bot's own steps
        steps: list[tuple[str, float, float]] = []
        deadline = time.monotonic() + 15  # the bot reports once discord.py calls on_ready (~2 s)
        while not steps and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            steps = parse_start_times(bot.log_path.read_text(errors="replace"))
        return Start(seconds, [(step, at - spawned_at, used) for step, at, used in steps], cpu)
    finally:
        code = await bot.stop()
        if code not in (0, -2):
            print(f"ready: {label} exited with {code}: {bot.tail()}", file=sys.stderr)


async def run(
    shows: int,
    sent: int,
    runs: int,
    work: Path,
    *,
    guilds: int = 200,
    seed: int = 5,
    echo: bool = True,
) -> Result:
    from localcord import LocalDiscord

    setup: dict[str, float] = {}
    compile_bytecode()
    t = time.perf_counter()
    base = await build_base(shows, seed, work, echo)
    setup["base database"] = time.perf_counter() - t
    db = work / "ready.sqlite3"
    remove_database(db)
    shutil.copyfile(base, db)
    server = LocalDiscord(limits=False)
    await server.start()
    try:
        t = time.perf_counter()
        servers = [server.create_guild(f"Server {i}") for i in range(max(1, guilds))]
        pairs = []
        for i in range(sent):
            guild = servers[i % len(servers)]
            pairs.append((guild.id, server.create_channel(guild, f"releases-{i}").id))
        await configure(db, pairs)
        setup["channels"] = time.perf_counter() - t
        if echo:
            print(f"ready: {len(servers):,} guilds, {sent:,} channels configured", flush=True)
        first = []
        for i in range(runs):
            first.append(await start_once(server, db, work, RELEASE_A - LEAD, f"first-{i}"))
            if echo:
                print(f"ready: first start {i + 1}: {first[-1].seconds:.2f} s", flush=True)
        t = time.perf_counter()
        ledger = await announce_release_a(db)
        setup["ledger"] = time.perf_counter() - t
        if echo:
            print(f"ready: ledger {ledger}", flush=True)
        restart = []
        for i in range(runs):
            restart.append(await start_once(server, db, work, RELEASE_B - LEAD, f"restart-{i}"))
            if echo:
                print(f"ready: restart {i + 1}: {restart[-1].seconds:.2f} s", flush=True)
        return Result(shows, len(servers), sent, first, restart, ledger, setup)
    finally:
        await server.stop()


def breakdown(starts: Sequence[Start]) -> list[tuple[str, float, float]]:
    """Each step's median end (s after the spawn) and median CPU seconds used by then, in the
    order the steps happened."""
    ends: dict[str, list[tuple[float, float]]] = {}
    for start in starts:
        seen: set[str] = set()
        for step, at, used in start.steps:
            if step not in seen:  # a reconnect repeats "READY received": the first counts
                seen.add(step)
                ends.setdefault(step, []).append((at, used))
    rows = [
        (step, statistics.median(a for a, _ in v), statistics.median(u for _, u in v))
        for step, v in ends.items()
    ]
    return sorted(rows, key=lambda row: row[1])


def report(result: Result) -> str:
    lines = [
        f"READY: {result.shows:,} shows, {result.guilds:,} guilds, {result.sent:,} channels; "
        f"ledger after release A: {result.ledger}",
        "",
        f"{'start':<34} {'p50':>7} {'max':>7}  {'CPU p50':>7}  runs",
    ]
    for label, starts in (
        ("first start (empty ledger)", result.first),
        (f"restart ({result.ledger.get('sent', 0):,} sent posts)", result.restart),
    ):
        p50, top = result.figures(starts)
        cpu = statistics.median(s.cpu for s in starts)
        each = " ".join(f"{s.seconds:.2f}" for s in starts)
        lines.append(f"{label:<34} {p50:>6.2f}s {top:>6.2f}s  {cpu:>6.2f}s  {each}")
    p50, _ = result.figures(result.restart)
    met = "met" if p50 < READY_TARGET_S and result.shows >= 100_000 else "-"
    lines.append(f"target: restart < {READY_TARGET_S:g} s at 100,000 shows ({met})")
    lines.append("CPU: user + system seconds the bot process had used at READY (no wait for a core)")
    for label, starts in (("first start", result.first), ("restart", result.restart)):
        lines.append("")
        lines.append(
            f"where a {label}'s time goes (median of each step's end, s after the spawn; "
            "CPU: the CPU seconds the bot process had used by then):"
        )
        lines.append(f"  {'step':<20} {'wall':>6} {'(+step)':>9} {'CPU':>6} {'(+step)':>9}")
        previous = previous_cpu = 0.0
        for step, at, used in breakdown(starts):
            lines.append(
                f"  {step:<20} {at:6.3f} (+{at - previous:6.3f}) {used:6.3f} (+{used - previous_cpu:6.3f})"
            )
            previous, previous_cpu = at, used
        p50, _ = result.figures(starts)
        lines.append(f"  {'localcord READY':<20} {p50:6.3f}  READY + every GUILD_CREATE sent")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.ready",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--shows", type=int, default=100_000)
    ap.add_argument("--sent", type=int, default=10_000, help="channels, and sent posts on a restart")
    ap.add_argument("--guilds", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/premiere-ready"))
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(
        run(args.shows, args.sent, args.runs, args.workdir, guilds=args.guilds, seed=args.seed)
    )
    print()
    print(report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
