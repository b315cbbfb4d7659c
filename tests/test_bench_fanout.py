"""bench.fanout end to end on a small scale: a real bot process, localcord with Discord's limits
on, two runs; what it counts (delivered, duplicates, 429s by scope, localcord's windows) is right.
No rate is asserted: the figures are the bench's, on the machine it runs on."""

from __future__ import annotations

from pathlib import Path

from bench.fanout import CEILING, run


async def test_two_small_runs_post_once_per_channel_within_the_limit(tmp_path: Path) -> None:
    results = await run(channels=80, guilds=4, runs=2, work=tmp_path, lead=5.0)
    assert [r.run for r in results] == [1, 2]
    for r in results:
        assert (r.delivered, r.channels, r.duplicates) == (80, 80, 0)
        assert r.route_429 == 0 and r.global_429 <= 1  # the pacer's one probe at most
        assert r.windows_over_50 == 0 and r.fullest_window <= CEILING
        assert r.posts_per_s > 0 and r.seconds_from_due > 0
