"""Latency of the answers behind the question commands and of autocomplete, in process.

Each sample is one command's work as the cog does it: resolve the typed or picked value, ask
the service, render the embed. Queries are drawn with a seeded RNG from the generated catalogue.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from bench.generate import NOW, PLATFORMS
from bench.stats import Row, latency_row, percentile
from bot import render
from bot.announce.models import Kinds
from bot.clock import ManualClock
from bot.errors import PremiereError
from bot.models import Kind, ShowRecord
from bot.services.catalogue import CatalogueService
from bot.store import Store
from bot.store.warm import DEFAULT_INTERVAL, warmer_for

SERVICE_P99_MS = 10.0  # an end-to-end round trip (bench/e2e.py)
COMMAND_P99_MS = 3.0  # a command's work in process, at any catalogue size
AUTOCOMPLETE_P99_MS = 3.0
UPCOMING_WINDOWS = (1, 7, 30, 90, 366)  # days: /upcoming should cost what it lists, at any size
TYPO_QUALITY_QUERIES = 800  # one-edit queries the "right name first" figure is taken over


def _is_hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def _is_latin(text: str) -> bool:
    return all(ord(ch) < 0x250 for ch in text)


def typo(rng: random.Random, text: str) -> str:
    """One edit: a substitution, deletion, insertion or swap, away from the first character."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    i = rng.randrange(1, len(text) - 1)
    op = rng.randrange(4)
    if op == 0:
        return text[:i] + rng.choice(letters) + text[i + 1 :]
    if op == 1:
        return text[:i] + text[i + 1 :]
    if op == 2:
        return text[:i] + rng.choice(letters) + text[i:]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def hangul_typo(rng: random.Random, text: str) -> str:
    positions = [i for i, ch in enumerate(text) if _is_hangul(ch)]
    i = rng.choice(positions[1:] or positions)
    return text[:i] + chr(0xAC00 + rng.randrange(11172)) + text[i + 1 :]


@dataclass(slots=True)
class Queries:
    show_values: list[str]  # what /show, /cast, /release receive: ids (picked) or typed titles
    person_values: list[str]
    episodes: list[str | None]
    upcoming: list[tuple[int, str | None, int]]  # days, platform, minutes after NOW
    prefix: list[tuple[str, str]]  # (kind, text)
    typos: list[tuple[str, str]]
    korean: list[tuple[str, str]]
    typo_targets: list[frozenset[str]]  # per typo: the ids of the shows or people of the name it misspells


