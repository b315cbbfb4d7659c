"""What admins type, parsed and checked before anything is saved; the permissions a channel needs.

Pure: no store, no discord. Each parser raises :class:`BadInput` with one line for the admin,
quoting what they typed shortened and escaped, so a refusal always fits in a Discord message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import time
from functools import cache
from zoneinfo import available_timezones

from rapidfuzz import fuzz, process

from bot.errors import BadInput
from bot.i18n import Msg, pmsg
from bot.render import escape, truncate
from bot.search import clean_input, nearest_names, normalise

# Discord permission names the bot needs in an announcement channel.
NEEDED = ("view_channel", "send_messages", "embed_links")
NEEDED_FOR_THREADS = ("create_public_threads", "send_messages_in_threads", "read_message_history")
PERMISSION_LABELS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
    "read_message_history": "Read Message History",
    "manage_messages": "Manage Messages",
}
MAX_FILTER_ITEMS = 25
QUOTE_MAX = 60  # how much of a refused value a refusal quotes
ALL = "all"  # a filter of "all" clears it: every platform, every show

# Files in a zone database that are not zones: the machine's own zone, the POSIX default rules,
# the "Factory" placeholder, and the posix/ and right/ (leap second) copies of every zone.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_NOT_ZONE_PREFIXES = ("posix/", "right/", "SystemV/")


def quoted(text: str) -> str:
    """What the admin typed, for a refusal: invisible characters shown, shortened, inert."""
    shown = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)
    return f"“{escape(truncate(shown, QUOTE_MAX))}”"


def check_length(label: str, text: str | None, limit: int) -> None:
    """Refuse a value longer than Discord allows for it (a raw interaction can send any length)."""
    if text is not None and len(text) > limit:
        raise BadInput(
            Msg(
                "**{label}** is too long: at most {limit} characters, not {length}.",
                label=pmsg("option", label),
                limit=limit,
                length=len(text),
            )
        )


@cache
def iana_zones() -> dict[str, str]:
    """Real IANA zone names, keyed by their case-folded spelling."""
    names = (z for z in available_timezones() if z not in _NOT_ZONES and not z.startswith(_NOT_ZONE_PREFIXES))
    return {z.casefold(): z for z in sorted(names)}


def parse_zone(text: str) -> str:
    """An IANA zone name (any case: ``asia/seoul`` is Asia/Seoul), or the city of exactly one
    (``seoul``, ``new york``); nothing else a zone database holds (``localtime``,
    ``posixrules``, ``Factory``, ``right/UTC``)."""
    name = clean_input(text or "").strip().replace(" ", "_")
    zone = iana_zones().get(name.casefold()) or _city_zones().get(name.casefold())
    if zone is None:
        near = process.extractOne(
            name, _menu_zones(), scorer=fuzz.WRatio, processor=str.casefold, score_cutoff=85
        )
        if near:
            raise BadInput(
                Msg(
                    "{value} is not a time zone I know. Did you mean **{zone}**? Use an IANA name such as "
                    "Europe/Paris, or pick one of the suggestions while you type.",
                    value=quoted(text or ""),
                    zone=near[0],
                )
            )
        raise BadInput(
            Msg(
                "{value} is not a time zone I know. Use an IANA name such as Europe/Paris, "
                "or pick one of the suggestions while you type.",
                value=quoted(text or ""),
            )
        )
    return zone


# 24-hour "18:30", "9", "18h30", "9.30", "18시 30분", or 12-hour "6:30 pm", "6pm", "오후 6시"
_POST_TIME = re.compile(
    r"(?P<ko>오전|오후)?\s*(?P<h>\d{1,2})\s*(?:(?:[:.h]|시)\s*(?:(?P<m>\d{2})\s*분?)?)?"
    r"\s*(?P<ampm>[ap]\.?\s*m\.?)?",
    re.IGNORECASE,
)


def parse_post_time(text: str) -> time:
    """The time of day an admin typed: 24-hour (09:00, 18:30, 9, 18h30, 18시) or 12-hour
    (6:30 pm, 6pm, 오후 6시)."""
    s = clean_input(text or "")
    m = _POST_TIME.fullmatch(s)
    if m is not None:
        hour, minute = int(m["h"]), int(m["m"] or 0)
        half = (m["ampm"] or "")[:1].lower() or {"오전": "a", "오후": "p"}.get(m["ko"] or "")
        if half and 1 <= hour <= 12:  # 12 am is midnight, 12 pm noon
            hour = hour % 12 + (12 if half == "p" else 0)
        elif half:
            hour = 99
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise BadInput(
        Msg("{value} is not a time: use 24-hour HH:MM, for example 09:00 or 18:30.", value=quoted(s))
    )


def parse_list(text: str | None) -> list[str]:
    items = [clean_input(p) for p in (text or "").split(",")]
    items = [p for p in items if p]
    if len(items) > MAX_FILTER_ITEMS:
        raise BadInput(Msg("Give at most {max} items, separated by commas.", max=MAX_FILTER_ITEMS))
    return list(dict.fromkeys(items))


def is_all(text: str | None) -> bool:
    """Whether a filter option says "all" (clear the filter)."""
    return text is not None and clean_input(text).casefold() == ALL


def match_platforms(given: Sequence[str], known: Sequence[str]) -> list[str]:
    """The catalogue's platforms the admin named, in the catalogue's spelling.

    A name matches whatever its case and invisible characters; a name that matches none is
    refused with the nearest platform, since a channel filtered on it would never post."""
    by_fold = {p.casefold(): p for p in known}
    by_key: dict[str, list[str]] = {}
    for p in known:
        by_key.setdefault(normalise(p), []).append(p)
    out: list[str] = []
    unknown: list[str] = []
    for text in given:
        name = clean_input(text)
        hit = by_fold.get(name.casefold())
        if hit is None and len(by_key.get(normalise(name), ())) == 1:
            hit = by_key[normalise(name)][0]
        if hit is None:
            unknown.append(text)
        elif hit not in out:
            out.append(hit)
    if unknown:
        raise BadInput(_unknown_platforms(unknown, known))
    return out


def _unknown_platforms(unknown: Sequence[str], known: Sequence[str]) -> str:
    if not known:
        return Msg(
            "The catalogue knows no platform yet, so a platform filter would never post: leave it out."
        )
    first = unknown[0]
    near = nearest_names(first, known, limit=1)
    hint = Msg(" Did you mean **{name}**?", name=escape(near[0])) if near else ""
    more = Msg(" (and {n} more)", n=len(unknown) - 1) if len(unknown) > 1 else ""
    return Msg(
        "{value}{more} is not a platform in the catalogue, so that channel would never post.{hint} "
        "Pick platforms from the suggestions while you type.",
        value=quoted(first),
        more=more,
        hint=hint,
    )


@cache
def _menu_zones() -> tuple[str, ...]:
    """The zones autocomplete offers: regions' cities (no Etc/ offsets, no old aliases), and UTC."""
    return (*(z for z in iana_zones().values() if "/" in z and not z.startswith("Etc/")), "UTC")


