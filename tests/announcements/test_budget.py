"""The rate budget every process shares (bot/announce/budget.py, bot/store/budget.py).

Two processes are two Stores on one database (SQLite, then PostgreSQL). Time is virtual: each
limiter reads a clock the test moves and sleeps on it, and the clock moves only when every
worker is asleep, so the figures below are exact and nothing depends on how fast the machine is."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import pytest

from bot.announce.budget import SharedBudget
from bot.store import Store

RATE = 48.0
START = 1_900_000_000.0  # Unix seconds


class VirtualTime:
    """A wall clock and a sleep for the limiters; :meth:`drive` runs workers and moves the clock
    to the next wake-up whenever all of them sleep."""

    def __init__(self, start: float = START) -> None:
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def wall(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def drive(self, workers: Sequence[Awaitable[None]], within: float = 60.0) -> None:
        tasks = [asyncio.ensure_future(w) for w in workers]
        try:
            async with asyncio.timeout(within):
                while not all(t.done() for t in tasks):
                    live = sum(1 for t in tasks if not t.done())
                    if self._sleepers and len(self._sleepers) >= live:
                        at, _, future = heapq.heappop(self._sleepers)
                        self.now = max(self.now, at)
                        future.set_result(None)
                    await asyncio.sleep(0.0005)  # the database answers in real time meanwhile
        finally:
            for t in tasks:
                t.cancel()
        for t in tasks:
            t.result()


def worker(
    limiter: SharedBudget, sent: list[float], count: int, time: VirtualTime
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        for _ in range(count):
            async with limiter.slot():
                sent.append(time.wall())

    return run


def most_in_one_second(times: Sequence[float]) -> int:
    """The most requests in any one-second window, whatever its phase (to 10 microseconds: the
    instants are Unix seconds in floating point, summed in the database)."""
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0 + 1e-5:
            j += 1
        best = max(best, i - j + 1)
    return best


@pytest.fixture
async def two_stores(database_target: Path | str):
    """Two processes' stores on one database (a SQLite file, or one PostgreSQL database)."""
    a = await Store.open(database_target)
    b = await Store.open(database_target)
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


def budget(store: Store, time: VirtualTime, **options: object) -> SharedBudget:
    return SharedBudget(store.budget, rate=RATE, wall=time.wall, sleep=time.sleep, **options)  # type: ignore[arg-type]


async def test_the_store_hands_out_each_slot_once_and_none_for_idle_time(store: Store):
    iv = 1 / RATE
    assert await store.budget.budget_next_at("discord") is None
    end = await store.budget.claim_slots("discord", START, 5, iv)
    assert end == pytest.approx(START + 5 * iv)
    # asked again at once: the next five, after the first
    assert await store.budget.claim_slots("discord", START, 5, iv) == pytest.approx(START + 10 * iv)
    # asked after an idle minute: from then, nothing banked
    assert await store.budget.claim_slots("discord", START + 60, 2, iv) == pytest.approx(START + 60 + 2 * iv)
    # a hold only ever moves the grid later
    await store.budget.hold_budget("discord", START + 70)
    await store.budget.hold_budget("discord", START + 65)
    assert await store.budget.budget_next_at("discord") == pytest.approx(START + 70)
    assert await store.budget.claim_slots("discord", START + 61, 1, iv) == pytest.approx(START + 70 + iv)


async def test_two_busy_processes_together_never_pass_the_budget_in_any_second(two_stores):
    a, b = two_stores
    time = VirtualTime()
    first, second = budget(a, time), budget(b, time)
    sent_a: list[float] = []
    sent_b: list[float] = []
    per_worker = 15
    workers = [worker(first, sent_a, per_worker, time)() for _ in range(8)]
    workers += [worker(second, sent_b, per_worker, time)() for _ in range(8)]
    await time.drive(workers)

    everything = sent_a + sent_b
    assert len(everything) == 16 * per_worker
    assert most_in_one_second(everything) <= RATE  # Discord allows 50
    # both got a fair part, and together they used the whole budget
    assert len(sent_a) == len(sent_b) == 8 * per_worker
    span = max(everything) - min(everything)
    assert span == pytest.approx((len(everything) - 1) / RATE, rel=0.02)
    assert first.forfeited == second.forfeited == 0
    # slots were taken a few at a time: few round trips to the database
    assert first.claims + second.claims <= len(everything) / 4


async def test_an_idle_process_leaves_the_whole_budget_to_a_busy_one(two_stores):
    a, b = two_stores
    time = VirtualTime()
    busy, idle = budget(a, time), budget(b, time)
    sent: list[float] = []
    await time.drive([worker(busy, sent, 24, time)() for _ in range(4)])  # 96 requests
    assert idle.claims == 0
    # 48 a second, as if alone: a static split (24/s each) would have taken twice as long
    span = max(sent) - min(sent)
    assert span == pytest.approx(95 / RATE, rel=0.02)
    assert most_in_one_second(sent) <= RATE

    # the idle one wakes up later: it starts at once, and takes turns from then on
    time.now += 10
    late: list[float] = []
    await time.drive([worker(idle, late, 2, time)()])
    assert late[0] == pytest.approx(time.now - 1 / RATE, abs=1.5 / RATE)


async def test_a_global_429_seen_by_one_process_pauses_the_other(two_stores):
    a, b = two_stores
    time = VirtualTime()
    first, second = budget(a, time), budget(b, time)
    told = time.now
    first.rate_limited(global_=True, retry_after=0.75)
    await first.settled()
    sent: list[float] = []
    await time.drive([worker(second, sent, 3, time)()])
    assert min(sent) >= told + 0.75
    assert first.global_429s == 1
    # a route's 429 is discord.py's business: no pause
    first.rate_limited(global_=False, retry_after=5.0)
    assert first.global_429s == 1


async def test_a_request_too_late_for_its_slot_takes_another():
    class Book:
        def __init__(self) -> None:
            self.next_at = 0.0

        async def claim_slots(self, name: str, now: float, count: int, interval: float) -> float:
            self.next_at = max(self.next_at, now) + count * interval
            return self.next_at

        async def hold_budget(self, name: str, until: float) -> None:
            self.next_at = max(self.next_at, until)

    time = VirtualTime()
    stalls = iter([0.5])  # the first wake-up comes half a second late (a blocked event loop)

    async def stalling_sleep(seconds: float) -> None:
        time.now += seconds + next(stalls, 0.0)
        await asyncio.sleep(0)

    limiter = SharedBudget(Book(), rate=RATE, batch=1, wall=time.wall, sleep=stalling_sleep)
    sent = []
    for _ in range(2):
        async with limiter.slot():
            sent.append(time.wall())
    # the first went at once; the second woke half a second after its slot: it gave the slot
    # up and went in the next free one, not bunched up with requests sent meanwhile
    assert limiter.forfeited == 1 and limiter.used == 2
    assert sent[1] - sent[0] == pytest.approx(0.5 + 1 / RATE, abs=1e-6)


async def test_without_the_database_posts_still_go_out_paced_locally(store: Store):
    class Down:
        async def claim_slots(self, name: str, now: float, count: int, interval: float) -> float:
            raise OSError("database unreachable")

        async def hold_budget(self, name: str, until: float) -> None:
            raise OSError("database unreachable")

    limiter = SharedBudget(Down(), rate=RATE)
    async with limiter.slot():
        pass
    assert limiter.fallbacks == 1 and limiter.claims == 0
    limiter.rate_limited(global_=True, retry_after=0.01)
    await limiter.settled()  # logged, never raised
