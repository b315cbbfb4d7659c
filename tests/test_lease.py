"""Leases: one process of a cluster runs each once-per-bot job. The store's statement (two
holders, expiry, takeover, renewal, release; tasks and processes racing for one lease: exactly
one wins), the service that renews them on a clock, and a real holder process killed with
SIGKILL whose lease is taken over once it expires."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.lease import (
    FOLLOWS_LEASE,
    JOB_ID,
    LEASES,
    SYNC_LEASE,
    Leases,
    LeaseTable,
    add_lease_jobs,
    holder_id,
)
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
TTL = timedelta(seconds=60)


# -- the statement -----------------------------------------------------------------------------------


async def test_a_free_lease_is_taken_and_a_held_one_refused(store: Store) -> None:
    leases = store.leases
    assert await leases.lease("sync") is None
    assert await leases.acquire("sync", "a", NOW, TTL)
    assert not await leases.acquire("sync", "b", NOW + timedelta(seconds=30), TTL)
    assert await leases.lease("sync") == ("a", NOW + TTL)
    assert await leases.acquire("dms", "b", NOW, TTL)  # another lease: its own row


async def test_the_holder_renews_and_an_expired_lease_is_taken_over(store: Store) -> None:
    leases = store.leases
    assert await leases.acquire("sync", "a", NOW, TTL)
    assert await leases.acquire("sync", "a", NOW + timedelta(seconds=50), TTL)  # renewed
    assert await leases.lease("sync") == ("a", NOW + timedelta(seconds=110))
    assert not await leases.acquire("sync", "b", NOW + timedelta(seconds=100), TTL)
    assert not await leases.acquire("sync", "b", NOW + timedelta(seconds=110), TTL)  # still its last second
    assert await leases.acquire("sync", "b", NOW + timedelta(seconds=111), TTL)  # a's expired: b's now
    assert await leases.lease("sync") == ("b", NOW + timedelta(seconds=171))
    assert not await leases.acquire("sync", "a", NOW + timedelta(seconds=112), TTL)  # too late to renew


async def test_a_released_lease_is_free_at_once_and_only_its_holder_releases_it(store: Store) -> None:
    leases = store.leases
    assert await leases.acquire("sync", "a", NOW, TTL)
    assert not await leases.release("sync", "b")
    assert not await leases.acquire("sync", "b", NOW, TTL)
    assert await leases.release("sync", "a")
    assert await leases.acquire("sync", "b", NOW, TTL)


async def test_tasks_racing_on_their_own_connections_exactly_one_wins(database_target: Path | str) -> None:
    path = database_target
    stores = [await Store.open(path) for _ in range(4)]
    try:
        for round_ in range(20):
            at = NOW + round_ * 2 * TTL  # every round starts with the last round's lease expired
            won = await asyncio.gather(
                *(s.leases.acquire("sync", f"holder-{i}", at, TTL) for i, s in enumerate(stores))
            )
            assert won.count(True) == 1, (round_, won)
            holder = await stores[0].leases.lease("sync")
            assert holder is not None and holder[0] == f"holder-{won.index(True)}"
    finally:
        for s in stores:
            await s.close()


RACER = textwrap.dedent(
    """
    import asyncio, sys, time
    from datetime import datetime, timedelta
    from pathlib import Path
    from bot.store import Store

    async def main(path, name, start, go):
        store = await Store.open(path)
        try:
            deadline = time.monotonic() + 20
            while not Path(go).exists():
                if time.monotonic() > deadline:
                    raise SystemExit("no start signal")
                await asyncio.sleep(0.001)
            at = datetime.fromisoformat(start)
            won = await store.leases.acquire("sync", name, at, timedelta(seconds=60))
            print("won" if won else "lost", flush=True)
            if won and sys.argv[5] == "hold":
                await asyncio.sleep(60)  # the holder "dies" here: it is killed, never releases
        finally:
            await store.close()

    asyncio.run(main(*sys.argv[1:5]))
    """
)


async def racer(path: Path, name: str, go: Path, hold: bool = False) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        RACER,
        str(path),
        name,
        NOW.isoformat(),
        str(go),
        "hold" if hold else "exit",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_processes_racing_for_one_lease_exactly_one_wins(
    tmp_path: Path, database_target: Path | str
) -> None:
    path, go = database_target, tmp_path / "go"
    async with await Store.open(path):
        pass  # migrated before the race
    procs = [await racer(path, f"process-{i}", go) for i in range(4)]
    go.touch()
    async with asyncio.timeout(30):
        outputs = [await p.communicate() for p in procs]
    said = [out.decode().strip() for out, _ in outputs]
    assert sorted(said) == ["lost", "lost", "lost", "won"], [err.decode()[-2000:] for _, err in outputs]
    async with await Store.open(path) as store:
        assert await store.leases.lease("sync") == (f"process-{said.index('won')}", NOW + TTL)


async def test_a_holder_killed_with_sigkill_is_taken_over_once_its_lease_expires(
    tmp_path: Path, database_target: Path | str
) -> None:
    path, go = database_target, tmp_path / "go"
    async with await Store.open(path):
        pass
    go.touch()
    proc = await racer(path, "doomed", go, hold=True)
    try:
        async with asyncio.timeout(20):
            assert proc.stdout is not None
            assert (await proc.stdout.readline()).decode().strip() == "won"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        await proc.wait()
    clock = ManualClock(NOW + timedelta(seconds=5))
    async with await Store.open(path) as store:
        survivor = Leases(store.leases, clock, names=["sync"], ttl=TTL)
        assert await survivor.renew() == set() and not survivor.held("sync")  # the dead holder's, still
        clock.set(NOW + TTL + timedelta(seconds=1))
        assert await survivor.renew() == {"sync"} and survivor.held("sync")
        assert await store.leases.lease("sync") == (survivor.holder, NOW + 2 * TTL + timedelta(seconds=1))


# -- the service -------------------------------------------------------------------------------------


def test_a_holder_is_named_by_host_process_and_chance() -> None:
    a, b = holder_id(), holder_id()
    assert a != b and a.split(":")[1] == str(os.getpid()) == b.split(":")[1]


async def test_leases_are_taken_renewed_and_believed_held_only_until_their_expiry(store: Store) -> None:
    clock = ManualClock(NOW)
    one = Leases(store.leases, clock, ttl=TTL, holder="one")
    two = Leases(store.leases, clock, ttl=TTL, holder="two")
    assert set(one.names) == set(LEASES) == {SYNC_LEASE, FOLLOWS_LEASE}
    assert await one.renew() == set(LEASES) and await two.renew() == set()
    assert one.held(SYNC_LEASE) and one.held(FOLLOWS_LEASE) and not two.held(SYNC_LEASE)
    clock.advance(one.renew_every)
    assert await one.renew() == set() and await two.renew() == set()  # renewed, not gained again
    clock.advance(TTL - timedelta(seconds=1))  # one missed every renewal since; it stops believing
    assert one.held(SYNC_LEASE)
    clock.advance(timedelta(seconds=1))
    assert not one.held(SYNC_LEASE)  # at its expiry, before any other process may take it
    assert await two.renew() == set()  # the row's last second: still one's
    clock.advance(timedelta(seconds=1))
    assert await two.renew() == set(LEASES) and two.held(FOLLOWS_LEASE)
    assert await one.renew() == set() and not one.held(FOLLOWS_LEASE)  # lost: two runs the jobs now


async def test_a_clean_shutdown_hands_the_leases_over_at_once(store: Store) -> None:
    clock = ManualClock(NOW)
    one = Leases(store.leases, clock, ttl=TTL, holder="one")
    two = Leases(store.leases, clock, ttl=TTL, holder="two")
    await one.renew()
    await one.release()
    assert not one.held(SYNC_LEASE)
    assert await two.renew() == set(LEASES)


async def test_taking_a_lease_over_is_told_and_a_failing_database_only_lets_it_lapse(store: Store) -> None:
    clock = ManualClock(NOW)
    told: list[str] = []

    async def taken() -> None:
        told.append("taken")

    leases = Leases(store.leases, clock, names=[SYNC_LEASE], ttl=TTL, holder="one")
    leases.on_gain(taken)
    await leases.renew()
    await leases.renew()
    assert told == ["taken"]

    class Broken:
        async def acquire(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
            raise OSError("disk I/O error")

        async def release(self, name: str, holder: str) -> bool:
            raise OSError("disk I/O error")

    leases.table = Broken()
    clock.advance(timedelta(seconds=30))
    assert await leases.renew() == set() and leases.held(SYNC_LEASE)  # held until its expiry
    clock.advance(timedelta(seconds=30))
    assert not leases.held(SYNC_LEASE)
    await leases.release()  # logged, not raised


def test_a_lease_is_renewed_three_times_a_ttl() -> None:
    added: list[tuple[timedelta, str, timedelta]] = []

    class Scheduler:
        def add_interval_job(
            self, func: Callable[[], Awaitable[object]], every: timedelta, job_id: str, *, first_in: timedelta
        ) -> None:
            added.append((every, job_id, first_in))

    leases = Leases(store_stub(), ManualClock(NOW), ttl=TTL)
    add_lease_jobs(Scheduler(), leases)
    assert added == [(timedelta(seconds=20), JOB_ID, timedelta(seconds=20))]
    with pytest.raises(ValueError):
        Leases(store_stub(), ManualClock(NOW), ttl=timedelta(seconds=1))


def store_stub() -> LeaseTable:
    class Table:
        async def acquire(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
            return True

        async def release(self, name: str, holder: str) -> bool:
            return True

    return Table()
