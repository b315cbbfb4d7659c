"""Past one process, end to end through localcord with the real bot:

- one process with SHARD_COUNT=4 runs the four shards and posts once in every channel of servers
  spread over them;
- two bots on one database, SHARD_IDS 0-1 and 2-3 of 4: each posts only in its own servers,
  every channel gets exactly one post, and followers' DMs go out once, from the lease holder;
- two bot processes, one killed with SIGKILL in the middle of its fan-out and started again:
  still exactly one post per channel, none dropped; its lease on the DMs is taken over by the
  survivor once it expires, and every follower gets exactly one DM.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.announce.port import Post
from bot.app import build_bot
from bot.clock import ManualClock
from bot.follows.models import What
from bot.lease import FOLLOWS_LEASE
from bot.services.announcements import AnnouncementService
from bot.services.follows import FollowService
from bot.store import Store

from .conftest import LocalDiscord, settings_for
from .fakes import aoad

ROOT = Path(__file__).resolve().parents[2]
DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)  # All of Us Are Dead: 17:00 in Seoul
SHARDS = 4


class Recording:
    """The bot's own Discord poster, noting where it sent: which process posted what."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sent: list[int] = []

    async def send(self, post: Post) -> int:
        message_id = int(await self.inner.send(post))
        self.sent.append(post.channel_id)
        return message_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


Running = tuple[Any, Recording, "asyncio.Task[None]"]  # the bot, its poster, its task


async def no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
    """discord.py waits 5 s between IDENTIFYs (Discord's max_concurrency=1); not on loopback."""


@contextlib.asynccontextmanager
async def running(
    lc: LocalDiscord, store: Store, clock: ManualClock, tmp_path: Path, **shards: Any
) -> AsyncIterator[Running]:
    """A bot as `python -m bot` wires it, with these shard settings, connected in this process."""
    bot = await build_bot(settings_for(lc, tmp_path, **shards), store, clock, rate_per_second=40.0)
    bot.before_identify_hook = no_identify_wait
    recording = Recording(bot.services.announcements.poster)
    bot.services.announcements.attach(recording)
    task = asyncio.create_task(bot.start(lc.token))
    try:
        yield bot, recording, task
    finally:
        with contextlib.suppress(Exception):
            await bot.close()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(task, 5)


async def ready(lc: LocalDiscord, *bots: Running) -> None:
    """Every shard identified (from whichever process), each bot's scheduler started."""
    waiting = asyncio.ensure_future(lc.wait_for_bot_ready(10))
    tasks = {t for _, _, t in bots}
    await asyncio.wait({waiting, *tasks}, return_when=asyncio.FIRST_COMPLETED)
    for task in tasks:
        if task.done():
            waiting.cancel()
            task.result()
    await waiting
    async with asyncio.timeout(10):
        for bot, _, _ in bots:
            await bot.scheduler_started


def spread(lc: LocalDiscord, per_shard: int, channels: int) -> dict[int, list[Any]]:
    """Servers on every shard, ``per_shard`` each with ``channels`` channels: shard -> channels."""
    out: dict[int, list[Any]] = {}
    for shard in range(SHARDS):
        for n in range(per_shard):
            guild = lc.create_guild(f"Shard {shard} #{n}", shard=shard, shard_count=SHARDS)
            out.setdefault(shard, []).extend(
                lc.create_channels(guild, [f"releases-{i}" for i in range(channels)])
            )
    return out


async def configure(store: Store, channels: list[Any], followers: Sequence[int] = ()) -> None:
    await store.import_records([aoad()])
    clock = ManualClock(DUE - timedelta(hours=2))
    service = AnnouncementService(store, clock)
    for ch in channels:
        await service.add_channel(ch.guild_id, ch.id)
    show = await store.get_show("all-of-us-are-dead")
    assert show is not None
    follows = FollowService(store, clock)
    for user_id in followers:
        await follows.follow(user_id, show, What.PREMIERES)


