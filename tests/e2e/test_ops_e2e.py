"""Operations end to end: the real bot against localcord with METRICS_PORT=0 (a free port) serves
/healthz and /metrics from its own process; an answered command shows in the metrics."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from tests.conftest import RunningBot, settings_for


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.get(url) as response:
            return response.status, await response.text()


async def test_the_running_bot_serves_health_and_metrics(lc, seeded_store, clock, tmp_path):
    guild = lc.create_guild("Zombie Fans")
    channel = lc.create_channel(guild, "general")
    alice = lc.create_member(guild, "alice")
    running = RunningBot(lc, seeded_store, clock, settings_for(lc, tmp_path, metrics_port=0))
    bot = await running.start()
    try:
        assert bot.ops_http is not None and bot.ops_http.port != 0
        base = bot.ops_http.base_url

        # Healthy once every shard's first heartbeat is answered and the scheduler's jobs run.
        async with asyncio.timeout(20):
            while True:
                status, text = await get(base + "/healthz")
                if status == 200:
                    break
                await asyncio.sleep(0.05)
        body = json.loads(text)
        assert body["ok"] and body["gateway"] and body["database"] and body["scheduler"]
        assert list(body["shards"]) == ["0"] and body["shards"]["0"]["connected"]

        res = await lc.run_command(
            guild, alice, "cast", options={"title": "all-of-us-are-dead"}, channel=channel
        )
        assert res.message and res.message["embeds"]
        status, text = await get(base + "/metrics")
        assert status == 200
        assert "premiere_interaction_response_seconds_count 1.0" in text
        assert 'premiere_shard_connected{shard="0"} 1.0' in text
        assert 'premiere_shard_latency_seconds{shard="0"}' in text
        assert "premiere_announcement_runs_total" in text

        # The scheduler stopped: the process says so.
        await running.scheduler.shutdown()
        status, text = await get(base + "/healthz")
        assert status == 503
        body = json.loads(text)
        assert body["scheduler"] is False and body["gateway"] and body["database"]
    finally:
        await running.close()
    assert bot.ops_http is None  # stopped with the bot
