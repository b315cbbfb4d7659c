"""Batching for a delivery run: outcomes written to the ledger in batches, tasks in a bounded pool."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any, Protocol

from bot.store.announce_ledger import Finish


class FinishStore(Protocol):
    async def finish_many(self, finished: list[Finish], *, now: datetime) -> int: ...


class Ledger:
    """Outcomes of posts, written to the ledger in batches (one transaction per batch)."""

    def __init__(self, store: FinishStore, now: datetime, *, size: int = 256, every: float = 0.25) -> None:
        self.store = store
        self.now = now
        self.size = size
        self.every = every
        self._buffer: list[Finish] = []
        self._last = asyncio.get_running_loop().time()

    def add(self, finish: Finish) -> None:
        self._buffer.append(finish)

    def __len__(self) -> int:
        return len(self._buffer)

    async def maybe_flush(self) -> None:
        if len(self._buffer) >= self.size or asyncio.get_running_loop().time() - self._last >= self.every:
            await self.flush()

    async def flush(self) -> None:
        self._last = asyncio.get_running_loop().time()
        batch, self._buffer = self._buffer, []
        if batch:
            try:
                await self.store.finish_many(batch, now=self.now)
            except BaseException:
                self._buffer[:0] = batch  # kept for the next flush; pending rows are re-sent anyway
                raise


class Pool:
    """At most ``size`` tasks at once; ``spawn`` waits for room. ``cancel`` stops the rest."""

    def __init__(self, size: int) -> None:
        self._room = asyncio.Semaphore(size)
        self._tasks: set[asyncio.Task[None]] = set()

    async def spawn(self, make: Callable[[], Coroutine[Any, Any, None]]) -> None:
        await self._room.acquire()
        task = asyncio.ensure_future(make())
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._room.release()

    async def join(self) -> None:
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    async def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


__all__ = ["Ledger", "Pool"]
