"""The pacer of one process (bot/announce/pacing.py AdaptiveLimiter) against a fake Discord.

Time is virtual: the limiter and the fake server read a clock the test moves, and the clock moves
only once every task is waiting on it, so nothing depends on how fast the machine is. The fake
server counts requests as Discord does for its global limit: 50 in a window of one second that
starts with the first request after the last window ended; the 51st is answered 429 with the
window's reset in ``retry_after``, and is tried again after it (as discord.py does)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.announce.pacing import AdaptiveLimiter

CEILING = 50


class VirtualTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self.late: Callable[[float], float] = lambda at: at  # when a wake-up due at ``at`` comes

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), future))
        await future

    async def client_sleep(self, seconds: float) -> None:
        """The limiter's sleep: its wake-ups can come late (a busy event loop)."""
        await self.sleep(self.late(self.now + max(0.0, seconds)) - self.now)

    async def drive(self, workers: list[Awaitable[None]], within: float = 120.0) -> None:
        tasks = [asyncio.ensure_future(w) for w in workers]
        try:
            async with asyncio.timeout(within):  # real seconds: a deadline, not a measure
                while not all(t.done() for t in tasks):
                    for _ in range(8):  # let every task run until it waits on the clock
                        await asyncio.sleep(0)
                    if self._sleepers:
                        at, _, future = heapq.heappop(self._sleepers)
                        self.now = max(self.now, at)
                        future.set_result(None)
        finally:
            for t in tasks:
                t.cancel()
        for t in tasks:
            t.result()


@dataclass
class FakeDiscord:
    time: VirtualTime
    limiter: AdaptiveLimiter
    latency: float = 0.002  # each way
    skew: float = 0.0  # the server's clock minus the test's
    headers: bool = True  # answers carry X-RateLimit-Reset and -Reset-After
    stalls: list[tuple[float, float]] = field(default_factory=list)  # the server answers nothing then
    window_start: float = float("-inf")
    count: int = 0
    handled: list[float] = field(default_factory=list)  # when each request was counted
    global_429s: int = 0
    ok: int = 0

    def _held_until(self, t: float) -> float:
        for start, end in self.stalls:
            if start <= t < end:
                return end
        return t

    async def request(self) -> None:
        """One announcement: its slot, then tries until Discord takes it."""
        async with self.limiter.slot():
            while True:
                await self.time.sleep(self.latency)
                held = self._held_until(self.time.now)
                if held > self.time.now:
                    await self.time.sleep(held - self.time.now)
                now = self.time.now
                if now >= self.window_start + 1.0:
                    self.window_start, self.count = now, 0
                limited = self.count >= CEILING
                if not limited:
                    self.count += 1
                    self.handled.append(now)
                retry_after = self.window_start + 1.0 - now
                await self.time.sleep(self.latency)
                self.limiter.answered(server_time=now + self.skew if self.headers and not limited else None)
                if not limited:
                    self.ok += 1
                    return
                self.global_429s += 1
                self.limiter.rate_limited(global_=True, retry_after=retry_after)
                await self.time.sleep(retry_after)


async def fan_out(discord: FakeDiscord, requests: int, concurrency: int = 64) -> float:
    """Send ``requests`` through ``concurrency`` workers; the rate from the first request counted
    to the last, per second."""
    left = iter(range(requests))

    async def worker() -> None:
        for _ in left:
            await discord.request()

    await discord.time.drive([worker() for _ in range(concurrency)])
    assert discord.ok == requests
    return (len(discord.handled) - 1) / (discord.handled[-1] - discord.handled[0])


def limiter_peak(discord: FakeDiscord) -> list[int]:
    """Requests counted in each of the server's windows."""
    counts: list[int] = []
    start = float("-inf")
    for t in discord.handled:
        if t >= start + 1.0:
            start = t
            counts.append(0)
        counts[-1] += 1
    return counts


def limiter_on(time: VirtualTime) -> AdaptiveLimiter:
    return AdaptiveLimiter(ceiling=CEILING, clock=time.clock, sleep=time.client_sleep)


async def test_paced_from_the_answers_at_98_percent_after_one_429() -> None:
    time = VirtualTime()
    limiter = limiter_on(time)
    discord = FakeDiscord(time, limiter)
    rate = await fan_out(discord, 1500)
    assert discord.global_429s == 1 and limiter.mode == limiter.PACED
    assert rate >= 0.98 * CEILING, rate
    assert (limiter.answers, limiter.timed_by_server) == (1501, 1500)  # the 429 has no route headers


