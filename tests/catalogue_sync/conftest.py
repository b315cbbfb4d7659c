from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.store import Store
from bot.sync.client import TVmazeClient
from bot.sync.service import CatalogueSync
from localtvmaze import LocalTVmaze

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def sync_clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
async def tv(sync_clock: ManualClock) -> AsyncIterator[LocalTVmaze]:
    async with LocalTVmaze(now=sync_clock) as server:
        yield server


async def no_sleep(seconds: float) -> None:
    """Retries and back-off without waiting (the waits asked for are recorded by the client's limiter)."""


@pytest.fixture
async def client(tv: LocalTVmaze) -> AsyncIterator[TVmazeClient]:
    async with TVmazeClient(tv.base_url, sleep=no_sleep, timeout=2.0) as c:
        yield c


@pytest.fixture
def sync(store: Store, sync_clock: ManualClock, client: TVmazeClient) -> CatalogueSync:
    return CatalogueSync(store, sync_clock, client, days=3, countries=("KR",))