@cache
def _city_zones() -> dict[str, str]:
    """A zone's last part (its city) -> the zone, for the cities only one zone names."""
    found: dict[str, list[str]] = {}
    for zone in _menu_zones():
        if "/" in zone:
            found.setdefault(zone.rsplit("/", 1)[1].casefold(), []).append(zone)
    return {city: zones[0] for city, zones in found.items() if len(zones) == 1}


def zone_choices(text: str, limit: int = 25) -> list[str]:
    """Autocomplete for IANA zones: curated defaults for empty input, else substring matches."""
    zones = _menu_zones()
    needle = clean_input(text or "").casefold().replace(" ", "_")
    if not needle:
        return [
            "UTC",
            "Europe/London",
            "Europe/Paris",
            "America/New_York",
            "America/Los_Angeles",
            "America/Sao_Paulo",
            "Asia/Seoul",
            "Asia/Tokyo",
            "Asia/Kolkata",
            "Australia/Sydney",
        ][:limit]
    starts = [
        z for z in zones if z.casefold().split("/")[-1].startswith(needle) or z.casefold().startswith(needle)
    ]
    inside = [z for z in zones if needle in z.casefold() and z not in starts]
    return (starts + inside)[:limit]


def missing_permissions(granted: Mapping[str, bool], *, threads: bool = False) -> list[str]:
    """Readable names of the permissions the bot lacks in a channel, in a stable order."""
    needed = NEEDED + (NEEDED_FOR_THREADS if threads else ())
    return [PERMISSION_LABELS[p] for p in needed if not granted.get(p, False)]


