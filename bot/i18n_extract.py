"""The message catalogue's upkeep: every message the code says, gathered into the template
(``bot/locales/premiere.pot``) and merged into each language's ``.po``; and the checks the tests
run on them. For developers and translators, not for the running bot.

    python -m bot.i18n_extract update   # after changing what the code says: new messages arrive
                                        # untranslated in every .po, gone ones are dropped
    python -m bot.i18n_extract check    # what is missing, fuzzy, or broken (exit 1 if anything)

How the code marks a message (Babel finds these calls):

- ``tr("…")``, ``tr.ngettext("…", "…", n)``, ``tr.pgettext("context", "…")``: said now;
- ``N_("…")``, ``NP_("context", "…")``: a constant, said later with ``tr(CONSTANT)``
  (``tr.pgettext("context", CONSTANT)``);
- ``Msg("…", value=…)``, ``nmsg("…", "…", n)``, ``pmsg("context", "…")``: an error's text, said in
  the reader's language;
- ``locale_str("…")``: a command or option description; ``lname("command", "show")``: a command,
  option or choice name (its context says which; Discord's rules apply to names).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, ENGLISH, LANGUAGES, LOCALES_DIR, placeholders, po_path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "cogs")
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"
KEYWORDS = {
    "tr": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "N_": None,
    "NP_": ((1, "c"), 2),
    "Msg": None,
    "nmsg": (1, 2),
    "pmsg": ((1, "c"), 2),
    "locale_str": None,
    "lname": ((1, "c"), 2),
}
COMMENT_TAGS = ("TRANSLATORS:",)
PROJECT = "Premiere"
TEMPLATE_HEADER = """\
# Every message Premiere says, in English: the template of each language's .po file.
# Made from the code by `python -m bot.i18n_extract update`; never edited by hand."""
LANGUAGE_HEADER = """\
# Premiere's messages in {language}.
# Translators: change only the msgstr lines. Keep each {{placeholder}} (you may move it), the
# Discord markup (**bold**, `code`, <#...>, <t:...>), and titles, platforms and names as they are.
# A msgctxt line says where a message appears: a command, option or choice name must be lower
# case, one word (letters, digits, - or _), at most 32 characters."""
WIDTH = 100
SINCE = datetime(2026, 12, 1, tzinfo=UTC)  # when the catalogue began
RUN_UPDATE = "run python -m bot.i18n_extract update"

Key = tuple[str | None, str]  # (context, message id)


def extract(root: Path = ROOT) -> Catalog:
    """Every message the code in ``bot/`` and ``cogs/`` says, as a template catalogue."""
    template = Catalog(project=PROJECT, domain=DOMAIN, fuzzy=False, header_comment=TEMPLATE_HEADER)
    template.creation_date = SINCE  # no date churn: the file changes only with its text
    for source in SOURCES:
        _extract_into(template, root, source)
    return template


def _extract_into(template: Catalog, root: Path, source: str) -> None:
    for filename, lineno, message, comments, context in extract_from_dir(
        root / source,
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
        directory_filter=lambda d: "__pycache__" not in d,
    ):
        where = (f"{source}/{filename}", lineno)
        template.add(message, None, [where], auto_comments=comments, context=context)


def _key(message: object) -> Key:
    mid = message.id  # type: ignore[attr-defined]
    return (message.context, mid[0] if isinstance(mid, tuple) else mid)  # type: ignore[attr-defined]


def keys(catalog: Catalog) -> dict[Key, object]:
    """The messages of a catalogue by (context, singular id), the header left out."""
    return {_key(m): m.id for m in catalog if m.id}


def read(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def _write(path: Path, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, sort_output=True, ignore_obsolete=True, include_lineno=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def update(root: Path = ROOT) -> list[Path]:
    """Write the template from the code and merge it into every language's ``.po``: new messages
    come untranslated, vanished ones go, a changed English text loses its old translation (never
    guessed: no fuzzy matching). Returns the files written."""
    template = extract(root)
    _write(TEMPLATE, template)
    written = [TEMPLATE]
    for lang in LANGUAGES:
        if lang == ENGLISH:
            continue
        path = po_path(lang)
        if path.exists():
            catalog = read(path, lang)
            catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        else:
            language = Locale.parse(lang).get_display_name("en")
            header = LANGUAGE_HEADER.format(language=language)
            catalog = Catalog(locale=lang, domain=DOMAIN, project=PROJECT, fuzzy=False, header_comment=header)
            catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False
        _write(path, catalog)
        written.append(path)
    return written


def problems(root: Path = ROOT, languages: Iterable[str] = LANGUAGES) -> list[str]:
    """Everything wrong with the catalogue, one line each: the template out of date with the
    code; a message of the code that a language lacks, has empty, fuzzy, or whose placeholders
    differ from the English."""
    out: list[str] = []
    code = keys(extract(root))
    committed = keys(read(TEMPLATE))
    for key in sorted(code.keys() - committed.keys(), key=str):
        out.append(f"{TEMPLATE.name}: missing {key!r} ({RUN_UPDATE})")
    for key in sorted(committed.keys() - code.keys(), key=str):
        out.append(
            f"{TEMPLATE.name}: {key!r} is no longer in the code (run python -m bot.i18n_extract update)"
        )
    for lang in languages:
        if lang == ENGLISH:
            continue
        catalog = read(po_path(lang), lang)
        for context, msgid in sorted(code, key=str):
            where = f"{lang}: {msgid!r}" + (f" (context {context!r})" if context else "")
            message = catalog.get(msgid, context=context)
            if message is None:
                out.append(f"{where} is not in the .po")
                continue
            if message.fuzzy:
                out.append(f"{where} is fuzzy: check it, then remove the fuzzy flag")
            sources = [str(x) for x in (message.id if isinstance(message.id, tuple) else (message.id,))]
            raw = message.string if isinstance(message.string, tuple) else (message.string,)
            strings = [str(x) if x else "" for x in raw]
            if not strings or not all(strings):
                out.append(f"{where} is not translated")
                continue
            wanted = set().union(*(placeholders(s) for s in sources))
            plural = isinstance(message.id, tuple)
            # A form that serves only some counts may leave the count out, as English "1 day" does;
            # a language with one form (Korean) says every count with it, so it keeps {n}.
            one_form = catalog.num_plurals == 1
            required = wanted - {"n"} if plural and not one_form else wanted
            allowed = wanted | {"n"} if plural else wanted
            for s in strings:
                got = placeholders(s)
                if not required <= got <= allowed:
                    out.append(
                        f"{where}: placeholders {sorted(got)} differ from the English {sorted(wanted)}"
                    )
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "check"
    if command == "update":
        for path in update():
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    if command == "check":
        found = problems()
        for line in found:
            print(line)
        print(f"{len(found)} problems" if found else "the catalogue is complete")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
