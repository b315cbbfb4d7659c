"""Metrics and health of one process (bot/metrics.py, bot/ops_http.py): counters fed by runs, the
HTTP trace and the database; /metrics and /healthz served over HTTP, 503 when a part is down."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict
from yarl import URL

from bot.clock import ManualClock
from bot.delivery import interaction_age, rate_limit_trace
from bot.follows.models import What
from bot.metrics import Metrics, ShardState
from bot.ops_http import HealthChecks, Heartbeat, OpsHTTP
from bot.scheduler import AnnouncementScheduler
from bot.services.announcements import AnnouncementService
from bot.services.follows import FollowService
from bot.store import Store
from tests.announcements.fakes import FakePoster, aoad, film, weekly

DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)  # All of Us Are Dead and Snowdrop come out
ANNA = 501


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def astore(store: Store) -> Store:
    await store.import_records([aoad(), weekly(), film()])
    return store


async def test_a_run_moves_the_post_counters(astore: Store) -> None:
    clock = ManualClock(DUE - timedelta(days=1))
    poster = FakePoster()
    service = AnnouncementService(astore, clock, poster, rate_per_second=None, sleep=no_sleep)
    follows = FollowService(astore, clock, on_change=service.changed)
    service.attach_follows(follows)
    metrics = Metrics()
    service.on_run(metrics.record_run)
    await service.add_channel(1, 10, role_id=100)
    await service.add_channel(1, 11)
    poster.broken[11] = "I lost a permission there (Missing Permissions)"
    show = await astore.get_show("all-of-us-are-dead")
    assert show is not None
    await follows.follow(ANNA, show, What.PREMIERES)

    clock.set(DUE)
    report = await service.run_due()
    assert report.sent and report.failed
    assert sample(metrics, "premiere_posts_total", kind="channel", outcome="sent") == report.sent
    assert sample(metrics, "premiere_posts_total", kind="channel", outcome="failed") == report.failed
    assert sample(metrics, "premiere_posts_total", kind="channel", outcome="late") == 0
    assert sample(metrics, "premiere_messages_total", kind="channel") == report.messages == 1
    assert sample(metrics, "premiere_channels_broken_total", why="broken") == 1
    assert sample(metrics, "premiere_posts_total", kind="dm", outcome="sent") == 1
    assert sample(metrics, "premiere_messages_total", kind="dm") == 1
    assert sample(metrics, "premiere_announcement_runs_total") == 1
    assert sample(metrics, "premiere_announcement_run_seconds_count") == 1

    # Hours later the next run sends nothing: the counters stay, the runs go on counting.
    clock.set(DUE + timedelta(hours=3))
    await service.run_due()
    assert sample(metrics, "premiere_posts_total", kind="channel", outcome="sent") == report.sent
    assert sample(metrics, "premiere_announcement_runs_total") == 2


async def test_a_late_post_counts_as_sent_and_late(astore: Store) -> None:
    clock = ManualClock(DUE - timedelta(days=1))
    service = AnnouncementService(astore, clock, FakePoster(), rate_per_second=None, sleep=no_sleep)
    metrics = Metrics()
    service.on_run(metrics.record_run)
    await service.add_channel(1, 10)
    report = await service.run_due(DUE + timedelta(hours=1))  # the bot was down at release time
    assert report.late >= 1
    assert sample(metrics, "premiere_posts_total", kind="channel", outcome="late") == report.late


def trace_params(method: str, path: str, status: int, headers: dict[str, str] | None = None) -> Any:
    class Response:
        def __init__(self) -> None:
            self.status = status
            self.headers = CIMultiDict(headers or {})

        async def json(self, content_type: str | None = None) -> Any:
            return {"retry_after": 0.25}

    return SimpleNamespace(method=method, url=URL(f"http://discord.test/api/v10{path}"), response=Response())


async def test_the_http_trace_counts_429s_and_times_interaction_answers() -> None:
    metrics = Metrics()
    limited: list[bool] = []

    def on_limited(*, global_: bool, retry_after: float | None) -> None:
        limited.append(global_)
        metrics.record_429(global_=global_, retry_after=retry_after)

    trace = rate_limit_trace(on_limited, on_answered=metrics.record_interaction)
    [hook] = list(trace.on_request_end)
    await hook(
        None,
        SimpleNamespace(),
        trace_params("POST", "/channels/1/messages", 429, {"X-RateLimit-Global": "true"}),
    )
    await hook(
        None,
        SimpleNamespace(),
        trace_params("POST", "/channels/1/messages", 429, {"X-RateLimit-Scope": "user"}),
    )
    assert limited == [True, False]
    assert sample(metrics, "premiere_discord_429_total", scope="global") == 1
    assert sample(metrics, "premiere_discord_429_total", scope="route") == 1

    # An interaction created now (its id is a snowflake of this instant) answered now.
    import time

    interaction_id = (int(time.time() * 1000) - 1420070400000) << 22
    await hook(
        None, SimpleNamespace(), trace_params("POST", f"/interactions/{interaction_id}/tok/callback", 204)
    )
    await hook(None, SimpleNamespace(), trace_params("POST", "/webhooks/1/tok/messages/@original", 200))
    assert sample(metrics, "premiere_interaction_response_seconds_count") == 1
    assert sample(metrics, "premiere_interaction_response_seconds_bucket", le="10.0") == 1


def test_an_interactions_age_comes_from_its_id() -> None:
    created = 1_700_000_000.0
    snowflake = (int(created * 1000) - 1420070400000) << 22
    assert interaction_age(
        f"/api/v10/interactions/{snowflake}/token/callback", created + 0.25
    ) == pytest.approx(0.25)
    assert interaction_age("/api/v10/channels/1/messages", created) is None
    assert interaction_age("/api/v10/interactions/x/token/callback", created) is None


async def test_sync_runs_are_counted_from_the_database(store: Store) -> None:
    metrics = Metrics()
    t = datetime(2022, 1, 1, tzinfo=UTC)
    before = await store.start_sync_run("schedule", t)
    await store.finish_sync_run(before, t + timedelta(seconds=5), {"releases_added": 7})
    await metrics.refresh(store)  # what finished before this process looked is not counted
    assert sample(metrics, "premiere_sync_runs_total", kind="schedule", outcome="ok") == 0
    assert (
        sample(metrics, "premiere_sync_last_finished_timestamp_seconds", kind="schedule")
        == (t + timedelta(seconds=5)).timestamp()
    )

    ok = await store.start_sync_run("schedule", t + timedelta(hours=1))
    await store.finish_sync_run(
        ok, t + timedelta(hours=1, seconds=3), {"releases_added": 2, "releases_moved": 1}
    )
    failed = await store.start_sync_run("updates", t + timedelta(hours=1))
    await store.finish_sync_run(failed, t + timedelta(hours=1, seconds=1), {}, "TVmaze is unreachable")
    running = await store.start_sync_run("schedule", t + timedelta(hours=2))  # not finished: not yet
    await metrics.refresh(store)
    await metrics.refresh(store)  # each run once
    assert sample(metrics, "premiere_sync_runs_total", kind="schedule", outcome="ok") == 1
    assert sample(metrics, "premiere_sync_runs_total", kind="updates", outcome="failed") == 1
    assert sample(metrics, "premiere_sync_releases_changed_total", kind="schedule", change="added") == 2
    assert sample(metrics, "premiere_sync_releases_changed_total", kind="schedule", change="moved") == 1
    await store.finish_sync_run(running, t + timedelta(hours=2, seconds=9), {"failures": 2})
    await metrics.refresh(store)
    assert sample(metrics, "premiere_sync_runs_total", kind="schedule", outcome="partial") == 1


def test_each_bot_has_its_own_registry() -> None:
    a, b = Metrics(), Metrics()
    a.record_429(global_=True)
    assert sample(a, "premiere_discord_429_total", scope="global") == 1
    assert sample(b, "premiere_discord_429_total", scope="global") == 0


# -- over HTTP ---------------------------------------------------------------------------------------


class Shards:
    def __init__(self) -> None:
        self.states = [ShardState(0, True, 0.042)]

    def __call__(self) -> list[ShardState]:
        return self.states


@pytest.fixture
async def ops(astore: Store) -> AsyncIterator[tuple[OpsHTTP, AnnouncementScheduler, Shards, Metrics]]:
    clock = ManualClock(DUE - timedelta(days=1))
    service = AnnouncementService(astore, clock, FakePoster(), rate_per_second=None, sleep=no_sleep)
    scheduler = AnnouncementScheduler(service, clock)
    await scheduler.start()
    heartbeat = Heartbeat()
    heartbeat.install(scheduler)
    metrics = Metrics()
    shards = Shards()
    checks = HealthChecks(
        database=astore.schema_version, gateway=shards, scheduler=scheduler, heartbeat=heartbeat
    )

    async def before_scrape() -> None:
        metrics.set_shards(shards())
        await metrics.refresh(astore)

    server = OpsHTTP(metrics, checks, "127.0.0.1", 0, before_scrape=before_scrape)
    await server.start()
    try:
        async with asyncio.timeout(10):
            while heartbeat.last is None:  # noqa: ASYNC110 (its first beat is at once)
                await asyncio.sleep(0.01)
        yield server, scheduler, shards, metrics
    finally:
        await server.stop()
        await scheduler.shutdown()


async def get(server: OpsHTTP, path: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.get(server.base_url + path) as response:
            return response.status, response.headers.get("Content-Type", ""), await response.text()


async def test_metrics_are_served_in_prometheus_text(ops) -> None:
    server, _, _, metrics = ops
    metrics.record_429(global_=True)
    status, content_type, text = await get(server, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    assert 'premiere_discord_429_total{scope="global"} 1.0' in text
    assert 'premiere_shard_latency_seconds{shard="0"} 0.042' in text
    assert 'premiere_shard_connected{shard="0"} 1.0' in text
    assert "# TYPE premiere_posts_total counter" in text
    assert "# TYPE premiere_interaction_response_seconds histogram" in text
    assert "python_gc" not in text  # the bot's own registry, not the process-wide default one


async def test_health_is_200_then_503_naming_what_is_down(ops, astore: Store) -> None:
    import json

    server, scheduler, shards, _ = ops
    status, content_type, text = await get(server, "/healthz")
    assert status == 200 and content_type.startswith("application/json"), text
    body = json.loads(text)
    assert body == {
        "ok": True,
        "gateway": True,
        "database": True,
        "scheduler": True,
        "shards": {"0": {"connected": True, "latency_ms": 42.0}},
    }

    shards.states = [ShardState(0, True, 0.04), ShardState(1, False, float("inf"))]
    status, _, text = await get(server, "/healthz")
    body = json.loads(text)
    assert status == 503 and body["gateway"] is False and body["database"] is True
    assert body["problems"] == {"gateway": "shards 1 not connected"}
    shards.states = [ShardState(0, True, 0.04)]

    await scheduler.shutdown()
    status, _, text = await get(server, "/healthz")
    body = json.loads(text)
    assert status == 503 and body["scheduler"] is False and body["gateway"] is True
    assert body["problems"] == {"scheduler": "not running"}

    await astore.close()
    status, _, text = await get(server, "/healthz")
    body = json.loads(text)
    assert status == 503 and body["database"] is False
    assert set(body["problems"]) == {"database", "scheduler"}
    status, _, text = await get(server, "/metrics")  # what it counted, still served
    assert status == 200 and "premiere_posts_total" in text


async def test_a_database_that_does_not_answer_in_time_is_down() -> None:
    async def stuck() -> None:
        await asyncio.Event().wait()

    checks = HealthChecks(database=stuck, deadline=0.05)
    health = await checks.check()
    assert not health.ok and health.checks == {"gateway": True, "database": False}
    assert health.problems == {"database": "no answer within 0.05 s"}


async def test_a_scheduler_whose_jobs_stopped_running_is_down() -> None:
    now = [100.0]
    heartbeat = Heartbeat(every=15.0, monotonic=lambda: now[0])

    class Running:
        running = True

        def next_run(self, job_id: str) -> datetime | None:
            return DUE

        def add_interval_job(self, func: Any, every: timedelta, job_id: str, *, first_in: timedelta) -> None:
            self.beat = func

    scheduler = Running()
    heartbeat.install(scheduler)

    async def answers() -> None:
        return None

    checks = HealthChecks(database=answers, scheduler=scheduler, heartbeat=heartbeat)
    assert not (await checks.check()).ok  # no beat yet
    await scheduler.beat()
    assert (await checks.check()).ok
    now[0] += 46.0  # three intervals and more without a beat: the loop or APScheduler is stuck
    health = await checks.check()
    assert not health.ok and health.problems == {"scheduler": "its jobs have not run for 45 s"}
