"""Keeping a SQLite database file in memory, so that a command never waits on the disk.

A command reads a few pages of the file here and there: a show, its credits, its people. Those
pages come from the kernel's page cache, or, if the kernel has let go of them, from the disk:
at 300,000 shows (a 1.2 GB file) a command that found its pages on disk took 15–40 ms at p99
instead of 0.7–2.8 ms (``docs/benchmarks.md``). Some kernels let go of file pages nobody has
touched for a while even with memory to spare (proactive reclaim: on the machine the figures
come from, pages untouched for a minute), and a catalogue is mostly pages nobody has touched for
a minute.

``FileWarmer`` reads the file (and its WAL) through, in a thread, when the bot starts and then
every ``interval`` seconds (``DATABASE_KEEP_WARM``, 30 by default; 0 turns it off). A page still
in memory costs one copy (the 1.4 GB of 300,000 shows: 0.1 s) and counts as used; a page the
kernel let go comes back. It holds no memory of its own: the pages are the kernel's, which
still takes them back when memory is short.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.store.database import SQLITE, is_url

log = logging.getLogger(__name__)

CHUNK = 1 << 20  # bytes per read: one buffer, used again and again
DEFAULT_INTERVAL = 30.0  # seconds between two passes: well inside a minute


@dataclass(slots=True)
class WarmPass:
    """What one pass read, and how long it took."""

    bytes: int = 0
    seconds: float = 0.0


def read_through(
    paths: Sequence[Path],
    chunk: int = CHUNK,
    stop: threading.Event | None = None,
    held: Mapping[Path, int] | None = None,
) -> int:
    """Read every byte of each file that exists into one reused buffer; the bytes read. A file
    in ``held`` is read through that open descriptor, the others are opened and closed here.
    Stops early once ``stop`` is set (the bot is closing: its exit must not wait for a pass)."""
    buffer = bytearray(chunk)
    total = 0
    for path in paths:
        fd = held.get(path) if held else None
        own = fd is None
        if fd is None:
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
        try:
            offset = 0
            while (n := os.preadv(fd, [buffer], offset)) > 0:
                offset += n
                if stop is not None and stop.is_set():
                    break
            total += offset
        finally:
            if own:
                os.close(fd)
    return total


def database_files(path: Path) -> list[Path]:
    """A SQLite database and its write-ahead log."""
    return [path, path.with_name(path.name + "-wal")]


def warmer_for(path: Path | str, dialect: str, interval: float) -> FileWarmer | None:
    """The warmer of a SQLite file, or None (turned off, PostgreSQL, an in-memory database)."""
    if interval <= 0 or dialect != SQLITE or is_url(path) or str(path) == ":memory:":
        return None
    return FileWarmer(database_files(Path(path)), interval)


class FileWarmer:
    """Reads files through now and every ``interval`` seconds (see the module's docstring).

    The first file, the database, is opened once and read through that descriptor until
    ``close``, which must come after the database is closed: SQLite locks the file with
    ``fcntl``, and closing ANY descriptor of a file drops every such lock the process holds on
    it (another connection could then write under a reader's feet; SQLite reports a disk I/O
    error). The others (the WAL, which SQLite does not lock and may delete and make anew) are
    opened for each pass."""

    def __init__(
        self,
        paths: Sequence[Path],
        interval: float = DEFAULT_INTERVAL,
        *,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.paths = list(paths)
        self.interval = interval
        self._sleep = sleep
        self.passes = 0
        self.last = WarmPass()
        self.first_done = asyncio.Event()
        self._stop = threading.Event()
        self._held: dict[Path, int] = {}  # the database's descriptor, once it exists

    async def warm_once(self) -> WarmPass:
        """One pass, in a thread (the reads release the interpreter's lock)."""
        started = time.perf_counter()
        if self.paths and not self._held:
            with contextlib.suppress(FileNotFoundError):
                self._held[self.paths[0]] = os.open(self.paths[0], os.O_RDONLY)
        done = await asyncio.to_thread(read_through, self.paths, CHUNK, self._stop, self._held)
        self.last = WarmPass(done, time.perf_counter() - started)
        self.passes += 1
        self.first_done.set()
        return self.last

    async def run(self) -> None:
        """Pass after pass until cancelled; a pass that fails is logged and tried again later."""
        try:
            await self._passes()
        finally:
            self._stop.set()  # a pass under way in its thread stops at its next read

    def close(self) -> None:
        """Let go of the database's descriptor: only once the database is closed (see above)."""
        self._stop.set()
        for fd in self._held.values():
            os.close(fd)
        self._held.clear()

    async def _passes(self) -> None:
        while True:
            try:
                result = await self.warm_once()
            except OSError:
                log.exception("could not read the database file through to keep it in memory")
                self.first_done.set()
            else:
                if self.passes == 1:
                    log.info("database file in memory: %.0f MB in %.1f s", result.bytes / 1e6, result.seconds)
            await self._sleep(self.interval)
