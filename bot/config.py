"""Settings from the environment and `.env`. Built by `load_settings()`, never at import time."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = ROOT / "data" / "premiere.sqlite3"
BUNDLED_CATALOGUE = ROOT / "data" / "catalogue"
TOKEN_HELP = (
    "DISCORD_TOKEN is not set: put your bot token in .env (copy .env.example) or the environment. "
    "Get one at https://discord.com/developers/applications -> your app -> Bot -> Reset Token."
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


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

    log_file_raw = env.get("LOG_FILE", "").strip()
    catalogue_raw = env.get("CATALOGUE_DIR", "").strip()
    return Settings(
        token=token,
        api_base=api_base,
        database_path=database_path,
        log_level=log_level,
        dev_guild_id=dev_guild_id,
        grace_hours=grace_hours,
        log_file=Path(log_file_raw) if log_file_raw else None,
        catalogue_dir=Path(catalogue_raw) if catalogue_raw else BUNDLED_CATALOGUE,
    )


def log_level_number(settings: Settings) -> int:
    return logging.getLevelNamesMapping()[settings.log_level]