__all__ = [
    "ALL",
    "MAX_FILTER_ITEMS",
    "NEEDED",
    "NEEDED_FOR_THREADS",
    "PERMISSION_LABELS",
    "check_length",
    "iana_zones",
    "is_all",
    "match_platforms",
    "missing_permissions",
    "parse_list",
    "parse_post_time",
    "parse_zone",
    "quoted",
    "zone_choices",
]


MAX_REMINDERS = 3
MIN_LEAD_MINUTES = 5
MAX_LEAD_MINUTES = 7 * 24 * 60  # bot.planner.MAX_LEAD
_LEAD_UNITS = {"m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "h": 60, "hr": 60, "hrs": 60}
_LEAD_UNITS |= {"hour": 60, "hours": 60, "d": 1440, "day": 1440, "days": 1440}
_LEAD_UNITS |= {"분": 1, "시간": 60, "일": 1440}  # 30분, 1시간, 2일
# One reminder as typed: "24h", "1d12h", or a number and a unit word apart ("2 days", "1 시간").
_LEAD_TOKEN = re.compile(r"\d+\s+[^\W\d_]+\S*|\S+")
NO_REMINDERS = frozenset({"off", "none", "no", "0"})


def parse_reminders(text: str) -> tuple[int, ...]:
    """ "24h, 1h" -> (1440, 60): reminders ahead of a release, in minutes, largest first.

    Units m, h and d (30m, 1h, 2d, 1d12h), or words ("2 days", "1 hour", "30 minutes", "1시간");
    separated by commas or spaces; up to three, each from 5 minutes to 7 days. "off" (or
    "none") -> () : no reminders."""
    cleaned = clean_input(text).strip().casefold()
    if cleaned in NO_REMINDERS:
        return ()
    if not cleaned:
        raise BadInput(Msg("Give reminders like `24h, 1h` (m, h or d), or `off` for none."))
    leads: set[int] = set()
    for token in _LEAD_TOKEN.findall(cleaned.replace(",", " ")):
        minutes = _lead_minutes("".join(token.split()))
        if minutes is None:
            raise BadInput(
                Msg(
                    "{value} is not a time ahead: write it like `30m`, `1h`, `24h` or `2d`, "
                    "separated by commas, or `off`.",
                    value=quoted(token),
                )
            )
        if not MIN_LEAD_MINUTES <= minutes <= MAX_LEAD_MINUTES:
            raise BadInput(
                Msg("A reminder must be 5 minutes to 7 days ahead, not {value}.", value=quoted(token))
            )
        leads.add(minutes)
    if len(leads) > MAX_REMINDERS:
        raise BadInput(Msg("At most {max} reminders, not {n}.", max=MAX_REMINDERS, n=len(leads)))
    return tuple(sorted(leads, reverse=True))


def _lead_minutes(token: str) -> int | None:
    """ "1d12h" -> 2160; None when it is not a duration."""
    total, number, unit = 0, "", ""
    pairs: list[tuple[str, str]] = []
    for ch in token + " ":
        if ch.isdigit() and ch.isascii():
            if unit:
                pairs.append((number, unit))
                number, unit = "", ""
            number += ch
        elif ch.isalpha():
            if not number:
                return None
            unit += ch
        elif ch == " ":
            if number:
                pairs.append((number, unit))
        else:
            return None
    if not pairs:
        return None
    for digits, name in pairs:
        if not name or name not in _LEAD_UNITS or len(digits) > 6:
            return None
        total += int(digits) * _LEAD_UNITS[name]
    return total
