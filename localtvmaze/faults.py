"""Faults the server can be told to produce: rate limiting, error statuses, delays, hangs,
broken bodies and a dead connection. All are off by default and can be switched at run time.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Faults", "Fault"]

HANG = "hang"
MALFORMED = "malformed"
TRUNCATED = "truncated"
STATUS = "status"


@dataclass
class Fault:
    """A one-shot fault waiting for matching requests (``remaining`` of them)."""

    kind: str  # "status", "hang", "malformed" or "truncated"
    remaining: int
    path_prefix: str = ""
    status: int = 200


class Faults:
    """What goes wrong, and when.

    * ``rate_limit``: at most ``rate_max`` requests per ``rate_window`` seconds per client
      address, as a sliding window over the requests that were let through (answers 429 do
      not count). Beyond it: 429 with TVmaze's error envelope and a ``Retry-After`` header
      (seconds until the oldest request leaves the window, at least 1). The window runs on
      the real monotonic clock.
    * ``delay``: seconds added before every answer.
    * ``offline``: every connection is closed without an answer.
    * ``inject`` / ``hang`` / ``malformed`` / ``truncated``: one-shot faults for the next
      ``count`` requests whose path starts with ``path_prefix``. Each request takes at most
      one of them: the oldest that matches.
    """

    def __init__(
        self,
        *,
        rate_limit: bool = False,
        rate_window: float = 10.0,
        rate_max: int = 20,
        delay: float = 0.0,
        offline: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.rate_max = rate_max
        self.delay = delay
        self.offline = offline
        self.clock = clock
        self.pending: list[Fault] = []
        self._windows: dict[str, deque[float]] = {}

    def __repr__(self) -> str:
        return (
            f"Faults(rate_limit={self.rate_limit}, rate_window={self.rate_window}, "
            f"rate_max={self.rate_max}, delay={self.delay}, offline={self.offline}, "
            f"pending={self.pending})"
        )

    # -- one-shot faults ---------------------------------------------------------------

    def inject(self, status: int, count: int = 1, path_prefix: str = "") -> None:
        """The next ``count`` matching requests answer ``status`` (``Retry-After: 1`` on 429)."""
        if not 200 <= status <= 599:
            raise ValueError(f"not an HTTP status: {status}")
        self._add(Fault(STATUS, count, path_prefix, status))

    def hang(self, count: int = 1, path_prefix: str = "") -> None:
        """The next ``count`` matching requests never get an answer (until the server closes)."""
        self._add(Fault(HANG, count, path_prefix))

    def malformed(self, count: int = 1, path_prefix: str = "") -> None:
        """The next ``count`` matching requests get 200 with a body that is not JSON."""
        self._add(Fault(MALFORMED, count, path_prefix))

    def truncated(self, count: int = 1, path_prefix: str = "") -> None:
        """The next ``count`` matching requests get 200 with the first half of their JSON."""
        self._add(Fault(TRUNCATED, count, path_prefix))

    def clear(self) -> None:
        """Drops pending one-shot faults and switches every fault off."""
        self.pending.clear()
        self._windows.clear()
        self.rate_limit = False
        self.delay = 0.0
        self.offline = False

    def _add(self, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("count must be at least 1")
        self.pending.append(fault)

    def take(self, path: str) -> Fault | None:
        """Used by the server: consumes one use of the oldest pending fault matching ``path``."""
        for fault in self.pending:
            if path.startswith(fault.path_prefix):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.pending.remove(fault)
                return fault
        return None

    # -- rate limit --------------------------------------------------------------------

    def admit(self, client: str) -> float | None:
        """Used by the server: None if ``client`` may go on, else the Retry-After in seconds."""
        if not self.rate_limit:
            return None
        now = self.clock()
        window = self._windows.setdefault(client, deque())
        while window and window[0] <= now - self.rate_window:
            window.popleft()
        if len(window) >= self.rate_max:
            wait = window[0] + self.rate_window - now if window else self.rate_window
            return float(max(1, math.ceil(wait)))
        window.append(now)
        return None
