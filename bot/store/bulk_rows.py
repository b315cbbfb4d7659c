"""Writing rows read by ``bot.catalogue.row_read`` into an empty catalogue, as the usual path would.

The usual path of a TVmaze import into an empty catalogue (``bot.sync.layers.prepare``, then
``bot.store.bulk.load``) gives each show its stored id, merges its people and numbers its names;
this module does the same on rows, task by task as the reading processes send them, so that the
database ends up the same, row for row (``tests/store/test_bulk_rows.py`` compares them):

- a show's id is the first of its title's slug, that slug with its first year, and
  ``tvmaze-<id>`` that no show before it took (``first_free_id``, which the usual path's
  ``bot.sync.layers`` uses too); where that is not the id it was read under, its rows are moved
  to it (a release's id is made from it again);
- shows, people (in the order of their first credits) and every child row go in as they come;
- names are numbered at the end, once the number of shows gives the import's batches: a batch's
  show names, then the names of the people first credited in it (``bot.store.bulk``).

Anything the usual path would treat otherwise (a TVmaze id given twice, one person id with two
names across tasks, a show without a TVmaze id) raises ``NotRowable`` before the transaction
commits, and the import goes the usual way.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Container, Iterable

from bot.models import release_id
from bot.store.bulk import NAMES_SQL, PEOPLE_SQL, SHOWS_SQL, BulkLoader, ChunkRows, sorted_runs
from bot.store.database import Statements

# One show of a task: (show row, TVmaze id, its title's slug, that slug with its first year, its
# names as (text, key), its numbers of credits, episodes and releases: its rows are the next ones
# of the task's lists)
ShowEntry = tuple[tuple, int | None, str, str, list[tuple[str, str]], int, int, int]
# A person as first credited in a task: (id, name, native name, names as (text, key), index of
# the show of the task that first credits them)
PersonEntry = tuple[str, str, str | None, list[tuple[str, str]], int]


def first_free_id(candidates: Iterable[str], fallback: str, *taken: Container[str]) -> str:
    """The first candidate that is not blank and in none of ``taken``, else ``fallback``."""
    return next((c for c in candidates if c and not any(c in t for t in taken)), fallback)


class NotRowable(Exception):
    """Not the plain case: import the usual way."""


class TaskRows:
    """What one task read: its shows, their rows in order, and the people they credit."""

    __slots__ = ("shows", "credits", "episodes", "releases", "people")

    def __init__(
        self,
        shows: list[ShowEntry],
        credits: list[tuple],
        episodes: list[tuple],
        releases: list[tuple],
        people: list[PersonEntry],
    ) -> None:
        self.shows = shows
        self.credits = credits
        self.episodes = episodes
        self.releases = releases
        self.people = people

    def values(self) -> tuple:
        """Plain values, for ``marshal`` (``TaskRows(*values)`` again)."""
        return (self.shows, self.credits, self.episodes, self.releases, self.people)


def _moved_release(row: tuple, show_id: str) -> tuple:
    """A release row under another show id (its id is made from the show id)."""
    scope, season, episode, platform, region, part = row[2], row[3], row[4], row[5], row[6], row[12]
    rid = release_id(show_id, scope, season, part, episode, platform, region)
    return (rid, show_id, *row[2:])


class RowsLoad:
    """The state of one load: ids given out, people seen, and what numbering names needs."""

    def __init__(self, tx: Statements, loader: BulkLoader) -> None:
        self.tx = tx
        self.loader = loader
        self.claimed: set[str] = set()
        self.tvmaze_ids: set[int] = set()
        self.people: dict[str, tuple[str, str | None]] = {}
        # per show, in order: (its id, its names, the people first credited in it)
        self.shows: list[tuple[str, list[tuple[str, str]], list[PersonEntry]]] = []

    async def add(self, task: TaskRows) -> None:
        """One task's rows into the tables (ids moved where needed), in order."""
        credits, episodes, releases = task.credits, task.episodes, task.releases
        shows = []
        first = len(self.shows)
        c = e = r = 0
        claimed = self.claimed
        for row, tvmaze_id, slug, slug_year, names, nc, ne, nr in task.shows:
            if tvmaze_id is None or tvmaze_id in self.tvmaze_ids:
                raise NotRowable
            self.tvmaze_ids.add(tvmaze_id)
            fallback = f"tvmaze-{tvmaze_id}"
            sid = first_free_id((slug, slug_year, fallback), fallback, claimed)
            claimed.add(sid)
            if sid != row[0]:
                row = (sid, *row[1:])
                credits[c : c + nc] = [(sid, *x[1:]) for x in credits[c : c + nc]]
                episodes[e : e + ne] = [(sid, *x[1:]) for x in episodes[e : e + ne]]
                releases[r : r + nr] = [_moved_release(x, sid) for x in releases[r : r + nr]]
            c, e, r = c + nc, e + ne, r + nr
            shows.append(row)
            self.shows.append((sid, names, []))
        people_rows = []
        known = self.people
        for entry in task.people:
            pid, name, native = entry[0], entry[1], entry[2]
            had = known.get(pid)
            if had is None:
                known[pid] = (name, native)
                people_rows.append((pid, name, native))
                self.shows[first + entry[4]][2].append(entry)
            elif had != (name, native):
                raise NotRowable
        await self.tx.executemany(SHOWS_SQL, shows)
        await self.tx.executemany(PEOPLE_SQL, people_rows)
        children = ChunkRows()
        children.credits, children.episodes, children.releases = credits, episodes, releases
        await self.loader.write_children(children)
        counts = self.loader.counts
        counts[0] += len(shows)
        counts[1] += len(people_rows)

    def names(self, batch: int) -> list[tuple]:
        """Rows of names, numbered as the usual path numbers them with batches of ``batch``."""
        rows: list[tuple] = []
        name_id = 1
        shows = self.shows
        for start in range(0, len(shows), batch):
            chunk = shows[start : start + batch]
            for sid, names, _ in chunk:
                for text, key in names:
                    rows.append((name_id, "show", sid, text, key))
                    name_id += 1
            for _, _, people in chunk:
                for pid, _, _, names, _ in people:
                    for text, key in names:
                        rows.append((name_id, "person", pid, text, key))
                        name_id += 1
        return rows


async def load_rows(
    tx: Statements,
    tasks: Iterable[TaskRows],
    *,
    batch_for: Callable[[int], int],
    index_names: Callable[[], Awaitable[None]],
    timings: dict[str, float] | None = None,
) -> list[int]:
    """Write every task's rows into the empty catalogue, then names, search structures and the
    secondary indexes (dropped first, as ``bot.store.bulk.load`` does). Returns the counts of
    ``CatalogueStats``. ``batch_for(number of shows)`` is the import's batch size."""
    clock = time.perf_counter
    started = clock()
    loader = BulkLoader(tx)
    load = RowsLoad(tx, loader)
    await loader.start()
    try:
        for task in tasks:
            await load.add(task)
        written = clock()
        await tx.executemany(NAMES_SQL, load.names(batch_for(len(load.shows))))
        async with sorted_runs(tx):
            await index_names()
        searchable = clock()
    finally:
        await loader.stop()
    await loader.build_indexes()
    if timings is not None:
        timings["write"] = written - started
        timings["search"] = searchable - written
        timings["index"] = clock() - searchable
    return loader.counts
