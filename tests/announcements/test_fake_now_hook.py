"""The PREMIERE_FAKE_NOW testing hook read by bot/app.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import OffsetClock, clock_from_env
from bot.clock import system_clock
from bot.config import ConfigError


def test_without_the_variable_the_wall_clock_is_used() -> None:
    assert clock_from_env({}) is system_clock


def test_the_fake_clock_starts_there_and_runs() -> None:
    clock = clock_from_env({"PREMIERE_FAKE_NOW": "2022-01-28T07:59:00Z"})
    assert isinstance(clock, OffsetClock)
    now = clock()
    assert datetime(2022, 1, 28, 7, 59, tzinfo=UTC) <= now < datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
    assert clock() >= now


def test_an_anchor_says_when_the_clock_read_the_instant() -> None:
    import time

    clock = clock_from_env({"PREMIERE_FAKE_NOW": f"2022-01-28T07:59:00Z@{time.time() - 30:.3f}"})
    now = clock()
    assert datetime(2022, 1, 28, 7, 59, 29, tzinfo=UTC) < now < datetime(2022, 1, 28, 7, 59, 32, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["yesterday", "2022-01-28T07:59:00", "2022-01-28T07:59:00Z@soon"])
def test_a_bad_value_is_a_config_error(raw: str) -> None:
    with pytest.raises(ConfigError, match="PREMIERE_FAKE_NOW"):
        clock_from_env({"PREMIERE_FAKE_NOW": raw})
