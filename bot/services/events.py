"""Discord scheduled events for the releases each server announces. Never imports discord.

A server turns them on with ``/announce events on`` (``enable``). ``refresh(now)`` then reads the
store (a handful of queries, whatever the number of servers), asks ``bot.events`` which releases
each server announces from now on, compares that with the rows of the events already made
(``store.events``) and acts through an :class:`~bot.events.EventPort`:

- a release announced within the server's ``days`` ahead and without an event gets one;
- an event whose release moved, or whose text changed, is edited (it follows its release wherever
  it moves, inside the window or not);
- an event whose release was withdrawn, or is no longer announced here (a filter, a channel
  removed, a month or TBA date now), is canceled;
- an event that has started is Discord's (it starts and ends it) and never touched again.

So a refresh when nothing changed sends no request at all. ``disable`` (``/announce events off``)
deletes every event the bot made in the server and forgets them; a server turned off while a
deletion failed is tidied by the next refresh.

Never two events for one release: the row is claimed before Discord is asked, and a claim found
without an event id (a crash, or a time-out, between Discord's answer and the write) is first
looked up in the server's list of events, where the bot's own event with the same start, name
and place is adopted; only when there is none is it made (again). An event someone deleted
(404 Unknown Guild Scheduled Event) or ended is left so and never made again.

Without the permission to make events (403) the server is skipped, logged once, and tried
again after ``blocked_retry`` (``status`` says why; turning the feature on again retries at once).
Paused servers are left as they are.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol, TypeVar

from bot.announce.batches import Pool
from bot.announce.models import ChannelConfig, GuildConfig
from bot.announce.pacing import Limiter, Unlimited
from bot.announce.port import DeliveryError, TransientDeliveryError
from bot.clock import Clock
from bot.events import (
    READ_MARGIN,
    EventFinished,
    EventGone,
    EventLimit,
    EventPort,
    EventsForbidden,
    EventSpec,
    ListedEvent,
    Timing,
    Wanted,
    creatable,
    digest_identity,
    event_spec,
    guild_wanted,
    items_by_due,
    movable,
    parse_days,
    read_window,
    timing_of,
)
from bot.i18n import server_language
from bot.models import Precision, Release
from bot.planner import Item
from bot.shards import EVERY_SHARD, ShardScope
from bot.store import Store
from bot.store.events import EventRow, State

log = logging.getLogger(__name__)

JOB_ID = "scheduled-events"
KEEP_STARTED = timedelta(days=2)  # rows of events that started are forgotten after this
DATED = (Precision.EXACT, Precision.DATE)
T = TypeVar("T")


@dataclass(slots=True)
class EventReport:
    created: int = 0
    adopted: int = 0  # found in Discord's list after a claim whose answer was lost
    edited: int = 0
    canceled: int = 0
    deleted: int = 0  # removed because the feature was turned off
    left: int = 0  # events that could not be removed yet (turned off)
    unchanged: int = 0
    failed: int = 0
    blocked: list[int] = field(default_factory=list)  # servers where the bot may not make events

    def __bool__(self) -> bool:
        return bool(
            self.created
            or self.adopted
            or self.edited
            or self.canceled
            or self.deleted
            or self.left
            or self.failed
            or self.blocked
        )


@dataclass(frozen=True, slots=True)
class EventStatus:
    """What ``/announce events status`` says of a server."""

    guild: GuildConfig
    upcoming: int  # events of the bot's that have not started
    blocked: str | None  # why the bot cannot make events there, when Discord said so
    channels: int  # healthy announcement channels


class _Stop(Exception):
    """Stop working on this server in this run (no permission, Discord unreachable)."""


class EventService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        port: EventPort | None = None,
        *,
        limiter: Limiter | None = None,
        refresh_every: timedelta = timedelta(minutes=10),
        blocked_retry: timedelta = timedelta(hours=1),
        concurrency: int = 4,
        send_timeout: float = 30.0,
        scope: ShardScope = EVERY_SHARD,
    ) -> None:
        self.store = store
        self.clock = clock
        self.port = port
        self.scope = scope  # the servers this process serves (bot.shards)
        self.limiter: Limiter = limiter if limiter is not None else Unlimited()
        self.refresh_every = refresh_every
        self.blocked_retry = blocked_retry
        self.concurrency = max(1, concurrency)
        self.send_timeout = send_timeout
        self.next_refresh: datetime | None = None  # when ``tick`` refreshes next (None: at once)
        self._lock = asyncio.Lock()  # one run at a time: each starts from what the last wrote
        self._blocked: dict[int, tuple[str, datetime]] = {}  # guild -> (why, when to try again)
        self._fingerprint: tuple[int, int, int] | None = None
        self._changes = 0

    def attach(self, port: EventPort) -> None:
        self.port = port

    async def changed(self) -> None:
        """A setting or the catalogue changed: the next tick refreshes."""
        self._changes += 1
        self.next_refresh = None

    # -- what admins do ----------------------------------------------------------------------------------

    async def enable(self, guild_id: int, days: object = None) -> GuildConfig:
        """Turn a server's events on (or change how many days ahead); the next tick makes them.
        ``days`` is checked here too: a raw interaction can send any value."""
        current = await self.store.announce_guild(guild_id)
        keep = current.events_days if current is not None and current.events else None
        ahead = parse_days(days, default=keep or 7)
        guild = await self.store.update_announce_guild(guild_id, events=True, events_days=ahead)
        self._blocked.pop(guild_id, None)
        await self.changed()
        return guild

    async def disable(self, guild_id: int, now: datetime | None = None) -> EventReport:
        """Turn a server's events off: every event the bot made there is deleted, then forgotten.
        ``report.deleted`` counts the events removed, ``report.left`` those that could not be yet
        (the next refresh tries again)."""
        await self.store.update_announce_guild(guild_id, events=False)
        async with self._lock:
            now = now or self.clock()
            report = EventReport()
            rows = await self.store.events.event_rows([guild_id])
            if rows:
                await self._clean(guild_id, rows, now, report)
        self._blocked.pop(guild_id, None)
        self._log(report)
        return report

    async def status(self, guild_id: int, now: datetime | None = None) -> EventStatus:
        now = now or self.clock()
        guild = await self.store.announce_guild(guild_id) or GuildConfig(guild_id)
        rows = await self.store.events.event_rows([guild_id])
        upcoming = sum(
            1 for r in rows if r.state == "active" and r.event_id is not None and r.starts_at > now
        )
        channels = sum(1 for c in await self.store.announce_channels(guild_id) if c.healthy)
        blocked = self._blocked.get(guild_id)
        return EventStatus(guild, upcoming, blocked[0] if blocked else None, channels)

    # -- runs --------------------------------------------------------------------------------------------

    async def tick(self, now: datetime | None = None) -> EventReport | None:
        """The scheduler's job: refresh after a change (a setting, the catalogue), and otherwise
        every ``refresh_every``; else read nothing but the catalogue's fingerprint."""
        now = now or self.clock()
        if await self.store.releases_fingerprint() != self._fingerprint:
            self.next_refresh = None
        if self.next_refresh is not None and now < self.next_refresh:
            return None
        return await self.refresh(now)

    async def refresh(self, now: datetime | None = None) -> EventReport:
        """Bring every server's events up to date with what it announces."""
        return await self._run(now, None)

    async def sync_guild(self, guild_id: int, now: datetime | None = None) -> EventReport:
        """Bring one server's events up to date (as :meth:`refresh` does for all)."""
        return await self._run(now, {guild_id})

    async def _run(self, now: datetime | None, only: set[int] | None) -> EventReport:
        async with self._lock:
            now = now or self.clock()
            report = EventReport()
            changes = self._changes
            if only is None:
                self._fingerprint = await self.store.releases_fingerprint()
                self.next_refresh = now + self.refresh_every
            await self._refresh(now, only, report)
            if only is None:
                await self.store.events.prune_events(now - KEEP_STARTED)
                if self._changes != changes:  # changed meanwhile: what was read may be stale
                    self.next_refresh = None
        self._log(report)
        return report

    def _log(self, report: EventReport) -> None:
        if report:
            log.info(
                "scheduled events: %d made, %d found again, %d edited, %d canceled, %d deleted "
                "(%d left), %d failed, %d servers without permission",
                report.created,
                report.adopted,
                report.edited,
                report.canceled,
                report.deleted,
                report.left,
                report.failed,
                len(report.blocked),
            )

    # -- what each server must have ------------------------------------------------------------------

    async def _refresh(self, now: datetime, only: set[int] | None, report: EventReport) -> None:
        # Only the servers on this process's shards; the others' are their own processes' to keep.
        guilds = {gid: g for gid, g in (await self.store.announce_guilds()).items() if self.scope.owns(gid)}
        rows: dict[int, dict[str, EventRow]] = {}
        for row in await self.store.events.event_rows(only):
            if self.scope.owns(row.guild_id):
                rows.setdefault(row.guild_id, {})[row.release_key] = row
        served: dict[int, GuildConfig] = {}
        for gid, g in guilds.items():
            if (only is None or gid in only) and g.events and not g.paused and not self._is_blocked(gid, now):
                served[gid] = g
        leftovers = [gid for gid in rows if not (gid in guilds and guilds[gid].events)]
        wanted = await self._wanted(now, served, rows) if served else {}
        work: list[Callable[[], Awaitable[None]]] = []
        for gid in leftovers:  # turned off (or the bot left) while a deletion failed
            work.append(partial(self._clean, gid, list(rows[gid].values()), now, report))
        for gid, g in served.items():
            plan = _GuildPlan.make(g, wanted.get(gid, {}), rows.get(gid, {}), now)
            report.unchanged += plan.unchanged
            if plan:
                work.append(partial(self._apply, plan, now, report))
        if not work:
            return
        if self.port is None:
            log.warning("scheduled events: no Discord port attached; %d servers wait", len(work))
            return
        await self._all(work)

    async def _wanted(
        self, now: datetime, served: Mapping[int, GuildConfig], rows: Mapping[int, Mapping[str, EventRow]]
    ) -> dict[int, dict[str, Desired]]:
        """For each served server, the releases still to come that it announces, by key, with
        what their events must say."""
        channels: dict[int, list[ChannelConfig]] = {}
        for c in await self.store.announce_channels():
            if c.guild_id in served and c.healthy:
                channels.setdefault(c.guild_id, []).append(c)
        if not channels:
            return {}
        start, end = read_window(now, max(served[gid].events_days for gid in channels))
        releases = {r.id: r for r in await self.store.dated_releases_between(start, end)}
        # The release of an event that moved beyond the window is read where it is now, so that
        # the event follows it there rather than being canceled.
        lost = {
            key
            for gid in channels
            for key, row in rows.get(gid, {}).items()
            if row.state == "active" and row.starts_at > now and key not in releases
        }
        if lost:
            for r in (await self.store.releases_by_ids(lost)).values():
                instant = r.when.instant
                if r.when.precision in DATED and instant is not None and instant >= end:
                    for near in await self.store.dated_releases_between(
                        instant - READ_MARGIN, instant + READ_MARGIN
                    ):
                        releases.setdefault(near.id, near)
        platforms: Mapping[str, str | None] = {}
        if releases and any(c.platforms for cs in channels.values() for c in cs):
            platforms = await self.store.show_platforms({r.show_id for r in releases.values()})
        ordered = sorted(releases.values(), key=_release_order)
        tables: dict[Timing, list[tuple[datetime, Item]]] = {}
        found: dict[int, dict[str, Wanted]] = {}
        for gid, cs in channels.items():
            g = served[gid]
            timing = timing_of(g)
            if timing not in tables:
                tables[timing] = items_by_due(g, ordered)
            found[gid] = guild_wanted(now, tables[timing], cs, platforms)
        shown = {w.item.show_id for ws in found.values() for w in ws.values()}
        shows = await self.store.get_shows(shown) if shown else {}
        # Servers of one timing and language share them: an event says its release in the
        # server's language (as its posts do), which a change of language edits.
        specs: dict[tuple[Timing, str, str], EventSpec] = {}
        out: dict[int, dict[str, Desired]] = {}
        for gid, ws in found.items():
            g = served[gid]
            timing, lang = timing_of(g), server_language(g.language, g.preferred_locale)
            out[gid] = {}
            for key, w in ws.items():
                spec = specs.get((timing, lang, key))
                if spec is None:
                    show = shows.get(w.item.show_id)
                    spec = specs[(timing, lang, key)] = event_spec(w.item, show, w.start, lang)
                out[gid][key] = Desired(w, spec)
        return out

    def _is_blocked(self, guild_id: int, now: datetime) -> bool:
        blocked = self._blocked.get(guild_id)
        return blocked is not None and now < blocked[1]

    # -- acting on one server ----------------------------------------------------------------------------

    async def _all(self, work: Sequence[Callable[[], Awaitable[None]]]) -> None:
        async def one(job: Callable[[], Awaitable[None]]) -> None:
            try:
                await job()
            except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
                raise
            except _Stop:
                pass
            except Exception:
                log.exception("scheduled events of a server failed; the next refresh tries again")

        pool = Pool(self.concurrency)
        try:
            for job in work:
                await pool.spawn(partial(one, job))
            await pool.join()
        finally:
            await pool.cancel()

    async def _apply(self, plan: _GuildPlan, now: datetime, report: EventReport) -> None:
        if plan.pending:
            await self._settle_claims(plan, now, report)
        # Cancel first (it frees room under Discord's 100 upcoming events), then edit, then make
        # the nearest first.
        for row in plan.cancels:
            await self._cancel(plan.guild_id, row, now, report)
        for row, d in plan.edits:
            await self._edit(plan.guild_id, row, d.spec, now, report)
        for d in sorted(plan.creates, key=lambda d: (d.spec.start, d.key)):
            if not await self._create(plan.guild_id, d, now, report):
                break

    async def _settle_claims(self, plan: _GuildPlan, now: datetime, report: EventReport) -> None:
        """Claims found without an event id: adopt the bot's event Discord lists for each (same
        start, name and place), else drop the claim; then plan them as any other row."""
        gid = plan.guild_id
        listed = await self._call(partial(self._port.list, gid), gid, report)
        taken = {r.event_id for r in plan.rows.values() if r.event_id is not None}
        for row in plan.pending:
            d = plan.wanted.get(row.release_key)
            match = _match(row, listed, taken)
            if match is None:
                await self.store.events.release_claim(gid, row.release_key)
                if d is not None and creatable(d.spec.start, now, plan.days):
                    plan.creates.append(d)
                continue
            taken.add(match.event_id)
            await self.store.events.event_made(
                gid, row.release_key, match.event_id, row.starts_at, row.digest, now=now
            )
            report.adopted += 1
            log.info("guild %s: event %s found again after its answer was lost", gid, match.event_id)
            adopted = replace(row, event_id=match.event_id)
            if d is None:
                if row.starts_at > now:
                    plan.cancels.append(adopted)
            elif _differs(adopted, d) and movable(d.spec.start, now):
                plan.edits.append((adopted, d))

    async def _create(self, gid: int, d: Desired, now: datetime, report: EventReport) -> bool:
        """Make one event, claimed first. False: make no more in this server for now."""
        events, spec = self.store.events, d.spec
        if not await events.claim_event(gid, d.key, spec.start, spec.digest, now=now):
            return True  # it has an event (or someone deleted it: never made again)
        try:
            event_id = await self._call(partial(self._port.create, gid, spec), gid, report, claimed=d.key)
        except EventLimit as exc:
            await events.release_claim(gid, d.key)
            log.warning("guild %s: %s; the other releases wait for room", gid, exc.reason)
            return False
        except DeliveryError as exc:
            await events.release_claim(gid, d.key)
            report.failed += 1
            log.warning("guild %s: Discord refused the event for %s: %s", gid, d.key, exc.reason)
            return True
        await events.event_made(gid, d.key, event_id, spec.start, spec.digest, now=now)
        report.created += 1
        return True

    async def _edit(
        self, gid: int, row: EventRow, spec: EventSpec, now: datetime, report: EventReport
    ) -> None:
        assert row.event_id is not None
        try:
            await self._call(partial(self._port.edit, gid, row.event_id, spec), gid, report)
        except (EventGone, EventFinished) as exc:
            await self.store.events.set_event_state(gid, row.release_key, "deleted", now=now)
            log.info("guild %s: event %s was removed by someone (%s); left so", gid, row.event_id, exc.reason)
            return
        except DeliveryError as exc:
            report.failed += 1
            log.warning("guild %s: could not edit event %s: %s", gid, row.event_id, exc.reason)
            return
        await self.store.events.event_edited(gid, row.release_key, spec.start, spec.digest, now=now)
        report.edited += 1

    async def _cancel(self, gid: int, row: EventRow, now: datetime, report: EventReport) -> None:
        assert row.event_id is not None
        state: State = "canceled"
        try:
            await self._call(partial(self._port.cancel, gid, row.event_id), gid, report)
            report.canceled += 1
        except EventFinished:
            pass  # canceled already (its answer was lost), or ended by someone
        except EventGone:
            state = "deleted"
        except DeliveryError as exc:
            report.failed += 1
            log.warning("guild %s: could not cancel event %s: %s", gid, row.event_id, exc.reason)
            return
        await self.store.events.set_event_state(gid, row.release_key, state, now=now)

    async def _clean(self, gid: int, rows: Sequence[EventRow], now: datetime, report: EventReport) -> None:
        """Delete every event the bot made in a server (not those someone else removed), then
        forget the rows of those gone; the rest stay for the next refresh to try again."""
        done = [
            r.release_key
            for r in rows
            if r.state == "deleted" or (r.event_id is None and r.state != "active")
        ]
        targets = [(r, r.event_id) for r in rows if r.event_id is not None and r.state != "deleted"]
        claims = [r for r in rows if r.event_id is None and r.state == "active"]
        try:
            if self.port is None:
                raise _Stop
            if claims:
                try:
                    listed = await self._call(
                        partial(self._port.list, gid), gid, report, stop_on_forbidden=False
                    )
                except EventsForbidden:
                    listed = []  # not in the server any more, or no access: nothing to find
                taken = {r.event_id for r in rows if r.event_id is not None}
                for row in claims:
                    match = _match(row, listed, taken)
                    if match is None:
                        done.append(row.release_key)
                    else:
                        taken.add(match.event_id)
                        targets.append((row, match.event_id))
            for row, event_id in targets:
                assert event_id is not None
                try:
                    await self._call(
                        partial(self._port.delete, gid, event_id), gid, report, stop_on_forbidden=False
                    )
                    if row.state == "active":
                        report.deleted += 1
                except EventGone:
                    pass  # deleted by someone already
                except EventsForbidden as exc:
                    log.warning("guild %s: cannot delete event %s (%s); forgotten", gid, event_id, exc.reason)
                except DeliveryError as exc:
                    report.failed += 1
                    log.warning("guild %s: could not delete event %s: %s", gid, event_id, exc.reason)
                    continue
                done.append(row.release_key)
        except _Stop:
            pass
        finally:
            report.left += sum(1 for r, _ in targets if r.release_key not in done and r.state == "active")
            await self.store.events.forget_events(gid, done)

    # -- calls to Discord --------------------------------------------------------------------------------

    @property
    def _port(self) -> EventPort:
        assert self.port is not None
        return self.port

    async def _call(
        self,
        request: Callable[[], Awaitable[T]],
        gid: int,
        report: EventReport,
        *,
        claimed: str | None = None,
        stop_on_forbidden: bool = True,
    ) -> T:
        """One request, paced by the shared limiter, with a deadline. No permission: the server
        is skipped until ``blocked_retry`` (logged once). Discord unreachable: the server waits
        for the next run (a claim stays, to be looked up then)."""
        try:
            async with self.limiter.slot():
                answer = await asyncio.wait_for(request(), self.send_timeout)
        except EventsForbidden as exc:
            if not stop_on_forbidden:
                raise
            if claimed is not None:
                await self.store.events.release_claim(gid, claimed)
            self._block(gid, exc.reason)
            report.blocked.append(gid)
            raise _Stop from exc
        except (TransientDeliveryError, TimeoutError) as exc:
            reason = exc.reason if isinstance(exc, DeliveryError) else "Discord did not answer in time"
            report.failed += 1
            log.warning("scheduled events of guild %s wait for the next run: %s", gid, reason)
            raise _Stop from exc
        self._blocked.pop(gid, None)  # Discord answered: allowed again
        return answer

    def _block(self, gid: int, reason: str) -> None:
        if gid not in self._blocked:
            log.warning(
                "guild %s: I may not make scheduled events there (%s); tried again in %s",
                gid,
                reason,
                self.blocked_retry,
            )
        self._blocked[gid] = (reason, self.clock() + self.blocked_retry)