async def test_one_process_runs_four_shards_and_posts_once_in_every_channel(
    lc: LocalDiscord, store: Store, tmp_path: Path
) -> None:
    by_shard = spread(lc, per_shard=2, channels=3)
    channels = [ch for chs in by_shard.values() for ch in chs]
    await configure(store, channels)
    clock = ManualClock(DUE - timedelta(hours=1))
    async with running(lc, store, clock, tmp_path, shard_count=SHARDS) as one:
        await ready(lc, one)
        bot, recording, _ = one
        assert bot.shard_count == SHARDS and sorted(bot.shards) == [0, 1, 2, 3]
        assert sorted(lc.gateway.shards) == [0, 1, 2, 3]
        assert bot.services.leases is None  # alone: it runs the once-per-bot jobs itself
        for chs in by_shard.values():
            assert {bot.get_guild(ch.guild_id).shard_id for ch in chs} == {lc.shard_for(chs[0].guild_id)}
        clock.set(DUE)
        report = await bot.services.announcements.run_due()
        assert report.sent == len(channels)
        assert not await bot.services.announcements.run_due()
    assert [len(lc.messages(ch)) for ch in channels] == [1] * len(channels)
    assert sorted(recording.sent) == sorted(ch.id for ch in channels)


async def test_two_bots_on_one_database_each_post_in_their_own_servers_and_dm_once(
    lc: LocalDiscord, tmp_path: Path
) -> None:
    by_shard = spread(lc, per_shard=2, channels=4)
    channels = [ch for chs in by_shard.values() for ch in chs]
    guild = lc.state_guild(by_shard[3][0].guild_id)
    fans = [lc.create_member(guild, f"fan-{i}") for i in range(3)]
    path = tmp_path / "premiere.sqlite3"
    async with await Store.open(path) as setup:
        await configure(setup, channels, [f.id for f in fans])
    clock = ManualClock(DUE - timedelta(hours=1))
    async with (
        await Store.open(path) as store_a,
        await Store.open(path) as store_b,
        running(lc, store_a, clock, tmp_path, shard_count=SHARDS, shard_ids=(0, 1)) as a,
        running(lc, store_b, clock, tmp_path, shard_count=SHARDS, shard_ids=(2, 3)) as b,
    ):
        await ready(lc, a, b)
        (bot_a, sent_a, _), (bot_b, sent_b, _) = a, b
        assert sorted(bot_a.shards) == [0, 1] and sorted(bot_b.shards) == [2, 3]
        assert {g.id for g in bot_a.guilds} == {ch.guild_id for s in (0, 1) for ch in by_shard[s]}
        leases_a, leases_b = bot_a.services.leases, bot_b.services.leases
        clock.set(DUE)  # an hour on: both leases lapsed meanwhile; one process takes them again
        await leases_b.renew()
        await leases_a.renew()
        assert leases_b.held(FOLLOWS_LEASE) and not leases_a.held(FOLLOWS_LEASE)
        await asyncio.gather(bot_a.services.announcements.run_due(), bot_b.services.announcements.run_due())
        await asyncio.gather(bot_a.services.announcements.run_due(), bot_b.services.announcements.run_due())

    assert [len(lc.messages(ch)) for ch in channels] == [1] * len(channels)
    posts_a = [c for c in sent_a.sent if c in {ch.id for ch in channels}]
    posts_b = [c for c in sent_b.sent if c in {ch.id for ch in channels}]
    assert sorted(posts_a) == sorted(ch.id for s in (0, 1) for ch in by_shard[s])
    assert sorted(posts_b) == sorted(ch.id for s in (2, 3) for ch in by_shard[s])
    assert [len(lc.dm_messages(f)) for f in fans] == [1, 1, 1]
    assert len(sent_b.sent) - len(posts_b) == 3 and len(sent_a.sent) == len(posts_a)  # DMs: b's alone
    async with await Store.open(path) as store:
        assert await store.delivery_counts() == {"sent": len(channels) + len(fans)}


# -- real processes, one killed with SIGKILL ---------------------------------------------------------------


async def spawn(
    lc: LocalDiscord, db: Path, clock_text: str, shard_ids: str, log: Path
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DISCORD_TOKEN": lc.token,
        "DISCORD_API_BASE": lc.api_base,
        "DATABASE_PATH": str(db),
        "CATALOGUE_DIR": str(db.parent / "no-catalogue"),
        "PREMIERE_FAKE_NOW": clock_text,
        "LOG_LEVEL": "INFO",
        "DEV_GUILD_ID": "",
        "SHARD_COUNT": str(SHARDS),
        "SHARD_IDS": shard_ids,
        "SHARD_LEASE_SECONDS": "5",
    }
    with log.open("ab") as out:  # the child keeps its own copy of the file
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )


