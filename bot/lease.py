"""Leases: the jobs that run once for the whole bot, in one process of a cluster. No discord here.

Several processes on one database (each running some of Discord's shards, ``bot.shards``) each
serve their own servers, but catalogue syncs and followers' DMs are not per server: they must run
in one process at a time. That process is the holder of the job's lease, a row of the database
(``bot.store.leases``) that it renews every ``ttl / 3``. When it dies its lease expires, ``ttl``
after its last renewal, and the next renewal of another process takes it over; a clean shutdown
gives it up at once (:meth:`Leases.release`).

A lease decides who *runs* a job, not whether a message is sent once: that is the delivery
ledger's claim (``bot.store.announce_ledger``), which holds even when two processes believe for
a moment that they hold one lease (a holder stalled past its expiry). A process believes it
holds a lease only until the expiry it wrote, on its own clock, so it stops before another can
take over. A process alone on its database needs no lease: the bot then builds no ``Leases``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock

log = logging.getLogger(__name__)

SYNC_LEASE = "catalogue-sync"  # the TVmaze syncs (bot.sync.jobs)
FOLLOWS_LEASE = "follower-dms"  # followers' DMs, sent in the announcement runs
LEASES = (SYNC_LEASE, FOLLOWS_LEASE)
DEFAULT_TTL = timedelta(seconds=60)
JOB_ID = "leases"


class LeaseTable(Protocol):
    """The store's part for leases (``bot.store.leases.LeaseRecords``)."""

    async def acquire(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool: ...
    async def release(self, name: str, holder: str) -> bool: ...


class Held(Protocol):
    """What a guarded job asks: whether this process runs the job ``name`` now."""

    def held(self, name: str) -> bool: ...


def holder_id() -> str:
    """This process among all of the cluster's: host, process id and a random part (a pid can
    come back after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Leases:
    """The leases this process wants (``names``): taken and renewed by :meth:`renew`, read by
    :meth:`held`."""

    def __init__(
        self,
        table: LeaseTable,
        clock: Clock,
        *,
        names: Iterable[str] = LEASES,
        ttl: timedelta = DEFAULT_TTL,
        holder: str | None = None,
    ) -> None:
        if ttl < timedelta(seconds=3):
            raise ValueError("a lease lasts 3 seconds or more")
        self.table = table
        self.clock = clock
        self.names = tuple(names)
        self.ttl = ttl
        self.holder = holder or holder_id()
        self._until: dict[str, datetime] = {}  # lease -> the expiry this process last wrote
        self._lock = asyncio.Lock()
        self._listeners: list[Callable[[], Awaitable[object]]] = []

    @property
    def renew_every(self) -> timedelta:
        return self.ttl / 3

    def held(self, name: str) -> bool:
        """Whether this process holds ``name`` now: it took or renewed it and it has not expired."""
        until = self._until.get(name)
        return until is not None and self.clock() < until

    def on_gain(self, listener: Callable[[], Awaitable[object]]) -> None:
        """Call ``listener`` after this process took a lease (at start, or over from a dead holder)."""
        self._listeners.append(listener)

    async def renew(self) -> set[str]:
        """Take each lease that is free or expired, renew those held. Returns the leases taken
        (not held just before). A database error is logged; a lease then lapses at its expiry."""
        gained: set[str] = set()
        async with self._lock:
            for name in self.names:
                now = self.clock()
                had = self.held(name)
                try:
                    got = await self.table.acquire(name, self.holder, now, self.ttl)
                except Exception:
                    log.warning("could not renew the lease %s; it lapses if this lasts", name, exc_info=True)
                    continue
                if got:
                    # The expiry as stored (whole seconds): never later than others read it.
                    self._until[name] = (now + self.ttl).replace(microsecond=0)
                    if not had:
                        gained.add(name)
                        log.info("this process (%s) now runs %s for the whole bot", self.holder, name)
                elif self._until.pop(name, None) is not None:
                    log.warning("lease %s lost to another process; it runs the job from now on", name)
        if gained:
            for listener in self._listeners:
                try:
                    await listener()
                except Exception:
                    log.exception("acting on a lease taken failed")
        return gained

    async def release(self) -> None:
        """Give up every lease held (a clean shutdown): another process takes them at its next
        renewal, without waiting for them to expire."""
        async with self._lock:
            held, self._until = list(self._until), {}
            for name in held:
                try:
                    await self.table.release(name, self.holder)
                except Exception:
                    log.warning("could not release the lease %s; it expires on its own", name, exc_info=True)


class IntervalJobs(Protocol):
    """The part of the bot's scheduler (``AnnouncementScheduler``) the renewal needs."""

    def add_interval_job(
        self, func: Callable[[], Awaitable[object]], every: timedelta, job_id: str, *, first_in: timedelta
    ) -> None: ...


def add_lease_jobs(scheduler: IntervalJobs, leases: Leases) -> None:
    """Renew the leases every ``ttl / 3``: a holder misses two renewals before it loses one."""

    async def renew() -> None:
        await leases.renew()

    scheduler.add_interval_job(renew, leases.renew_every, JOB_ID, first_in=leases.renew_every)


__all__ = [
    "DEFAULT_TTL",
    "FOLLOWS_LEASE",
    "JOB_ID",
    "LEASES",
    "SYNC_LEASE",
    "Held",
    "IntervalJobs",
    "LeaseTable",
    "Leases",
    "add_lease_jobs",
    "holder_id",
]
