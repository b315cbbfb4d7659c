from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.services.announcements import AnnouncementService
from bot.store import Store

from .fakes import FakePoster, aoad, film, weekly


@pytest.fixture
def t0() -> datetime:
    # One minute before All of Us Are Dead came out (17:00 in Seoul).
    return datetime(2022, 1, 28, 7, 59, tzinfo=UTC)


@pytest.fixture
def aclock(t0: datetime) -> ManualClock:
    return ManualClock(t0 - timedelta(days=1))


@pytest.fixture
async def astore(store: Store) -> Store:
    await store.import_records([aoad(), weekly(), film()])
    return store


@pytest.fixture
def poster() -> FakePoster:
    return FakePoster()


@pytest.fixture
def service(astore: Store, aclock: ManualClock, poster: FakePoster) -> AnnouncementService:
    async def no_sleep(_: float) -> None:
        return None

    return AnnouncementService(astore, aclock, poster, rate_per_second=None, sleep=no_sleep)


# -- end to end: the shared harness (tests/conftest.py) with the release-day clock ---------------

from collections.abc import AsyncIterator  # noqa: E402
from pathlib import Path  # noqa: E402

from tests.conftest import LocalDiscord, RunningBot, settings_for  # noqa: E402,F401


@pytest.fixture
async def running(lc: LocalDiscord, store: Store, tmp_path: Path) -> AsyncIterator[RunningBot]:
    clock = ManualClock(datetime(2022, 1, 28, 7, 0, tzinfo=UTC))
    rb = RunningBot(lc, store, clock, settings_for(lc, tmp_path))
    try:
        yield rb
    finally:
        await rb.close()
