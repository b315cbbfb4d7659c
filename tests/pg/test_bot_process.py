"""`python -m bot` with DATABASE_URL: the bot process runs on PostgreSQL (seeds it, answers, and
autocompletes from it), and says in one line what is wrong when it cannot."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[2]


def bot_env(lc, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CATALOGUE_DIR", "PREMIERE_FAKE_NOW")}
    return {
        **env,
        "DISCORD_TOKEN": lc.token,
        "DISCORD_API_BASE": lc.api_base,
        "DATABASE_URL": url,
        "DATABASE_PATH": "/nonexistent/never-used.sqlite3",
        "PYTHONPATH": str(ROOT),
    }


async def test_the_bot_process_runs_on_postgresql(lc, tmp_path: Path, postgres_server) -> None:
    url = await postgres_server.create_database(migrated=False)
    guild = lc.create_guild("Zombie Fans")
    channel = lc.create_channel(guild, "general")
    alice = lc.create_member(guild, "alice")
    log = (tmp_path / "bot.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=bot_env(lc, url), stdout=log, stderr=log
    )
    try:
        await lc.wait_for_bot_ready(30)
        title = {"title": "All of Us Are Dead"}
        res = await lc.run_command(guild, alice, "cast", options=title, channel=channel)
        assert "**Park Ji-hu** (박지후) as Nam On-jo" in res.message["embeds"][0]["description"]
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
    assert code == 0 and "Traceback" not in output, output[-3000:]
    assert "imported the bundled catalogue" in output
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM shows") > 0
    finally:
        await conn.close()


async def test_a_database_the_bot_cannot_use_is_one_line(lc, tmp_path: Path, postgres_server) -> None:
    url = await postgres_server.create_database()
    missing = url.rsplit("/", 1)[0] + "/no_such_database"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=bot_env(lc, missing),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = err.decode()
    assert proc.returncode == 1, text
    assert "no_such_database: there is no such database" in text and "Traceback" not in text
