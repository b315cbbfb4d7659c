"""A task cancelled in the middle of a transaction (a shutdown, a timeout) leaves none open.

The statements of a SQLite transaction run in aiosqlite's thread: a coroutine cancelled while it
waits for its BEGIN, its COMMIT or its ROLLBACK stops waiting, but the statement still runs. The
connection must end up outside any transaction, and the next writer must not fail with "cannot
start a transaction within a transaction". The same is asked of PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.store import Store

ROUNDS = 12


async def _cancelled_after(store: Store, turns: int, body: Callable[..., object]) -> None:
    """Start a transaction that runs ``body(tx)`` and cancel it after ``turns`` of the loop."""

    async def write() -> None:
        async with store.db.transaction() as tx:
            await tx.execute("INSERT INTO announce_guilds (guild_id) VALUES (?)", (turns,))
            await body(tx)

    task = asyncio.ensure_future(write())
    for _ in range(turns):
        await asyncio.sleep(0)
    task.cancel()
    async with asyncio.timeout(10):
        await asyncio.gather(task, return_exceptions=True)


async def _nothing(tx: object) -> None:
    return None


async def _wait_long(tx: object) -> None:
    await asyncio.sleep(30)


@pytest.mark.parametrize("body", [_nothing, _wait_long])
async def test_a_transaction_cancelled_at_any_step_leaves_none_open(store: Store, body) -> None:
    for turns in range(ROUNDS):  # the cancel lands on BEGIN, the insert, COMMIT, or the body
        await _cancelled_after(store, turns, body)
    # The next transaction begins and commits; what a cancelled one wrote is all or nothing.
    async with asyncio.timeout(10):
        async with store.db.transaction() as tx:
            await tx.execute("INSERT INTO announce_guilds (guild_id) VALUES (?)", (1000,))
    rows = await store.db.query("SELECT guild_id FROM announce_guilds ORDER BY guild_id")
    ids = [r[0] for r in rows]
    assert ids[-1] == 1000 and set(ids) <= {*range(ROUNDS), 1000}
    if body is _wait_long:  # cancelled before it could commit: nothing of it stays
        assert ids == [1000]
