"""Settings of operations: METRICS_PORT, METRICS_HOST, RATE_BUDGET; and what RATE_BUDGET builds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.announce.budget import SharedBudget
from bot.announce.pacing import AdaptiveLimiter, RateLimiter
from bot.app import build_announcements
from bot.clock import ManualClock
from bot.config import ConfigError, load_settings
from bot.store import Store

NO_DOTENV = Path("/nonexistent/.env")


def settings(**env: str):  # type: ignore[no-untyped-def]
    return load_settings({"DISCORD_TOKEN": "t", **env}, dotenv_path=NO_DOTENV)


def test_off_and_local_by_default() -> None:
    s = settings()
    assert s.metrics_port is None and s.metrics_host == "127.0.0.1" and s.rate_budget == "local"


def test_metrics_and_budget_are_read() -> None:
    s = settings(METRICS_PORT="9100", METRICS_HOST="0.0.0.0", RATE_BUDGET="Shared")
    assert (s.metrics_port, s.metrics_host, s.rate_budget) == (9100, "0.0.0.0", "shared")
    assert settings(METRICS_PORT="0").metrics_port == 0  # any free port (tests)
    assert settings(RATE_BUDGET="25").rate_budget == 25.0
    assert settings(RATE_BUDGET="12.5/s").rate_budget == 12.5


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        (
            "METRICS_PORT",
            "http",
            "METRICS_PORT='http' is not allowed: use whole port numbers between 0 and 65535",
        ),
        ("METRICS_PORT", "70000", "METRICS_PORT='70000' is not allowed"),
        (
            "RATE_BUDGET",
            "global",
            "RATE_BUDGET='global' is not allowed: use local (one process, the default)",
        ),
        ("RATE_BUDGET", "0", "RATE_BUDGET='0' is not allowed"),
        ("RATE_BUDGET", "-5", "RATE_BUDGET='-5' is not allowed"),
    ],
)
def test_a_bad_value_is_one_line_naming_it(key: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(**{key: value})
    assert str(caught.value).startswith(says) and "\n" not in str(caught.value)


async def test_rate_budget_picks_the_pacer_of_every_post(store: Store) -> None:
    clock = ManualClock(datetime(2022, 1, 28, tzinfo=UTC))
    local, _ = build_announcements(store, clock, settings())
    assert isinstance(local.limiter, AdaptiveLimiter)
    shared, _ = build_announcements(store, clock, settings(RATE_BUDGET="shared"))
    assert isinstance(shared.limiter, SharedBudget) and shared.limiter.rate == 48.0
    split, _ = build_announcements(store, clock, settings(RATE_BUDGET="24"))
    assert isinstance(split.limiter, RateLimiter) and split.limiter.rate == 24.0
    # a test's own pace still wins over the default
    paced, _ = build_announcements(store, clock, settings(), rate_per_second=40.0)
    assert isinstance(paced.limiter, RateLimiter) and paced.limiter.rate == 40.0
