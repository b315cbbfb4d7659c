"""Keeping the catalogue current from TVmaze. Knows the store, the clock and a TVmaze client;
never discord.

- :meth:`CatalogueSync.sync_schedule`: the streaming schedule (worldwide and per country) and the
  broadcast schedules of the configured countries over the look-ahead window; each show they
  name is fetched whole (cast, crew, episodes) when it is new or its ``updated`` stamp changed.
- :meth:`CatalogueSync.sync_updates`: shows already in the catalogue whose stamp changed upstream
  (TVmaze's show-updates list), and no request for a show that did not change.
- :meth:`CatalogueSync.sync_show` and :meth:`CatalogueSync.lookup`: one show by TVmaze id or
  title, on demand.

Every show is written whole or not at all (one transaction per batch, and a show whose data
is malformed is logged and skipped before anything is written). Each run is recorded in
``sync_runs`` with what it changed and what failed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.models import Release, ShowRecord
from bot.store import Store
from bot.store.sync import SYNC_COUNTS
from bot.sync.client import Offline, TVmazeClient, TVmazeError

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
BATCH = 25  # shows written per transaction


@dataclass(slots=True)
class SyncReport:
    kind: str
    requests: int = 0
    shows_added: int = 0
    shows_updated: int = 0
    shows_unchanged: int = 0
    releases_added: int = 0
    releases_moved: int = 0
    releases_removed: int = 0
    failures: int = 0
    errors: list[str] = field(default_factory=list)
    show_ids: list[str] = field(default_factory=list)  # shows written

    @property
    def changed(self) -> bool:
        return bool(self.shows_added or self.shows_updated)

    def counts(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in SYNC_COUNTS}

    def summary(self) -> str:
        return f"{self.kind} sync: {counts_text(self.counts())}"


def counts_text(counts: Mapping[str, int]) -> str:
    """What a sync changed, in one line: "2 shows added, 1 updated, ...; 14 requests, 0 failures"."""
    c = counts
    return (
        f"{c['shows_added']} shows added, {c['shows_updated']} updated, {c['shows_unchanged']} unchanged; "
        f"releases {c['releases_added']} new, {c['releases_moved']} moved, {c['releases_removed']} removed; "
        f"{c['requests']} requests, {c['failures']} failures"
    )


class CatalogueSync:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        client: TVmazeClient,
        *,
        days: int = 14,
        countries: Sequence[str] = ("US", "GB", "KR", "JP"),
        on_change: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.client = client
        self.days = days
        self.countries = tuple(countries)
        self.on_change = on_change

    # -- runs ------------------------------------------------------------------------------------

    async def _run(self, kind: str, body: Callable[[SyncReport], Awaitable[None]]) -> SyncReport:
        report = SyncReport(kind)
        run_id = await self.store.start_sync_run(kind, self.clock())
        before_requests, before_failures = self.client.requests, self.client.failures
        error: str | None = None
        try:
            await body(report)
        except TVmazeError as exc:
            error = str(exc)
            report.errors.append(error)
        finally:
            report.requests = self.client.requests - before_requests
            report.failures += self.client.failures - before_failures
            await self.store.finish_sync_run(run_id, self.clock(), report.counts(), error)
        if report.changed and self.on_change is not None:
            try:
                await self.on_change()
            except Exception:
                log.exception("re-planning after a sync failed")
        log.info("%s", report.summary())
        return report

    async def sync_schedule(self, days: int | None = None, progress: Progress | None = None) -> SyncReport:
        """Upcoming releases over the next ``days`` (default: the configured window)."""
        from bot.catalogue.tvmaze import schedule_shows  # here: the bot's start never needs it

        span = days or self.days

        async def body(report: SyncReport) -> None:
            today = self.clock().date()
            dates = [(today + timedelta(days=i)).isoformat() for i in range(span)]
            shows: dict[int, dict[str, Any]] = {}
            asks: list[tuple[str, str, bool]] = []
            for d in dates:
                asks.append((d, "", True))  # worldwide streaming services
                for country in self.countries:
                    asks.append((d, country, True))
                    asks.append((d, country, False))
            total = len(asks)
            for i, (d, country, web) in enumerate(asks, start=1):
                try:
                    if web:
                        items = await self.client.web_schedule(d, country)
                    else:
                        items = await self.client.schedule(d, country or "US")
                except TVmazeError as exc:
                    if isinstance(exc, Offline) or self.client.streak >= 3:
                        raise  # unreachable: stop asking; the local catalogue stays as it is
                    report.errors.append(str(exc))
                    continue
                for show in schedule_shows(items):
                    if isinstance(show.get("id"), int):
                        shows[show["id"]] = show
                if progress:
                    progress(i, total + len(shows))
            await self._refresh(report, shows, progress, done=total)

        return await self._run("schedule", body)

    async def sync_updates(self, since: str = "day") -> SyncReport:
        """Shows in the catalogue whose TVmaze stamp changed since the last sync."""

        async def body(report: SyncReport) -> None:
            stamps = await self.store.tvmaze_stamps()
            if not stamps:
                return
            upstream = await self.client.updates(since)
            changed = [tv for tv, stamp in stamps.items() if upstream.get(str(tv), 0) > stamp]
            report.shows_unchanged += len(stamps) - len(changed)
            await self._fetch_and_write(report, changed)

        return await self._run("updates", body)

    async def sync_show(self, text: str) -> SyncReport:
        """One show by TVmaze id (digits) or by title (TVmaze's best match)."""

        async def body(report: SyncReport) -> None:
            query = text.strip()
            if query.isdigit():
                data = await self.client.show(int(query))
            else:
                data = await self.client.single_search(query)
            if data is None:
                report.errors.append(f"TVmaze has no show {query!r}")
                return
            await self._write(report, [data])

        return await self._run("show", body)

    async def lookup(self, title: str) -> str | None:
        """On demand: TVmaze's best match for a title the catalogue lacks, imported; its show id."""
        report = await self._run("lookup", lambda r: self._lookup(r, title))
        return report.show_ids[0] if report.show_ids else None

    async def _lookup(self, report: SyncReport, title: str) -> None:
        data = await self.client.single_search(title)
        if data is not None:
            await self._write(report, [data])

    # -- fetching and writing ----------------------------------------------------------------------

    async def _refresh(
        self, report: SyncReport, shows: dict[int, dict[str, Any]], progress: Progress | None, done: int
    ) -> None:
        """Fetch whole each show that is new or changed since it was last synced."""
        stamps = await self.store.tvmaze_stamps()
        wanted = []
        for tv_id, show in shows.items():
            stamp = show.get("updated")
            if tv_id in stamps and isinstance(stamp, int) and stamp <= stamps[tv_id]:
                report.shows_unchanged += 1
            else:
                wanted.append(tv_id)
        await self._fetch_and_write(report, wanted, progress, done, done + len(shows))

    async def _fetch_and_write(
        self,
        report: SyncReport,
        tvmaze_ids: Sequence[int],
        progress: Progress | None = None,
        done: int = 0,
        total: int | None = None,
    ) -> None:
        total = total if total is not None else len(tvmaze_ids)
        batch: list[dict[str, Any]] = []
        for i, tv_id in enumerate(tvmaze_ids, start=1):
            try:
                data = await self.client.show(tv_id)
            except TVmazeError as exc:
                if isinstance(exc, Offline) or self.client.streak >= 3:
                    await self._write(report, batch)
                    raise
                report.errors.append(str(exc))
                continue
            if data is not None:
                batch.append(data)
            if len(batch) >= BATCH:
                await self._write(report, batch)
                batch = []
            if progress:
                progress(done + i, max(total, done + i))
        await self._write(report, batch)

    def _parse(self, report: SyncReport, items: Iterable[dict[str, Any]]) -> list[ShowRecord]:
        from bot.catalogue.tvmaze import parse_tvmaze_show

        records = []
        for data in items:
            parsed = parse_tvmaze_show(data, prefix="")
            label = f"TVmaze show {data.get('id')!r} ({data.get('name')!r})"
            if parsed.record is None or parsed.problems:
                report.failures += 1
                problems = "; ".join(f"{p.field}: {p.message}" for p in parsed.problems[:3])
                report.errors.append(f"{label}: skipped: {problems or 'unreadable'}")
                log.warning("sync: %s skipped, malformed data: %s", label, problems or "unreadable")
                continue
            records.append(parsed.record)
        return records

    async def _write(self, report: SyncReport, items: list[dict[str, Any]]) -> None:
        from bot.sync.layers import import_layered  # the catalogue's formats: not for the start

        records = self._parse(report, items)
        if not records:
            return
        known = await self.store.shows_by_tvmaze(r.show.tvmaze_id for r in records if r.show.tvmaze_id)
        before = {sid: await self.store.get_releases(sid) for sid in known.values()}
        prepared = await import_layered(self.store, records)
        for rec in prepared.records:
            sid = rec.show.id
            report.show_ids.append(sid)
            if sid in before:
                report.shows_updated += 1
            else:
                report.shows_added += 1
            _count_release_changes(report, before.get(sid, []), rec.releases)


def _count_release_changes(report: SyncReport, old: list[Release], new: list[Release]) -> None:
    old_by_id = {r.id: r for r in old}
    new_ids = set()
    for r in new:
        new_ids.add(r.id)
        prior = old_by_id.get(r.id)
        if prior is None:
            report.releases_added += 1
        elif prior.when != r.when:
            report.releases_moved += 1
    report.releases_removed += sum(1 for rid in old_by_id if rid not in new_ids)
