"""Prometheus metrics of one bot process. No discord here.

Each bot has its own registry (never prometheus-client's global one), so a test can build
several bots in one process. The metrics are fed by listeners, not read from the code that
does the work:

* announcement runs (``AnnouncementService.on_run``): posts sent, late, skipped and failed by
  kind (``channel``: a server's channel, reminders included; ``dm``: a follower's DM), messages,
  runs and their duration;
* Discord's answers, seen by the Discord adapter's HTTP trace (``bot.delivery``): 429s by scope
  (``global`` or ``route``), and the time from an interaction's creation to the bot's first
  response to it;
* the shards' heartbeat latencies, read when scraped;
* catalogue syncs, read from the database when scraped (:meth:`Metrics.refresh`): every sync run
  the database records, whichever process ran it, so every process of a cluster shows the same
  figures (aggregate them with ``max``, not ``sum``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

if TYPE_CHECKING:
    from bot.announce.run import Tally
    from bot.services.announcements import RunDone
    from bot.store import Store

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
SYNC_RUNS_READ = 50  # sync runs read per scrape: far more than finish between two scrapes
RUN_BUCKETS = (0.05, 0.25, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)
INTERACTION_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class ShardState:
    """One shard of this process as its gateway connection stands."""

    shard_id: int
    connected: bool
    latency: float  # seconds between a heartbeat and its acknowledgement (nan/inf: none yet)

    @property
    def healthy(self) -> bool:
        return self.connected and math.isfinite(self.latency)


class Metrics:
    """The metrics of one bot, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.posts = Counter(
            "premiere_posts",
            "Releases announced by kind (channel: a server's channel, reminders included; dm: a "
            "follower's DM) and outcome (sent; late: sent after its time; skipped; failed)",
            ["kind", "outcome"],
            registry=r,
        )
        self.messages = Counter(
            "premiere_messages", "Messages the announcement runs sent, by kind", ["kind"], registry=r
        )
        self.runs = Counter("premiere_announcement_runs", "Announcement runs finished", registry=r)
        self.run_seconds = Histogram(
            "premiere_announcement_run_seconds",
            "How long an announcement run took",
            buckets=RUN_BUCKETS,
            registry=r,
        )
        self.broken = Counter(
            "premiere_channels_broken",
            "Announcement channels found broken (a permission lost) or deleted",
            ["why"],
            registry=r,
        )
        self.rate_limited = Counter(
            "premiere_discord_429",
            "Answers 429 from Discord, by scope (global: the bot's limit; route: one route's bucket)",
            ["scope"],
            registry=r,
        )
        self.interaction_latency = Histogram(
            "premiere_interaction_response_seconds",
            "From an interaction's creation (its id) to the bot's first response to it",
            buckets=INTERACTION_BUCKETS,
            registry=r,
        )
        self.shard_latency = Gauge(
            "premiere_shard_latency_seconds",
            "Gateway heartbeat latency of each shard of this process (NaN: not measured yet)",
            ["shard"],
            registry=r,
        )
        self.shard_connected = Gauge(
            "premiere_shard_connected",
            "Whether each shard of this process is connected",
            ["shard"],
            registry=r,
        )
        self.sync_runs = Counter(
            "premiere_sync_runs",
            "Catalogue sync runs the database recorded since this process started, by kind and "
            "outcome (ok, failed: it stopped on an error, partial: some shows failed)",
            ["kind", "outcome"],
            registry=r,
        )
        self.sync_releases = Counter(
            "premiere_sync_releases_changed",
            "Releases the recorded sync runs added, moved or removed, by kind of run",
            ["kind", "change"],
            registry=r,
        )
        self.sync_last = Gauge(
            "premiere_sync_last_finished_timestamp_seconds",
            "When the last sync run of each kind finished (Unix time)",
            ["kind"],
            registry=r,
        )
        self._sync_seen: set[int] | None = None  # sync runs already counted (None: not read yet)

    # -- listeners -----------------------------------------------------------------------------------

    def record_run(self, done: RunDone) -> None:
        """What one announcement run did (``AnnouncementService.on_run``)."""
        self._tally("channel", done.channels)
        if done.follows is not None:
            self._tally("dm", done.follows)
        for _ in done.channels.broken:
            self.broken.labels("broken").inc()
        for _ in done.channels.gone:
            self.broken.labels("deleted").inc()
        self.runs.inc()
        self.run_seconds.observe(done.seconds)

    def _tally(self, kind: str, tally: Tally) -> None:
        for outcome in ("sent", "late", "skipped", "failed"):
            self.posts.labels(kind, outcome).inc(getattr(tally, outcome))
        self.messages.labels(kind).inc(tally.messages)

    def record_429(self, *, global_: bool, retry_after: float | None = None) -> None:
        """Discord answered 429 (the Discord adapter's HTTP trace)."""
        self.rate_limited.labels("global" if global_ else "route").inc()

    def record_interaction(self, seconds: float) -> None:
        """The bot answered an interaction ``seconds`` after it was created."""
        if math.isfinite(seconds) and seconds >= 0:
            self.interaction_latency.observe(seconds)

    def set_shards(self, shards: Iterable[ShardState]) -> None:
        for shard in shards:
            label = str(shard.shard_id)
            self.shard_connected.labels(label).set(1 if shard.connected else 0)
            self.shard_latency.labels(label).set(shard.latency if math.isfinite(shard.latency) else math.nan)

    async def refresh(self, store: Store) -> None:
        """Count the sync runs that finished since the last scrape (one indexed read)."""
        runs = [r for r in await store.sync_runs(SYNC_RUNS_READ) if r.finished is not None]
        first = self._sync_seen is None
        seen = self._sync_seen or set()
        for run in reversed(runs):  # oldest first: the last one read sets "last finished"
            assert run.finished is not None
            self.sync_last.labels(run.kind).set(run.finished.timestamp())
            if run.id in seen:
                continue
            seen.add(run.id)
            if first:
                continue  # finished before this process looked: not counted, as a counter starts at 0
            outcome = "failed" if run.error else "partial" if run.failures else "ok"
            self.sync_runs.labels(run.kind, outcome).inc()
            self.sync_releases.labels(run.kind, "added").inc(run.releases_added)
            self.sync_releases.labels(run.kind, "moved").inc(run.releases_moved)
            self.sync_releases.labels(run.kind, "removed").inc(run.releases_removed)
        oldest = min((r.id for r in runs), default=0)
        self._sync_seen = {i for i in seen if i >= oldest}

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)


__all__ = ["CONTENT_TYPE", "Metrics", "ShardState"]