@dataclass(frozen=True, slots=True)
class Desired:
    """A release a server announces, and what its event must say."""

    wanted: Wanted
    spec: EventSpec

    @property
    def key(self) -> str:
        return self.wanted.key


@dataclass(slots=True)
class _GuildPlan:
    """What one server's events need: made, edited, canceled, or claims to look up first."""

    guild: GuildConfig
    wanted: Mapping[str, Desired]
    rows: Mapping[str, EventRow]
    creates: list[Desired] = field(default_factory=list)
    edits: list[tuple[EventRow, Desired]] = field(default_factory=list)
    cancels: list[EventRow] = field(default_factory=list)
    pending: list[EventRow] = field(default_factory=list)
    unchanged: int = 0

    def __bool__(self) -> bool:
        return bool(self.creates or self.edits or self.cancels or self.pending)

    @property
    def guild_id(self) -> int:
        return self.guild.guild_id

    @property
    def days(self) -> int:
        return self.guild.events_days

    @classmethod
    def make(
        cls, guild: GuildConfig, wanted: Mapping[str, Desired], rows: Mapping[str, EventRow], now: datetime
    ) -> _GuildPlan:
        plan = cls(guild, wanted, rows)
        for key, d in wanted.items():
            row = rows.get(key)
            if row is None or row.state == "canceled":
                if creatable(d.spec.start, now, guild.events_days):
                    plan.creates.append(d)
            elif row.state == "deleted":
                continue  # someone removed its event: never made again
            elif row.event_id is None:
                plan.pending.append(row)
            elif row.starts_at <= now:
                continue  # started: Discord starts and ends it
            elif _differs(row, d):
                if movable(d.spec.start, now):
                    plan.edits.append((row, d))
            else:
                plan.unchanged += 1
        for key, row in rows.items():
            if key in wanted or row.state != "active":
                continue
            if row.event_id is None:
                plan.pending.append(row)
            elif row.starts_at > now:
                plan.cancels.append(row)  # withdrawn, moved into the past, or no longer announced here
        return plan


