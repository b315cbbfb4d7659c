"""How fast announcement requests go out: Discord allows a bot about 50 requests a second in all.

No discord here: the Discord adapter reports each 429 to :meth:`Limiter.rate_limited` (through
the service) and each answer to :meth:`Limiter.answered` (with the server's time read from its
rate-limit headers), and every request of a run goes through :meth:`Limiter.slot`.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, Protocol

log = logging.getLogger(__name__)


class Limiter(Protocol):
    def slot(self) -> AbstractAsyncContextManager[None]: ...
    def rate_limited(self, *, global_: bool, retry_after: float | None) -> None: ...
    def answered(self, *, server_time: float | None = None) -> None: ...


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

    def answered(self, *, server_time: float | None = None) -> None:
        return None


class AdaptiveLimiter:
    """Unpaced until Discord answers a global 429; then as many requests as Discord's global limit
    lets land in any one second, counted from Discord's own answers.

    Discord lets a bot make ``ceiling`` requests per second over all routes, and every request
    counts (a post, a crosspost, a DM, opening a DM channel). A run starts unpaced (a server with
    a higher limit, or none, is not held back): up to ``burst`` requests at once, then one at a
    time, each answer seen before the next request, so at most one request can cross the limit.
    Then either

    * a global 429 comes back (reported by :meth:`rate_limited`): nothing more goes before the
      instant Discord gives in it (``retry_after``: its own window's reset, not a local grid),
      and from then on requests are paced as below; or
    * more than twice the ceiling are answered within one second, which no limited server
      allows: unpaced from then on; or
    * neither within ``careful_for`` seconds (a slow link): paced, to be safe.

    Paced, a request goes only while fewer than ``ceiling`` requests are still unanswered or
    reached Discord within the last ``window`` (+ ``margin``). When a request reached Discord is
    read from Discord's answer (:meth:`answered`: the server's time, ``X-RateLimit-Reset`` minus
    ``X-RateLimit-Reset-After``, mapped to this clock by the largest server-minus-local offset
    among the recent answers, the one that came back fastest: never later than the answer
    itself, whatever the two clocks read); an answer without those headers counts as reaching
    Discord when it came back. An unanswered request holds its place however long it takes: a stalled link or
    server can hold back at most ``ceiling`` requests, and whatever window of Discord's they land
    in, with the ones sent after them it never holds more than ``ceiling``. This holds whether
    the server's window starts with its first request (as localcord's does) or slides, and
    needs no local grid: a late wake-up is not a lost slot, and a stall is not followed by a burst
    the server's window cannot take. Requests are spaced ``window / ceiling`` apart (a wake-up
    late by up to half of that does not push the next ones back).

    After ``idle`` seconds with nothing in flight it starts over. No discord here: the Discord
    adapter calls :meth:`rate_limited` and :meth:`answered` from its HTTP trace, in the task that
    made the request (so an answer is matched to its :meth:`slot`); ``clock`` and ``sleep`` are
    the event loop's unless given (tests).
    """

    PROBING, PACED, FREE = "probing", "paced", "free"

    def __init__(
        self,
        ceiling: int = 50,
        *,
        burst: int | None = None,
        window: float = 1.0,
        margin: float = 0.003,
        careful_for: float = 1.0,
        idle: float = 10.0,
        offsets: int = 256,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if ceiling < 1 or window <= 0:
            raise ValueError("a limiter needs a positive ceiling and window")
        self.ceiling = ceiling
        self.rate = ceiling / window  # the most it ever allows per second, paced
        self.burst = burst if burst is not None else max(1, ceiling - 5)
        self.window = window
        self.margin = margin
        self.careful_for = careful_for
        self.idle = idle
        self._clock = clock
        self._sleep = sleep
        self.global_429s = 0
        self.answers = 0  # answers read from Discord (for tests and the benchmark)
        self.timed_by_server = 0  # of which the server's time was read from the headers
        self._offsets_kept = max(1, offsets)
        self._offsets: deque[tuple[int, float]] = deque()  # (n, server - local) decreasing: a sliding max
        self._offset_n = 0
        self._arrivals: list[float] = []  # heap: when answered requests reached Discord
        self._reset()
        self._in_flight = 0
        self._last = float("-inf")
        self._careful = asyncio.Lock()
        self._pace = asyncio.Lock()

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def _reset(self) -> None:
        self.mode = self.PROBING
        self._sent = 0
        self._ok: deque[float] = deque()  # send times of requests answered without a global 429
        self._careful_since: float | None = None
        self._next = float("-inf")  # the earliest instant of the next paced request
        self._hold_until = float("-inf")

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def load(self) -> int:
        """Requests unanswered or that reached Discord within the last window (paced: < ceiling)."""
        self._expire(self._now())
        return self._in_flight + len(self._arrivals)

    def rate_limited(self, *, global_: bool, retry_after: float | None) -> None:
        """Discord answered 429. A global one: nothing more until Discord's window resets, then paced."""
        if not global_:
            return
        self.global_429s += 1
        now = self._now()
        if self.mode != self.PACED:
            log.info("Discord's global rate limit reached: pacing at its limit from its answers")
        self.mode = self.PACED
        self._last = now  # not idle: a run is under way
        wait = self.window if retry_after is None else max(0.0, retry_after)
        self._hold_until = max(self._hold_until, now + wait + self.margin)

    def answered(self, *, server_time: float | None = None) -> None:
        """Discord answered a request (the HTTP trace, in the requesting task). ``server_time``:
        when Discord handled it on its own clock (``X-RateLimit-Reset - X-RateLimit-Reset-After``)."""
        now = self._now()
        self.answers += 1
        at = now
        if server_time is not None:
            # server - local, at most the true offset (the answer took some time to come back);
            # the largest of the recent ones is the closest.
            offset = server_time - now
            self._offset_n += 1
            while self._offsets and self._offsets[-1][1] <= offset:
                self._offsets.pop()
            self._offsets.append((self._offset_n, offset))
            while self._offsets[0][0] <= self._offset_n - self._offsets_kept:
                self._offsets.popleft()
            at = min(now, server_time - self._offsets[0][1])
            self.timed_by_server += 1
        request = _REQUEST.get()
        if request is not None and request.owner is self and not request.done:
            at = max(at, request.sent)
            if request.arrival is not None:  # an earlier try of the same request (a retry)
                self._arrive(request.arrival)
            request.arrival = at
        else:
            self._arrive(at)  # not one of ours (a command's request): it counts all the same

    def _arrive(self, at: float) -> None:
        heapq.heappush(self._arrivals, at)
        if len(self._arrivals) > 4 * self.ceiling:
            self._expire(self._now())

    def _expire(self, now: float) -> None:
        horizon = now - self.window - self.margin
        while self._arrivals and self._arrivals[0] <= horizon:
            heapq.heappop(self._arrivals)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        now = self._now()
        if self._in_flight == 0 and now - self._last > self.idle and self.mode != self.PROBING:
            self._reset()
        careful = False
        if self.mode == self.PROBING and (self._careful_since is not None or self._sent >= self.burst):
            await self._careful.acquire()
            careful = True
            now = self._now()
            if self.mode == self.PROBING:
                if self._careful_since is None:
                    self._careful_since = now
                elif now - self._careful_since > self.careful_for:
                    self.mode = self.PACED
            if self.mode != self.PROBING:
                self._careful.release()
                careful = False
        if self.mode == self.PACED:
            await self._paced()
        request = _Request(self, self._now())
        token = _REQUEST.set(request)
        self._sent += 1
        self._in_flight += 1
        try:
            yield
        finally:
            try:
                _REQUEST.reset(token)
            except ValueError:  # left in another context than it was entered in
                _REQUEST.set(None)
            request.done = True
            self._in_flight -= 1
            now = self._now()
            self._last = now
            self._arrive(request.arrival if request.arrival is not None else now)
            if self.mode == self.PROBING:
                self._ok.append(request.sent)
                while self._ok and self._ok[0] < now - self.window:
                    self._ok.popleft()
                if len(self._ok) > 2 * self.ceiling:
                    log.info("no global rate limit in sight: posting unpaced")
                    self.mode = self.FREE
            if careful:
                self._careful.release()

    async def _paced(self) -> None:
        """Wait until the window has room (see the class), Discord's hold is over and the last
        request is ``window / ceiling`` back; one waiter at a time, in turn."""
        interval = self.window / self.ceiling
        async with self._pace:
            while True:
                now = self._now()
                self._expire(now)
                at = max(self._next, self._hold_until)
                if self._in_flight + len(self._arrivals) >= self.ceiling:
                    if self._arrivals:
                        at = max(at, self._arrivals[0] + self.window + self.margin)
                    else:  # every place is a request still unanswered: look again shortly
                        at = max(at, now + min(interval, self.margin) / 2)
                if at <= now:
                    break
                await self._sleep(at - now)
            # A late wake-up (up to half a spacing) does not push the next one back; a later one
            # does not bring two together.
            self._next = (
                now + interval
                if self._next == float("-inf")
                else max(self._next + interval, now + interval / 2)
            )


@dataclass(slots=True)
class _Request:
    owner: object
    sent: float
    arrival: float | None = None  # when it reached Discord, from Discord's answer
    done: bool = False


_REQUEST: ContextVar[_Request | None] = ContextVar("premiere_paced_request", default=None)


class Unlimited:
    """No pacing at all (tests, tools)."""

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        yield

    def rate_limited(self, *, global_: bool, retry_after: float | None) -> None:
        return None

    def answered(self, *, server_time: float | None = None) -> None:
        return None


def make_limiter(rate_per_second: float | Literal["adaptive"] | None) -> Limiter:
    """ "adaptive": unpaced until Discord's global limit answers, then at it, from its answers; a
    number: a fixed pace; None: unpaced (tests)."""
    if rate_per_second == "adaptive":
        return AdaptiveLimiter()
    if rate_per_second is None:
        return Unlimited()
    return RateLimiter(float(rate_per_second))


__all__ = ["AdaptiveLimiter", "Limiter", "RateLimiter", "Unlimited", "make_limiter"]
