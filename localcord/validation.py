"""Discord's request validation, producing 400 50035 "Invalid Form Body" errors.

Errors are collected as ``(path, code, message)`` and rendered into Discord's nested
``errors`` object, e.g. ``{"embeds": {"0": {"title": {"_errors": [{...}]}}}}``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

PathPart = str | int


class FormErrors:
    def __init__(self) -> None:
        self.items: list[tuple[tuple[PathPart, ...], str, str]] = []

    def add(self, path: Sequence[PathPart], code: str, message: str) -> None:
        self.items.append((tuple(path), code, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def render(self) -> dict[str, Any]:
        root: dict[str, Any] = {}
        for path, code, message in self.items:
            node = root
            for part in path:
                node = node.setdefault(str(part), {})
            node.setdefault("_errors", []).append({"code": code, "message": message})
        return root

    def body(self) -> dict[str, Any]:
        return {"message": "Invalid Form Body", "code": 50035, "errors": self.render()}


def max_length(errors: FormErrors, path: Sequence[PathPart], value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def bad_length(errors: FormErrors, path: Sequence[PathPart], value: Any, low: int, high: int) -> None:
    if not isinstance(value, str) or not (low <= len(value) <= high):
        errors.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def max_items(errors: FormErrors, path: Sequence[PathPart], value: Any, limit: int) -> None:
    if isinstance(value, list) and len(value) > limit:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def required(errors: FormErrors, path: Sequence[PathPart]) -> None:
    errors.add(path, "BASE_TYPE_REQUIRED", "This field is required")


# --------------------------------------------------------------------- messages


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def embed_text_length(embed: dict[str, Any]) -> int:
    total = len(_s(embed.get("title"))) + len(_s(embed.get("description")))
    for f in embed.get("fields") or []:
        if isinstance(f, dict):
            total += len(_s(f.get("name"))) + len(_s(f.get("value")))
    footer = embed.get("footer")
    if isinstance(footer, dict):
        total += len(_s(footer.get("text")))
    author = embed.get("author")
    if isinstance(author, dict):
        total += len(_s(author.get("name")))
    return total


def validate_embeds(errors: FormErrors, embeds: Any, path: Sequence[PathPart] = ("embeds",)) -> None:
    if embeds is None:
        return
    if not isinstance(embeds, list):
        errors.add(path, "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return
    if len(embeds) > 10:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        p = (*path, i)
        if not isinstance(embed, dict):
            errors.add(p, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        max_length(errors, (*p, "title"), embed.get("title"), 256)
        max_length(errors, (*p, "description"), embed.get("description"), 4096)
        fields = embed.get("fields") or []
        max_items(errors, (*p, "fields"), fields, 25)
        for j, f in enumerate(fields if isinstance(fields, list) else []):
            if not isinstance(f, dict):
                continue
            if "name" not in f:
                required(errors, (*p, "fields", j, "name"))
            else:
                max_length(errors, (*p, "fields", j, "name"), f.get("name"), 256)
            if "value" not in f:
                required(errors, (*p, "fields", j, "value"))
            else:
                max_length(errors, (*p, "fields", j, "value"), f.get("value"), 1024)
        footer = embed.get("footer")
        if isinstance(footer, dict):
            max_length(errors, (*p, "footer", "text"), footer.get("text"), 2048)
        author = embed.get("author")
        if isinstance(author, dict):
            max_length(errors, (*p, "author", "name"), author.get("name"), 256)
        total += embed_text_length(embed)
    if total > 6000:
        errors.add(path, "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")


def validate_allowed_mentions(errors: FormErrors, am: Any) -> None:
    if am is None:
        return
    if not isinstance(am, dict):
        errors.add(("allowed_mentions",), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    parse = am.get("parse") or []
    for kind in ("users", "roles"):
        ids = am.get(kind) or []
        if kind in parse and ids:
            errors.add(
                ("allowed_mentions",),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
        max_items(errors, ("allowed_mentions", kind), ids, 100)
    for i, p in enumerate(parse):
        if p not in ("users", "roles", "everyone"):
            errors.add(
                ("allowed_mentions", "parse", i),
                "BASE_TYPE_CHOICES",
                "Value must be one of {'users', 'roles', 'everyone'}.",
            )


def validate_message(payload: dict[str, Any], *, has_files: bool = False, edit: bool = False) -> FormErrors:
    errors = FormErrors()
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        content = str(content)
    max_length(errors, ("content",), content, 2000)
    validate_embeds(errors, payload.get("embeds"))
    validate_allowed_mentions(errors, payload.get("allowed_mentions"))
    nonce = payload.get("nonce")
    if nonce is not None:
        if isinstance(nonce, str) and len(nonce) > 25:
            errors.add(("nonce",), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    components = payload.get("components")
    if isinstance(components, list):
        max_items(errors, ("components",), components, 5 if not payload.get("flags", 0) & (1 << 15) else 40)
    return errors


def is_empty_message(payload: dict[str, Any], has_files: bool) -> bool:
    return not (
        payload.get("content")
        or payload.get("embeds")
        or has_files
        or payload.get("attachments")
        or payload.get("components")
        or payload.get("sticker_ids")
        or payload.get("poll")
    )


# ------------------------------------------------------------ application commands

_DEVANAGARI = ((0x0900, 0x097F), (0xA8E0, 0xA8FF), (0x1CD0, 0x1CFF))
_THAI = ((0x0E00, 0x0E7F),)


def _in_ranges(cp: int, ranges: Iterable[tuple[int, int]]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def valid_command_name(name: Any, *, chat_input: bool = True) -> bool:
    """``^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lowercase where a lowercase exists."""
    if not isinstance(name, str) or not (1 <= len(name) <= 32):
        return False
    if not chat_input:
        return True  # user/message command names allow spaces and mixed case
    for ch in name:
        if ch in "-_":
            continue
        cat = unicodedata.category(ch)
        cp = ord(ch)
        if not (cat[0] in "LN" or _in_ranges(cp, _DEVANAGARI) or _in_ranges(cp, _THAI)):
            return False
        if ch.lower() != ch:
            return False
    return True


#: Discord's locales: the keys a ``name_localizations`` or ``description_localizations`` may have.
LOCALES = frozenset(
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg ru uk "
    "hi th zh-CN ja zh-TW ko".split()
)


def _validate_localizations(
    errors: FormErrors, path: tuple[PathPart, ...], item: dict[str, Any], *, names: str | None
) -> None:
    """``name_localizations`` and ``description_localizations`` of a command, an option or (no
    description) a choice: known locale keys; names as the default name's rules (``names``:
    "command" for a chat command or option, "choice" for a choice), descriptions 1 to 100."""
    for field in ("name_localizations", "description_localizations"):
        values = item.get(field)
        if values is None:
            continue
        if not isinstance(values, dict):
            errors.add((*path, field), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        for locale, text in values.items():
            p = (*path, field, locale)
            if locale not in LOCALES:
                errors.add(p, "LOCALE_INVALID", f"Invalid locale: {locale!r}")
                continue
            if field == "description_localizations":
                bad_length(errors, p, text, 1, 100)
            elif names == "choice":
                bad_length(errors, p, text, 1, 100)
            elif not valid_command_name(text, chat_input=names == "command"):
                errors.add(p, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")


def _localized_names(item: dict[str, Any]) -> dict[str, str]:
    """The name a client in each locale shows for a command or option (its default elsewhere)."""
    values = item.get("name_localizations")
    return dict(values) if isinstance(values, dict) else {}


def _check_unique_localized(errors: FormErrors, path: tuple[PathPart, ...], items: list[Any]) -> None:
    """Within one level, no two commands or options may read the same in a locale."""
    for locale in sorted(LOCALES):
        seen: dict[object, int] = {}
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            name = _localized_names(item).get(locale, item.get("name"))
            if not isinstance(name, str):
                continue
            key: object = (item.get("type", 1), name) if path == () else name
            if key in seen and (
                locale in _localized_names(item) or locale in _localized_names(items[seen[key]])
            ):
                errors.add(
                    (*path, i, "name_localizations", locale),
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    "Application command names must be unique",
                )
            seen.setdefault(key, i)


def _validate_choices(errors: FormErrors, path: tuple[PathPart, ...], choices: Any, opt_type: Any) -> None:
    if not isinstance(choices, list):
        return
    max_items(errors, path, choices, 25)
    for i, c in enumerate(choices):
        if not isinstance(c, dict):
            continue
        bad_length(errors, (*path, i, "name"), c.get("name"), 1, 100)
        _validate_localizations(errors, (*path, i), c, names="choice")
        value = c.get("value")
        if opt_type == 3:
            if not isinstance(value, str):
                errors.add((*path, i, "value"), "BASE_TYPE_STRING", "Must be a string.")
            else:
                max_length(errors, (*path, i, "value"), value, 100)


def _validate_options(errors: FormErrors, path: tuple[PathPart, ...], options: Any, depth: int) -> None:
    if options is None:
        return
    if not isinstance(options, list):
        errors.add(path, "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return
    max_items(errors, path, options, 25)
    _check_unique_localized(errors, path, options)
    seen = set()
    optional_seen = False
    for i, opt in enumerate(options):
        p = (*path, i)
        if not isinstance(opt, dict):
            continue
        name = opt.get("name")
        if not valid_command_name(name):
            errors.add((*p, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if name in seen:
            errors.add(
                (*p, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option name already exists"
            )
        seen.add(name)
        bad_length(errors, (*p, "description"), opt.get("description"), 1, 100)
        _validate_localizations(errors, p, opt, names="command")
        opt_type = opt.get("type")
        if opt_type not in range(1, 12):
            errors.add(
                (*p, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}."
            )
        if opt_type in (1, 2):
            if (opt_type == 2 and depth > 0) or (opt_type == 1 and depth > 1):
                errors.add((*p, "type"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID_NESTING", "Invalid nesting")
            _validate_options(errors, (*p, "options"), opt.get("options"), depth + 1)
        else:
            if opt.get("required"):
                if optional_seen:
                    errors.add(
                        (*p, "required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                optional_seen = True
            if opt.get("choices") is not None:
                _validate_choices(errors, (*p, "choices"), opt.get("choices"), opt_type)
                if opt.get("autocomplete"):
                    errors.add(
                        (*p, "autocomplete"),
                        "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE_EXCLUSIVE",
                        "Autocomplete and choices are mutually exclusive",
                    )


def validate_command(errors: FormErrors, path: tuple[PathPart, ...], cmd: Any) -> None:
    if not isinstance(cmd, dict):
        errors.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    ctype = cmd.get("type", 1)
    if "name" not in cmd:
        required(errors, (*path, "name"))
    elif not valid_command_name(cmd.get("name"), chat_input=ctype == 1):
        errors.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    _validate_localizations(errors, path, cmd, names="command" if ctype == 1 else "menu")
    if ctype == 1:
        bad_length(errors, (*path, "description"), cmd.get("description"), 1, 100)
        _validate_options(errors, (*path, "options"), cmd.get("options"), 0)
    elif cmd.get("description"):
        errors.add(
            (*path, "description"), "APPLICATION_COMMAND_INVALID_DESCRIPTION", "Description must be empty"
        )


def validate_commands(commands: Any, *, global_: bool) -> FormErrors:
    errors = FormErrors()
    if not isinstance(commands, list):
        errors.add((), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return errors
    counts = {1: 0, 2: 0, 3: 0}
    _check_unique_localized(errors, (), commands)
    names = set()
    for i, cmd in enumerate(commands):
        validate_command(errors, (i,), cmd)
        if isinstance(cmd, dict):
            ctype = cmd.get("type", 1)
            counts[ctype] = counts.get(ctype, 0) + 1
            key = (ctype, cmd.get("name"))
            if key in names:
                errors.add(
                    (i, "name"),
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    "Application command names must be unique",
                )
            names.add(key)
    if counts.get(1, 0) > 100:
        errors.add((), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    if counts.get(2, 0) > 15 or counts.get(3, 0) > 15:
        errors.add(
            (),
            "APPLICATION_COMMAND_TOO_MANY_CONTEXT_MENU",
            "Maximum number of context menu commands reached (15)",
        )
    return errors


# ------------------------------------------------------------------- interactions


def validate_autocomplete(data: Any) -> FormErrors:
    errors = FormErrors()
    choices = (data or {}).get("choices")
    if choices is None:
        required(errors, ("data", "choices"))
        return errors
    max_items(errors, ("data", "choices"), choices, 25)
    for i, c in enumerate(choices if isinstance(choices, list) else []):
        if not isinstance(c, dict):
            continue
        bad_length(errors, ("data", "choices", i, "name"), c.get("name"), 1, 100)
        if isinstance(c.get("value"), str):
            max_length(errors, ("data", "choices", i, "value"), c.get("value"), 100)
    return errors


def validate_modal(data: Any) -> FormErrors:
    errors = FormErrors()
    data = data or {}
    bad_length(errors, ("data", "title"), data.get("title"), 1, 45)
    bad_length(errors, ("data", "custom_id"), data.get("custom_id"), 1, 100)
    comps = data.get("components")
    if not isinstance(comps, list) or not comps:
        errors.add(("data", "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    else:
        max_items(errors, ("data", "components"), comps, 5)
    return errors


def validate_thread_name(errors: FormErrors, name: Any) -> None:
    bad_length(errors, ("name",), name, 1, 100)


def validate_scheduled_event(payload: dict[str, Any], *, partial: bool = False) -> FormErrors:
    errors = FormErrors()
    if not partial or "name" in payload:
        bad_length(errors, ("name",), payload.get("name"), 1, 100)
    if "description" in payload and payload["description"] is not None:
        max_length(errors, ("description",), payload.get("description"), 1000)
    for key in ("scheduled_start_time", "privacy_level", "entity_type"):
        if not partial and key not in payload:
            required(errors, (key,))
    if payload.get("privacy_level", 2) != 2:
        errors.add(("privacy_level",), "BASE_TYPE_CHOICES", "Value must be one of {2}.")
    et = payload.get("entity_type")
    if et is not None and et not in (1, 2, 3):
        errors.add(("entity_type",), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
    if et == 3 and not partial:
        meta = payload.get("entity_metadata") or {}
        if not meta.get("location"):
            required(errors, ("entity_metadata", "location"))
        else:
            bad_length(errors, ("entity_metadata", "location"), meta.get("location"), 1, 100)
        if not payload.get("scheduled_end_time"):
            required(errors, ("scheduled_end_time",))
    if et in (1, 2) and not partial and not payload.get("channel_id"):
        required(errors, ("channel_id",))
    return errors


def parse_time(value: Any) -> float | None:
    import datetime as dt

    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()
