"""TVmaze's words and text, as the catalogue says them: language names to ISO codes, statuses,
crew types to roles, and a summary's HTML to a plain synopsis. Pure functions, no I/O."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bot.models import Role, Status

SUMMARY_HTML_CHARS = 64 * 1024  # of a summary's HTML, only this much is read
SYNOPSIS_CHARS = 4000  # of its text, at most this much is kept

LANGUAGES = {
    "arabic": "ar",
    "bengali": "bn",
    "catalan": "ca",
    "chinese": "zh",
    "mandarin": "zh",
    "czech": "cs",
    "danish": "da",
    "dutch": "nl",
    "english": "en",
    "finnish": "fi",
    "french": "fr",
    "german": "de",
    "greek": "el",
    "hebrew": "he",
    "hindi": "hi",
    "hungarian": "hu",
    "icelandic": "is",
    "indonesian": "id",
    "irish": "ga",
    "italian": "it",
    "japanese": "ja",
    "korean": "ko",
    "malay": "ms",
    "malayalam": "ml",
    "marathi": "mr",
    "norwegian": "no",
    "persian": "fa",
    "polish": "pl",
    "portuguese": "pt",
    "romanian": "ro",
    "russian": "ru",
    "spanish": "es",
    "swedish": "sv",
    "tagalog": "tl",
    "tamil": "ta",
    "telugu": "te",
    "thai": "th",
    "turkish": "tr",
    "ukrainian": "uk",
    "urdu": "ur",
    "vietnamese": "vi",
    "welsh": "cy",
}

STATUSES = {
    "running": Status.RUNNING,
    "ended": Status.ENDED,
    "to be determined": Status.RUNNING,
    "in development": Status.ANNOUNCED,
}

CREW_ROLES = {
    "creator": Role.CREATOR,
    "director": Role.DIRECTOR,
    "writer": Role.WRITER,
    "screenplay": Role.WRITER,
    "teleplay": Role.WRITER,
    "original author": Role.ORIGINAL_AUTHOR,
    "author": Role.ORIGINAL_AUTHOR,
    "novel": Role.ORIGINAL_AUTHOR,
    "original story": Role.ORIGINAL_AUTHOR,
    "original work": Role.ORIGINAL_AUTHOR,
    "based on the work of": Role.ORIGINAL_AUTHOR,
    "webtoon": Role.ORIGINAL_AUTHOR,
    "manga": Role.ORIGINAL_AUTHOR,
    "comic": Role.ORIGINAL_AUTHOR,
}


class _TextOnly(HTMLParser):
    BREAKS = frozenset({"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


# Text whose only markup is plain tags such as <p>, </b> or <br> (no attributes, comments,
# character references or other "<"): HTMLParser would give the same text, far slower.
_PLAIN_TAGS_RE = re.compile(r"(?:[^<&]|<(?!(?i:script|style))/?[a-zA-Z][a-zA-Z0-9]*>)*")
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)>")


def _tag_text(match: re.Match[str]) -> str:
    return " " if match.group(2).lower() in _TextOnly.BREAKS else ""


def strip_html(text: str | None) -> str | None:
    """Plain text of an HTML fragment, whitespace collapsed; None when nothing is left."""
    if not text:
        return None
    if _PLAIN_TAGS_RE.fullmatch(text):
        plain = _TAG_RE.sub(_tag_text, text)
    else:
        parser = _TextOnly()
        parser.feed(text)
        parser.close()
        plain = "".join(parser.parts)  # character references already decoded
    plain = re.sub(r"\s+", " ", plain).strip()
    plain = re.sub(r"\s+([,.;:!?])", r"\1", plain)
    return plain or None


def language_code(name: object) -> str | None:
    if not isinstance(name, str):
        return None
    return LANGUAGES.get(name.strip().lower())


_CONTROL = dict.fromkeys([*range(0x09), *range(0x0B, 0x20), 0x7F])


def clean_text(text: str) -> str:
    """``text`` without C0 control characters (NUL, ESC...) other than tab and newline, nor DEL."""
    return text if text.isprintable() else text.translate(_CONTROL)


def synopsis_text(html: str | None) -> str | None:
    """The synopsis of a TVmaze summary: its first ``SUMMARY_HTML_CHARS`` of HTML as plain text,
    at most ``SYNOPSIS_CHARS`` long (cut at a word, with "…")."""
    if not html:
        return None
    cut = len(html) > SUMMARY_HTML_CHARS
    if cut:
        html = html[:SUMMARY_HTML_CHARS]
        lt = html.rfind("<")
        if lt > html.rfind(">"):  # a tag cut in two
            html = html[:lt]
    text = strip_html(clean_text(html))
    if text is None or (not cut and len(text) <= SYNOPSIS_CHARS):
        return text
    text = text[: SYNOPSIS_CHARS - 1]
    space = text.rfind(" ")
    if space > SYNOPSIS_CHARS // 2:
        text = text[:space]
    return text.rstrip(" ,.;:") + "…"
