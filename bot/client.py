"""The Discord client: the bot class, its command tree and error handling.

Resources (store, services, clock) are built outside and passed in, so a test can build the bot
against a temporary database and the project's Discord-compatible server.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot.clock import Clock
from bot.config import Settings
from bot.error_messages import user_message
from bot.i18n import ENGLISH, N_, Msg, texts
from bot.services.catalogue import CatalogueService
from bot.startup import mark
from bot.startup import report as report_start_times
from bot.store import Store
from bot.translator import PremiereTranslator, reader_language

if TYPE_CHECKING:
    from bot.calendar_http import CalendarHTTP
    from bot.lease import Leases
    from bot.metrics import Metrics, ShardState
    from bot.ops_http import Heartbeat, OpsHTTP
    from bot.scheduler import AnnouncementScheduler
    from bot.services.announcements import AnnouncementService
    from bot.services.calendar import CalendarService
    from bot.services.events import EventService
    from bot.services.follows import FollowService
    from bot.services.weekly import WeeklyService
    from bot.sync.service import CatalogueSync

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = (
    "cogs.catalogue",
    "cogs.admin",
    "cogs.announce",
    "cogs.rolebutton",
    "cogs.events",
    "cogs.follow",
    "cogs.calendar",
)
SYNC_HASH_KEY = "command_tree_hash"
SCHEDULER_START_WAIT = 30.0  # seconds the scheduler waits for the gateway's READY before it starts
GENERIC_ERROR = N_("Something went wrong on our side; it has been logged. Please try again in a moment.")


def use_api_base(api_base: str | None) -> None:
    """Point discord.py's REST client at another Discord-compatible base URL.

    discord.py keeps its base URL in ``Route.BASE`` and offers no constructor option for it;
    the gateway URL then comes from that server's ``GET /gateway/bot``.
    """
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")


class PremiereTree(app_commands.CommandTree):
    """Owns error handling for every application command: one short ephemeral message each."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        lang = reader_language(interaction)  # said in the language of whoever used the command
        message = self.user_message(error, lang)
        if message is None:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("command %s failed", command, exc_info=error)
            message = texts(lang)(GENERIC_ERROR)
        await send_ephemeral(interaction, message)

    @staticmethod
    def user_message(error: BaseException, lang: str = ENGLISH) -> str | None:
        """The user-facing text for a known error, or None for one that must be logged."""
        return user_message(error, lang)


