"""One rate budget for every process of the bot. No discord here.

Discord's global limit (about 50 requests a second) is the bot's, not each process's. A process
that paces itself at 48/s (``pacing.AdaptiveLimiter``) is right alone and wrong beside another
one: together they send 96/s and Discord answers 429 to half of it. A static split (each of N
processes at 50/N) stays under the limit but wastes an idle process's share.

:class:`SharedBudget` paces every process on one grid of slots ``1/rate`` apart, kept in the
database (``bot.store.budget``): a process that needs to send takes the next ``batch`` free
slots (one round trip for several requests), then sends each request at its slot. Whoever
asks gets the next slots, so one busy process gets all ``rate`` per second while the others are
idle, and two busy ones share it. Slots rather than a count per second: the requests of every
process come evenly spaced, so no one-second window of Discord's, whatever its phase, sees a
burst (a count per wall-clock second lets 2 x rate through a window that straddles two).

* A request that could not go within ``late`` of its slot (a stalled event loop) gives the slot
  up and takes another, so late requests never bunch up with the next ones.
* A global 429 (reported by the Discord adapter) moves the shared grid past the limit's reset:
  every process waits, not only the one that was told.
* The database not answering within ``deadline`` never stops a post: the process paces on its
  own, at ``fallback_rate``, until it answers again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

from bot.announce.pacing import RateLimiter

log = logging.getLogger(__name__)

DISCORD_GLOBAL = "discord"  # the budget of Discord's global limit


class SlotBook(Protocol):
    """Where the shared grid is kept (``Store.budget``)."""

    async def claim_slots(self, name: str, now: float, count: int, interval: float) -> float: ...
    async def hold_budget(self, name: str, until: float) -> None: ...


class SharedBudget:
    """A :class:`~bot.announce.pacing.Limiter` whose budget every process of the bot shares."""

    def __init__(
        self,
        book: SlotBook,
        *,
        rate: float = 48.0,
        batch: int = 5,
        name: str = DISCORD_GLOBAL,
        late: float | None = None,
        deadline: float = 2.0,
        fallback_rate: float | None = None,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or batch < 1:
            raise ValueError("a shared budget needs a positive rate and batch")
        self.book = book
        self.name = name
        self.rate = rate
        self.interval = 1.0 / rate
        self.batch = batch
        self.late = self.interval if late is None else late
        self.deadline = deadline
        self.fallback = RateLimiter(fallback_rate if fallback_rate is not None else rate / 4)
        self._wall = wall
        self._sleep = sleep
        self._slots: deque[float] = deque()  # slots taken and not yet used, in order
        self._lock = asyncio.Lock()
        self._hold_until = float("-inf")
        self._holds: set[asyncio.Task[None]] = set()
        self._failing = False
        # what it did, for tests, the benchmark and the logs
        self.claims = 0  # round trips to the database
        self.used = 0  # slots a request went out in
        self.forfeited = 0  # slots given up: a request too late for it, or a 429's pause
        self.fallbacks = 0  # requests paced locally because the database did not answer
        self.global_429s = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        while True:
            at = await self._take()
            if at is None:
                break
            wait = at - self._wall()
            if wait > 0:
                await self._sleep(wait)
            if self._wall() - at <= self.late and at >= self._hold_until:
                break
            self.forfeited += 1  # too late for this slot, or Discord said to wait: another one
        if at is None:
            self.fallbacks += 1
            async with self.fallback.slot():
                yield
            return
        self.used += 1
        yield

    async def _take(self) -> float | None:
        """The next slot of this process, taking more from the shared grid when none is left;
        None when the database does not answer."""
        async with self._lock:
            now = self._wall()
            floor = max(now - self.late, self._hold_until)
            while self._slots and self._slots[0] < floor:
                self._slots.popleft()
                self.forfeited += 1
            if not self._slots:
                count = self.batch  # a few at once: at most batch - 1 go unused when it falls idle
                try:
                    async with asyncio.timeout(self.deadline):
                        end = await self.book.claim_slots(
                            self.name, max(now, self._hold_until), count, self.interval
                        )
                except Exception as exc:
                    if not self._failing:
                        log.warning(
                            "the shared rate budget did not answer (%s): pacing this process alone at "
                            "%.0f requests/s until it does",
                            type(exc).__name__,
                            self.fallback.rate or 0,
                        )
                    self._failing = True
                    return None
                if self._failing:
                    log.info("the shared rate budget answers again")
                    self._failing = False
                self.claims += 1
                self._slots.extend(end - (count - i) * self.interval for i in range(count))
            return self._slots.popleft()

    def rate_limited(self, *, global_: bool, retry_after: float | None) -> None:
        """Discord answered 429. A global one pauses every process until the limit resets."""
        if not global_:
            return
        self.global_429s += 1
        until = self._wall() + (1.0 if retry_after is None else retry_after)
        if until <= self._hold_until:
            return
        self._hold_until = until
        task = asyncio.get_running_loop().create_task(self._hold(until))
        self._holds.add(task)
        task.add_done_callback(self._holds.discard)

    def answered(self, *, server_time: float | None = None) -> None:
        """Discord answered a request: nothing to do, the shared grid paces every process."""
        return None

    async def _hold(self, until: float) -> None:
        try:
            async with asyncio.timeout(self.deadline):
                await self.book.hold_budget(self.name, until)
        except Exception:
            log.warning("could not pause the shared rate budget after a 429", exc_info=True)

    async def settled(self) -> None:
        """Wait until the pauses asked for after 429s are written (tests, shutdown)."""
        if self._holds:
            await asyncio.wait(set(self._holds), timeout=self.deadline)


__all__ = ["DISCORD_GLOBAL", "SharedBudget", "SlotBook"]
