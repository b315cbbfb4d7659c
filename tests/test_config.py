import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE, ConfigError, load_settings

NO_DOTENV = Path("/nonexistent/.env")


def settings(**env):
    return load_settings(env, dotenv_path=NO_DOTENV)


def test_defaults():
    s = settings(DISCORD_TOKEN="t")
    assert s.token == "t"
    assert s.database_path == DEFAULT_DATABASE
    assert (s.log_level, s.api_base, s.dev_guild_id, s.grace_hours) == ("INFO", None, None, 6.0)


def test_every_key_is_read():
    s = settings(
        DISCORD_TOKEN="t", DISCORD_API_BASE="http://127.0.0.1:8080/api/v10/", DATABASE_PATH="/tmp/x.db",
        LOG_LEVEL="debug", DEV_GUILD_ID="123", ANNOUNCE_GRACE_HOURS="2.5",
    )
    assert s.api_base == "http://127.0.0.1:8080/api/v10"
    assert str(s.database_path) == "/tmp/x.db"
    assert (s.log_level, s.dev_guild_id, s.grace_hours) == ("DEBUG", 123, 2.5)


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("DISCORD_API_BASE", "not a url", "DISCORD_API_BASE"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
        ("DEV_GUILD_ID", "abc", "DEV_GUILD_ID"),
        ("ANNOUNCE_GRACE_HOURS", "-1", "ANNOUNCE_GRACE_HOURS"),
    ],
)
def test_bad_values_name_the_variable(key, value, needle):
    with pytest.raises(ConfigError, match=needle):
        settings(DISCORD_TOKEN="t", **{key: value})


def test_missing_token_says_where_to_get_one():
    with pytest.raises(ConfigError, match="DISCORD_TOKEN.*developers"):
        settings()


def test_dotenv_file_is_read(tmp_path):
    env = tmp_path / ".env"
    env.write_text("DISCORD_TOKEN=from-file\nLOG_LEVEL=WARNING\n")
    s = load_settings({}, dotenv_path=env)
    assert (s.token, s.log_level) == ("from-file", "WARNING")


def test_running_without_a_token_prints_one_line_and_fails(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0] and "Traceback" not in proc.stderr
