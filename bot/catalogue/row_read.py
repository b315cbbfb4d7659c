"""Reading TVmaze files straight into the rows of an empty catalogue (a bulk import's fast path).

The usual import (``bot.catalogue.validate`` then ``bot.sync.layers`` then ``bot.store.importer``)
sends every show back from its reading process as a record, rebuilds two million model objects
in the importing process, checks across shows there and only then builds the rows it writes.
When the catalogue is empty and every file is a TVmaze list, each reading process here builds the
rows itself (``bot.store.bulk.RowBuilder``, the very builder the usual path uses, from the very
records ``bot.catalogue.files`` reads and checks), and sends back for each show only what the
checks across shows and the choice of its stored id need. The importing process merely writes
what it gets (``bot.store.bulk_rows``).

A task gives up (``None``), and the import goes the usual way, which then says exactly what is
wrong, when anything in it is not the plain case: a file that is not TVmaze JSON or cannot be
read, a show with a problem of its own, one person id with two names (or native names), or a
record with events or links (TVmaze's JSON gives neither).
"""

from __future__ import annotations

import gc
import marshal
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bot.catalogue import pool
from bot.catalogue.files import Planned, read_file
from bot.models import ShowRecord, first_year, slugify
from bot.search import normalise
from bot.store.bulk import ChunkRows, RowBuilder, unique_names
from bot.store.bulk_rows import NotRowable, PersonEntry, ShowEntry, TaskRows


def _names(*texts: str | None) -> list[tuple[str, str]]:
    """(text, search key) of each name ``unique_names`` keeps."""
    return [(text, normalise(text)) for text in unique_names(*texts)]


def rows_of(task: pool.Task) -> TaskRows | None:
    """The rows of one task's shows, or None when it is not the plain case."""
    builder = RowBuilder()
    shows: list[ShowEntry] = []
    records: list[ShowRecord] = []
    people: dict[str, PersonEntry] = {}
    for path, label, part, parts in task:
        if path.suffix != ".json":
            return None
        result = read_file(path, label, part, parts)
        if isinstance(result, str):
            return None
        for item in result:
            _, errors, record, _ = item.checked()
            if errors or record is None or record.events or record.links:
                return None
            for c in record.credits:
                p = c.person
                known = people.get(p.id)
                if known is None:
                    if p.native_name == "":
                        return None
                    names = _names(p.name, p.native_name)
                    people[p.id] = (p.id, p.name, p.native_name, names, len(shows))
                elif known[1] != p.name or known[2] != p.native_name:
                    return None
            s = record.show
            shows.append(
                (
                    builder.show_row(s),
                    s.tvmaze_id,
                    slugify(s.title),
                    slugify(s.title, first_year(record)),
                    _names(s.title, s.original_title, *s.aliases),
                    len(record.credits),
                    len(record.episodes),
                    len(record.releases),
                )
            )
            records.append(record)
    rows = builder.children(records, ChunkRows())
    return TaskRows(shows, rows.credits, rows.episodes, rows.releases, list(people.values()))


def work_rows(task: pool.Task) -> bytes | None:
    """In a reading process: ``rows_of`` as one ``marshal`` string (None: not the plain case)."""
    rows = rows_of(task)
    if rows is None:
        return None
    try:
        return marshal.dumps(rows.values())
    except ValueError:  # a value marshal does not take (none is expected): the usual way
        return None


def _loads(data: bytes | None) -> TaskRows:
    if data is None:
        raise NotRowable
    return TaskRows(*marshal.loads(data))


def tvmaze_only(planned: list[Planned]) -> bool:
    """Whether every planned entry is a TVmaze JSON file (no error line, no TOML file)."""
    return bool(planned) and all(not isinstance(e, str) and e[0].suffix == ".json" for e in planned)


def read_rows(
    planned: list[Planned], progress: Callable[[int, int], None] | None = None
) -> Iterator[TaskRows]:
    """The rows of every planned file, task by task in file order; raises NotRowable as soon as
    a task is not the plain case. A big catalogue is read by one process per core (the tasks of
    ``bot.catalogue.pool``); a small one here, file by file. ``progress(tasks read, tasks)``."""
    workers = pool.workers()
    units = pool.tasks(planned, workers)
    if units is None:
        files = [(Path(e[0]), e[1]) for e in planned if not isinstance(e, str)]
        if len(files) != len(planned):
            raise NotRowable
        for done, (path, label) in enumerate(files, 1):
            rows = rows_of([(path, label, 0, 1)])
            if rows is None:
                raise NotRowable
            if progress:
                progress(done, len(files))
            yield rows
        return
    jobs = [u for u in units if not isinstance(u, str)]
    if len(jobs) != len(units):
        raise NotRowable
    executor = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=gc.disable)
    try:
        futures = deque(executor.submit(work_rows, u) for u in jobs)
        done = 0
        while futures:
            rows = _loads(futures.popleft().result())
            done += 1
            if progress:
                progress(done, len(jobs))
            yield rows
    except BaseException:  # NotRowable, or the import stopped: no more reading
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown()