def make_queries(records: Sequence[ShowRecord], n: int, seed: int = 11) -> Queries:
    rng = random.Random(seed)
    shows = [rng.choice(records) for _ in range(n)]
    show_values = [r.show.id if rng.random() < 0.7 else r.show.title for r in shows]
    episodes: list[str | None] = []
    for r in shows:
        if r.show.kind is Kind.SERIES and r.episodes and rng.random() < 0.5:
            e = rng.choice(r.episodes)
            episodes.append(
                rng.choice((f"S{e.season}E{e.number}", f"{e.season}x{e.number:02d}", str(e.number)))
            )
        else:
            episodes.append(None)
    person_values = []
    for _ in range(n):
        rec = rng.choice(records)
        p = rng.choice(rec.credits).person  # weighted by credits, so prolific people come up often
        person_values.append(p.id if rng.random() < 0.7 else p.name)
    upcoming = [
        (
            rng.choice((1, 7, 7, 7, 30, 90)),
            rng.choice((None, None, None, *PLATFORMS[:6])),
            rng.randrange(0, 60 * 24 * 60),
        )
        for _ in range(n)
    ]
    show_latin = [t for r in records for t in (r.show.title, *r.show.aliases) if _is_latin(t) and len(t) >= 6]
    person_latin = [c.person.name for r in records[: max(1, len(records) // 4)] for c in r.credits]
    hangul = [t for r in records for t in (r.show.title, r.show.original_title) if t and _is_hangul(t)]
    hangul_people = [
        c.person.native_name
        for r in records[: max(1, len(records) // 4)]
        for c in r.credits
        if c.person.native_name and _is_hangul(c.person.native_name)
    ]
    others = [t for r in records for t in (r.show.title, r.show.original_title) if t and not _is_hangul(t)]

    def pick_kind() -> str:
        return "show" if rng.random() < 0.7 else "person"

    prefix = []
    for _ in range(n):
        kind = pick_kind()
        text = rng.choice(others if kind == "show" else person_latin)
        prefix.append((kind, text[: rng.randint(1, min(10, len(text)))]))
    bearers: dict[tuple[str, str], set[str]] = {}  # (kind, name) -> the ids that bear it
    for r in records:
        for t in (r.show.title, *r.show.aliases):
            bearers.setdefault(("show", t), set()).add(r.show.id)
    for r in records[: max(1, len(records) // 4)]:
        for c in r.credits:
            bearers.setdefault(("person", c.person.name), set()).add(c.person.id)
    typos = []
    typo_targets = []
    for _ in range(n):
        kind = pick_kind()
        text = rng.choice(show_latin if kind == "show" else person_latin)
        typos.append((kind, typo(rng, text)))
        typo_targets.append(frozenset(bearers.get((kind, text), ())))
    korean = []
    for _ in range(n):
        kind = "show" if rng.random() < 0.7 or not hangul_people else "person"
        text = rng.choice(hangul if kind == "show" else hangul_people)
        roll = rng.random()
        if roll < 0.5:
            korean.append((kind, text[: rng.randint(1, len(text))]))
        elif roll < 0.8:
            korean.append((kind, hangul_typo(rng, text)))
        else:
            korean.append((kind, text))
    return Queries(show_values, person_values, episodes, upcoming, prefix, typos, korean, typo_targets)


async def _time(samples: list[float], call: Callable[[], Awaitable[object]]) -> None:
    t = time.perf_counter_ns()
    try:
        await call()
    except PremiereError:  # a NotFound with suggestions is an answer too
        pass
    samples.append((time.perf_counter_ns() - t) / 1e6)


Call = Callable[[], Awaitable[object]]


def service_calls(service: CatalogueService, q: Queries, count: int) -> list[tuple[str, list[Call]]]:
    """Each timed row's calls, in order: the five commands, then autocomplete by kind."""

    async def show(i: int) -> None:
        s = await service.resolve_show(q.show_values[i])
        render.show_embed(await service.show_details(s))

    async def cast(i: int) -> None:
        s = await service.resolve_show(q.show_values[i])
        render.cast_pages(await service.cast(s))

    async def release(i: int) -> None:
        s = await service.resolve_show(q.show_values[i])
        render.release_embed(await service.release(s, q.episodes[i]))

    async def upcoming(i: int) -> None:
        days, platform, minutes = q.upcoming[i]
        render.upcoming_embed(await service.upcoming(days, platform, now=NOW + timedelta(minutes=minutes)))

    async def upcoming_of(kinds: Kinds, i: int) -> None:
        days, platform, minutes = q.upcoming[i]
        now = NOW + timedelta(minutes=minutes)
        render.upcoming_embed(await service.upcoming(days, platform, now=now, kinds=kinds))

    async def person(i: int) -> None:
        p = await service.resolve_person(q.person_values[i])
        render.person_embed(await service.person(p))

    async def complete(kind: str, text: str) -> object:
        if kind == "show":
            return await service.autocomplete_shows(text)
        return await service.autocomplete_people(text)

    out: list[tuple[str, list[Call]]] = []
    for name, fn in (("/show", show), ("/cast", cast), ("/release", release), ("/upcoming", upcoming)):
        out.append((f"service {name}", [partial(fn, i) for i in range(count)]))
    for kinds, label in ((Kinds.PREMIERES, "premieres"), (Kinds.EPISODES, "new episodes")):
        out.append((f"service /upcoming {label}", [partial(upcoming_of, kinds, i) for i in range(count)]))
    out.append(("service /person", [partial(person, i) for i in range(count)]))
    for name, items in (("prefix", q.prefix), ("typo", q.typos), ("Korean", q.korean)):
        out.append((f"autocomplete {name}", [partial(complete, kind, text) for kind, text in items[:count]]))
    return out


async def upcoming_by_window(service: CatalogueService, n: int, seed: int = 13) -> Row:
    """/upcoming (service + render) for each window of UPCOMING_WINDOWS, ``n`` times each at
    moments spread over 60 days after NOW, every platform: p50 and p99 by window."""
    rng = random.Random(seed)
    by_days: dict[str, dict[str, float]] = {}
    for days in UPCOMING_WINDOWS:
        samples: list[float] = []
        for _ in range(n + 10):
            now = NOW + timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
            t = time.perf_counter_ns()
            render.upcoming_embed(await service.upcoming(days, now=now))
            samples.append((time.perf_counter_ns() - t) / 1e6)
        samples = samples[10:]
        by_days[str(days)] = {"p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99)}
    value = ", ".join(f"{d} d {v['p99_ms']:.2f}" for d, v in by_days.items())
    return Row(
        "service /upcoming by window",
        f"p99 ms: {value}",
        "",
        None,
        f"n={n} per window, every platform; p50 ms: "
        + ", ".join(f"{d} d {v['p50_ms']:.2f}" for d, v in by_days.items()),
        {"by_days": by_days},
    )


async def typo_quality(service: CatalogueService, q: Queries, n: int) -> tuple[int, int]:
    """Of the first ``n`` one-edit queries (of a name the catalogue has): how many offer a show or
    person of that name first, and how many were asked."""
    right = asked = 0
    for (kind, text), targets in zip(q.typos, q.typo_targets, strict=True):
        if asked >= n:
            break
        if not targets:
            continue
        asked += 1
        if kind == "show":
            choices = await service.autocomplete_shows(text)
        else:
            choices = await service.autocomplete_people(text)
        right += bool(choices) and choices[0].value in targets
    return right, asked


async def run_service(
    database: str, records: Sequence[ShowRecord], n: int, warmup: int = 50
) -> tuple[list[Row], dict]:
    """Open the store, build the service (timed), then time every command ``n`` times."""
    store = await Store.open(database)
    info: dict = {}
    # As the bot runs: its file read through at start and every 30 s, so that no command waits
    # on the disk (``bot.store.warm``); the first pass ends before anything is timed.
    warmer = warmer_for(store.path, store.db.dialect, DEFAULT_INTERVAL)
    warming = asyncio.create_task(warmer.run()) if warmer else None
    try:
        if warmer is not None:
            await asyncio.wait_for(warmer.first_done.wait(), 600)
            info["warm_first_pass"] = {"mb": warmer.last.bytes / 1e6, "seconds": warmer.last.seconds}
        service = CatalogueService(store, ManualClock(NOW))
        t = time.perf_counter()
        await service.refresh()
        info["index_build_s"] = time.perf_counter() - t
        info["index_entries"] = await store.name_count()
        q = make_queries(records, n + warmup)
        gc.collect()
        rows: list[Row] = []
        for name, calls in service_calls(service, q, n + warmup):
            samples: list[float] = []
            for call in calls:
                await _time(samples, call)
            target = COMMAND_P99_MS if name.startswith("service") else AUTOCOMPLETE_P99_MS
            rows.append(latency_row(name, samples[warmup:], target))
            if name == "service /upcoming":
                rows.append(await upcoming_by_window(service, max(100, n // 10)))
            if name == "autocomplete typo":
                right, asked = await typo_quality(service, q, TYPO_QUALITY_QUERIES)
                pct = 100 * right / asked if asked else float("nan")
                rows[-1].note += f"; right name first for {pct:.2f} % of {asked} one-edit queries"
                rows[-1].data.update(right_first_pct=pct, right_first_of=asked)
        return rows, info
    finally:
        if warming is not None:
            warming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warming
        await store.close()
        if warmer is not None:
            warmer.close()  # after the store (bot.store.warm)
