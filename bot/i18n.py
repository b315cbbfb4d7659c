"""The bot's languages: the message catalogue, a reader's language, and dates in that language.

English is the source language: a message's id *is* its English text, with ``{name}`` placeholders
(``tr("Platform")``, ``tr("Cast of {title}", title=...)``), so English readers get exactly what the
code says. Other languages come from gettext catalogues that translators edit without reading
code: ``bot/locales/<lang>/LC_MESSAGES/premiere.po`` (the template of every message is
``bot/locales/premiere.pot``; ``python -m bot.i18n_extract`` rebuilds it from the code and merges
it into each ``.po``). They are read with Babel the first time a language is needed.

A reader's language comes from Discord's locale (``ko`` is Korean, ``en-US`` and ``en-GB`` are
English; any other locale reads English). A translation that is missing, fuzzy or broken is never
shown half-done: the English text goes out, the gap is logged once and kept in
:func:`missing_translations`, and the tests fail on it.

Dates are formatted with Babel in the reader's language; exact instants stay Discord timestamps
(``<t:…>``), which each reader's own client shows in their language and time zone.

No discord here.
"""

from __future__ import annotations

import datetime as dt
import gettext
import logging
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, format_timedelta
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

ENGLISH = "en"
KOREAN = "ko"
#: The languages the bot speaks; English is the source (the message ids) and the fallback.
LANGUAGES: tuple[str, ...] = (ENGLISH, KOREAN)
#: Each language's own name, as a reader of it would pick it.
LANGUAGE_NAMES = {ENGLISH: "English", KOREAN: "한국어"}
DOMAIN = "premiere"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"

_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:[:!][^{}]*)?\}(?!\})")

# English keeps the bot's long-standing date forms ("28 January 2022", "Wednesday 26 January")
# whatever the English locale (Unicode LDML patterns); every other language says dates as CLDR
# does for it (skeletons: "2022년 1월 28일", "1월 26일 수요일"), so a new language needs no code.
_ENGLISH_DATES = {"date": "d MMMM y", "month": "MMMM y", "weekday": "EEEE d MMMM"}
_SKELETONS = {"date": "yMMMMd", "month": "yMMMM", "weekday": "MMMMEEEEd"}


# -- which language ------------------------------------------------------------------------------


def language_of(locale: object) -> str:
    """The language the bot speaks to a reader of Discord's ``locale``: ``"ko"`` -> Korean,
    ``"en-US"``/``"en-GB"`` -> English, anything else (or nothing) -> English.

    ``locale`` is a Discord locale string, or anything whose ``value`` is one (discord.Locale)."""
    value = getattr(locale, "value", locale)
    if not isinstance(value, str) or not value:
        return ENGLISH
    value = value.replace("_", "-")
    if value in LANGUAGES:  # a language the bot speaks as one region does ("pt-BR")
        return value
    primary = value.split("-", 1)[0].casefold()
    return primary if primary in LANGUAGES else ENGLISH


def server_language(chosen: str | None, preferred_locale: str | None) -> str:
    """A server's announcements language: the one chosen with ``/announce language``, else the
    server's preferred locale as Discord reports it, else English."""
    if chosen:
        return language_of(chosen)
    return language_of(preferred_locale)


# -- messages that carry their values ------------------------------------------------------------


class Msg(str):
    """An English message that remembers its id and values, so that it can be said again in
    another language: ``BadInput(Msg("Pick between 1 and {days} days.", days=366))`` reads as the
    English text wherever a ``str`` is expected, and ``texts("ko")(error.user_message)`` says it
    in Korean. Values may be Msgs themselves, or tuples of them (joined with ", ")."""

    msgid: str
    plural: str | None
    n: int | None
    values: dict[str, Any]
    context: str | None

    def __new__(cls, msgid: str, /, **values: Any) -> Msg:
        return cls._make(msgid, None, None, values)

    @classmethod
    def _make(
        cls, msgid: str, plural: str | None, n: int | None, values: dict[str, Any], context: str | None = None
    ) -> Msg:
        source = msgid if plural is None or n == 1 else plural
        self = super().__new__(cls, _format(source, values, EN))
        self.msgid, self.plural, self.n, self.values, self.context = msgid, plural, n, values, context
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_msg, (self.msgid, self.plural, self.n, self.values, self.context))


