"""What a user is told for each known error: one handler per error type, registered in one place.

The command tree's ``on_error`` asks :func:`user_message`; an error with no handler gets None and
is logged with its traceback. A handler is found by the error's class hierarchy (the most
specific registered class wins), looking first at the error a command raised (``original`` or
the cause of a transformer's error), then at discord.py's wrapper.

Every message is said in the reader's language: a handler returns an English message id (a
:class:`bot.i18n.Msg` when it has values), said through the catalogue, or takes the reader's
:class:`bot.i18n.Texts` as a second argument and says it itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import TypeVar

from discord import app_commands

from bot.errors import NotFound, PremiereError
from bot.i18n import ENGLISH, N_, Msg, Texts, texts
from bot.render import not_found_text, permission_label

E = TypeVar("E", bound=BaseException)
Handler = Callable[[BaseException, Texts], str | None]
HandlerFunc = Callable[..., str | None]

_HANDLERS: dict[type[BaseException], Handler] = {}

# discord.py's permission names where Discord's app says them differently.
_PERMISSION_LABELS = {"manage_guild": "Manage Server", "manage_messages": "Manage Messages"}


def permission_names(names: Sequence[str], lang: str = ENGLISH) -> str:
    """['manage_guild', 'embed_links'] -> 'Manage Server, Embed Links', as Discord's app names them
    (in the reader's language)."""
    return ", ".join(
        permission_label(_PERMISSION_LABELS.get(n, n.replace("_", " ").title()), lang) for n in names
    )


def handles(*types: type[E]) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register a function as the message for these error types: ``f(error)`` returning a message
    id (said in the reader's language), or ``f(error, tr)`` saying it with the reader's texts."""

    def register(func: HandlerFunc) -> HandlerFunc:
        takes_texts = len(inspect.signature(func).parameters) >= 2

        def handler(error: BaseException, tr: Texts) -> str | None:
            if takes_texts:
                return func(error, tr)
            said = func(error)
            return None if said is None else tr(said)

        for t in types:
            _HANDLERS[t] = handler
        return func

    return register


def _handler_for(error: BaseException) -> Handler | None:
    for cls in type(error).__mro__:
        handler = _HANDLERS.get(cls)
        if handler is not None:
            return handler
    return None


def user_message(error: BaseException, lang: str = ENGLISH) -> str | None:
    """The user-facing text for a known error in the reader's language, or None for one that
    must be logged."""
    tr = texts(lang)
    original = getattr(error, "original", None) or error.__cause__ or error
    for candidate in (original, error) if original is not error else (error,):
        handler = _handler_for(candidate)
        if handler is not None:
            return handler(candidate, tr)
    return None


@handles(NotFound)
def _not_found(error: NotFound, tr: Texts) -> str:
    return not_found_text(error.user_message, error.suggestions, tr.lang, hint=error.hint)


@handles(PremiereError)
def _premiere(error: PremiereError) -> str:
    return error.user_message


@handles(app_commands.NoPrivateMessage)
def _no_dm(error: app_commands.NoPrivateMessage) -> str:
    return N_("This command works only in a server.")


@handles(app_commands.MissingPermissions)
def _missing(error: app_commands.MissingPermissions, tr: Texts) -> str:
    names = permission_names(error.missing_permissions, tr.lang)
    return tr("You need the **{permissions}** permission to use this command.", permissions=names)


@handles(app_commands.BotMissingPermissions)
def _bot_missing(error: app_commands.BotMissingPermissions, tr: Texts) -> str:
    names = permission_names(error.missing_permissions, tr.lang)
    return tr(
        "I need the **{permissions}** permission here; ask a server admin to grant it.", permissions=names
    )


@handles(app_commands.CommandOnCooldown)
def _cooldown(error: app_commands.CommandOnCooldown) -> str:
    return Msg("Slow down a little: try again in {seconds:.0f} s.", seconds=error.retry_after)


@handles(app_commands.CheckFailure)
def _check(error: app_commands.CheckFailure) -> str:
    return N_("You can't use this command here.")


@handles(app_commands.TransformerError)
def _transformer(error: app_commands.TransformerError) -> str:
    return N_("I couldn't understand that value; pick one of the suggestions while you type.")
