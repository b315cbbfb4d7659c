"""Wiring: open the resources, hand them to the bot, run it, close everything."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import discord

from bot.clock import Clock, system_clock
from bot.config import ConfigError, Settings
from bot.services.catalogue import CatalogueService
from bot.startup import mark
from bot.store import Store

log = logging.getLogger(__name__)


async def seed_catalogue(store: Store, settings: Settings) -> bool:
    """Fill an empty database from the bundled catalogue. Returns True when it imported."""
    if not await store.is_empty():
        return False
    if not settings.catalogue_dir.is_dir():
        log.warning("no catalogue at %s; starting with an empty one", settings.catalogue_dir)
        return False
    from bot.catalogue.validate import load_path
    from bot.sync.layers import import_layered

    records = load_path(settings.catalogue_dir)
    prepared = await import_layered(store, records)
    log.info("imported the bundled catalogue: %d shows", len(prepared.records))
    return True


FAKE_NOW_VAR = "PREMIERE_FAKE_NOW"


class OffsetClock:
    """A clock that started at a chosen instant and runs at the wall clock's pace."""

    def __init__(self, start: datetime, wall: Clock = system_clock, *, at: datetime | None = None) -> None:
        self._wall = wall
        self._offset: timedelta = start.astimezone(UTC) - (at or wall())

    def __call__(self) -> datetime:
        return self._wall() + self._offset


def clock_from_env(environ: Mapping[str, str] | None = None) -> Clock:
    """The wall clock; or, for tests and the sandbox only, a clock that starts at
    ``PREMIERE_FAKE_NOW`` (an ISO instant such as 2022-01-28T07:59:00Z) and then runs normally,
    so a bot process can be started "just before a release" and killed and restarted.
    ``INSTANT@UNIX_SECONDS`` anchors it: the clock reads INSTANT at that wall time (a launcher
    that times the process knows exactly when the bot's clock reaches a release)."""
    env = os.environ if environ is None else environ
    raw = env.get(FAKE_NOW_VAR, "").strip()
    if not raw:
        return system_clock
    try:
        text, _, anchor = raw.partition("@")
        start = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if start.tzinfo is None:
            raise ValueError
        at = datetime.fromtimestamp(float(anchor), UTC) if anchor else None
    except ValueError:
        raise ConfigError(
            f"{FAKE_NOW_VAR}={raw!r} is not an ISO instant with a zone, e.g. 2022-01-28T07:59:00Z"
        ) from None
    log.warning("testing hook: the clock starts at %s (%s is set)", start.isoformat(), FAKE_NOW_VAR)
    return OffsetClock(start, at=at)


def budget_limiter(store: Store, settings: Settings) -> Any:
    """The pace of requests to Discord as RATE_BUDGET says: None for ``local`` (the service's
    own, this process alone); for ``shared``, the budget every process of the bot shares through
    the database; for a number, this process at that many requests per second (a static split)."""
    if settings.rate_budget == "shared":
        from bot.announce.budget import SharedBudget

        return SharedBudget(store.budget)
    if isinstance(settings.rate_budget, float):
        from bot.announce.pacing import RateLimiter

        return RateLimiter(settings.rate_budget)
    return None


def each(*listeners: Callable[..., None]) -> Callable[..., None]:
    """One listener of Discord's 429s that tells each of ``listeners`` (the pacer, the metrics)."""

    def limited(*, global_: bool, retry_after: float | None = None) -> None:
        for listener in listeners:
            listener(global_=global_, retry_after=retry_after)

    return limited


def build_announcements(store: Store, clock: Clock, settings: Settings, **options: Any) -> tuple[Any, Any]:
    """The announcement service and its scheduler (the Discord poster is attached to the bot later)."""
    from bot.scheduler import AnnouncementScheduler
    from bot.services.announcements import AnnouncementService

    options.setdefault("limiter", budget_limiter(store, settings))  # ops: RATE_BUDGET
    service = AnnouncementService(store, clock, grace=timedelta(hours=settings.grace_hours), **options)
    return service, AnnouncementScheduler(service, clock)


def build_sync(
    store: Store,
    clock: Clock,
    settings: Settings,
    catalogue: CatalogueService,
    scheduler: Any,
    listeners: Sequence[Callable[[], Awaitable[object]]] = (),
) -> Any:
    """The TVmaze sync (None with CATALOGUE_SYNC=off). After a sync that changed the catalogue,
    cached answers are dropped, announcements are planned again, and each of ``listeners`` (the
    week at a glance, the scheduled events) brings itself up to date."""
    if not settings.sync_enabled:
        return None
    from bot.sync.client import TVmazeClient
    from bot.sync.service import CatalogueSync

    async def changed() -> None:
        await catalogue.refresh()
        await scheduler.replan()
        for listener in listeners:
            await listener()

    client = TVmazeClient(settings.tvmaze_api_base)
    return CatalogueSync(
        store, clock, client, days=settings.sync_days, countries=settings.sync_countries, on_change=changed
    )


