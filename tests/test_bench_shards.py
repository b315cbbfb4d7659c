"""The four-shard, two-process benchmark at a tiny size (no timing assertions): two real bot
processes (SHARD_IDS 0-1 and 2-3 of 4, RATE_BUDGET=shared) on one database against localcord with
its limits on; one fan-out, then one with process A killed (SIGKILL) mid fan-out and started
again. Every channel gets exactly one post, each from the process of its shard, and what A left
pending is what it re-sends after its restart. On SQLite, and on PostgreSQL when its binaries
are there (the throwaway server of tests/pg/server.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.shards import run

CHANNELS = 80


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_bench_shards_tiny_posts_exactly_once_across_two_processes_and_a_kill(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    database: Path | str = work / "premiere.sqlite3"
    server = None
    if backend == "postgresql":
        server = request.getfixturevalue("postgres_server")
        database = await server.create_database(migrated=False)
    try:
        fan, killed = await run(
            CHANNELS, 1, 1, work, database, per_guild=2, lead=3.0, restart_after=0.0, settle=0.5, echo=False
        )
    finally:
        if server is not None:
            await server.drop_database(str(database))

    assert fan.channels_per_shard == [CHANNELS // 4] * 4
    for result in (fan, killed):
        assert result.notes == "", result.notes
        assert result.messages_per_channel == {1: CHANNELS}, result
        assert result.exactly_one == CHANNELS and result.missing == 0 and result.duplicates == 0
        assert result.ledger == {"sent": CHANNELS}
        a, b = result.processes
        assert (a.shard_ids, b.shard_ids) == ("0-1", "2-3")
        assert a.posts == a.channels == CHANNELS // 2 and b.posts == b.channels == CHANNELS // 2
        assert b.sent_by_log == CHANNELS // 2
        # (``result.met`` also asks for the 50/s target: a figure for the bench to print, not a test)
    assert fan.kill is None and fan.processes[0].sent_by_log == CHANNELS // 2

    kill = killed.kill
    assert kill is not None
    assert CHANNELS // 4 <= kill.posted_at_kill < CHANNELS // 2  # in the middle of A's fan-out
    assert kill.pending_at_kill > 0
    # A re-sends every row it left pending: those that had gone out are answered by their nonce.
    # (A claims up to 256 posts at once, so here it had claimed all of its 40 before the kill.)
    assert kill.resent_pending == kill.pending_at_kill
    assert kill.answered_by_nonce + kill.posts_after_restart == kill.resent_pending
