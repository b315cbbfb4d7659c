"""The one change the bot makes to a private discord.py method, checked against the real class."""

from __future__ import annotations

import asyncio
import logging

import discord
import pytest

from bot.delivery import throttle_bucket_sweep


async def test_the_real_discord_py_client_has_the_method_and_takes_the_throttle() -> None:
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        original = http._try_clear_expired_ratelimits
        assert callable(original)
        throttle_bucket_sweep(http)
        patched = http._try_clear_expired_ratelimits
        assert patched is not original and getattr(patched, "premiere_throttled", False)
        patched()  # runs discord.py's own sweep (nothing to clear yet)
        throttle_bucket_sweep(http)
        assert http._try_clear_expired_ratelimits is patched  # once is enough
    finally:
        await http.close()


def test_a_discord_py_without_the_method_gets_a_warning_not_a_crash(caplog: pytest.LogCaptureFixture) -> None:
    class NoSuchMethod:
        pass

    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        throttle_bucket_sweep(NoSuchMethod())
    assert any("_try_clear_expired_ratelimits" in r.message for r in caplog.records)
