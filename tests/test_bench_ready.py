"""The READY benchmark (bench/ready.py) at a tiny size, no timing assertions: the real bot
process is spawned for a first start and for a restart with every channel's post sent, each
reaches READY, says where its start's time went, and the report prints every row."""

from __future__ import annotations

from pathlib import Path

from bench.ready import breakdown, report, run
from bot.store import migrations

CHANNELS = 12


async def test_bench_ready_tiny_first_start_and_restart(tmp_path: Path) -> None:
    result = await run(300, CHANNELS, 1, tmp_path, guilds=3, echo=False)

    assert result.ledger == {"sent": CHANNELS}  # release A went to every channel before the restart
    for starts in (result.first, result.restart):
        assert len(starts) == 1
        start = starts[0]
        assert start.seconds > 0
        steps = [step for step, _, _ in breakdown(starts)]
        # the bot's own account of its start, in the order it happened: READY before the plan
        for step in ("main", "imports", "database", "services", "setup_hook", "READY received"):
            assert step in steps, steps
        assert steps.index("imports") < steps.index("database") < steps.index("READY received")
        if "scheduler planned" in steps:
            assert steps.index("READY received") < steps.index("scheduler planned")
    text = report(result)
    assert "first start (empty ledger)" in text and f"restart ({CHANNELS} sent posts)" in text
    assert "localcord READY" in text
    # the database built once is kept for the next run (per schema version)
    assert (tmp_path / f"ready-base-300-5-v{len(migrations())}.sqlite3.done").is_file()
