"""Four shards in two bot processes on one database, one release to every channel, against one
localcord with Discord's limits on: the rate the pair reaches together, its 429s, and exactly one
post per channel, also when one process is killed (SIGKILL) in the middle of its fan-out.

`python -m bench.shards [--channels 10000] [--runs 2] [--kill-runs 1] [--postgres] [--json out.json]`

Setup: localcord in this process, with ``shards=4`` and every limit on (50 requests per one-second
window for the bot's token, over all routes, whichever process sends them; 5 posts per 5 s per
channel). ``--channels`` announcement channels, ``--per-guild`` in each server, the servers put on
the four shards in turn (``(guild id >> 22) % 4``), so each shard holds a quarter of the channels.
One database: a SQLite file by default, a throwaway PostgreSQL with ``--postgres``
(tests/pg/server.py), or ``--database-url``. Every channel announces one release per run (a
release of its own each run, so each starts from a clean ledger).

Each run spawns two real ``python -m bot`` processes: A with ``SHARD_COUNT=4 SHARD_IDS=0-1``, B
with ``SHARD_COUNT=4 SHARD_IDS=2-3``, both ``RATE_BUDGET=shared`` (``--budget``) and the same
``DATABASE_URL`` / ``DATABASE_PATH``, their clocks (``PREMIERE_FAKE_NOW`` with one anchor)
reading the release instant ``--lead`` seconds after the spawn.

* A fan-out run waits until every channel has its post, then stops both (SIGINT).
* A kill run sends SIGKILL to A once ``--kill-at`` (half) of A's channels have their post,
  starts A again ``--restart-after`` seconds later with the very same environment (its clock
  goes on where it was), and waits until every channel has its post.

Everything is counted on localcord's side: posts answered (``POST /channels/*/messages``, 200)
and the messages they made, each channel's messages after the run (exactly one each), 429s split
into global and per-route (from localcord's own decisions), the busiest second of requests. The
rate is over the release instant to the last post: posts / (last post - release), as a share of
the 50/s ceiling. A process's share is the posts in the channels of its shards. After a kill: the
rows A left pending in the ledger, how many A re-sent from them after its restart (its log's
``re-sending pending post`` lines), how many of those Discord answered with the first message
(the nonce: a post that had gone out before the kill), and the gap from the kill to A's next post.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CEILING = 50.0  # Discord's global limit, requests per second
SHARD_COUNT = 4
GROUPS = ("0-1", "2-3")  # SHARD_IDS of process A and process B
NAMES = ("A", "B")
RATE_TARGET = 0.90  # of the ceiling, the two processes together
MAX_429 = 1
FIRST_RELEASE = datetime(2033, 3, 1, 12, 0, tzinfo=UTC)
SENT_LINE = re.compile(r"announcements: (\d+) sent")
RESENT_LINE = "re-sending pending post"
POST_PATH = re.compile(r"^/channels/(\d+)/messages$")
STALL_TICK = 0.005  # seconds: how often the bench's loop (localcord's) checks it is on time
STALL_NOTED = 0.02  # a wake-up later than this is a stall


def shard_of(channel: Any) -> int:
    """The shard of a channel's server, as Discord computes it."""
    return (int(channel.guild_id) >> 22) % SHARD_COUNT


def shards_of(group: str) -> set[int]:
    first, _, last = group.partition("-")
    return set(range(int(first), int(last or first) + 1))


def release_show(index: int) -> tuple[Any, datetime, str]:
    """The show a run announces, its release instant and the release's id."""
    from bot.models import Kind, Release, Scope, Show, ShowRecord, When

    at = FIRST_RELEASE + timedelta(days=7 * index)
    sid = f"premiere-shards-bench-{index}"
    show = Show(sid, f"Shards Bench Release {index}", Kind.FILM, platform="Netflix", country="KR")
    release = Release(sid, When.parse(at.strftime("%Y-%m-%dT%H:%M"), "UTC"), Scope.SHOW, platform="Netflix")
    return ShowRecord(show, releases=[release]), at, release.id