async def send_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """Reply privately, through a follow-up when the interaction was already answered."""
    try:
        if interaction.extras.get("deferred") and not interaction.extras.get("answered"):
            # A public "thinking..." message from a lookup: an error goes to the user alone.
            try:
                await interaction.delete_original_response()
            except discord.HTTPException:
                log.debug("could not remove the deferred response", exc_info=True)
        if interaction.response.is_done():
            await interaction.followup.send(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await interaction.response.send_message(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException:
        log.warning("could not tell the user about an error", exc_info=True)


@dataclass(frozen=True, slots=True)
class Services:
    """What the bot runs beside its commands. A bot built without the announcement service has
    no /announce; without the sync, the catalogue is the local one only; without follows, no
    /follow (their DMs go out through the announcement service's runs)."""

    announcements: AnnouncementService | None = None
    scheduler: AnnouncementScheduler | None = None
    sync: CatalogueSync | None = None
    follows: FollowService | None = None
    weekly: WeeklyService | None = None
    events: EventService | None = None
    calendar: CalendarService | None = None
    leases: Leases | None = None  # one process of a cluster: who runs the once-per-bot jobs


class PremiereBot(commands.AutoShardedBot):
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        clock: Clock,
        catalogue: CatalogueService,
        extensions: Sequence[str] = EXTENSIONS,
        http_trace: Any = None,
        services: Services,
        metrics: Metrics | None = None,  # ops: served on METRICS_PORT with /healthz
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=PremiereTree,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            http_trace=http_trace,  # the announcement limiter hears of Discord's 429s through it
            # None: Discord's recommended count (GET /gateway/bot), every shard in this process.
            shard_count=settings.shard_count,
            # None is discord.py's own default for shard_ids (every shard); its annotation omits it.
            shard_ids=None if settings.shard_ids is None else list(settings.shard_ids),  # type: ignore[arg-type]
        )
        self.settings = settings
        self.store = store
        self.clock = clock
        self.catalogue = catalogue
        self.services = services
        self.initial_extensions = tuple(extensions)
        self.failed_extensions: list[str] = []
        self.scheduler_started: asyncio.Task[None] | None = None
        self.first_ready = asyncio.Event()  # a shard received READY: the scheduler may start
        self.calendar_http: CalendarHTTP | None = None
        self.metrics = metrics
        self.ops_http: OpsHTTP | None = None
        self.heartbeat: Heartbeat | None = None

    async def setup_hook(self) -> None:
        if self.settings.api_base:
            await self._use_server_gateway()
        await self.tree.set_translator(PremiereTranslator())  # the commands in Korean too
        mark("translator")
        for name in self.initial_extensions:
            try:
                await self.load_extension(name)
            except Exception:
                self.failed_extensions.append(name)
                log.exception("extension %s failed to load; the others still run", name)
        mark("extensions")
        await self.sync_commands()
        mark("commands")
        if self.services.calendar is not None and self.settings.calendar_http_port is not None:
            from bot.calendar_http import start_calendar_http  # aiohttp.web: only when feeds are served

            self.calendar_http = await start_calendar_http(self.services.calendar, self.settings)
        if self.metrics is not None and self.settings.metrics_port is not None:
            await self._start_ops(self.metrics)
        # Planning every configured channel takes a while on a big bot (and the catch-up of what
        # was missed more): start once the gateway said READY, so that it never delays READY.
        self.scheduler_started = asyncio.create_task(self._start_scheduler(), name="premiere-scheduler-start")
        mark("setup_hook")

    async def _start_scheduler(self) -> None:
        scheduler = self.services.scheduler
        if scheduler is None:
            return
        # Posts go out over HTTP, not the gateway: a gateway that does not answer delays the
        # scheduler by SCHEDULER_START_WAIT at most, never stops it.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.first_ready.wait(), SCHEDULER_START_WAIT)
        leases = self.services.leases
        if leases is not None:
            await leases.renew()  # before the first run, so that the holder's sends the DMs
        try:
            await scheduler.start()
        except Exception:
            log.exception("the announcement scheduler failed to start; commands still work")
            return
        mark("scheduler planned")
        if self.heartbeat is not None:  # ops: /healthz sees the scheduler's jobs run
            self.heartbeat.install(scheduler)
        if leases is not None:
            from bot.lease import add_lease_jobs

            add_lease_jobs(scheduler, leases)
        if self.services.weekly is not None:
            from bot.services.weekly import add_weekly_jobs

            add_weekly_jobs(scheduler, self.services.weekly)
        if self.services.events is not None:
            from bot.services.events import add_event_jobs

            add_event_jobs(scheduler, self.services.events)
        sync = self.services.sync
        if sync is not None:
            from datetime import timedelta
            from functools import partial

            from bot.lease import SYNC_LEASE
            from bot.sync.jobs import add_sync_jobs

            add_sync_jobs(
                # bot.sync.jobs.IntervalScheduler declares ``func: object``; this scheduler takes
                # what add_sync_jobs gives it, a coroutine function
                scheduler,
                sync,
                schedule_every=timedelta(minutes=self.settings.sync_schedule_minutes),
                shows_every=timedelta(hours=self.settings.sync_shows_hours),
                held=None if leases is None else partial(leases.held, SYNC_LEASE),
            )
            log.info("catalogue sync from TVmaze every %d minutes", self.settings.sync_schedule_minutes)

    async def close(self) -> None:
        if self.scheduler_started is not None and not self.scheduler_started.done():
            self.scheduler_started.cancel()
        scheduler = self.services.scheduler
        if scheduler is not None:
            await scheduler.shutdown()
        if self.services.leases is not None:  # another process takes them at once, not at expiry
            try:
                await asyncio.wait_for(self.services.leases.release(), 5)
            except TimeoutError:
                log.warning("could not release the leases in time; they expire on their own")
        sync = self.services.sync
        if sync is not None:
            await sync.client.close()
        if self.ops_http is not None:
            await self.ops_http.stop()
            self.ops_http = None
        if self.calendar_http is not None:
            from bot.calendar_http import stop_calendar_http

            await stop_calendar_http(self.calendar_http)
            self.calendar_http = None
        await super().close()

    # -- operations: /metrics and /healthz (bot.ops_http) --------------------------------------------

    async def _start_ops(self, metrics: Metrics) -> None:
        from bot.ops_http import HealthChecks, Heartbeat, start_ops_http

        scheduler = self.services.scheduler
        self.heartbeat = Heartbeat() if scheduler is not None else None
        checks = HealthChecks(
            database=self.store.schema_version,
            gateway=self.shard_states,
            scheduler=scheduler,
            heartbeat=self.heartbeat,
        )

        async def before_scrape() -> None:
            metrics.set_shards(self.shard_states())
            await metrics.refresh(self.store)

        host, port = self.settings.metrics_host, self.settings.metrics_port
        self.ops_http = await start_ops_http(metrics, checks, host, port, before_scrape=before_scrape)

    def shard_states(self) -> list[ShardState]:
        """Each shard of this process: connected, and its heartbeat latency."""
        from bot.metrics import ShardState

        return [ShardState(i, not shard.is_closed(), shard.latency) for i, shard in self.shards.items()]

    async def _use_server_gateway(self) -> None:
        """With DISCORD_API_BASE, reconnect to that server's gateway too (after INVALID_SESSION
        discord.py falls back to its default gateway, which would be Discord's)."""
        _, url, _ = await self.http.get_bot_gateway()
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

    def command_payload(self) -> list[dict[str, Any]]:
        return [c.to_dict(self.tree) for c in self.tree.get_commands()]

    async def synced_payload(self) -> list[dict[str, Any]]:
        """What a sync sends: the commands with their translations (a new translation is a change)."""
        translator = self.tree.translator
        if translator is None:
            return self.command_payload()
        return [await c.get_translated_payload(self.tree, translator) for c in self.tree.get_commands()]

    async def sync_commands(self, *, force: bool = False) -> str:
        """Sync to DEV_GUILD_ID at once, or globally only when the command set changed.

        Never a command set that lost a cog: syncing it would remove that cog's commands from
        every server until the next good start."""
        if self.failed_extensions:
            failed = ", ".join(self.failed_extensions)
            log.error("not syncing commands: %s failed to load (see above); Discord keeps the last", failed)
            return Msg(
                "not synced: {failed} failed to load; syncing now would remove its commands everywhere",
                failed=failed,
            )
        if self.settings.dev_guild_id:
            guild = discord.Object(self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to the development server", len(synced))
            return Msg("synced {count} commands to the development server", count=len(synced))
        payload = await self.synced_payload()
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        if not force and await self.store.get_meta(SYNC_HASH_KEY) == digest:
            log.info("command set unchanged; global sync skipped")
            return Msg("command set unchanged; nothing to sync")
        synced = await self.tree.sync()
        await self.store.set_meta(SYNC_HASH_KEY, digest)
        log.info("synced %d global commands", len(synced))
        return Msg("synced {count} global commands", count=len(synced))

    async def on_connect(self) -> None:
        """The gateway's READY (of each shard, and again after each new session)."""
        mark("READY received")
        self.first_ready.set()

    async def on_ready(self) -> None:
        log.info("ready as %s in %d servers", self.user, len(self.guilds))
        report_start_times()
