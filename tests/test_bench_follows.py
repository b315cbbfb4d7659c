"""The follower DM benchmark runs end to end at a tiny size (no timing assertions): every member
gets exactly one DM per release, every channel one post, and the second release opens no DM
channel because the first one's are remembered in the database."""

from __future__ import annotations

from bench.follows import run_follows, verdict


async def test_bench_follows_tiny_delivers_each_dm_once_and_caches_dm_channels(tmp_path) -> None:
    result = await run_follows(6, 2, limits=True, via_command=2, work=tmp_path / "work", echo=False)
    setup, first, second = result["setup"], result["first"], result["second"]
    assert setup["follows_stored"] == 6 and setup["via_command"] == 2
    for fan in (first, second):
        assert fan["dms_per_member"] == {1: 6}, fan
        assert fan["posts_per_channel"] == {1: 2}, fan
        assert fan["duplicates"] == 0 and fan["missing"] == 0
        assert fan["dm_posts"] == 6 and fan["channel_posts"] == 2
        assert fan["dm_channels_saved"] == 6
        assert fan["report"]["sent"] == 6 and fan["report"]["failed"] == 0
    assert first["dm_channel_requests"] == 6 and first["report"]["dm_channels_opened"] == 6
    assert second["dm_channel_requests"] == 0 and second["report"]["dm_channels_opened"] == 0
    assert all(line.startswith("  ok") for line in verdict(result)), verdict(result)