async def configure(
    db: Path | str, pairs: Sequence[tuple[int, int]], count: int
) -> list[tuple[datetime, str]]:
    """``count`` releases, and every channel set up to announce all of them."""
    from bot.planner import ChannelConfig
    from bot.store import Store

    made = [release_show(i) for i in range(count)]
    store = await Store.open(db)
    try:
        await store.import_records([r for r, _, _ in made])
        shows = tuple(r.show.id for r, _, _ in made)
        added = FIRST_RELEASE - timedelta(days=1)
        for guild_id, channel_id in pairs:
            await store.upsert_announce_channel(ChannelConfig(channel_id, guild_id, added, shows=shows))
    finally:
        await store.close()
    return [(at, rid) for _, at, rid in made]


class BotProcess:
    """One `python -m bot` with some of the shards; started again with the same environment."""

    def __init__(self, server: Any, db: Path | str, work: Path, group: str, budget: str, label: str) -> None:
        self.work = work
        self.label = label
        self.group = group
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": server.token,
            "DISCORD_API_BASE": server.api_base,
            **({"DATABASE_URL": db} if isinstance(db, str) else {"DATABASE_PATH": str(db)}),
            "LOG_LEVEL": "INFO",
            "CATALOGUE_SYNC": "off",
            "SHARD_COUNT": str(SHARD_COUNT),
            "SHARD_IDS": group,
            "RATE_BUDGET": budget,
        }
        for key in ("DEV_GUILD_ID", "CATALOGUE_DIR", "METRICS_PORT", "CALENDAR_HTTP_PORT"):
            self.env.pop(key, None)
        if not isinstance(db, str):
            self.env.pop("DATABASE_URL", None)
        self.proc: asyncio.subprocess.Process | None = None
        self.logs: list[Path] = []
        self.cpu: list[float] = []  # CPU seconds of each incarnation

    async def start(self, clock: str | None = None) -> None:
        """Spawn (again): ``clock`` is PREMIERE_FAKE_NOW, kept from the first start when None."""
        if clock is not None:
            self.env["PREMIERE_FAKE_NOW"] = clock
        log = self.work / f"bot-{self.label}-{len(self.logs) + 1}.log"
        self.logs.append(log)
        with log.open("wb") as out:  # the child keeps its own copy of the file
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=self.work, env=self.env, stdout=out, stderr=out
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def _cpu_now(self) -> float:
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return float("nan")

    async def kill(self) -> None:
        assert self.proc is not None
        self.cpu.append(self._cpu_now())
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> int:
        """SIGINT (a clean stop); SIGKILL after 30 s. The exit code (-2: stopped by SIGINT)."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.cpu.append(self._cpu_now())
            self.proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        return self.proc.returncode or 0

    def text(self, incarnation: int = -1) -> str:
        return self.logs[incarnation].read_text(errors="replace") if self.logs else ""

    def sent(self) -> int:
        """Posts its runs reported sent, over every incarnation."""
        return sum(
            int(m.group(1))
            for log in self.logs
            for m in SENT_LINE.finditer(log.read_text("utf-8", "replace"))
        )

    def tail(self, lines: int = 4) -> str:
        return " / ".join(self.text().strip().splitlines()[-lines:])


@dataclass(slots=True)
class Share:
    process: str
    shard_ids: str
    channels: int
    posts: int = 0  # messages in its channels
    share: float = 0.0  # of all posts
    last_post_s: float = 0.0  # after the release
    sent_by_log: int = 0  # what its runs reported
    cpu_seconds: list[float] = field(default_factory=list)


@dataclass(slots=True)
class Kill:
    killed_at_s: float = 0.0  # after the release
    posted_at_kill: int = 0  # A's channels with their post when it was killed
    channels_of_a: int = 0
    pending_at_kill: int = 0  # ledger rows A left pending
    restarted_at_s: float = 0.0
    first_post_after_restart_s: float = 0.0
    gap_s: float = 0.0  # kill -> A's next post
    resent_pending: int = 0  # posts A sent again from pending rows (its log)
    answered_by_nonce: int = 0  # posts Discord answered with the first message (same nonce)
    posts_after_restart: int = 0  # posts A made after its restart (new messages)
    busiest_second_after_restart: int = 0  # most requests in one second, in the 5 s after it


@dataclass(slots=True)
class Run:
    label: str
    channels: int
    database: str
    budget: str
    channels_per_shard: list[int] = field(default_factory=list)
    exactly_one: int = 0
    missing: int = 0
    duplicates: int = 0
    messages_per_channel: dict[int, int] = field(default_factory=dict)
    posts_answered: int = 0  # POST .../messages answered 200 (nonce hits included)
    seconds: float = 0.0  # release -> last post
    first_post_s: float = 0.0  # release -> first post
    posts_per_second: float = 0.0  # posts / seconds
    ceiling_share: float = 0.0
    first_to_last_per_second: float = 0.0
    global_429: int = 0
    route_429: int = 0
    requests: int = 0  # every request answered from the release on
    busiest_second: int = 0  # most requests answered in any one second (sliding)
    rejections: list[str] = field(default_factory=list)  # each 429: when, what, whose
    other_requests: dict[str, int] = field(default_factory=dict)  # from the release on, by route
    loop_stalls: int = 0  # localcord's loop waking up > 20 ms late, from the release on
    longest_stall_ms: float = 0.0
    stalls_over_50ms: list[list[float]] = field(default_factory=list)  # [s after the release, ms]
    full_collections: int = 0  # of the bench's (localcord's) process, from the release on
    longest_collection_ms: float = 0.0
    ledger: dict[str, int] = field(default_factory=dict)  # this release's rows by state
    processes: list[Share] = field(default_factory=list)
    kill: Kill | None = None
    met: bool = False
    notes: str = ""


class Watch:
    """What localcord answers, as it answers it: posts per channel, 429s (global or per route, from
    localcord's own decisions), the other requests, and this event loop's stalls (localcord runs
    in it: a stall holds requests back, then lets them through together)."""

    def __init__(self, server: Any, group_of: dict[int, int]) -> None:
        self.group_of = group_of  # channel -> index of its process
        self.requests: list[float] = []  # monotonic instants of every answer
        self.posts: list[tuple[float, int]] = []  # (instant, channel) of each POST answered 200
        self.posted: list[set[int]] = [set(), set()]  # channels with a 200, per process
        self.rejected: list[tuple[float, str, str, bool]] = []  # (instant, method, path, global) per 429
        self.others: list[tuple[float, str, str, int]] = []  # every request but the run's posts
        self.stalls: list[tuple[float, float]] = []  # (instant, seconds) this loop woke up late
        limiter = server.core.limiter
        self._limiter = limiter
        self._check = limiter.check

        def check(method: str, path: str, *args: Any) -> Any:
            decision = self._check(method, path, *args)
            if decision.status == 429:
                is_global = bool(decision.body and decision.body.get("global"))
                self.rejected.append((time.monotonic(), method, path, is_global))
            return decision

        limiter.check = check
        self._stop = server.observe_requests(self._seen)
        self._lag = asyncio.get_running_loop().create_task(self._watch_lag())
        self.collections: list[tuple[float, float]] = []  # (instant, seconds) of this process's full GCs
        self._gc_started = 0.0
        gc.callbacks.append(self._gc)

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.collections.append((time.monotonic(), time.perf_counter() - self._gc_started))

    async def _watch_lag(self) -> None:
        while True:
            t = time.monotonic()
            await asyncio.sleep(STALL_TICK)
            late = time.monotonic() - t - STALL_TICK
            if late > STALL_NOTED:
                self.stalls.append((time.monotonic(), late))

    def _seen(self, record: Any) -> None:
        now = time.monotonic()
        self.requests.append(now)
        if record.method == "POST" and record.status == 200:
            m = POST_PATH.match(record.path)
            if m is not None:
                cid = int(m.group(1))
                group = self.group_of.get(cid)
                if group is not None:
                    self.posts.append((now, cid))
                    self.posted[group].add(cid)
                    return
        self.others.append((now, record.method, record.path, record.status))

    def close(self) -> None:
        self._stop()
        self._limiter.check = self._check
        self._lag.cancel()
        gc.callbacks.remove(self._gc)


def route(method: str, path: str) -> str:
    return f"{method} {re.sub(r'/[0-9]{5,}', '/{id}', path)}"


def busiest_second(instants: Sequence[float]) -> int:
    ordered = sorted(instants)
    best, lo = 0, 0
    for hi, t in enumerate(ordered):
        while t - ordered[lo] >= 1.0:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def ledger_states(
    db: Path | str, release_id: str, channels: Sequence[int] | None = None
) -> Counter[str]:
    from bot.store import Store

    store = await Store.open(db)
    try:
        rows = await store.ledger.deliveries(release_id=release_id)
    finally:
        await store.close()
    wanted = None if channels is None else set(channels)
    return Counter(r.state for r in rows if wanted is None or r.channel_id in wanted)


async def run_once(
    server: Any,
    db: Path | str,
    work: Path,
    label: str,
    release: tuple[datetime, str],
    by_process: Sequence[Sequence[Any]],
    *,
    budget: str,
    lead: float,
    kill_at: float | None,
    restart_after: float,
    settle: float,
    echo: bool,
    keep_gc: bool = False,
) -> Run:
    """Both processes, the release, optionally a kill and restart of A; then what localcord saw."""
    at, release_id = release
    ids = [[c.id for c in chs] for chs in by_process]
    everyone = [c for chs in ids for c in chs]
    before = {c: len(server.messages(c)) for c in everyone}
    group_of = {c: g for g, chs in enumerate(ids) for c in chs}
    server.reset_rate_limits()
    watch = Watch(server, group_of)
    # localcord is the stand-in for Discord and runs in this process: a full garbage collection of
    # its heap (every server, channel and message) stalled its loop for 130-360 ms, and the
    # requests held back meanwhile then arrived in one of its one-second windows. Discord does not
    # stall with the bench: no cyclic collection here while a run lasts (the bots' is untouched).
    collecting = gc.isenabled() and not keep_gc
    if collecting:
        gc.disable()
    result = Run(label, len(everyone), "PostgreSQL" if isinstance(db, str) else "SQLite", budget)
    result.channels_per_shard = [
        sum(1 for chs in by_process for c in chs if shard_of(c) == s) for s in range(SHARD_COUNT)
    ]
    procs = [
        BotProcess(server, db, work, group, budget, f"{label}-{name}")
        for group, name in zip(GROUPS, NAMES, strict=True)
    ]
    anchor = time.time()
    due = time.monotonic() + lead
    clock = f"{(at - timedelta(seconds=lead)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}@{anchor:.6f}"
    kill: Kill | None = None
    codes: list[int] = []
    killed = 0.0
    mark = 0  # watch.posts at A's restart
    try:
        for p in procs:
            await p.start(clock)
        deadline = due + len(everyone) / 10 + 120  # even at 10 posts/s
        while time.monotonic() < deadline:
            await asyncio.sleep(0.02 if kill_at is not None and kill is None else 0.1)
            if kill_at is not None and kill is None and len(watch.posted[0]) >= kill_at * len(ids[0]):
                await procs[0].kill()
                killed = time.monotonic()
                kill = Kill(
                    killed_at_s=killed - due, posted_at_kill=len(watch.posted[0]), channels_of_a=len(ids[0])
                )
                states = await ledger_states(db, release_id, ids[0])
                kill.pending_at_kill = states.get("pending", 0)
                if echo:
                    print(
                        f"  killed A (SIGKILL) at {kill.killed_at_s:.1f} s: {kill.posted_at_kill:,} of "
                        f"{len(ids[0]):,} of its channels posted, {kill.pending_at_kill} rows pending",
                        flush=True,
                    )
                await asyncio.sleep(max(0.0, killed + restart_after - time.monotonic()))
                mark = len(watch.posts)
                await procs[0].start()  # the same environment: the same clock, the same shards
                kill.restarted_at_s = time.monotonic() - due
            if sum(len(s) for s in watch.posted) >= len(everyone):
                break
            if not all(p.alive() for p in procs):
                break
        await asyncio.sleep(settle)  # stragglers: a duplicate would land now
    finally:
        codes = list(await asyncio.gather(*(p.stop() for p in procs)))
        watch.close()
        if collecting:
            gc.enable()

    counts = [len(server.messages(c)) - before[c] for c in everyone]
    per = Counter(counts)
    result.messages_per_channel = dict(sorted(per.items()))
    result.exactly_one = per.get(1, 0)
    result.missing = per.get(0, 0)
    result.duplicates = sum(max(0, n - 1) for n in counts)
    posts = [(t, c) for t, c in watch.posts if t >= due - 1]
    result.posts_answered = len(posts)
    made = len(everyone) - result.missing
    if posts:
        first, last = posts[0][0], max(t for t, _ in posts)
        result.seconds = last - due
        result.first_post_s = first - due
        result.posts_per_second = made / max(result.seconds, 1e-9)
        result.ceiling_share = result.posts_per_second / CEILING
        if last > first:
            result.first_to_last_per_second = (made - 1) / (last - first)
    answers = [t for t in watch.requests if t >= due - 1]
    result.requests = len(answers)
    result.busiest_second = busiest_second(answers)
    result.global_429 = sum(1 for t, *_, g in watch.rejected if g and t >= due - 1)
    result.route_429 = sum(1 for t, *_, g in watch.rejected if not g and t >= due - 1)
    stalls = [(t, late) for t, late in watch.stalls if t >= due - 1]
    result.loop_stalls = len(stalls)
    result.longest_stall_ms = max((late for _, late in stalls), default=0.0) * 1e3
    result.stalls_over_50ms = [[round(t - due, 2), round(late * 1e3)] for t, late in stalls if late > 0.05]
    collections = [(t, d) for t, d in watch.collections if t >= due - 1]
    result.full_collections = len(collections)
    result.longest_collection_ms = max((d for _, d in collections), default=0.0) * 1e3
    for t, method, path, is_global in watch.rejected:
        m = POST_PATH.match(path)
        whose = NAMES[group_of[int(m.group(1))]] if m and int(m.group(1)) in group_of else "?"
        near = max((late for u, late in watch.stalls if t - 1.0 <= u <= t), default=0.0)
        busiest = busiest_second([u for u in watch.requests if t - 1 <= u <= t + 1])
        result.rejections.append(
            f"{t - due:.1f} s: {route(method, path)} of {whose}, {'global' if is_global else 'route'}; "
            f"the busiest second around it {busiest} requests, localcord's loop stalled "
            f"{near * 1e3:.0f} ms at most in the second before"
        )
    result.other_requests = dict(Counter(route(m, p) for t, m, p, _ in watch.others if t >= due - 1))
    result.ledger = dict(sorted((await ledger_states(db, release_id)).items()))
    for g, (p, chs) in enumerate(zip(procs, ids, strict=True)):
        mine = [t for t, c in posts if group_of[c] == g]
        n = sum(1 for c in chs if len(server.messages(c)) > before[c])
        result.processes.append(
            Share(
                NAMES[g],
                p.group,
                len(chs),
                posts=n,
                share=n / max(made, 1),
                last_post_s=(max(mine) - due) if mine else 0.0,
                sent_by_log=p.sent(),
                cpu_seconds=[round(x, 2) for x in p.cpu],
            )
        )
    if kill is not None:
        a = procs[0]
        after = [t for t, c in watch.posts[mark:] if group_of[c] == 0]
        if after:
            kill.first_post_after_restart_s = after[0] - due
            kill.gap_s = after[0] - killed
        kill.resent_pending = a.text(-1).count(RESENT_LINE) if len(a.logs) > 1 else 0
        answered_a = sum(1 for _, c in posts if group_of[c] == 0)
        kill.answered_by_nonce = answered_a - result.processes[0].posts
        kill.posts_after_restart = len(after) - kill.answered_by_nonce
        since = due + kill.restarted_at_s
        kill.busiest_second_after_restart = busiest_second(
            [t for t in watch.requests if since <= t <= since + 5]
        )
        result.kill = kill
    result.met = (
        result.exactly_one == len(everyone)
        and result.ledger == {"sent": len(everyone)}
        and (
            kill is not None
            or (result.ceiling_share >= RATE_TARGET and result.global_429 + result.route_429 <= MAX_429)
        )
    )
    bad = [
        f"{NAMES[i]} exit {c}: {p.tail()}"
        for i, (p, c) in enumerate(zip(procs, codes, strict=True))
        if c not in (0, -2)
    ]
    if bad:
        result.notes = "; ".join(bad)
    return result


async def run(
    channels: int,
    runs: int,
    kill_runs: int,
    work: Path,
    database: Path | str,
    *,
    per_guild: int = 4,
    budget: str = "shared",
    lead: float = 15.0,
    kill_at: float = 0.5,
    restart_after: float = 2.0,
    settle: float = 1.0,
    echo: bool = True,
    keep_gc: bool = False,
) -> list[Run]:
    from localcord import LocalDiscord

    server = LocalDiscord(limits=True, shards=SHARD_COUNT)
    await server.start()
    try:
        guilds = [
            server.create_guild(f"Server {i}", shard=i % SHARD_COUNT, shard_count=SHARD_COUNT)
            for i in range(max(1, -(-channels // per_guild)))
        ]
        made = [server.create_channel(guilds[i % len(guilds)], f"releases-{i}") for i in range(channels)]
        t = time.perf_counter()
        releases = await configure(database, [(int(c.guild_id or 0), c.id) for c in made], runs + kill_runs)
        by_process = [[c for c in made if shard_of(c) in shards_of(g)] for g in GROUPS]
        on_shard = Counter(shard_of(c) for c in made)
        if echo:
            print(
                f"shards: {len(guilds):,} servers, {channels:,} channels (shards 0-3: "
                f"{', '.join(f'{on_shard[s]:,}' for s in range(SHARD_COUNT))}), configured in "
                f"{time.perf_counter() - t:.1f} s; 2 processes (SHARD_IDS {' and '.join(GROUPS)} of "
                f"{SHARD_COUNT}), RATE_BUDGET={budget}, "
                f"{'PostgreSQL' if isinstance(database, str) else 'SQLite'}",
                flush=True,
            )
        results = []
        for i in range(runs + kill_runs):
            killing = i >= runs
            label = f"kill{i - runs + 1}" if killing else f"run{i + 1}"
            if echo:
                print(
                    f"shards: {label}: {'SIGKILL of A mid fan-out, restart' if killing else 'fan-out'} ...",
                    flush=True,
                )
            result = await run_once(
                server,
                database,
                work,
                label,
                releases[i],
                by_process,
                budget=budget,
                lead=lead,
                kill_at=kill_at if killing else None,
                restart_after=restart_after,
                settle=settle,
                echo=echo,
                keep_gc=keep_gc,
            )
            results.append(result)
            if echo:
                for text in describe(result):
                    print(f"  {text}", flush=True)
        return results
    finally:
        await server.stop()


def describe(r: Run) -> list[str]:
    shares = "; ".join(
        f"{s.process} (shards {s.shard_ids}) {s.posts:,} posts = {s.share:.1%}, "
        f"last at {s.last_post_s:.1f} s, its log says {s.sent_by_log:,} sent, "
        f"CPU s {'+'.join(f'{c:.1f}' for c in s.cpu_seconds)}"
        for s in r.processes
    )
    lines = [
        f"{r.exactly_one:,}/{r.channels:,} channels with exactly one post ({r.missing} missing, "
        f"{r.duplicates} duplicates; messages per channel {r.messages_per_channel}); ledger {r.ledger}",
        f"{r.posts_per_second:.2f} posts/s from the release to the last post ({r.seconds:.1f} s) = "
        f"{r.ceiling_share:.1%} of 50/s; first post {r.first_post_s:.2f} s after the release; "
        f"{r.first_to_last_per_second:.2f}/s first to last",
        f"429s: {r.global_429} global, {r.route_429} route, in {r.requests:,} requests; busiest second "
        f"{r.busiest_second} requests; localcord's loop stalled > 20 ms {r.loop_stalls} times "
        f"(longest {r.longest_stall_ms:.0f} ms); its full garbage collections {r.full_collections} "
        f"(longest {r.longest_collection_ms:.0f} ms)",
        *(f"429 at {text}" for text in r.rejections),
        *(
            [f"localcord's loop stalled > 50 ms at (s, ms): {[tuple(x) for x in r.stalls_over_50ms]}"]
            if r.stalls_over_50ms
            else []
        ),
        f"requests besides the posts, from the release on: {r.other_requests or 'none'}",
        f"per process: {shares}",
    ]
    if r.kill is not None:
        k = r.kill
        lines.append(
            f"kill: A killed at {k.killed_at_s:.1f} s with {k.posted_at_kill:,}/{k.channels_of_a:,} of its "
            f"channels posted and {k.pending_at_kill} rows pending; restarted at {k.restarted_at_s:.1f} s; "
            f"its next post at {k.first_post_after_restart_s:.1f} s (gap {k.gap_s:.1f} s after the kill); "
            f"re-sent from pending rows: {k.resent_pending} ({k.answered_by_nonce} answered with the first "
            f"message by nonce: they had gone out before the kill); "
            f"{k.posts_after_restart:,} new posts after the restart; busiest second in the 5 s after the "
            f"restart {k.busiest_second_after_restart} requests"
        )
    if r.kill is None:
        verdict = (
            f">= {RATE_TARGET:.0%} of 50/s: {'yes' if r.ceiling_share >= RATE_TARGET else 'NO'}; "
            f"<= {MAX_429} x 429: {'yes' if r.global_429 + r.route_429 <= MAX_429 else 'NO'}; "
        )
    else:
        verdict = ""
    verdict += f"exactly one post per channel: {'yes' if r.exactly_one == r.channels else 'NO'}"
    lines.append(
        f"target: {verdict} -> {'met' if r.met else 'NOT met'}" + (f"; {r.notes}" if r.notes else "")
    )
    return lines


def table(results: Sequence[Run]) -> str:
    rows = [
        "| Run | Exactly one post | Posts/s together (release to last post) | Of 50/s | 429 global / route "
        "| A / B posts | Kill: posted at kill, pending, re-sent, answered by nonce, gap | Met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        k = r.kill
        killed = (
            f"{k.posted_at_kill:,}/{k.channels_of_a:,} at {k.killed_at_s:.1f} s, "
            f"{k.pending_at_kill} pending, {k.resent_pending} re-sent, {k.answered_by_nonce} by nonce, "
            f"gap {k.gap_s:.1f} s"
            if k
            else "-"
        )
        rows.append(
            f"| {r.label} | {r.exactly_one:,}/{r.channels:,} | "
            f"{r.posts_per_second:.2f} ({r.seconds:.1f} s) | {r.ceiling_share:.1%} | "
            f"{r.global_429} / {r.route_429} | "
            f"{' / '.join(f'{s.posts:,}' for s in r.processes)} | {killed} | {'yes' if r.met else 'NO'} |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.shards", description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=10_000, help="announcement channels (default 10,000)")
    parser.add_argument("--per-guild", type=int, default=4, help="channels per server (default 4)")
    parser.add_argument("--runs", type=int, default=2, help="fan-out runs (default 2)")
    parser.add_argument("--kill-runs", type=int, default=1, help="runs with A killed mid fan-out (default 1)")
    parser.add_argument("--kill-at", type=float, default=0.5, help="share of A's channels posted at the kill")
    parser.add_argument(
        "--restart-after", type=float, default=2.0, help="seconds from the kill to A's restart"
    )
    parser.add_argument("--budget", default="shared", help="RATE_BUDGET of both processes (default shared)")
    parser.add_argument("--lead", type=float, default=15.0, help="seconds from the spawn to the release")
    parser.add_argument(
        "--keep-gc",
        action="store_true",
        help="keep this process's (localcord's) garbage collector on in runs",
    )
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL (tests/pg/server.py)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database instead")
    parser.add_argument("--workdir", type=Path, help="keep the database and the bots' logs here")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="premiere-shards-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        flush=True,
    )
    postgres = None
    database: Path | str = args.database_url or work / "premiere.sqlite3"
    if args.postgres:
        from tests.pg.server import ThrowawayPostgres, find_bindir

        postgres = ThrowawayPostgres(find_bindir())
        postgres.start()
        database = asyncio.run(postgres.create_database(migrated=False))
    try:
        results = asyncio.run(
            run(
                args.channels,
                args.runs,
                args.kill_runs,
                work,
                database,
                per_guild=args.per_guild,
                budget=args.budget,
                lead=args.lead,
                kill_at=args.kill_at,
                restart_after=args.restart_after,
                keep_gc=args.keep_gc,
            )
        )
    finally:
        if postgres is not None:
            postgres.stop()
    print()
    print(table(results))
    print(f"\n{time.monotonic() - started:.0f} s in all; logs in {work}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0 if all(r.met for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
