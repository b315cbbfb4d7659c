"""`python -m bench.follows [--followers N] [--channels M]`: one release DMed to N followers.

In this process: localcord with Discord's limits on (50 requests/s in all), and the real bot as
``bot.app.build_bot`` wires it (gateway, commands, the announcement service and its one limiter),
against a new SQLite database, on a ManualClock. N members of a guild, DMs open, each follow one
show (a few through ``/follow``, the rest written through the store, which is faster); M
announcement channels may announce the same show. The clock is set to the show's first release
and ``run_due()`` is called once: the channel posts, then every follower's DM, each DM a
``POST /users/@me/channels`` (the DM channel, remembered in the database) and a
``POST /channels/{id}/messages``. Then the same for the show's second release, when every DM
channel is known: no DM channel is opened.

Printed for each release: wall time, requests per second over the fan-out (every request the
bot made, counted from the call of ``run_due`` to the last answer) and its share of the 50/s
ceiling, 429s, the largest count in any one-second window, DMs per member (exactly one each:
no duplicate, none missing), DM channels opened.

``--limits off`` measures the bot's own cost; ``--profile FILE`` writes a cProfile of the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import logging
import pstats
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.models import Kind, Release, Scope, Show, ShowRecord, When  # noqa: E402

GLOBAL_CEILING = 50.0  # requests per second, every route but interactions
RATIO_TARGET = 0.95
SHOW_ID = "premiere-bench-followed"
RELEASE_A = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)  # season 1, DM channels opened
RELEASE_B = datetime(2031, 5, 8, 12, 0, tzinfo=UTC)  # season 2, DM channels known
OPEN_DM = ("POST", "/users/@me/channels")


def bench_record() -> ShowRecord:
    show = Show(
        SHOW_ID,
        "Premiere Bench Followed",
        Kind.SERIES,
        platform="Netflix",
        country="KR",
        original_language="ko",
        genres=("Drama",),
    )
    releases = [
        Release(
            SHOW_ID,
            When.parse(at.strftime("%Y-%m-%dT%H:%M"), "UTC"),
            Scope.SEASON,
            season=n,
            platform="Netflix",
        )
        for n, at in ((1, RELEASE_A), (2, RELEASE_B))
    ]
    return ShowRecord(show, releases=releases)


@dataclass(slots=True)
class Fanout:
    """What one ``run_due`` did, as localcord saw it."""

    label: str
    followers: int
    channels: int
    wall_s: float = 0.0  # run_due, call to return
    span_s: float = 0.0  # run_due called -> last request answered
    first_to_last_s: float = 0.0
    first_after_s: float = 0.0  # run_due called -> first request answered (planning, claiming)
    longest_gap_s: float = 0.0  # between two answers in a row
    requests: int = 0  # answered 2xx, every route
    dm_channel_requests: int = 0  # POST /users/@me/channels
    dm_posts: int = 0
    channel_posts: int = 0
    other_requests: int = 0
    status_429: int = 0
    errors: int = 0  # other non-2xx answers
    max_in_1s: int = 0
    rate: float = 0.0  # requests/s over span_s
    ratio: float = 0.0  # of the 50/s ceiling
    steady_rate: float = 0.0  # first to last answer
    dms_per_member: dict[int, int] = field(default_factory=dict)  # DMs got -> members
    posts_per_channel: dict[int, int] = field(default_factory=dict)
    duplicates: int = 0
    missing: int = 0
    dm_channels_saved: int = 0  # followers with their DM channel in the database afterwards
    report: dict[str, Any] = field(default_factory=dict)  # the FollowReport


class Timeline:
    """Every REST request localcord answers, with the time it answered."""

    def __init__(self, server: Any) -> None:
        self.events: list[tuple[float, str, str, int]] = []
        self.stop = server.observe_requests(
            lambda r: self.events.append((time.monotonic(), r.method, r.path, r.status))
        )

    def since(self, mark: int) -> list[tuple[float, str, str, int]]:
        return self.events[mark:]


def max_in_window(times: list[float], window: float = 1.0) -> int:
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


@contextlib.contextmanager
def discord_pointed_at(server: Any) -> Any:
    """discord.py's REST base and gateway pointed at localcord, restored afterwards."""
    import discord
    import yarl
    from discord.gateway import DiscordWebSocket

    from bot.client import use_api_base

    saved = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    use_api_base(server.api_base)
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


