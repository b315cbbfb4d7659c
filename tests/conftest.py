from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import BUNDLED_CATALOGUE
from bot.services.catalogue import CatalogueService
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def store(tmp_path: Path):
    s = await Store.open(tmp_path / "premiere.sqlite3")
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture(scope="session")
def bundled_records():
    from bot.catalogue.validate import load_path

    return load_path(BUNDLED_CATALOGUE)


@pytest.fixture
async def seeded_store(store: Store, bundled_records):
    await store.import_records(bundled_records)
    return store


@pytest.fixture
def clock() -> ManualClock:
    # A week before All of Us Are Dead came out.
    return ManualClock(datetime(2022, 1, 21, 12, 0, tzinfo=UTC))


@pytest.fixture
async def catalogue(seeded_store: Store, clock: ManualClock) -> CatalogueService:
    service = CatalogueService(seeded_store, clock)
    await service.refresh()
    return service
