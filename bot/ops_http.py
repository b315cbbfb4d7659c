"""Operations over HTTP on ``METRICS_PORT``: ``GET /metrics`` and ``GET /healthz``. No discord here.

* ``/metrics``: the process's Prometheus metrics (``bot.metrics``), in the text format.
* ``/healthz``: 200 with ``{"ok": true, "gateway": true, "database": true, "scheduler": true,
  ...}`` when all is well, 503 with the same keys and ``problems`` (what is down, and why) when
  something is not:

  - *gateway*: every shard of this process is connected and has had a heartbeat answered;
  - *database*: it answers a query through the store within ``deadline`` (2 s);
  - *scheduler*: APScheduler runs, its watch job is scheduled, and a heartbeat job on it ran
    within three of its intervals (a stopped scheduler, or a loop too blocked to fire jobs,
    fails this).

The Discord adapter (``bot.client``) hands in the shards' states as plain values; this module
never sees discord.py. Nothing here is logged per request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from aiohttp import web

from bot.metrics import CONTENT_TYPE, Metrics, ShardState
from bot.scheduler import WATCH_JOB

log = logging.getLogger(__name__)

HEARTBEAT_JOB = "ops-heartbeat"


class Scheduler(Protocol):
    """What health needs of the announcement scheduler (``bot.scheduler.AnnouncementScheduler``)."""

    @property
    def running(self) -> bool: ...
    def next_run(self, job_id: str) -> datetime | None: ...
    def add_interval_job(
        self, func: Callable[[], Awaitable[object]], every: timedelta, job_id: str, *, first_in: timedelta
    ) -> None: ...


class Heartbeat:
    """A job on the scheduler that notes when it last ran (monotonic time, not the bot's clock)."""

    def __init__(self, every: float = 15.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.last: float | None = None
        self._monotonic = monotonic

    def install(self, scheduler: Scheduler) -> None:
        """Call once the scheduler runs; it beats at once, then every ``every`` seconds."""
        scheduler.add_interval_job(
            self.beat, timedelta(seconds=self.every), HEARTBEAT_JOB, first_in=timedelta(0)
        )

    async def beat(self) -> None:
        self.last = self._monotonic()

    def fresh(self) -> bool:
        return self.last is not None and self._monotonic() - self.last <= 3 * self.every


@dataclass(slots=True)
class Health:
    checks: dict[str, bool] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    shards: list[ShardState] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(self.checks.values())

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok, **self.checks}
        if self.shards:
            out["shards"] = {
                str(s.shard_id): {
                    "connected": s.connected,
                    "latency_ms": round(s.latency * 1000, 1) if s.healthy else None,
                }
                for s in self.shards
            }
        if self.problems:
            out["problems"] = self.problems
        return out


@dataclass(slots=True)
class HealthChecks:
    """What ``/healthz`` checks; a check left None is not part of this process."""

    database: Callable[[], Awaitable[object]]  # any query through the store
    gateway: Callable[[], Sequence[ShardState]] | None = None
    scheduler: Scheduler | None = None
    heartbeat: Heartbeat | None = None
    deadline: float = 2.0

    async def check(self) -> Health:
        health = Health()
        health.checks["gateway"] = self._gateway(health)
        health.checks["database"] = await self._database(health)
        if self.scheduler is not None:
            health.checks["scheduler"] = self._scheduler(health, self.scheduler)
        return health

    def _gateway(self, health: Health) -> bool:
        if self.gateway is None:
            return True
        health.shards = sorted(self.gateway(), key=lambda s: s.shard_id)
        if not health.shards:
            health.problems["gateway"] = "no shard connected yet"
            return False
        down = [s.shard_id for s in health.shards if not s.healthy]
        if down:
            health.problems["gateway"] = f"shards {', '.join(map(str, down))} not connected"
            return False
        return True

    async def _database(self, health: Health) -> bool:
        try:
            async with asyncio.timeout(self.deadline):
                await self.database()
        except TimeoutError:
            health.problems["database"] = f"no answer within {self.deadline:g} s"
            return False
        except Exception as exc:
            health.problems["database"] = f"{type(exc).__name__}: {exc}"[:200]
            return False
        return True

    def _scheduler(self, health: Health, scheduler: Scheduler) -> bool:
        if not scheduler.running:
            health.problems["scheduler"] = "not running"
            return False
        if scheduler.next_run(WATCH_JOB) is None:
            health.problems["scheduler"] = "its watch job is not scheduled"
            return False
        if self.heartbeat is not None and not self.heartbeat.fresh():
            every = self.heartbeat.every
            health.problems["scheduler"] = f"its jobs have not run for {3 * every:g} s"
            return False
        return True


class OpsHTTP:
    """The server: :meth:`start`, then :meth:`stop`. ``port`` 0 binds a free port."""

    def __init__(
        self,
        metrics: Metrics,
        health: HealthChecks,
        host: str,
        port: int,
        *,
        before_scrape: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.metrics = metrics
        self.health = health
        self.host = host
        self.port = port
        self.before_scrape = before_scrape
        self.runner: web.AppRunner | None = None
        self._scrape_failing = False

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/metrics", self.serve_metrics)
        app.router.add_get("/healthz", self.serve_health)
        return app

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        sock = _bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self.runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self.runner.setup()
        await web.SockSite(self.runner, sock).start()
        log.info("metrics and health served on %s (/metrics, /healthz)", self.base_url)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def serve_metrics(self, request: web.Request) -> web.Response:
        if self.before_scrape is not None:
            try:
                async with asyncio.timeout(self.health.deadline):
                    await self.before_scrape()
            except Exception:
                if not self._scrape_failing:  # once per failure streak; /healthz says it meanwhile
                    log.warning("metrics: reading the database's figures failed", exc_info=True)
                self._scrape_failing = True
            else:
                self._scrape_failing = False
        return web.Response(body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})

    async def serve_health(self, request: web.Request) -> web.Response:
        health = await self.health.check()
        return web.Response(
            status=200 if health.ok else 503,
            text=json.dumps(health.body()),
            content_type="application/json",
            headers={"Cache-Control": "no-store"},
        )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def start_ops_http(
    metrics: Metrics,
    health: HealthChecks,
    host: str,
    port: int | None,
    *,
    before_scrape: Callable[[], Awaitable[None]] | None = None,
) -> OpsHTTP | None:
    """Serve /metrics and /healthz when ``port`` is set (None when it is not, or the port cannot
    be had: the bot runs on without them, and says so)."""
    if port is None:
        return None
    server = OpsHTTP(metrics, health, host, port, before_scrape=before_scrape)
    try:
        await server.start()
    except OSError as exc:
        log.error(
            "metrics and health are off: cannot listen on %s:%d (%s); check METRICS_HOST and METRICS_PORT",
            host,
            port,
            exc.strerror or exc,
        )
        await server.stop()
        return None
    return server


__all__ = ["HEARTBEAT_JOB", "Health", "HealthChecks", "Heartbeat", "OpsHTTP", "start_ops_http"]
