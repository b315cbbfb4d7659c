"""`python -m bot` as an operator runs it: a real process, the bundled catalogue, the project's
Discord-compatible server in place of Discord."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


async def test_the_bot_process_seeds_its_catalogue_and_answers(lc, tmp_path):
    guild = lc.create_guild("Zombie Fans")
    channel = lc.create_channel(guild, "general")
    alice = lc.create_member(guild, "alice")
    db = tmp_path / "premiere.sqlite3"
    env = {
        **os.environ,
        "DISCORD_TOKEN": lc.token,
        "DISCORD_API_BASE": lc.api_base,
        "DATABASE_PATH": str(db),
        "LOG_LEVEL": "INFO",
    }
    env.pop("CATALOGUE_DIR", None)
    env.pop("PREMIERE_FAKE_NOW", None)
    log = (tmp_path / "bot.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=log,
    )
    try:
        await lc.wait_for_bot_ready(30)
        res = await lc.run_command(
            guild, alice, "cast", options={"title": "All of Us Are Dead"}, channel=channel
        )
        text = res.message["embeds"][0]["description"]
        assert "**Park Ji-hu** (박지후) as Nam On-jo" in text
        choices = await lc.run_autocomplete(guild, alice, "show", focused="title", value="지금 우리")
        assert choices[0]["value"] == "all-of-us-are-dead"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()
            code = await proc.wait()
        log.close()
    output = (tmp_path / "bot.log").read_text(errors="replace")
    assert "imported the bundled catalogue" in output
    assert code == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
