"""Two bot processes, one Discord: how the processes of one bot share its 50 requests/s.

`python -m bench.cluster [--channels 1200] [--only local,split,shared,...] [--json out.json]`

One localcord in this process with Discord's limits on (its global limit: 50 requests per
one-second window, over all routes, for the bot's token, whichever process sends them), one
database (a SQLite file; PostgreSQL with ``--database-url URL``, or ``--postgres`` for a
throwaway server started from tests/pg/server.py), and for each scenario two `python -m bot`
processes, each running one of two shards (SHARD_COUNT=2, SHARD_IDS=0 or 1), started with
PREMIERE_FAKE_NOW anchored to the same instant shortly before a release that every configured
channel announces. Each scenario has a release of its own, so each starts from a clean ledger. Scenarios:

* ``local``: RATE_BUDGET=local in both, the single-process pacer: unpaced until Discord's first
  global 429, then 48/s each, 96/s together;
* ``split``: RATE_BUDGET=25 (and ``split24``: 24) in both, a static split of the 50/s;
* ``shared``: RATE_BUDGET=shared, one budget of 48/s in the database for both;
* ``split-idle`` / ``shared-idle``: the same with one process idle (its clock an hour before the
  release, so nothing is due there): the busy one is left 24/s by the split, 48/s by the budget.

Measured from localcord's side: posts delivered (each channel exactly once), 429 answers, and
posts per second from the first post to the last, as a share of the 50/s ceiling.

Each process is ``python -m bot`` and posts in the servers of its shard (about half of them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CEILING = 50.0  # Discord's global limit, requests per second
SHARDS = 2
LEAD_S = 12.0  # from spawning the processes to the release: start, READY, plan
FIRST_RELEASE = datetime(2032, 3, 1, 12, 0, tzinfo=UTC)
SENT_LINE = re.compile(r"announcements: (\d+) sent")


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    budget: str  # RATE_BUDGET of both processes
    idle: bool = False  # the second process has nothing due
    what: str = ""


SCENARIOS = (
    Scenario("local", "local", what="each process alone (adaptive, 48/s after the first 429)"),
    Scenario("split", "25", what="static split, 25/s each"),
    Scenario("split24", "24", what="static split, 24/s each"),
    Scenario("shared", "shared", what="one budget in the database, 48/s for both"),
    Scenario("split-idle", "24", idle=True, what="static split, 24/s each, one process idle"),
    Scenario("shared-idle", "shared", idle=True, what="shared budget, one process idle"),
)


@dataclass(slots=True)
class Result:
    scenario: str
    what: str
    channels: int
    delivered: int = 0
    missing: int = 0
    duplicates: int = 0
    status_429: int = 0
    requests: int = 0
    seconds: float = 0.0  # first post to last
    posts_per_second: float = 0.0
    ceiling_share: float = 0.0
    sent_by_process: list[int] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)  # each process, start to stop
    notes: str = ""


def release_show(index: int) -> Any:
    from bot.models import Kind, Release, Scope, Show, ShowRecord, When

    at = FIRST_RELEASE + timedelta(days=7 * index)
    sid = f"premiere-cluster-bench-{index}"
    show = Show(sid, f"Cluster Bench Release {index}", Kind.FILM, platform="Netflix", country="KR")
    when = When.parse(at.strftime("%Y-%m-%dT%H:%M"), "UTC")
    return ShowRecord(show, releases=[Release(sid, when, Scope.SHOW, platform="Netflix", region="WW")]), at


async def configure(db: Path | str, pairs: Sequence[tuple[int, int]], count: int) -> list[datetime]:
    """The scenario releases, and every channel set up to announce all of them."""
    from bot.planner import ChannelConfig
    from bot.store import Store

    made = [release_show(i) for i in range(count)]
    store = await Store.open(db)
    try:
        await store.import_records([r for r, _ in made])
        shows = tuple(r.show.id for r, _ in made)
        added = FIRST_RELEASE - timedelta(days=1)
        for guild_id, channel_id in pairs:
            await store.upsert_announce_channel(ChannelConfig(channel_id, guild_id, added, shows=shows))
    finally:
        await store.close()
    return [at for _, at in made]


class Process:
    """One bot process of the cluster."""

    def __init__(self, server: Any, db: Path | str, work: Path, shard: int, budget: str, label: str) -> None:
        self.log_path = work / f"bot-{label}-shard{shard}.log"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": server.token,
            "DISCORD_API_BASE": server.api_base,
            **({"DATABASE_URL": db} if isinstance(db, str) else {"DATABASE_PATH": str(db)}),
            "LOG_LEVEL": "INFO",
            "CATALOGUE_SYNC": "off",
            "SHARD_COUNT": str(SHARDS),
            "SHARD_IDS": str(shard),
            "RATE_BUDGET": budget,
        }
        for key in (
            "DEV_GUILD_ID",
            "CATALOGUE_DIR",
            "METRICS_PORT",
            *(() if isinstance(db, str) else ("DATABASE_URL",)),
        ):
            self.env.pop(key, None)
        self.shard = shard
        self.proc: asyncio.subprocess.Process | None = None
        self.cpu = float("nan")

    async def start(self, fake_now: datetime, anchor: float) -> None:
        self.env["PREMIERE_FAKE_NOW"] = f"{fake_now.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}@{anchor:.6f}"
        self._log = self.log_path.open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=self.log_path.parent,
            env=self.env,
            stdout=self._log,
            stderr=self._log,
        )

    def cpu_seconds(self) -> float:
        """CPU time of the process so far (user + system), from /proc; nan where there is none."""
        assert self.proc is not None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return float("nan")

    async def stop(self) -> int:
        assert self.proc is not None
        self.cpu = self.cpu_seconds()
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self._log.close()
        return self.proc.returncode or 0

    def sent(self) -> int:
        return sum(int(m.group(1)) for m in SENT_LINE.finditer(self.log_path.read_text(errors="replace")))

    def tail(self, lines: int = 4) -> str:
        return " / ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-lines:])


async def run_scenario(
    server: Any, db: Path | str, work: Path, scenario: Scenario, release: datetime, channels: Sequence[Any]
) -> Result:
    """Both processes, the release, then count what localcord saw."""
    ids = [c.id for c in channels]  # the channels that must get this release's post
    before = {c: len(server.messages(c)) for c in ids}
    seen: list[tuple[float, str, str, int]] = []
    stop_observing = server.observe_requests(
        lambda r: seen.append((time.monotonic(), r.method, r.path, r.status))
    )
    server.reset_rate_limits()
    result = Result(scenario.name, scenario.what, len(ids))
    processes = [Process(server, db, work, shard, scenario.budget, scenario.name) for shard in range(SHARDS)]
    anchor = time.time()
    due_wall = time.monotonic() + LEAD_S
    try:
        for p in processes:
            idle = scenario.idle and p.shard == SHARDS - 1
            await p.start(
                release - timedelta(seconds=LEAD_S) - (timedelta(hours=1) if idle else timedelta(0)), anchor
            )
        deadline = due_wall + len(ids) / 10 + 60  # even at 10 posts/s
        while time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            if sum(1 for c in ids if len(server.messages(c)) > before[c]) >= len(ids):
                break
        await asyncio.sleep(1.0)  # stragglers: duplicates would show now
    finally:
        stop_observing()
        codes = [await p.stop() for p in processes]
    counts = [len(server.messages(c)) - before[c] for c in ids]
    result.delivered = sum(1 for n in counts if n > 0)
    result.duplicates = sum(max(0, n - 1) for n in counts)
    result.missing = len(ids) - result.delivered
    window = [(t, m, p, s) for t, m, p, s in seen if t >= due_wall - 1]
    posts = sorted(t for t, m, p, s in window if m == "POST" and p.endswith("/messages") and s == 200)
    result.status_429 = sum(1 for *_, s in window if s == 429)
    result.requests = len(window)
    if len(posts) > 1:
        result.seconds = posts[-1] - posts[0]
        result.posts_per_second = (len(posts) - 1) / result.seconds
        result.ceiling_share = result.posts_per_second / CEILING
    result.sent_by_process = [p.sent() for p in processes]
    result.cpu_seconds = [round(p.cpu, 2) for p in processes]
    if any(code not in (0, -2) for code in codes):
        result.notes = "; ".join(
            f"shard {p.shard} exit {c}: {p.tail()}" for p, c in zip(processes, codes, strict=True)
        )
    return result


async def run(channels: int, only: Sequence[str], work: Path, database_url: str | None) -> list[Result]:
    from localcord import LocalDiscord

    scenarios = [s for s in SCENARIOS if not only or s.name in only]
    db: Path | str = database_url or work / "premiere.sqlite3"
    server = LocalDiscord(limits=True)
    await server.start()
    try:
        guilds = [server.create_guild(f"Server {i}") for i in range(max(1, channels // 4))]
        made = [server.create_channel(guilds[i % len(guilds)], f"releases-{i}") for i in range(channels)]
        releases = await configure(db, [(c.guild_id, c.id) for c in made], len(SCENARIOS))
        on_shard = Counter((c.guild_id >> 22) % SHARDS for c in made)
        print(
            f"cluster: {len(guilds)} servers, {channels} channels ({on_shard[0]} on shard 0, "
            f"{on_shard[1]} on shard 1), {SHARDS} processes",
            flush=True,
        )
        results = []
        for scenario in scenarios:
            index = SCENARIOS.index(scenario)
            print(f"cluster: {scenario.name}: {scenario.what} ...", flush=True)
            expected = made
            if scenario.idle:  # the idle process's servers wait for it
                expected = [c for c in made if (c.guild_id >> 22) % SHARDS != SHARDS - 1]
            result = await run_scenario(server, db, work, scenario, releases[index], expected)
            results.append(result)
            print(f"  {line(result)}", flush=True)
        return results
    finally:
        await server.stop()


def line(r: Result) -> str:
    return (
        f"{r.delivered}/{r.channels} channels, {r.duplicates} duplicates, {r.posts_per_second:.1f} posts/s "
        f"({r.ceiling_share:.0%} of 50/s) over {r.seconds:.1f} s, {r.status_429} x 429 in {r.requests} "
        f"requests; sent by process: {r.sent_by_process}, CPU s: {r.cpu_seconds}"
        + (f"; {r.notes}" if r.notes else "")
    )


def table(results: Sequence[Result]) -> str:
    rows = [
        "| Scenario | Posts/s together | Share of 50/s | 429s | Delivered | Duplicates | Sent by process "
        "| CPU s by process |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows.append(
            f"| {r.scenario}: {r.what} | {r.posts_per_second:.1f} | {r.ceiling_share:.0%} | {r.status_429} | "
            f"{r.delivered}/{r.channels} | {r.duplicates} | {' + '.join(map(str, r.sent_by_process))} | "
            f"{' + '.join(f'{c:.1f}' for c in r.cpu_seconds)} |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=1200, help="announcement channels (default 1200)")
    parser.add_argument(
        "--only", default="", help="scenarios, comma separated: " + ", ".join(s.name for s in SCENARIOS)
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--workdir", type=Path, help="keep the database and the bots' logs here")
    parser.add_argument("--database-url", help="an empty PostgreSQL database for both processes")
    parser.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL and use it")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - {s.name for s in SCENARIOS}
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    import tempfile

    work = args.workdir or Path(tempfile.mkdtemp(prefix="premiere-cluster-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    postgres = None
    url = args.database_url
    if args.postgres:
        from tests.pg.server import ThrowawayPostgres, find_bindir

        postgres = ThrowawayPostgres(find_bindir())
        postgres.start()
        url = asyncio.run(postgres.create_database(migrated=False))
    try:
        results = asyncio.run(run(args.channels, only, work, url))
    finally:
        if postgres is not None:
            postgres.stop()
    print()
    print(table(results))
    print(
        f"\n{time.monotonic() - started:.0f} s in all on {'PostgreSQL' if url else 'SQLite'}; logs in {work}"
    )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
