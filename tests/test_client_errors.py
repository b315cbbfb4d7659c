"""One handler per error type, and no command set synced that lost a cog."""

from __future__ import annotations

from typing import Any

from discord import app_commands

from bot.error_messages import handles, permission_names, user_message
from bot.errors import BadInput, NotFound
from tests.conftest import LocalDiscord, RunningBot, settings_for


class Special(BadInput):
    pass


def test_each_known_error_has_its_message() -> None:
    assert user_message(BadInput("Type a title.")) == "Type a title."
    assert "Did you mean **Kingdom**?" in (
        user_message(NotFound("No show called “Kingdm”.", ["Kingdom"])) or ""
    )
    missing = app_commands.MissingPermissions(["manage_guild"])
    assert user_message(missing) == "You need the **Manage Server** permission to use this command."
    assert user_message(app_commands.NoPrivateMessage()) == "This command works only in a server."
    assert user_message(RuntimeError("boom")) is None  # unknown: logged with its traceback
    assert permission_names(["embed_links", "manage_messages"]) == "Embed Links, Manage Messages"


def test_the_most_specific_handler_wins_and_wrapped_errors_are_unwrapped() -> None:
    @handles(Special)
    def _special(error: Special) -> str:
        return "special"

    assert user_message(Special("x")) == "special"
    assert user_message(BadInput("plain")) == "plain"
    wrapped = app_commands.CommandInvokeError.__new__(app_commands.CommandInvokeError)
    wrapped.original = BadInput("inside")  # what discord.py wraps a command's error in
    assert user_message(wrapped) == "inside"
    transformer_error = app_commands.TransformerError.__new__(app_commands.TransformerError)
    transformer_error.__cause__ = NotFound("No show called “x”.")
    assert (user_message(transformer_error) or "").startswith("No show called")


async def test_a_cog_that_failed_to_load_never_syncs_the_smaller_set(
    lc: LocalDiscord, store: Any, clock: Any, tmp_path: Any
) -> None:
    rb = RunningBot(lc, store, clock, settings_for(lc, tmp_path))
    from bot.app import build_bot

    bot = await build_bot(rb.settings, store, clock)
    bot.initial_extensions = ("cogs.catalogue", "cogs.does_not_exist")
    rb.bot = bot
    try:
        import asyncio

        rb.task = asyncio.create_task(bot.start(lc.token))
        await lc.wait_for_bot_ready(10)
        assert bot.failed_extensions == ["cogs.does_not_exist"]
        assert lc.commands() == []  # nothing was synced: Discord keeps the last full set
        assert "not synced" in await bot.sync_commands(force=True)
    finally:
        await rb.close()