def _rebuild_msg(
    msgid: str, plural: str | None, n: int | None, values: dict[str, Any], context: str | None = None
) -> Msg:
    return Msg._make(msgid, plural, n, values, context)


def pmsg(context: str, msgid: str, /, **values: Any) -> Msg:
    """A :class:`Msg` whose English alone is ambiguous (an option's name: ``pmsg("option", "shows")``)."""
    return Msg._make(msgid, None, None, values, context)


def nmsg(singular: str, plural: str, n: int, /, **values: Any) -> Msg:
    """A :class:`Msg` with a plural form, chosen by ``n`` (available as ``{n}``)."""
    return Msg._make(singular, plural, n, {"n": n, **values})


def N_(msgid: str) -> str:  # noqa: N802 (gettext's own name for "translate later")
    """Marks a constant for the catalogue; it is translated where it is said (``tr(CONSTANT)``)."""
    return msgid


def NP_(context: str, msgid: str) -> str:  # noqa: N802
    """:func:`N_` for a message whose English alone is ambiguous: said with ``tr.pgettext(context, …)``."""
    return msgid


# -- the catalogue -------------------------------------------------------------------------------


def po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(lang: str) -> Catalog | None:
    """The translations of ``lang`` (None for English, the source), read once."""
    if lang == ENGLISH:
        return None
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


_missing: set[tuple[str, str | None, str]] = set()


def missing_translations() -> set[tuple[str, str | None, str]]:
    """(language, context, message id) of every message said in English for want of a translation
    since the process started (the tests require this to stay empty)."""
    return set(_missing)


