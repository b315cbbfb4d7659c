"""The delivery ledger against a real SQLite file: unique claims and state transitions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.announce.models import ChannelConfig
from bot.store import Store

DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
NOW = DUE + timedelta(seconds=5)


async def test_migration_creates_the_announcement_tables(store: Store) -> None:
    assert await store.schema_version() >= 2
    assert await store.deliveries() == []


async def test_a_claim_is_unique_per_channel_and_release(store: Store) -> None:
    first = await store.claim_deliveries(10, 1, ["a", "b"], due=DUE, nonce="n1", late=False, now=NOW)
    again = await store.claim_deliveries(10, 1, ["b", "c"], due=DUE, nonce="n2", late=False, now=NOW)
    other_channel = await store.claim_deliveries(11, 1, ["a"], due=DUE, nonce="n3", late=False, now=NOW)
    assert first == ["a", "b"]
    assert again == ["c"]
    assert other_channel == ["a"]
    rows = {(d.channel_id, d.release_id): d for d in await store.deliveries()}
    assert rows[(10, "b")].nonce == "n1" and rows[(10, "b")].state == "pending"


async def test_concurrent_claims_give_each_row_to_exactly_one_claimant(store: Store) -> None:
    ids = [f"r{i}" for i in range(50)]
    results = await asyncio.gather(
        *(store.claim_deliveries(10, 1, ids, due=DUE, nonce=f"n{k}", late=False, now=NOW) for k in range(8))
    )
    claimed = [rid for r in results for rid in r]
    assert sorted(claimed) == sorted(ids)


async def test_pending_to_sent_and_failed(store: Store) -> None:
    await store.claim_deliveries(10, 1, ["a", "b"], due=DUE, nonce="n1", late=True, now=NOW)
    await store.claim_deliveries(10, 1, ["c"], due=DUE, nonce="n2", late=False, now=NOW)
    assert {d.release_id for d in await store.pending_deliveries()} == {"a", "b", "c"}
    assert await store.finish_deliveries(10, "n1", "sent", now=NOW, message_id=777) == 2
    assert await store.finish_deliveries(10, "n2", "failed", now=NOW, reason="Missing Permissions") == 1
    # A finished post never goes back, nor changes again.
    assert await store.finish_deliveries(10, "n1", "failed", now=NOW, reason="late") == 0
    rows = {d.release_id: d for d in await store.deliveries(10)}
    assert rows["a"].state == rows["b"].state == "sent" and rows["a"].message_id == 777 and rows["a"].late
    assert rows["c"].state == "failed" and rows["c"].reason == "Missing Permissions"
    assert await store.pending_deliveries() == []
    assert await store.delivery_counts() == {"sent": 2, "failed": 1}


async def test_skipped_rows_are_recorded_and_block_later_claims(store: Store) -> None:
    got = await store.claim_deliveries(
        10, 1, ["a"], due=DUE, nonce="n", late=False, now=NOW, state="skipped", reason="missed by 9 h"
    )
    assert got == ["a"]
    assert await store.claim_deliveries(10, 1, ["a"], due=DUE, nonce="n", late=False, now=NOW) == []
    assert (await store.deliveries(10))[0].reason == "missed by 9 h"


async def test_attempts_are_counted(store: Store) -> None:
    await store.claim_deliveries(10, 1, ["a"], due=DUE, nonce="n", late=False, now=NOW)
    await store.count_attempt(10, "n", NOW)
    await store.count_attempt(10, "n", NOW)
    assert (await store.deliveries(10))[0].attempts == 2


async def test_channel_broken_once_per_breakage(store: Store) -> None:
    await store.upsert_announce_channel(ChannelConfig(10, 1, NOW, role_id=5))
    assert await store.mark_channel_broken(10, "Missing Permissions", NOW) is True
    assert await store.mark_channel_broken(10, "Missing Permissions", NOW) is False
    assert (await store.announce_channel(10)).broken_reason == "Missing Permissions"  # type: ignore[union-attr]
    # Adding the channel again repairs it; the next breakage is a new one.
    await store.upsert_announce_channel(ChannelConfig(10, 1, NOW + timedelta(days=1), role_id=5))
    repaired = await store.announce_channel(10)
    assert repaired is not None and repaired.healthy and repaired.added_at == NOW
    assert await store.mark_channel_broken(10, "Unknown Channel", NOW) is True


async def test_the_ledger_survives_reopening(tmp_path) -> None:
    path = tmp_path / "db.sqlite3"
    s = await Store.open(path)
    await s.claim_deliveries(10, 1, ["a"], due=DUE, nonce="n", late=False, now=NOW)
    await s.close()
    s = await Store.open(path)
    try:
        assert [d.release_id for d in await s.pending_deliveries()] == ["a"]
    finally:
        await s.close()
