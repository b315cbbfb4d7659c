"""Wiring: open the resources, hand them to the bot, run it, close everything."""

from __future__ import annotations

import logging
import sys

import discord

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.services.catalogue import CatalogueService
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

    records = load_path(settings.catalogue_dir)
    stats = await store.import_records(records)
    log.info("imported the bundled catalogue: %d shows, %d people", stats.shows, stats.people)
    return True


async def run_bot(settings: Settings, clock: Clock = system_clock) -> int:
    from bot.client import PremiereBot, use_api_base

    use_api_base(settings.api_base)
    async with await Store.open(settings.database_path) as store:
        await seed_catalogue(store, settings)
        catalogue = CatalogueService(store, clock)
        await catalogue.refresh()
        bot = PremiereBot(settings=settings, store=store, clock=clock, catalogue=catalogue)
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
    return 0