async def test_the_server_clock_may_be_anywhere() -> None:
    """The offset between Discord's clock and this one is learnt from the answers."""
    for skew in (-3600.0, 0.25, 86400.0):
        time = VirtualTime()
        discord = FakeDiscord(time, limiter_on(time), skew=skew)
        rate = await fan_out(discord, 600)
        assert discord.global_429s == 1, skew
        assert rate >= 0.98 * CEILING, (skew, rate)


async def test_stalls_on_either_side_bring_no_second_429() -> None:
    """The server stops answering for 20-150 ms now and then (what it holds lands together in its
    next window), and this side's wake-ups come up to 40 ms late: still one 429 in all."""
    rng = random.Random(13)
    time = VirtualTime()
    limiter = limiter_on(time)
    stalls, t = [], time.now
    while t < time.now + 60:
        t += rng.uniform(0.2, 0.9)
        stalls.append((t, t + rng.uniform(0.02, 0.15)))
    time.late = lambda at: at + (rng.uniform(0.0, 0.04) if rng.random() < 0.2 else 0.0)
    discord = FakeDiscord(time, limiter, stalls=stalls)
    rate = await fan_out(discord, 1500)
    assert discord.global_429s == 1
    assert rate >= 0.85 * CEILING, rate  # the server stalled 15 % of the time: what that costs


async def test_slow_answers_hold_back_what_the_window_cannot_take() -> None:
    """100 ms each way (a far server): never more than the ceiling unanswered."""
    time = VirtualTime()
    limiter = limiter_on(time)
    discord = FakeDiscord(time, limiter, latency=0.1)
    await fan_out(discord, 600)
    assert discord.global_429s <= 1  # none when the careful second passes first
    assert max(limiter_peak(discord)) <= CEILING


async def test_without_the_headers_an_answer_counts_from_when_it_came_back() -> None:
    time = VirtualTime()
    limiter = limiter_on(time)
    discord = FakeDiscord(time, limiter, headers=False)
    rate = await fan_out(discord, 600)
    assert discord.global_429s == 1 and limiter.timed_by_server == 0
    assert rate >= 0.97 * CEILING, rate  # each place held one round trip longer (4 ms)


async def test_every_answer_counts_even_outside_a_slot_and_each_try_of_one() -> None:
    time = VirtualTime()
    limiter = AdaptiveLimiter(ceiling=5, clock=time.clock, sleep=time.sleep)
    limiter.rate_limited(global_=True, retry_after=0.0)
    assert limiter.mode == limiter.PACED
    limiter.answered(server_time=time.now)  # a command's request, not through the limiter
    assert limiter.load() == 1

    async def twice() -> None:
        async with limiter.slot():
            assert limiter.load() == 2  # the unanswered request holds its place
            limiter.answered(server_time=time.now)
            limiter.answered(server_time=time.now)  # tried again (after a 5xx): two requests

    await time.drive([twice()])
    assert limiter.load() == 3
    time.now += 1.0 + limiter.margin + 0.001
    assert limiter.load() == 0


async def test_a_full_window_waits_for_the_oldest_to_leave_it() -> None:
    time = VirtualTime()
    limiter = AdaptiveLimiter(ceiling=3, clock=time.clock, sleep=time.sleep)
    limiter.rate_limited(global_=True, retry_after=0.5)
    sent: list[float] = []

    async def one() -> None:
        async with limiter.slot():
            sent.append(time.now)
            limiter.answered(server_time=time.now)

    await time.drive([one() for _ in range(7)])
    start = 1000.0 + 0.5 + limiter.margin  # Discord's retry_after first
    spacing = limiter.window / limiter.ceiling
    window = limiter.window + limiter.margin
    expected = [start, start + spacing, start + 2 * spacing]
    expected += [t + window for t in expected] + [start + 2 * window]
    assert sent == [pytest_approx(t) for t in expected]


def pytest_approx(value: float) -> object:
    import pytest

    return pytest.approx(value, abs=1e-6)


def test_the_server_time_is_reset_minus_reset_after() -> None:
    from bot.delivery import server_time

    headers = {"X-RateLimit-Reset": "1470173023.123", "X-RateLimit-Reset-After": "64.570"}
    assert server_time(headers) == pytest_approx(1470172958.553)
    assert server_time({"X-RateLimit-Reset": "1470173023.123"}) is None  # a global 429: no route headers
    assert server_time({"X-RateLimit-Reset": "soon", "X-RateLimit-Reset-After": "1"}) is None
