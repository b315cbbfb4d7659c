"""Reading a big catalogue in worker processes, one per core.

The files are cut into tasks (files, or parts of one big TVmaze list, of about ``TASK_BYTES``
each). A worker reads and checks the shows of its task on their own, and sends them back as one
``marshal`` string of plain values (``bot.catalogue.codec``: far cheaper than pickling the
dataclasses, or even tuples); ``read_in_pool`` rebuilds the records and yields them in file
order, as ``bot.catalogue.files.read_shows`` yields them when reading in this process, so the
checks across shows (``bot.catalogue.validate``) give exactly the errors, and in the order, of
a reading in one process.
"""

from __future__ import annotations

import gc
import marshal
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from bot.catalogue.codec import Decoder, encode_record
from bot.catalogue.files import Planned, ShowRead, read_file

POOL_MIN_FILES = 200  # fewer files and bytes than these: read them here, no processes
POOL_MIN_BYTES = 8_000_000
TASK_BYTES = 2_000_000  # files per task: about this much text
MAX_PARTS = 1000  # parts of one TVmaze list at most

# A task: (path, label, part, parts) of each file or part of a file in it
Task = list[tuple[Path, str, int, int]]


def workers() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def tasks(planned: list[Planned], workers: int) -> list[str | Task] | None:
    """Errors and tasks in file order, or None when the catalogue is too small for processes."""
    files = [entry for entry in planned if not isinstance(entry, str)]
    if workers < 2 or not files:
        return None
    sizes: dict[Path, int] = {}
    for path, _ in files:
        try:
            sizes[path] = path.stat().st_size
        except OSError:
            sizes[path] = 0
    if len(files) < POOL_MIN_FILES and sum(sizes.values()) < POOL_MIN_BYTES:
        return None
    # With few big TVmaze lists, each is read in parts of about TASK_BYTES, so that records
    # come back while the workers go on (a worker parses a list's JSON once for all the parts
    # it is given, but each worker parses it); with many, a task is one whole list, but for the
    # last lists: in parts, the workers share them, and what this process still has to rebuild
    # once they are done is one small part, not whole lists.
    big = [p for p, _ in files if p.suffix == ".json" and sizes[p] > TASK_BYTES]
    split = set(big) if len(big) < 2 * workers else set(big[-workers:])
    out: list[str | Task] = []
    task: Task = []
    task_bytes = 0
    for entry in planned:
        if isinstance(entry, str):
            if task:
                out.append(task)
                task, task_bytes = [], 0
            out.append(entry)
            continue
        path, label = entry
        n = min(MAX_PARTS, max(1, round(sizes[path] / TASK_BYTES))) if path in split else 1
        for part in range(n):
            task.append((path, label, part, n))
            task_bytes += sizes[path] // n
            if task_bytes >= TASK_BYTES:
                out.append(task)
                task, task_bytes = [], 0
    if task:
        out.append(task)
    return out


def work(task: Task) -> bytes | list[Any]:
    """In a worker: read and check the files of one task. Each show as (file, its own errors,
    its credits' source indexes or None when they are 0..n-1, its record's plain values or
    None); the whole as one ``marshal`` string (or, should a value be one marshal does not
    take, the list itself, which the pool pickles)."""
    out: list[Any] = []
    for path, label, part, parts in task:
        result = read_file(path, label, part, parts)
        if isinstance(result, str):
            out.append(result)
            continue
        for item in result:
            file, errors, record, origins = item.checked()
            if origins is not None and origins == list(range(len(origins))):
                origins = None
            out.append((file, errors, origins, None if record is None else encode_record(record)))
    try:
        return marshal.dumps(out)
    except ValueError:
        return out


def read_in_pool(units: list[str | Task], workers: int) -> Iterator[str | ShowRead]:
    """What ``files.read_shows`` yields for the same files, read by ``workers`` processes."""
    decoder = Decoder()
    jobs = sum(1 for u in units if not isinstance(u, str))
    pool = ProcessPoolExecutor(max_workers=min(workers, jobs), initializer=gc.disable)
    try:
        # Each task's result is let go once its shows are rebuilt: held to the end, the marshal
        # strings of all tasks (about 1.5 KB a show) stayed in memory beside the records.
        futures = deque(pool.submit(work, u) for u in units if not isinstance(u, str))
        for unit in units:
            if isinstance(unit, str):
                yield unit
                continue
            result = futures.popleft().result()
            for entry in marshal.loads(result) if isinstance(result, bytes) else result:
                if isinstance(entry, str):
                    yield entry
                    continue
                file, errors, origins, values = entry
                yield file, errors, None if values is None else decoder.record(values), origins
            del result
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
