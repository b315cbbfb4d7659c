"""What admins type, parsed and checked before anything is saved; the permissions a channel needs.

Pure: no store, no discord. Each parser raises :class:`BadInput` with one line for the admin.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from zoneinfo import ZoneInfo, available_timezones

from bot.errors import BadInput

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


def parse_zone(text: str) -> str:
    name = (text or "").strip()
    try:
        ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError on odd keys
        raise BadInput(
            f"“{name[:60]}” is not a time zone I know: use an IANA name such as Europe/Paris."
        ) from None
    return name


def parse_post_time(text: str) -> time:
    s = (text or "").strip()
    try:
        h, m = s.split(":")
        if len(m) != 2 or not h.isdigit() or not m.isdigit():
            raise ValueError
        return time(int(h), int(m))
    except ValueError:
        raise BadInput(f"“{s[:20]}” is not a time: use 24-hour HH:MM, for example 09:00 or 18:30.") from None


def parse_list(text: str | None) -> list[str]:
    items = [p.strip() for p in (text or "").split(",")]
    items = [p for p in items if p]
    if len(items) > MAX_FILTER_ITEMS:
        raise BadInput(f"Give at most {MAX_FILTER_ITEMS} items, separated by commas.")
    return list(dict.fromkeys(items))


_ZONES: list[str] | None = None


def zone_choices(text: str, limit: int = 25) -> list[str]:
    """Autocomplete for IANA zones: curated defaults for empty input, else substring matches."""
    global _ZONES
    if _ZONES is None:
        _ZONES = sorted(
            z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
        )
        _ZONES.append("UTC")
    needle = (text or "").strip().casefold().replace(" ", "_")
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
        z for z in _ZONES if z.casefold().split("/")[-1].startswith(needle) or z.casefold().startswith(needle)
    ]
    inside = [z for z in _ZONES if needle in z.casefold() and z not in starts]
    return (starts + inside)[:limit]


def missing_permissions(granted: Mapping[str, bool], *, threads: bool = False) -> list[str]:
    """Readable names of the permissions the bot lacks in a channel, in a stable order."""
    needed = NEEDED + (NEEDED_FOR_THREADS if threads else ())
    return [PERMISSION_LABELS[p] for p in needed if not granted.get(p, False)]


__all__ = [
    "MAX_FILTER_ITEMS",
    "NEEDED",
    "NEEDED_FOR_THREADS",
    "PERMISSION_LABELS",
    "missing_permissions",
    "parse_list",
    "parse_post_time",
    "parse_zone",
    "zone_choices",
]
