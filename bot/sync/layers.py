"""The curated layer on top of synced data: which stored show a record is, and what it keeps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.models import ShowRecord

if TYPE_CHECKING:
    from bot.store import Store


async def prepare_records(store: Store, records: Sequence[ShowRecord]) -> list[ShowRecord]:
    """Records as they are to be written: synced shows under their stored identity, merged
    under the curated layer. (Filled in by the sync work.)"""
    return list(records)