async def _start_bot(server: Any, store: Any, clock: Any, work: Path) -> tuple[Any, asyncio.Task[None]]:
    from bot.app import build_bot
    from bot.config import Settings

    settings = Settings(
        token=server.token,
        api_base=server.api_base,
        database_path=store_path(work),
        log_level="WARNING",
        dev_guild_id=None,
        grace_hours=6.0,
        log_file=None,
        catalogue_dir=work / "no-catalogue",
    )
    bot = await build_bot(settings, store, clock)  # the default limiter, as in production
    task = asyncio.create_task(bot.start(server.token))
    ready = asyncio.ensure_future(server.wait_for_bot_ready(60))
    await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()
        raise RuntimeError("the bot stopped before it was ready")
    await ready
    if bot.scheduler_started is not None:
        await asyncio.wait_for(bot.scheduler_started, 60)
    # The bench calls run_due itself, at the instants it sets; the scheduler's alarms would only
    # start a second, empty run beside it.
    if bot.services.scheduler is not None:
        await bot.services.scheduler.shutdown()
    return bot, task


def store_path(work: Path) -> Path:
    return work / "follows.sqlite3"


async def _fanout(
    label: str,
    server: Any,
    timeline: Timeline,
    service: Any,
    store: Any,
    clock: Any,
    at: datetime,
    members: list[Any],
    channel_ids: set[int],
    deadline_s: float,
) -> Fanout:
    before_dm = {m.id: len(server.dm_messages(m)) for m in members}
    before_ch = {c: len(server.messages(c)) for c in channel_ids}
    clock.set(at)
    mark = len(timeline.events)
    t0 = time.monotonic()
    await asyncio.wait_for(service.run_due(), deadline_s)
    t1 = time.monotonic()
    await asyncio.sleep(0.5)  # stragglers (duplicates) would arrive now
    events = timeline.since(mark)
    out = Fanout(label, len(members), len(channel_ids))
    out.wall_s = t1 - t0
    ok_times = []
    for t, method, path, status in events:
        if status == 429:
            out.status_429 += 1
            continue
        if status >= 300:
            out.errors += 1
            continue
        ok_times.append(t)
        out.requests += 1
        if (method, path) == OPEN_DM:
            out.dm_channel_requests += 1
        elif method == "POST" and path.startswith("/channels/") and path.endswith("/messages"):
            cid = int(path.split("/")[2])
            if cid in channel_ids:
                out.channel_posts += 1
            else:
                out.dm_posts += 1
        else:
            out.other_requests += 1
    if ok_times:
        out.span_s = ok_times[-1] - t0
        out.first_to_last_s = ok_times[-1] - ok_times[0]
        out.first_after_s = ok_times[0] - t0
        out.longest_gap_s = max((b - a for a, b in zip(ok_times, ok_times[1:], strict=False)), default=0.0)
        out.rate = out.requests / max(out.span_s, 1e-9)
        out.ratio = out.rate / GLOBAL_CEILING
        out.steady_rate = (out.requests - 1) / max(out.first_to_last_s, 1e-9) if out.requests > 1 else 0.0
        out.max_in_1s = max_in_window(ok_times)
    got = Counter(len(server.dm_messages(m)) - before_dm[m.id] for m in members)
    out.dms_per_member = dict(sorted(got.items()))
    posts = Counter(len(server.messages(c)) - before_ch[c] for c in channel_ids)
    out.posts_per_channel = dict(sorted(posts.items()))
    out.duplicates = sum((n - 1) * k for n, k in got.items() if n > 1) + sum(
        (n - 1) * k for n, k in posts.items() if n > 1
    )
    out.missing = got.get(0, 0) + posts.get(0, 0)
    followers = await store.follows.followers(m.id for m in members)
    out.dm_channels_saved = sum(1 for f in followers.values() if f.dm_channel_id is not None)
    out.report = asdict(service.last_follow_report)
    out.report.pop("paused", None)
    return out