def _gap(lang: str, context: str | None, msgid: str, why: str) -> None:
    key = (lang, context, msgid)
    if key not in _missing:
        _missing.add(key)
        log.warning(
            "no usable %s translation of %r (context %r): %s; said in English", lang, msgid, context, why
        )


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of a message (format specs ignored; ``{{`` is a brace)."""
    return set(_PLACEHOLDER.findall(text))


def _format(text: str, values: Mapping[str, Any], tr: Texts) -> str:
    if not values:
        return text
    return text.format_map({k: _value(v, tr) for k, v in values.items()})


def _value(value: Any, tr: Texts) -> Any:
    if isinstance(value, Msg):
        return tr(value)
    if isinstance(value, tuple):
        return ", ".join(str(_value(v, tr)) for v in value)
    return value


class Texts:
    """Messages and dates in one language: ``tr = texts("ko")``; ``tr("Platform")``."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; the bot speaks {', '.join(LANGUAGES)}")
        self.lang = lang
        self.locale = Locale.parse(lang)

    def __repr__(self) -> str:
        return f"Texts({self.lang!r})"

    @property
    def english(self) -> bool:
        return self.lang == ENGLISH

    # -- messages ------------------------------------------------------------------------------

    def __call__(self, msgid: str, /, **values: Any) -> str:
        """The message in this language, its ``{placeholders}`` filled from ``values``."""
        if isinstance(msgid, Msg):
            values = {**msgid.values, **values}
            if msgid.plural is not None:
                assert msgid.n is not None
                return self.ngettext(msgid.msgid, msgid.plural, msgid.n, **values)
            return self._say(msgid.context, msgid.msgid, None, 1, values)
        return self._say(None, msgid, None, 1, values)

    gettext = __call__

    def ngettext(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        """The form of a message for the count ``n`` (also available as ``{n}``)."""
        return self._say(None, singular, plural, n, {"n": n, **values})

    def pgettext(self, context: str, msgid: str, /, **values: Any) -> str:
        """A message whose English alone is ambiguous: ``context`` tells translators which it is."""
        return self._say(context, msgid, None, 1, values)

    def _say(
        self, context: str | None, msgid: str, plural: str | None, n: int, values: Mapping[str, Any]
    ) -> str:
        source = msgid if plural is None or n == 1 else plural
        translated = self._lookup(context, msgid, plural, n)
        if translated is not None:
            try:
                return _format(translated, values, self)
            except (KeyError, IndexError, ValueError) as exc:
                _gap(self.lang, context, msgid, f"its placeholders do not fit ({exc!r})")
        return _format(source, values, self)

    def _lookup(
        self, context: str | None, msgid: str, plural: str | None, n: int, *, record: bool = True
    ) -> str | None:
        cat = catalogue(self.lang)
        if cat is None:
            return None

        def gap(why: str) -> None:
            if record:
                _gap(self.lang, context, msgid, why)
            else:
                log.debug("no %s translation of %r (context %r): %s", self.lang, msgid, context, why)

        message = cat.get(msgid, context=context)
        if message is None:
            gap("not in the catalogue")
            return None
        if message.fuzzy:
            gap("marked fuzzy")
            return None
        string = message.string
        if plural is not None:
            forms = string if isinstance(string, (list, tuple)) else (string,)
            index = _plural_index(cat, n)
            text = forms[index] if index < len(forms) else ""
        else:
            text = string[0] if isinstance(string, (list, tuple)) else string
        if not text:
            gap("not translated yet")
            return None
        return str(text)

    def translation(self, msgid: str, context: str | None = None) -> str | None:
        """The raw translation of ``msgid`` (placeholders unfilled), or None: English, or no usable
        translation. For the commands' localisations, which Discord shows in English where one is
        missing; the test of the synced commands is what requires them, not the gap registry."""
        return self._lookup(context, msgid, None, 1, record=False)

    # -- dates -----------------------------------------------------------------------------------

    def _day(self, day: dt.date, form: str) -> str:
        if self.english:
            return format_date(day, _ENGLISH_DATES[form], locale=self.locale)
        return format_skeleton(_SKELETONS[form], day, locale=self.locale)

    def date(self, day: dt.date) -> str:
        """ "28 January 2022" / "2022년 1월 28일"."""
        return self._day(day, "date")

    def month(self, year: int, month: int) -> str:
        """ "January 2022" / "2022년 1월"."""
        return self._day(dt.date(year, month, 1), "month")

    def weekday(self, day: dt.date) -> str:
        """ "Wednesday 26 January" / "1월 26일 수요일"."""
        return self._day(day, "weekday")

    def date_range(self, first: dt.date, last: dt.date) -> str:
        """ "24 – 30 January 2022", "31 January – 6 February 2022" / "2022년 1월 24일~30일"."""
        if not self.english:
            return format_interval(first, last, "yMMMMd", locale=self.locale)
        end = self.date(last)
        if first.year != last.year:
            return f"{self.date(first)} – {end}"
        if first.month != last.month:
            return f"{format_date(first, 'd MMMM', locale=self.locale)} – {end}"
        return f"{first.day} – {end}"

    def duration(self, delta: timedelta) -> str:
        """A duration in whole units of this language, largest first: "1시간 30분"."""
        minutes = int(delta.total_seconds() // 60)
        days, rest = divmod(minutes, 1440)
        hours, mins = divmod(rest, 60)
        parts = [
            format_timedelta(timedelta(**{unit: amount}), threshold=1, locale=self.locale)
            for unit, amount in (("days", days), ("hours", hours), ("minutes", mins))
            if amount
        ]
        return " ".join(parts) or format_timedelta(delta, locale=self.locale)


def _plural_index(cat: Catalog, n: int) -> int:
    """Which plural form of ``cat``'s language a count takes (its header's gettext expression)."""
    return int(_plural_function(cat.plural_expr)(n))


@cache
def _plural_function(expr: str) -> Callable[[int], int]:
    return gettext.c2py(expr)  # the standard library's reader of a .po file's Plural-Forms


@cache
def texts(lang: str) -> Texts:
    """The :class:`Texts` of a language the bot speaks (``language_of`` picks it from a locale)."""
    return Texts(lang)


#: English, the source language and the default of every renderer.
EN = Texts(ENGLISH)


def tr_for(locale: object) -> Texts:
    """The texts for a reader of Discord's ``locale``."""
    return texts(language_of(locale))


__all__ = [
    "EN",
    "ENGLISH",
    "KOREAN",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "Msg",
    "N_",
    "NP_",
    "Texts",
    "catalogue",
    "language_of",
    "missing_translations",
    "nmsg",
    "pmsg",
    "placeholders",
    "po_path",
    "server_language",
    "texts",
    "tr_for",
]