def build_cluster(store: Store, clock: Clock, settings: Settings) -> tuple[Any, Any]:
    """This process's shards (``bot.shards.ShardScope``) and, when it is one process of a cluster
    (``SHARD_IDS``), its leases on the once-per-bot jobs (else None: it runs them all)."""
    from bot.lease import Leases
    from bot.shards import ShardScope

    scope = ShardScope.of(settings.shard_count, settings.shard_ids)
    if not scope.cluster:
        return scope, None
    leases = Leases(store.leases, clock, ttl=timedelta(seconds=settings.shard_lease_seconds))
    log.info("serving the servers on %s; once-per-bot jobs by lease (%s)", scope.describe(), leases.holder)
    return scope, leases


def attach_poster(bot: Any, service: Any) -> None:
    from bot.delivery import DiscordPoster

    service.attach(DiscordPoster(bot))


async def build_bot(settings: Settings, store: Store, clock: Clock, **service_options: Any) -> Any:
    """The bot with every service wired, as `python -m bot` runs it (tests and the sandbox too)."""
    from bot.client import PremiereBot, Services

    catalogue = CatalogueService(store, clock)
    await catalogue.refresh()
    from bot.delivery import rate_limit_trace

    scope, leases = build_cluster(store, clock, settings)
    announcements, scheduler = build_announcements(
        store, clock, settings, scope=scope, leases=leases, **service_options
    )
    if leases is not None:  # took the DMs over from a dead process: send what it left
        leases.on_gain(scheduler.replan_soon)
    from bot.services.follows import FollowService

    follows = FollowService(store, clock, on_change=announcements.changed)
    announcements.attach_follows(follows)
    from bot.services.weekly import WeeklyService

    weekly = WeeklyService(store, clock, limiter=announcements.limiter, scope=scope)
    announcements.on_change(weekly.changed)
    from bot.services.events import EventService

    events = EventService(store, clock, limiter=announcements.limiter, scope=scope)
    announcements.on_change(events.changed)
    from bot.services.calendar import CalendarService

    calendar = CalendarService(store, clock)
    sync = build_sync(store, clock, settings, catalogue, scheduler, (weekly.changed, events.changed))
    metrics = None
    if settings.metrics_port is not None:  # ops: fed by the runs and the HTTP trace, served there
        from bot.metrics import Metrics  # prometheus_client: only for a bot that serves it

        metrics = Metrics()
        announcements.on_run(metrics.record_run)
    bot = PremiereBot(
        settings=settings,
        store=store,
        clock=clock,
        catalogue=catalogue,
        http_trace=rate_limit_trace(
            each(announcements.rate_limited, *(() if metrics is None else (metrics.record_429,))),
            on_answered=None if metrics is None else metrics.record_interaction,
            on_response=announcements.limiter.answered,  # the pacer reads when Discord handled each one
        ),
        metrics=metrics,
        services=Services(
            announcements=announcements,
            scheduler=scheduler,
            sync=sync,
            follows=follows,
            weekly=weekly,
            events=events,
            calendar=calendar,
            leases=leases,
        ),
    )
    attach_poster(bot, announcements)
    from bot.events_discord import DiscordEventPort
    from bot.weekly_discord import DiscordWeeklyPoster

    weekly.attach(DiscordWeeklyPoster(bot))
    events.attach(DiscordEventPort(bot))
    calendar.attach_names(lambda gid: g.name if (g := bot.get_guild(gid)) else None)
    return bot


async def run_bot(settings: Settings, clock: Clock | None = None) -> int:
    from bot.client import use_api_base

    if clock is None:
        try:
            clock = clock_from_env()
        except ConfigError as exc:
            print(f"premiere: {exc}", file=sys.stderr)
            return 2
    use_api_base(settings.api_base)
    from bot.database import DatabaseError, database_target, open_database

    try:
        store = await open_database(database_target(settings))
    except DatabaseError as exc:
        print(f"premiere: {exc}", file=sys.stderr)
        return 1
    mark("database")
    with contextlib.ExitStack() as stack:
        return await _run_with_store(settings, store, clock, stack)


async def _run_with_store(settings: Settings, store: Store, clock: Clock, stack: contextlib.ExitStack) -> int:
    """``run_bot`` once the database is open; ``stack`` is left after the store is closed."""
    from bot.database import database_target, describe
    from bot.store.database import backend_errors
    from bot.store.warm import warmer_for

    async with store:
        try:
            await seed_catalogue(store, settings)
        except backend_errors() + (OSError,) as exc:  # one transaction: nothing was written
            print(f"premiere: {describe(database_target(settings), exc)}", file=sys.stderr)
            return 1
        mark("seed check")
        bot = await build_bot(settings, store, clock)
        mark("services")
        warmer = warmer_for(store.path, store.db.dialect, settings.database_keep_warm)
        warming = asyncio.create_task(warmer.run(), name="premiere-keep-warm") if warmer else None
        if warmer is not None:  # its descriptor of the file outlives the store's connections
            stack.callback(warmer.close)
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError):  # stop cleanly on SIGTERM, as on Ctrl-C
            loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(bot.close()))
        try:
            async with bot:
                await bot.start(settings.token or "")
        except discord.LoginFailure:
            print(
                "premiere: Discord refused the token in DISCORD_TOKEN; copy a fresh one from "
                "https://discord.com/developers/applications -> your app -> Bot -> Reset Token.",
                file=sys.stderr,
            )
            return 1
        finally:
            if warming is not None:
                warming.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await warming
    return 0