def describe(f: Fanout) -> str:
    lines = [
        f"{f.label}: {f.followers:,} followers, {f.channels:,} announcement channels",
        f"  wall time (run_due)     {f.wall_s:8.1f} s",
        f"  requests answered       {f.requests:8,d}  = {f.dm_channel_requests:,} DM channels opened"
        f" + {f.dm_posts:,} DMs + {f.channel_posts:,} channel posts + {f.other_requests:,} other",
        f"  rate from run_due       {f.rate:8.2f} requests/s = {f.ratio:.1%} of the 50/s ceiling"
        f" (last answer {f.span_s:.1f} s after the call)",
        f"  rate first to last      {f.steady_rate:8.2f} requests/s ({f.first_to_last_s:.1f} s)",
        f"  first answer after      {f.first_after_s:8.2f} s   longest gap between answers "
        f"{f.longest_gap_s:.2f} s",
        f"  most in any 1 s window  {f.max_in_1s:8d}",
        f"  429 answers             {f.status_429:8d}   other errors {f.errors}",
        f"  DMs per member          {f.dms_per_member}   (DMs got -> members)",
        f"  posts per channel       {f.posts_per_channel}",
        f"  duplicates {f.duplicates}, missing {f.missing}",
        f"  DM channels in the database afterwards: {f.dm_channels_saved:,}/{f.followers:,}",
        f"  follow report: {f.report}",
    ]
    return "\n".join(lines)


async def run_follows(
    followers: int,
    channels: int = 0,
    *,
    limits: bool = True,
    via_command: int = 3,
    work: Path | None = None,
    echo: bool = True,
) -> dict[str, Any]:
    """Set up, run both releases, and return every figure (``first``, ``second``, ``setup``)."""
    from bot.clock import ManualClock
    from bot.planner import ChannelConfig
    from bot.store import Store
    from localcord import LocalDiscord

    def say(text: str) -> None:
        if echo:
            print(text, flush=True)

    tmp = None
    if work is None:
        work = Path(tmp := tempfile.mkdtemp(prefix="premiere-bench-follows-"))
    work.mkdir(parents=True, exist_ok=True)
    server = LocalDiscord(limits=limits)
    await server.start()
    bot = task = None
    store = await Store.open(store_path(work))
    timeline = Timeline(server)
    try:
        with discord_pointed_at(server):
            t = time.perf_counter()
            await store.import_records([bench_record()])
            clock = ManualClock(RELEASE_A - timedelta(days=1))
            community = server.create_guild("Followers")
            ch_guilds = [server.create_guild(f"Server {i}") for i in range(channels)]
            announce = [server.create_channel(g, "releases") for g in ch_guilds]
            added = clock()
            for g, c in zip(ch_guilds, announce, strict=True):
                await store.upsert_announce_channel(ChannelConfig(c.id, g.id, added, shows=(SHOW_ID,)))
            bot, task = await _start_bot(server, store, clock, work)
            ready_s = time.perf_counter() - t
            service = bot.services.announcements

            t = time.perf_counter()
            members = [server.create_member(community, f"fan{i}") for i in range(followers)]
            asking = server.create_channel(community, "chat")
            by_command = members[: min(via_command, followers)]
            for m in by_command:
                res = await server.run_command(
                    community, m, "follow", options={"show": SHOW_ID}, channel=asking, timeout=10
                )
                text = (res.message or {}).get("content") or ""
                embeds = (res.message or {}).get("embeds") or []
                if not res.message:
                    raise RuntimeError(f"/follow did not answer for {m.id}")
                say(f"/follow by {m.user.username}: {(text or embeds[0].get('title', ''))[:90]!r}")
            from bot.follows.models import What

            for m in members[len(by_command) :]:
                await store.follows.add_follow(m.id, SHOW_ID, What.PREMIERES, now=clock(), cap=100)
            setup_s = time.perf_counter() - t
            count = len(await store.follows.follows_of_shows([SHOW_ID]))
            say(
                f"setup: localcord (limits {'on' if limits else 'off'}), bot ready in {ready_s:.1f} s; "
                f"{followers:,} members following ({len(by_command)} through /follow) in {setup_s:.1f} s; "
                f"{count:,} follows stored; {channels:,} announcement channels"
            )
            ids = {c.id for c in announce}
            expected = 2 * followers + channels
            deadline = expected / GLOBAL_CEILING * 3 + 120
            first = await _fanout(
                "release 1 (DM channels opened)",
                server,
                timeline,
                service,
                store,
                clock,
                RELEASE_A,
                members,
                ids,
                deadline,
            )
            say(describe(first))
            second = await _fanout(
                "release 2 (DM channels cached)",
                server,
                timeline,
                service,
                store,
                clock,
                RELEASE_B,
                members,
                ids,
                deadline,
            )
            say(describe(second))
            return {
                "setup": {
                    "followers": followers,
                    "channels": channels,
                    "via_command": len(by_command),
                    "limits": limits,
                    "ready_s": ready_s,
                    "setup_s": setup_s,
                    "follows_stored": count,
                },
                "first": asdict(first),
                "second": asdict(second),
            }
    finally:
        timeline.stop()
        if bot is not None:
            with contextlib.suppress(Exception):
                await bot.close()
        if task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, 10)
        await store.close()
        await server.stop()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


