"""The announcement scheduler starts once the gateway said READY: planning every configured
channel and catching up on what was missed never delay READY, and nothing is lost by waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.planner import ChannelConfig
from bot.services.announcements import AnnouncementService

from .conftest import LocalDiscord, RunningBot
from .fakes import aoad
from .test_e2e_announce import eventually, wait_until

DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)


async def test_the_start_up_plan_waits_for_ready_and_still_catches_up(
    lc: LocalDiscord, running: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    guild = lc.create_guild("Zombie Fans")
    channel = lc.create_channel(guild, "releases")
    await running.store.import_records([aoad()])
    added = DUE - timedelta(days=1)
    await running.store.upsert_announce_channel(ChannelConfig(channel.id, guild.id, added))
    running.clock.set(DUE + timedelta(minutes=2))  # the bot was down at the release: catch up

    plans: list[tuple[bool, int]] = []  # (the bot had READY, GUILD_CREATEs localcord had sent)
    plan = AnnouncementService.plan

    async def observed(self: AnnouncementService, *args: Any, **kwargs: Any) -> Any:
        plans.append((running.bot.first_ready.is_set(), lc.identify_count))
        return await plan(self, *args, **kwargs)

    monkeypatch.setattr(AnnouncementService, "plan", observed)
    await running.start()

    assert running.scheduler.running
    assert plans and all(ready and identified >= 1 for ready, identified in plans), plans
    await wait_until(lambda: len(lc.messages(channel)) == 1)
    # the post is in the channel before the ledger records it as sent
    await eventually(running.store.delivery_counts, {"sent": 1})


async def test_the_scheduler_starts_without_ready_after_its_wait(
    lc: LocalDiscord, running: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gateway that never says READY delays the posts (they go over HTTP) by the wait, no more."""
    import bot.client

    monkeypatch.setattr(bot.client, "SCHEDULER_START_WAIT", 0.2)
    monkeypatch.setattr(bot.client.PremiereBot, "on_connect", _no_ready)
    guild = lc.create_guild("Zombie Fans")
    channel = lc.create_channel(guild, "releases")
    await running.store.import_records([aoad()])
    await running.store.upsert_announce_channel(ChannelConfig(channel.id, guild.id, DUE - timedelta(days=1)))
    running.clock.set(DUE + timedelta(minutes=2))

    await running.start()

    assert not running.bot.first_ready.is_set()
    assert running.scheduler.running
    await wait_until(lambda: len(lc.messages(channel)) == 1)


async def _no_ready(self: Any) -> None:
    return None
