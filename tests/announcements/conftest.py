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
