"""What a user is told for each known error: one handler per error type, registered in one place.

The command tree's ``on_error`` asks :func:`user_message`; an error with no handler gets None and
is logged with its traceback. A handler is found by the error's class hierarchy (the most
specific registered class wins), looking first at the error a command raised (``original`` or
the cause of a transformer's error), then at discord.py's wrapper.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from discord import app_commands

from bot.errors import NotFound, PremiereError
from bot.render import not_found_text

E = TypeVar("E", bound=BaseException)
Handler = Callable[[BaseException], str | None]

_HANDLERS: dict[type[BaseException], Handler] = {}

# discord.py's permission names where Discord's app says them differently.
_PERMISSION_LABELS = {"manage_guild": "Manage Server", "manage_messages": "Manage Messages"}


def permission_names(names: Sequence[str]) -> str:
    """['manage_guild', 'embed_links'] -> 'Manage Server, Embed Links', as Discord's app names them."""
    return ", ".join(_PERMISSION_LABELS.get(n, n.replace("_", " ").title()) for n in names)


def handles(*types: type[E]) -> Callable[[Callable[[E], str | None]], Callable[[E], str | None]]:
    """Register a function as the message for these error types."""

    def register(func: Callable[[E], str | None]) -> Callable[[E], str | None]:
        for t in types:
            _HANDLERS[t] = func  # type: ignore[assignment]
        return func

    return register


def _handler_for(error: BaseException) -> Handler | None:
    for cls in type(error).__mro__:
        handler = _HANDLERS.get(cls)
        if handler is not None:
            return handler
    return None


def user_message(error: BaseException) -> str | None:
    """The user-facing text for a known error, or None for one that must be logged."""
    original = getattr(error, "original", None) or error.__cause__ or error
    for candidate in (original, error) if original is not error else (error,):
        handler = _handler_for(candidate)
        if handler is not None:
            return handler(candidate)
    return None


@handles(NotFound)
def _not_found(error: NotFound) -> str:
    return not_found_text(error.user_message, error.suggestions)


@handles(PremiereError)
def _premiere(error: PremiereError) -> str:
    return error.user_message


@handles(app_commands.NoPrivateMessage)
def _no_dm(error: app_commands.NoPrivateMessage) -> str:
    return "This command works only in a server."


@handles(app_commands.MissingPermissions)
def _missing(error: app_commands.MissingPermissions) -> str:
    return f"You need the **{permission_names(error.missing_permissions)}** permission to use this command."


@handles(app_commands.BotMissingPermissions)
def _bot_missing(error: app_commands.BotMissingPermissions) -> str:
    missing = permission_names(error.missing_permissions)
    return f"I need the **{missing}** permission here; ask a server admin to grant it."


@handles(app_commands.CommandOnCooldown)
def _cooldown(error: app_commands.CommandOnCooldown) -> str:
    return f"Slow down a little: try again in {error.retry_after:.0f} s."


@handles(app_commands.CheckFailure)
def _check(error: app_commands.CheckFailure) -> str:
    return "You can't use this command here."


@handles(app_commands.TransformerError)
def _transformer(error: app_commands.TransformerError) -> str:
    return "I couldn't understand that value; pick one of the suggestions while you type."