async def holder_pid(db: Path, name: str) -> int | None:
    async with await Store.open(db) as store:
        lease = await store.leases.lease(name)
    return int(lease[0].split(":")[1]) if lease is not None else None


@contextlib.asynccontextmanager
async def killed_at_exit(procs: list[Any]) -> AsyncIterator[None]:
    try:
        yield
    finally:
        for proc in procs:
            if proc.returncode is None:
                os.kill(proc.pid, signal.SIGKILL)
                await proc.wait()


async def test_sigkill_of_one_process_mid_fan_out_then_restart_posts_and_dms_exactly_once(
    lc: LocalDiscord, tmp_path: Path
) -> None:
    by_shard = spread(lc, per_shard=1, channels=75)
    channels = [ch for chs in by_shard.values() for ch in chs]
    mine = [ch for s in (0, 1) for ch in by_shard[s]]  # the process to kill: shards 0-1
    guild = lc.state_guild(by_shard[2][0].guild_id)
    fans = [lc.create_member(guild, f"fan-{i}") for i in range(3)]
    db = tmp_path / "premiere.sqlite3"
    async with await Store.open(db) as store:
        await configure(store, channels, [f.id for f in fans])
    logs = [tmp_path / "a.log", tmp_path / "b.log"]

    def posted(chs: list[Any]) -> int:
        return sum(1 for ch in chs if lc.messages(ch))

    def tail() -> str:
        return "\n".join(f"--- {p.name}\n" + p.read_text()[-2500:] for p in logs if p.exists())

    # Both processes' clocks read DUE ten seconds from now, and keep one time across restarts.
    clock_text = f"{(DUE - timedelta(seconds=10)).strftime('%Y-%m-%dT%H:%M:%SZ')}@{time.time():.3f}"
    procs: list[Any] = []
    async with killed_at_exit(procs):
        a = await spawn(lc, db, clock_text, "0-1", logs[0])
        procs.append(a)
        deadline = time.monotonic() + 20
        while await holder_pid(db, FOLLOWS_LEASE) != a.pid:  # a runs the DMs, then b starts
            assert a.returncode is None and time.monotonic() < deadline, tail()
            await asyncio.sleep(0.05)
        b = await spawn(lc, db, clock_text, "2-3", logs[1])
        procs.append(b)

        # a is killed in the middle of its fan-out (its DMs come after it: none sent yet).
        deadline = time.monotonic() + 30
        while posted(mine) < 30:
            assert a.returncode is None and time.monotonic() < deadline, f"{posted(mine)} posted\n{tail()}"
            await asyncio.sleep(0.01)
        os.kill(a.pid, signal.SIGKILL)
        await a.wait()
        at_kill = posted(mine)
        assert at_kill < len(mine), at_kill

        # b takes the DMs over once a's lease expires, and sends them.
        deadline = time.monotonic() + 30
        while await holder_pid(db, FOLLOWS_LEASE) != b.pid or any(not lc.dm_messages(f) for f in fans):
            assert b.returncode is None and time.monotonic() < deadline, tail()
            await asyncio.sleep(0.05)

        # a again: it sends what it left pending (same nonce) and what it had not reached.
        again = await spawn(lc, db, clock_text, "0-1", logs[0])
        procs.append(again)
        deadline = time.monotonic() + 40
        while posted(channels) < len(channels):
            assert again.returncode is None and time.monotonic() < deadline, (
                f"{posted(channels)} of {len(channels)}\n{tail()}"
            )
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # any duplicate would land now

    counts = [len(lc.messages(ch)) for ch in channels]
    assert counts == [1] * len(channels), {c: counts.count(c) for c in set(counts)}
    assert [len(lc.dm_messages(f)) for f in fans] == [1, 1, 1]
    async with await Store.open(db) as store:
        assert await store.delivery_counts() == {"sent": len(channels) + len(fans)}
    text = logs[0].read_text()
    print(
        f"\nkilled at {at_kill} of {len(mine)} posts; "
        f"re-sent pending after restart: {text.count('re-sending pending post')}"
    )
