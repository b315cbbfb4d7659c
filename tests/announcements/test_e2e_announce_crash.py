"""The bot process killed with SIGKILL in the middle of a fan-out to 300 channels, then restarted:
every channel ends with exactly one post. The server stays up in this process; the bot runs as a
subprocess started with the PREMIERE_FAKE_NOW testing hook (a clock that starts just before the
release and then runs normally), so APScheduler fires the jobs on the fake time."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.services.announcements import AnnouncementService
from bot.store import Store

from .conftest import LocalDiscord
from .fakes import aoad

ROOT = Path(__file__).resolve().parents[2]
GUILDS, PER_GUILD = 3, 100
START = datetime(2022, 1, 28, 7, 59, 57, tzinfo=UTC)  # three seconds before the release


async def configure(db: Path, channels: list[tuple[int, int, int]]) -> None:
    store = await Store.open(db)
    try:
        await store.import_records([aoad()])
        service = AnnouncementService(store, ManualClock(START - timedelta(hours=1)))
        for guild_id, channel_id, role_id in channels:
            await service.add_channel(guild_id, channel_id, role_id=role_id)
    finally:
        await store.close()


async def ledger(db: Path) -> dict[str, int]:
    store = await Store.open(db)
    try:
        return await store.delivery_counts()
    finally:
        await store.close()


def spawn(lc: LocalDiscord, db: Path, fake_now: datetime, log: Path):
    env = {
        **os.environ,
        "DISCORD_TOKEN": lc.token,
        "DISCORD_API_BASE": lc.api_base,
        "DATABASE_PATH": str(db),
        "CATALOGUE_DIR": str(db.parent / "no-catalogue"),
        "PREMIERE_FAKE_NOW": fake_now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "LOG_LEVEL": "INFO",
        "DEV_GUILD_ID": "",
    }
    out = log.open("ab")
    return asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
    )


async def test_sigkill_mid_fan_out_then_restart_posts_exactly_once(lc: LocalDiscord, tmp_path: Path) -> None:
    channels = []
    all_channels = []
    for g in range(GUILDS):
        guild = lc.create_guild(f"Guild {g}")
        role = lc.create_role(guild, "Premieres", mentionable=True)
        for ch in lc.create_channels(guild, [f"releases-{i}" for i in range(PER_GUILD)]):
            channels.append((guild.id, ch.id, role.id))
            all_channels.append(ch)
    db = tmp_path / "premiere.sqlite3"
    await configure(db, channels)
    log = tmp_path / "bot.log"

    def posted() -> int:
        return sum(1 for ch in all_channels if lc.messages(ch))

    # First run: wait until the fan-out is well under way, then kill -9.
    wall_start = time.monotonic()
    proc = await spawn(lc, db, START, log)
    try:
        deadline = time.monotonic() + 20
        while posted() < 60:
            assert proc.returncode is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"no fan-out: {posted()} posted\n" + log.read_text()[-3000:]
            await asyncio.sleep(0.01)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        await proc.wait()
    at_kill = posted()
    assert 0 < at_kill < len(all_channels), at_kill
    before = await ledger(db)
    assert before.get("sent", 0) < len(all_channels)

    # Second run: the clock goes on from where it was; it sends what is pending and what is left.
    fake_now = START + timedelta(seconds=time.monotonic() - wall_start)
    proc = await spawn(lc, db, fake_now, log)
    try:
        deadline = time.monotonic() + 25
        while posted() < len(all_channels):
            assert proc.returncode is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, (
                f"{posted()} of {len(all_channels)}\n" + log.read_text()[-3000:]
            )
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # any duplicate would land now
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        await proc.wait()

    counts = [len(lc.messages(ch)) for ch in all_channels]
    assert counts == [1] * len(all_channels), {c: counts.count(c) for c in set(counts)}
    for ch, (_, _, role_id) in zip(all_channels, channels, strict=True):
        msg = lc.messages(ch)[0]
        assert msg["mention_roles"] == [str(role_id)] and msg["embeds"][0]["title"].startswith(
            "All of Us Are Dead"
        )
    after = await ledger(db)
    assert after == {"sent": len(all_channels)}, after
    text = log.read_text()
    accepted = sum(1 for (m, p, s) in lc.request_log if m == "POST" and p.endswith("/messages") and s == 200)
    print(f"POST messages answered 200: {accepted} for {len(all_channels)} channels;", end=" ")
    print(
        f"\nkilled at {at_kill} posts (ledger then: {before}); "
        f"re-sent pending after restart: {text.count('re-sending pending post')}"
    )
