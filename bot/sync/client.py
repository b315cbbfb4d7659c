"""TVmaze's public API over HTTP, politely: its rate limit, retries, and quiet failure.

- At most ``max_requests`` (TVmaze: 20) per ``window`` seconds (10), counted by this client.
- A 429 waits (``Retry-After``, else the window) and asks again; 5xx, timeouts and connection
  errors back off (doubling) for a few tries. 404 is an answer (``None``), not a failure.
- A body that is not JSON (malformed, truncated) raises :class:`BadResponse` at once.
- With no network at all, one warning per failure streak, not one per request; the first
  success after a streak says so once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

DEFAULT_BASE = "https://api.tvmaze.com"
SHOW_EMBEDS = ("cast", "crew", "episodes")
MAX_BODY = 64 * 1024 * 1024  # a show with every episode is well under this


class TVmazeError(Exception):
    """A request that failed for good (after its retries)."""


class Unavailable(TVmazeError):
    """TVmaze could not be reached, or kept failing."""


class Offline(Unavailable):
    """TVmaze could not be reached at all (no connection, no answer in time)."""


class BadResponse(TVmazeError):
    """An answer that is not the JSON asked for (malformed, truncated, too big)."""


class RateLimiter:
    """At most ``limit`` acquisitions in any ``window`` seconds (a sliding window)."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.limit = limit
        self.window = window
        self._monotonic = monotonic
        self._sleep = sleep
        self._times: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._monotonic()
                while self._times and now - self._times[0] >= self.window:
                    self._times.popleft()
                if len(self._times) < self.limit:
                    self._times.append(now)
                    return
                await self._sleep(self.window - (now - self._times[0]) + 0.001)

    def hold_off(self, seconds: float) -> None:
        """After a 429: count the window as full for ``seconds`` more."""
        now = self._monotonic()
        stamp = now - self.window + seconds
        self._times.clear()
        self._times.extend([stamp] * self.limit)


class TVmazeClient:
    def __init__(
        self,
        base: str = DEFAULT_BASE,
        *,
        session: aiohttp.ClientSession | None = None,
        max_requests: int = 20,
        window: float = 10.0,
        timeout: float = 15.0,
        tries: int = 4,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = base.rstrip("/")
        self._session = session
        self._own_session = session is None
        self.limiter = RateLimiter(max_requests, window, monotonic=monotonic, sleep=sleep)
        self.timeout = timeout
        self.tries = tries
        self.backoff = backoff
        self.max_wait = max_wait
        self._sleep = sleep
        self.requests = 0  # HTTP requests sent
        self.failures = 0  # requests that failed for good
        self.streak = 0  # failures in a row

    async def __aenter__(self) -> TVmazeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(headers={"User-Agent": "Premiere (a Discord bot)"})
            self._own_session = True
        return self._session

    # -- one request ----------------------------------------------------------------------------

    async def get(self, path: str, params: Mapping[str, str] | list[tuple[str, str]] | None = None) -> Any:
        """The JSON answer of GET ``path``, or None for a 404. Raises TVmazeError."""
        try:
            result = await self._get(path, params)
        except TVmazeError as exc:
            self.failures += 1
            self.streak += 1
            if self.streak == 1:
                log.warning("TVmaze: %s; using the local catalogue until it answers again", exc)
            raise
        if self.streak:
            log.info("TVmaze answers again after %d failed requests", self.streak)
            self.streak = 0
        return result

    async def _get(self, path: str, params: Mapping[str, str] | list[tuple[str, str]] | None) -> Any:
        url = f"{self.base}{path}"
        attempt = 0
        limited = 0
        while True:
            await self.limiter.acquire()
            self.requests += 1
            try:
                async with self._http().get(
                    url,
                    params=params,
                    timeout=aiohttp.ClientTimeout(total=self.timeout),
                    allow_redirects=True,
                ) as resp:
                    if resp.status == 404:
                        return None
                    if resp.status == 429:
                        limited += 1
                        if limited > 10:
                            raise Unavailable(f"{path}: still rate limited after {limited} tries")
                        wait = min(
                            self.max_wait, _retry_after(resp.headers.get("Retry-After"), self.limiter.window)
                        )
                        log.debug("TVmaze: 429 on %s; waiting %.1f s", path, wait)
                        self.limiter.hold_off(wait)
                        continue
                    if resp.status >= 500:
                        raise _Transient(f"{path}: TVmaze answered {resp.status}")
                    if resp.status >= 400:
                        raise TVmazeError(f"{path}: TVmaze answered {resp.status}")
                    body = await _read_body(resp, path)
            except (aiohttp.ClientError, TimeoutError, _Transient) as exc:
                attempt += 1
                reason = (
                    str(exc) if isinstance(exc, _Transient) else f"{path}: {type(exc).__name__} {exc}".strip()
                )
                if attempt >= self.tries:
                    raise (Unavailable if isinstance(exc, _Transient) else Offline)(reason) from None
                await self._sleep(min(self.max_wait, self.backoff * 2 ** (attempt - 1)))
                continue
            try:
                return json.loads(body)
            except (ValueError, RecursionError):
                raise BadResponse(f"{path}: the answer is not valid JSON ({len(body)} bytes)") from None

    # -- TVmaze's endpoints ------------------------------------------------------------------------

    async def show(self, tvmaze_id: int) -> dict[str, Any] | None:
        """A show with its cast, crew and episodes embedded."""
        data = await self.get(f"/shows/{int(tvmaze_id)}", [("embed[]", e) for e in SHOW_EMBEDS])
        return data if isinstance(data, dict) else None

    async def schedule(self, date: str, country: str) -> list[Any]:
        """Broadcast episodes airing on ``date`` in ``country`` (each carries its show)."""
        data = await self.get("/schedule", {"country": country, "date": date})
        return data if isinstance(data, list) else []

    async def web_schedule(self, date: str, country: str | None = None) -> list[Any]:
        """Streaming episodes released on ``date``: worldwide services when ``country`` is "",
        one country's when given, every one when None."""
        params = {"date": date}
        if country is not None:
            params["country"] = country
        data = await self.get("/schedule/web", params)
        return data if isinstance(data, list) else []

    async def updates(self, since: str = "day") -> dict[str, int]:
        """TVmaze id (as text) -> its `updated` stamp, for shows changed in the last day/week/month."""
        data = await self.get("/updates/shows", {"since": since})
        return {str(k): v for k, v in data.items() if isinstance(v, int)} if isinstance(data, dict) else {}

    async def search(self, query: str) -> list[Any]:
        data = await self.get("/search/shows", {"q": query})
        return data if isinstance(data, list) else []

    async def single_search(self, query: str) -> dict[str, Any] | None:
        """The best match for a title, with cast, crew and episodes embedded (None: no match)."""
        data = await self.get("/singlesearch/shows", [("q", query), *(("embed[]", e) for e in SHOW_EMBEDS)])
        return data if isinstance(data, dict) else None


async def _read_body(resp: aiohttp.ClientResponse, path: str) -> bytes:
    """The whole body (a read returns what has arrived so far), refusing one past MAX_BODY."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > MAX_BODY:
            raise BadResponse(f"{path}: answer larger than {MAX_BODY // 1024 // 1024} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


class _Transient(Exception):
    """A failure worth trying again."""


def _retry_after(value: str | None, default: float) -> float:
    try:
        seconds = float(value) if value is not None else default
    except ValueError:
        seconds = default
    return max(0.5, seconds)
