"""How fast announcement requests go out: Discord allows a bot about 50 requests a second in all.

No discord here: the Discord adapter reports each 429 to :meth:`Limiter.rate_limited` (through
the service), and every request of a run goes through :meth:`Limiter.slot`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Literal, Protocol

log = logging.getLogger(__name__)


class Limiter(Protocol):
    def slot(self) -> AbstractAsyncContextManager[None]: ...
    def rate_limited(self, *, global_: bool, retry_after: float | None) -> None: ...


class RateLimiter:
    """Paces calls to at most ``rate`` per second across every task (no bursts, no storms)."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self.rate:
            async with self._lock:
                loop = asyncio.get_running_loop()
                now = loop.time()
                slot = max(now, self._next)
                self._next = slot + 1.0 / self.rate
            if slot > now:
                await asyncio.sleep(slot - now)
        yield

    def rate_limited(self, *, global_: bool, retry_after: float | None) -> None:
        return None


class AdaptiveLimiter:
    """Unpaced until Discord answers a global 429, then paced just under its global limit.

    Discord lets a bot make ``ceiling`` requests per second over all routes, and every request
    counts (a post, a crosspost, a thread). A fixed pace under it wastes what a server with a
    higher limit (or none) allows, so a run starts unpaced: up to ``burst`` requests at once;
    past that, requests go one at a time, each answer seen before the next request, so at most
    one request can cross the limit. Then either

    * a global 429 comes back (reported by :meth:`rate_limited`): from then on requests are
      paced at ``rate`` per second, measured from when each one really went (no catch-up
      bursts after a stall), starting once the limit has reset; or
    * more than twice the ceiling are answered within one second, which no limited server
      allows: unpaced from then on; or
    * neither within ``careful_for`` seconds (a slow link): paced, to be safe.

    After ``idle`` seconds with nothing in flight it starts over. No discord here: the Discord
    adapter calls :meth:`rate_limited` from its HTTP trace.
    """

    PROBING, PACED, FREE = "probing", "paced", "free"

    def __init__(
        self,
        ceiling: int = 50,
        rate: float = 48.0,
        *,
        burst: int | None = None,
        window: float = 1.0,
        careful_for: float = 1.0,
        idle: float = 10.0,
    ) -> None:
        self.ceiling = ceiling
        self.rate = rate
        self.burst = burst if burst is not None else max(1, ceiling - 5)
        self.window = window
        self.careful_for = careful_for
        self.idle = idle
        self.global_429s = 0
        self._reset()
        self._in_flight = 0
        self._last = float("-inf")
        self._careful = asyncio.Lock()
        self._pace = asyncio.Lock()

    def _reset(self) -> None:
        self.mode = self.PROBING
        self._sent = 0
        self._ok: deque[float] = deque()  # send times of requests answered without a global 429
        self._careful_since: float | None = None
        self._next = 0.0
        self._recent: deque[float] = deque(maxlen=max(1, int(self.rate * self.window)))  # paced sends

    def rate_limited(self, *, global_: bool, retry_after: float | None) -> None:
        """Discord answered 429. A global one switches to pacing, after the limit resets."""
        if not global_:
            return
        self.global_429s += 1
        now = asyncio.get_running_loop().time()
        if self.mode != self.PACED:
            log.info("Discord's global rate limit reached: pacing at %.0f requests/s", self.rate)
        self.mode = self.PACED
        wait = self.window if retry_after is None else retry_after + 0.05
        self._next = max(self._next, now + wait)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._in_flight == 0 and now - self._last > self.idle and self.mode != self.PROBING:
            self._reset()
        careful = False
        if self.mode == self.PROBING and (self._careful_since is not None or self._sent >= self.burst):
            await self._careful.acquire()
            careful = True
            now = loop.time()
            if self.mode == self.PROBING:
                if self._careful_since is None:
                    self._careful_since = now
                elif now - self._careful_since > self.careful_for:
                    self.mode = self.PACED
            if self.mode != self.PROBING:
                self._careful.release()
                careful = False
        if self.mode == self.PACED:
            await self._paced(loop)
        sent_at = loop.time()
        self._sent += 1
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._last = loop.time()
            if self.mode == self.PROBING:
                self._ok.append(sent_at)
                while self._ok and self._ok[0] < self._last - self.window:
                    self._ok.popleft()
                if len(self._ok) > 2 * self.ceiling:
                    log.info("no global rate limit in sight: posting unpaced")
                    self.mode = self.FREE
            if careful:
                self._careful.release()

    async def _paced(self, loop: asyncio.AbstractEventLoop) -> None:
        """Slots on a steady grid of 1/rate (late wake-ups do not slow the pace down), with at
        most ``rate`` requests in any one-second window (a stall is not followed by a burst)."""
        interval = 1.0 / self.rate
        async with self._pace:
            while True:
                now = loop.time()
                wait = self._next - now
                if len(self._recent) == self._recent.maxlen:
                    wait = max(wait, self._recent[0] + self.window - now)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self._next = max(self._next, now - interval) + interval
            self._recent.append(now)


class Unlimited:
    """No pacing at all (tests, tools)."""

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        yield

    def rate_limited(self, *, global_: bool, retry_after: float | None) -> None:
        return None


def make_limiter(rate_per_second: float | Literal["adaptive"] | None) -> Limiter:
    """ "adaptive": unpaced until Discord's global limit answers, then just under it; a number: a
    fixed pace; None: unpaced (tests)."""
    if rate_per_second == "adaptive":
        return AdaptiveLimiter()
    if rate_per_second is None:
        return Unlimited()
    return RateLimiter(float(rate_per_second))


__all__ = ["AdaptiveLimiter", "Limiter", "RateLimiter", "Unlimited", "make_limiter"]
