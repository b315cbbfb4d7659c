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
        DISCORD_TOKEN="t",
        DISCORD_API_BASE="http://127.0.0.1:8080/api/v10/",
        DATABASE_PATH="/tmp/x.db",
        LOG_LEVEL="debug",
        DEV_GUILD_ID="123",
        ANNOUNCE_GRACE_HOURS="2.5",
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
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0] and "Traceback" not in proc.stderr


def test_the_live_catalogue_settings_and_their_defaults():
    s = settings(DISCORD_TOKEN="t")
    assert (s.catalogue_sync, s.sync_enabled, s.tvmaze_api_base) == ("tvmaze", True, "https://api.tvmaze.com")
    assert (s.sync_days, s.sync_countries, s.sync_schedule_minutes, s.sync_shows_hours) == (
        14,
        ("US", "GB", "KR", "JP"),
        60,
        24,
    )
    s = settings(
        DISCORD_TOKEN="t",
        CATALOGUE_SYNC="OFF",
        TVMAZE_API_BASE="http://127.0.0.1:9000/",
        SYNC_DAYS="3",
        SYNC_COUNTRIES="kr, jp",
        SYNC_SCHEDULE_MINUTES="15",
        SYNC_SHOWS_HOURS="6",
    )
    assert (s.sync_enabled, s.tvmaze_api_base, s.sync_days, s.sync_countries) == (
        False,
        "http://127.0.0.1:9000",
        3,
        ("KR", "JP"),
    )
    assert (s.sync_schedule_minutes, s.sync_shows_hours) == (15, 6)
    assert settings(DISCORD_TOKEN="t", SYNC_COUNTRIES="").sync_countries == ()


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("CATALOGUE_SYNC", "maybe", "use tvmaze (the default) or off"),
        ("TVMAZE_API_BASE", "api.tvmaze.com", "is not a URL"),
        ("SYNC_DAYS", "0", "between 1 and 60"),
        ("SYNC_DAYS", "two", "between 1 and 60"),
        ("SYNC_COUNTRIES", "USA,KR", "two-letter country codes"),
        ("SYNC_SCHEDULE_MINUTES", "1", "between 5 and 1440"),
        ("SYNC_SHOWS_HOURS", "1000", "between 1 and 168"),
    ],
)
def test_a_bad_sync_setting_is_one_line_naming_it(key, value, says):
    with pytest.raises(ConfigError) as err:
        settings(DISCORD_TOKEN="t", **{key: value})
    message = str(err.value)
    assert message.startswith(f"{key}=") and says in message and "\n" not in message