def _differs(row: EventRow, d: Desired) -> bool:
    return row.starts_at != d.spec.start or row.digest != d.spec.digest


def _match(row: EventRow, listed: Iterable[ListedEvent], taken: set[int]) -> ListedEvent | None:
    """The bot's own event in Discord's list for a claim: same start, same name and place."""
    identity = digest_identity(row.digest)
    for ev in listed:
        if ev.mine and ev.event_id not in taken and ev.start == row.starts_at and ev.identity == identity:
            return ev
    return None


def _release_order(r: Release) -> tuple[object, ...]:
    return (r.when.instant, r.show_id, r.season or 0, r.episode or 0, r.id)


class IntervalJobs(Protocol):
    """The part of the bot's scheduler (``AnnouncementScheduler``) the job needs."""

    def add_interval_job(
        self, func: Callable[[], Awaitable[object]], every: timedelta, job_id: str, *, first_in: timedelta
    ) -> None: ...


def add_event_jobs(
    scheduler: IntervalJobs,
    service: EventService,
    *,
    every: timedelta = timedelta(minutes=1),
    first_in: timedelta = timedelta(seconds=15),
) -> None:
    """``service.tick`` every ``every`` (first after ``first_in``): a tick reads the catalogue's
    fingerprint and refreshes only after a change, or every ``refresh_every`` (10 minutes)."""

    async def tick() -> None:
        await service.tick()

    scheduler.add_interval_job(tick, every, JOB_ID, first_in=first_in)


__all__ = [
    "JOB_ID",
    "Desired",
    "EventReport",
    "EventService",
    "EventStatus",
    "IntervalJobs",
    "add_event_jobs",
]