JUDGED_FROM = 500  # requests in a fan-out (10 s at the ceiling): fewer, and its rate is the burst's


def verdict(result: dict[str, Any]) -> list[str]:
    """One line per check, "  ok  ..." or "  NO  ..."; the rate is judged with limits on and
    at least JUDGED_FROM requests."""
    first, second = result["first"], result["second"]
    n = result["setup"]["followers"]
    checks = [
        (
            "0 duplicates, 0 missing",
            not any(f[k] for f in (first, second) for k in ("duplicates", "missing")),
        ),
        (f"release 1 opened {n:,} DM channels", first["dm_channel_requests"] == n),
        ("release 2 opened no DM channel", second["dm_channel_requests"] == 0),
    ]
    for name, f in (("release 1", first), ("release 2", second)):
        if result["setup"]["limits"] and f["requests"] >= JUDGED_FROM:
            checks.append((f"{name} >= 95 % of the 50/s ceiling", f["ratio"] >= RATIO_TARGET))
    return [f"  {'ok ' if ok else 'NO '} {name}" for name, ok in checks]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.follows",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--followers", type=int, default=10_000, help="members following the show")
    ap.add_argument("--channels", type=int, default=0, help="announcement channels announcing it too")
    ap.add_argument("--via-command", type=int, default=3, help="followers who follow through /follow")
    ap.add_argument("--limits", choices=("on", "off"), default="on", help="Discord's limits in localcord")
    ap.add_argument("--workdir", type=Path, help="keep the database here (default: a temporary folder)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    ap.add_argument("--profile", type=Path, help="write a cProfile of the whole run here, print its top")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # no voice: not news
    from bench.run import machine

    info = machine()
    print(
        f"premiere bench.follows: {args.followers:,} followers, {args.channels:,} channels; "
        f"{info['nproc']} CPUs, {info['memory_gib']} GiB, Python {info['python']}, {info['date']}",
        flush=True,
    )
    coro = run_follows(
        args.followers,
        args.channels,
        limits=args.limits == "on",
        via_command=args.via_command,
        work=args.workdir,
    )
    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    try:
        result = asyncio.run(coro)
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(40)
            print(text.getvalue())
    lines = verdict(result)
    print("verdict:\n" + "\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, **result}, indent=2, default=str))
    return 0 if all(line.startswith("  ok") for line in lines) else 1


if __name__ == "__main__":
    raise SystemExit(main())
