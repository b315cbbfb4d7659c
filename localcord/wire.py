"""JSON text as it crosses the wire, and what localcord does with text that is not valid Unicode.

A Python ``str`` can hold a lone UTF-16 surrogate (``"\\ud800"``): ``json.loads`` makes one
from the escape ``"\\ud800"``, and a test can pass one. Such a string has no UTF-8 form, so
encoding it raises. Discord stores text as UTF-8 and refuses these strings at its API
(discord/discord-api-docs#6561: "not representable in utf8 ... expected 400"), so nothing
Discord sends ever holds one. localcord does the same:

* a REST body (or ``payload_json``) holding one is answered 400 50109, "The request body
  contains invalid JSON." (:func:`may_hold_lone_surrogate` then :func:`lone_surrogate_path`);
* a gateway frame holding one closes the connection with 4002, "Error while decoding
  payload."; the session stays resumable;
* what a test makes a user do (command options, modal values, a user's message) is refused
  with :class:`ValueError` before anything is dispatched;
* and whatever still reaches an outgoing frame or response (a channel name a test made, say)
  goes out with U+FFFD in place of each lone surrogate, as JavaScript's ``toWellFormed()``
  does: :func:`dumps` never raises for text.
"""

from __future__ import annotations

import json
import re
from typing import Any

_LONE = re.compile("[\ud800-\udfff]")
# The escape of a surrogate in JSON text (a paired one decodes to one astral character), and,
# in bytes, a surrogate's own UTF-8 form, which json.loads decodes with "surrogatepass".
_ESCAPE_TEXT = re.compile(r"\\u[dD][89a-fA-F]")
_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")

PathPart = str | int


def well_formed(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD and each surrogate pair joined."""
    if _LONE.search(text) is None:
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def dumps(obj: Any, *, compact: bool = False) -> str:
    """JSON text of ``obj`` (non-ASCII kept as is) that always encodes to UTF-8."""
    separators = (",", ":") if compact else None
    return well_formed(json.dumps(obj, ensure_ascii=False, separators=separators))


def may_hold_lone_surrogate(raw: str | bytes) -> bool:
    """Whether JSON text may decode to a lone surrogate (a cheap test before walking what it decodes to)."""
    if isinstance(raw, bytes):
        return _ESCAPE_BYTES.search(raw) is not None
    return _ESCAPE_TEXT.search(raw) is not None or _LONE.search(raw) is not None


def lone_surrogate_path(value: Any, path: tuple[PathPart, ...] = ()) -> tuple[PathPart, ...] | None:
    """Where in ``value`` (nested dicts and lists) a string, or a key, holds a lone surrogate."""
    if isinstance(value, str):
        return path if _LONE.search(value) is not None else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _LONE.search(key) is not None:
                return (*path, key)
            found = lone_surrogate_path(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = lone_surrogate_path(item, (*path, i))
            if found is not None:
                return found
    return None


def refuse_invalid_text(value: Any, what: str) -> None:
    """Raises :class:`ValueError` if ``value`` holds text Discord would refuse."""
    path = lone_surrogate_path(value)
    if path is not None:
        where = ".".join(str(p) for p in path) or "the value"
        raise ValueError(
            f"{what}: {where} is not valid Unicode (it holds a lone UTF-16 surrogate); "
            "Discord refuses such text (400 50109) before any bot sees it"
        )
