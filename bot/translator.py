"""discord.py's side of the bot's languages (an adapter: the rest of ``bot/`` knows no discord).

- :class:`PremiereTranslator` gives Discord the commands' names, descriptions and choices in each
  language the bot speaks, from the same catalogue as every reply (``bot.i18n``): discord.py asks
  it for every string marked with ``locale_str`` when the tree is synced.
- :func:`lname` marks a command, option or choice name, with the context translators see
  ("command", "option", "choice"); a description is a plain ``locale_str("…")``. The marks are
  what puts them in the catalogue (``python -m bot.i18n_extract``); a string left unmarked is
  missing there, and the test of the synced commands fails on it.
- :func:`reader` is the texts for the person who used a command or pressed a button, from
  ``interaction.locale``; :func:`server_language_of` the language of what the bot posts in a server.
"""

from __future__ import annotations

import functools
import logging

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.i18n import ENGLISH, LANGUAGES, Texts, catalogue, language_of, server_language, texts

log = logging.getLogger(__name__)


Where = app_commands.TranslationContextLocation
#: The catalogue's context of a name by where discord.py found it (it makes every command string
#: a ``locale_str`` itself, so a name not marked with :func:`lname` still finds its translation).
NAME_CONTEXTS = {
    Where.command_name: "command",
    Where.group_name: "command",
    Where.parameter_name: "option",
    Where.choice_name: "choice",
}


def lname(context: str, name: str) -> locale_str:
    """A command ("command"), option ("option") or choice ("choice") name, to be localised."""
    return locale_str(name, context=context)


class PremiereTranslator(app_commands.Translator):
    """The commands in Korean (and any language added to the catalogue); English is the
    default every other locale sees."""

    async def load(self) -> None:
        for lang in LANGUAGES:
            catalogue(lang)  # a broken .po stops the start here, not at a reader's first command

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        lang = _locale_language(locale)  # asked for every string in each of Discord's ~30 locales
        if lang == ENGLISH:
            return None
        where = NAME_CONTEXTS.get(context.location) if context is not None else None
        return texts(lang).translation(string.message, string.extras.get("context") or where)


@functools.cache
def _locale_language(locale: discord.Locale) -> str:
    return language_of(locale)


def reader(interaction: discord.Interaction) -> Texts:
    """The texts of whoever used the command or pressed the button: their Discord language."""
    return texts(language_of(interaction.locale))


def reader_language(interaction: discord.Interaction) -> str:
    return language_of(interaction.locale)


async def server_language_of(client: discord.Client, guild: discord.Guild) -> str:
    """The language of what the bot posts in a server (its announcements, a role button, a note
    to its owner): the one chosen with ``/announce language``, else Discord's preferred locale."""
    store = getattr(client, "store", None)  # PremiereBot's; another client has no chosen language
    settings = await store.announce_guild(guild.id) if store is not None else None
    return server_language(settings.language if settings else None, str(guild.preferred_locale.value))


def guild_locale(interaction: discord.Interaction) -> str | None:
    """The server's preferred locale as this interaction reports it (None outside a server)."""
    locale = interaction.guild_locale
    return None if locale is None else str(locale.value)


__all__ = ["PremiereTranslator", "guild_locale", "lname", "reader", "reader_language", "server_language_of"]
