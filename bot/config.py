"""Settings from the environment and `.env`. Built by `load_settings()`, never at import time."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values

from bot.shards import parse_shard_ids

ROOT = Path(__file__).resolve().parent.parent
CHECKOUT = (ROOT / "pyproject.toml").is_file()  # run from a clone, not from an installed package


def _bundled_catalogue() -> Path:
    """data/catalogue in a clone; the copy shipped inside the package when installed."""
    if CHECKOUT:
        return ROOT / "data" / "catalogue"
    return Path(str(resources.files("bot.catalogue_data")))


DEFAULT_DATABASE = ROOT / "data" / "premiere.sqlite3" if CHECKOUT else Path("data") / "premiere.sqlite3"
BUNDLED_CATALOGUE = _bundled_catalogue()
TOKEN_HELP = (
    "DISCORD_TOKEN is not set: put your bot token in .env (copy .env.example) or the environment. "
    "Get one at https://discord.com/developers/applications -> your app -> Bot -> Reset Token."
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_TVMAZE_API = "https://api.tvmaze.com"
DEFAULT_SYNC_COUNTRIES = ("US", "GB", "KR", "JP")
SYNC_MODES = ("tvmaze", "off")
RATE_BUDGETS = ("local", "shared")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line meant for the operator."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None
    api_base: str | None
    database_path: Path
    log_level: str
    dev_guild_id: int | None
    grace_hours: float
    log_file: Path | None
    catalogue_dir: Path
    # PostgreSQL (DATABASE_URL) instead of the SQLite file at database_path; None: SQLite.
    database_url: str | None = None
    # The live catalogue. `load_settings` turns the sync on by default; a Settings built by hand
    # (tests, tools) has it off unless it says otherwise.
    catalogue_sync: str = "off"  # "tvmaze" or "off"
    tvmaze_api_base: str = DEFAULT_TVMAZE_API
    sync_days: int = 14
    sync_countries: tuple[str, ...] = DEFAULT_SYNC_COUNTRIES
    sync_schedule_minutes: int = 60
    sync_shows_hours: int = 24
    # Operations: /metrics and /healthz over HTTP when a port is set (0: any free port); the
    # pace of requests to Discord: "local" (this process alone), "shared" (one budget in the
    # database for every process of the bot) or a number (this process at that many per second).
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    rate_budget: str | float = "local"
    # Calendar feeds over HTTP: off unless a port is set.
    calendar_http_port: int | None = None
    calendar_http_host: str = "127.0.0.1"
    calendar_public_url: str | None = None  # how calendar apps reach the feeds (the links shown)
    # Sharding. No count: discord.py asks Discord (GET /gateway/bot). No ids: this process runs
    # every shard; with ids it is one process of a cluster that shares the database.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    shard_lease_seconds: int = 60  # how long a dead process keeps the once-per-bot jobs
    # Seconds between two reads of the SQLite file through, to keep it in memory (0: never;
    # ``bot.store.warm``). `load_settings` makes it 30; a Settings built by hand has it off.
    database_keep_warm: int = 0

    @property
    def sync_enabled(self) -> bool:
        return self.catalogue_sync == "tvmaze"


def _env(environ: Mapping[str, str] | None, dotenv_path: Path | None) -> dict[str, str]:
    values: dict[str, str] = {}
    path = dotenv_path if dotenv_path is not None else Path.cwd() / ".env"
    if path.is_file():
        values.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    dotenv_path: Path | None = None,
    require_token: bool = True,
) -> Settings:
    """Read and check every setting. Raises ConfigError naming the variable and what is allowed."""
    env = _env(environ, dotenv_path)

    token = env.get("DISCORD_TOKEN", "").strip() or None
    if require_token and not token:
        raise ConfigError(TOKEN_HELP)

    api_base = env.get("DISCORD_API_BASE", "").strip().rstrip("/") or None
    if api_base:
        parsed = urlparse(api_base)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(
                f"DISCORD_API_BASE={api_base!r} is not a URL: use e.g. http://127.0.0.1:8080/api/v10"
            )

    db = env.get("DATABASE_PATH", "").strip()
    database_path = Path(db).expanduser() if db else DEFAULT_DATABASE
    database_url = env.get("DATABASE_URL", "").strip() or None
    if database_url:  # the value is not repeated: it may hold a password
        parsed = urlparse(database_url)
        where = parsed.netloc or parsed.path or parsed.query
        if parsed.scheme not in ("postgresql", "postgres") or not where:
            raise ConfigError(
                "DATABASE_URL is not a PostgreSQL URL: use postgresql://user:password@host:5432/premiere "
                "(or leave it empty for SQLite at DATABASE_PATH)"
            )

    log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL={log_level!r} is not allowed: use one of {', '.join(LOG_LEVELS)}")

    dev_guild_raw = env.get("DEV_GUILD_ID", "").strip()
    dev_guild_id: int | None = None
    if dev_guild_raw:
        if not dev_guild_raw.isdigit() or not 0 < int(dev_guild_raw) < 2**64:
            raise ConfigError(f"DEV_GUILD_ID={dev_guild_raw!r} is not a server id: use the numeric id")
        dev_guild_id = int(dev_guild_raw)

    grace_raw = env.get("ANNOUNCE_GRACE_HOURS", "6").strip() or "6"
    try:
        grace_hours = float(grace_raw)
        if not 0 <= grace_hours <= 168:
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"ANNOUNCE_GRACE_HOURS={grace_raw!r} is not allowed: use hours between 0 and 168"
        ) from None

    sync = env.get("CATALOGUE_SYNC", "tvmaze").strip().lower() or "tvmaze"
    if sync not in SYNC_MODES:
        raise ConfigError(f"CATALOGUE_SYNC={sync!r} is not allowed: use tvmaze (the default) or off")
    tvmaze_base = env.get("TVMAZE_API_BASE", "").strip().rstrip("/") or DEFAULT_TVMAZE_API
    parsed = urlparse(tvmaze_base)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"TVMAZE_API_BASE={tvmaze_base!r} is not a URL: use e.g. {DEFAULT_TVMAZE_API}")
    sync_days = _int_setting(env, "SYNC_DAYS", 14, 1, 60, "days")
    countries_raw = env.get("SYNC_COUNTRIES", ",".join(DEFAULT_SYNC_COUNTRIES)).strip()
    parts = countries_raw.replace(" ", ",").split(",")
    countries = tuple(dict.fromkeys(c.strip().upper() for c in parts if c.strip()))
    bad = [c for c in countries if not (len(c) == 2 and c.isascii() and c.isalpha())]
    if bad:
        raise ConfigError(
            f"SYNC_COUNTRIES={countries_raw!r} is not allowed: use two-letter country codes separated by "
            "commas, e.g. US,GB,KR,JP (or leave it empty for streaming schedules only)"
        )
    schedule_minutes = _int_setting(env, "SYNC_SCHEDULE_MINUTES", 60, 5, 1440, "minutes")
    shows_hours = _int_setting(env, "SYNC_SHOWS_HOURS", 24, 1, 168, "hours")
    metrics_port, metrics_host, rate_budget = _ops(env)

    port_raw = env.get("CALENDAR_HTTP_PORT", "").strip()
    calendar_port = _int_setting(env, "CALENDAR_HTTP_PORT", 0, 1, 65535, "port numbers") if port_raw else None
    calendar_host = env.get("CALENDAR_HTTP_HOST", "").strip() or "127.0.0.1"
    public_raw = env.get("CALENDAR_PUBLIC_URL", "").strip().rstrip("/") or None
    if public_raw:
        parsed = urlparse(public_raw)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(
                f"CALENDAR_PUBLIC_URL={public_raw!r} is not a URL: use e.g. https://premiere.example.org"
            )

    shard_count, shard_ids = _shards(env)
    lease_seconds = _int_setting(env, "SHARD_LEASE_SECONDS", 60, 5, 3600, "seconds")
    keep_warm = _int_setting(env, "DATABASE_KEEP_WARM", 30, 0, 3600, "seconds")

    log_file_raw = env.get("LOG_FILE", "").strip()
    catalogue_raw = env.get("CATALOGUE_DIR", "").strip()
    return Settings(
        token=token,
        api_base=api_base,
        database_path=database_path,
        database_url=database_url,
        log_level=log_level,
        dev_guild_id=dev_guild_id,
        grace_hours=grace_hours,
        log_file=Path(log_file_raw) if log_file_raw else None,
        catalogue_dir=Path(catalogue_raw) if catalogue_raw else BUNDLED_CATALOGUE,
        catalogue_sync=sync,
        tvmaze_api_base=tvmaze_base,
        sync_days=sync_days,
        sync_countries=countries,
        sync_schedule_minutes=schedule_minutes,
        sync_shows_hours=shows_hours,
        metrics_port=metrics_port,
        metrics_host=metrics_host,
        rate_budget=rate_budget,
        calendar_http_port=calendar_port,
        calendar_http_host=calendar_host,
        calendar_public_url=public_raw,
        shard_count=shard_count,
        shard_ids=shard_ids,
        shard_lease_seconds=lease_seconds,
        database_keep_warm=keep_warm,
    )


def _shards(env: Mapping[str, str]) -> tuple[int | None, tuple[int, ...] | None]:
    """SHARD_COUNT (a number, or auto: Discord's recommendation) and SHARD_IDS (this process's)."""
    count_raw = env.get("SHARD_COUNT", "").strip()
    count: int | None = None
    if count_raw and count_raw.lower() != "auto":
        if not (count_raw.isascii() and count_raw.isdigit()) or not 1 <= int(count_raw) <= 65536:
            raise ConfigError(
                f"SHARD_COUNT={count_raw!r} is not allowed: use a whole number of shards (1 or more) or auto"
            )
        count = int(count_raw)
    ids_raw = env.get("SHARD_IDS", "").strip()
    if not ids_raw:
        return count, None
    if count is None:
        raise ConfigError(
            f"SHARD_IDS={ids_raw!r} needs SHARD_COUNT as a number, the same in every process of the bot"
        )
    try:
        return count, parse_shard_ids(ids_raw, count)
    except ValueError as exc:
        raise ConfigError(
            f"SHARD_IDS={ids_raw!r} is not allowed ({exc}): "
            f"use shards of SHARD_COUNT={count} like 0-3, 0,2 or 1"
        ) from None


def _ops(env: Mapping[str, str]) -> tuple[int | None, str, str | float]:
    """METRICS_PORT (0: any free port), METRICS_HOST and RATE_BUDGET (local, shared or a rate)."""
    port = (
        _int_setting(env, "METRICS_PORT", 0, 0, 65535, "port numbers")
        if env.get("METRICS_PORT", "").strip()
        else None
    )
    host = env.get("METRICS_HOST", "").strip() or "127.0.0.1"
    raw = env.get("RATE_BUDGET", "").strip().lower() or "local"
    if raw in RATE_BUDGETS:
        return port, host, raw
    try:
        rate = float(raw.removesuffix("/s"))
        if not 0 < rate <= 1000:
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"RATE_BUDGET={raw!r} is not allowed: use local (one process, the default), shared (several "
            "processes on one database) or requests per second for this process, e.g. 25"
        ) from None
    return port, host, rate


def _int_setting(env: Mapping[str, str], key: str, default: int, low: int, high: int, unit: str) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ConfigError(f"{key}={raw!r} is not allowed: use whole {unit} between {low} and {high}")
    return int(raw)


def log_level_number(settings: Settings) -> int:
    return logging.getLevelNamesMapping()[settings.log_level]
