"""Discord scheduled events for the releases a server announces: what each event must say. Pure.

Like ``bot.planner`` and ``bot.weekly``: every function takes ``now`` and plain data; no I/O, no
clock, no discord. The service (``bot.services.events``) reads the store, asks these functions
which events a server must have and what each one says, and creates, moves, cancels or deletes
them through an :class:`EventPort` (``bot/events_discord.py`` implements it with discord.py).

A server announces a release when one of its healthy announcement channels would post it: the
channel's filters (``bot.planner.wanted``), at the time ``bot.planner.due_at`` gives (an exact
release at its instant, a date-only one at the server's post time in its zone), and episodes
dropped at once as one item (``bot.planner.collapse``), as posts do. Month, year and TBA
releases have no start and get no event. An event is made ``days`` ahead at most, and never for
a start in the past (Discord refuses one); it follows its release wherever it moves.

Every text a server's members or admins read is here, as module-level constants and functions,
each in a language (``lang``; English by default, as the message ids are): an event's name and
place in the server's language (what its members see in Discord), the answers to
``/announce events`` in the admin's own. A constant is an English message id: say it with
``texts(lang)(CONSTANT)``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from bot.announce.models import ChannelConfig, GuildConfig
from bot.announce.port import DeliveryError
from bot.errors import BadInput
from bot.i18n import ENGLISH, N_, NP_, Msg, pmsg, texts
from bot.models import Release, Scope, Show
from bot.planner import Item, collapse, due_at, wanted
from bot.render import escape, local_title, region_text, truncate
from bot.weekly import what_text

DEFAULT_DAYS = 7
MIN_DAYS, MAX_DAYS = 1, 30
EVENT_LENGTH = timedelta(hours=1)  # an external event needs an end; the catalogue has no runtimes
LEAD = timedelta(minutes=5)  # no event is made (or moved) to start sooner than this from now
READ_MARGIN = timedelta(days=2)  # stored instants of date-only releases: the day's start in their zone
NAME_MAX = 100  # Discord's limits for a scheduled event
DESCRIPTION_MAX = 1000
LOCATION_MAX = 100
NO_PLATFORM = N_("To be announced")
NO_TITLE = N_("Release")
EXTERNAL = 3  # entity type: somewhere outside Discord
GUILD_ONLY = 2  # privacy level: the only one Discord has
CANCELED = 4  # event status


# -- what an event says ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventSpec:
    """One external event as the bot writes it to Discord."""

    name: str
    description: str | None
    location: str
    start: datetime  # UTC
    end: datetime

    @property
    def digest(self) -> str:
        """What the event says, as stored beside it: ``identity:content``. The identity (name and
        place) finds the event again in Discord's list after a crash; the whole says whether the
        event must be edited."""
        return f"{identity_digest(self.name, self.location)}:{_hash([self.description])}"


def _hash(parts: Sequence[object]) -> str:
    blob = json.dumps(list(parts), ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(blob.encode(), digest_size=8).hexdigest()


def identity_digest(name: str, location: str | None) -> str:
    return _hash([name, location])


def digest_identity(digest: str | None) -> str | None:
    """The identity part of a stored digest."""
    return None if digest is None else digest.partition(":")[0]


def release_key(item: Item) -> str:
    """What an event is for, stable while its release moves: the first release of the item (a
    drop of several episodes keeps the key of its first episode)."""
    return item.releases[0].id


def event_name(item: Item, show: Show | None, lang: str = ENGLISH) -> str:
    """ "All of Us Are Dead — Season 1, all 12 episodes", "Snowdrop — S1E3", "The Film"; at most
    100 characters, the title shortened first so that what comes out stays readable. In another
    language the title is the one its readers know (a Korean show's own title for Korean):
    "지금 우리 학교는 — 시즌 1 전 12화"."""
    title = " ".join((local_title(show, lang) if show else item.show_id).split()) or texts(lang)(NO_TITLE)
    first = item.releases[0]
    if first.scope is Scope.SHOW and len(item.releases) == 1:
        return truncate(title, NAME_MAX)
    suffix = f" — {what_text(item, show, lang)}"
    room = NAME_MAX - len(suffix)
    if room < 20:
        return truncate(title + suffix, NAME_MAX)
    return truncate(title, room) + suffix


def event_location(item: Item, show: Show | None, lang: str = ENGLISH) -> str:
    """Where it comes out: the platform (and the region, unless worldwide)."""
    r: Release = item.releases[0]
    platform = " ".join((r.platform or (show.platform if show else None) or "").split())
    place = platform or texts(lang)(NO_PLATFORM)
    if r.region != "WW":
        place = f"{place} ({region_text(r.region, lang)})"
    return truncate(place, LOCATION_MAX)


def event_description(show: Show | None) -> str | None:
    """The show's synopsis, made inert and cut to Discord's limit (none without a synopsis)."""
    if show is None or not show.synopsis or not show.synopsis.strip():
        return None
    return truncate(escape(show.synopsis.strip()), DESCRIPTION_MAX)


def event_spec(item: Item, show: Show | None, start: datetime, lang: str = ENGLISH) -> EventSpec:
    """The event of ``item`` as a server whose language is ``lang`` shows it (the synopsis is the
    catalogue's, in its one language)."""
    return EventSpec(
        event_name(item, show, lang),
        event_description(show),
        event_location(item, show, lang),
        start,
        start + EVENT_LENGTH,
    )


# -- which events a server must have -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Wanted:
    """A release a server announces in the future, and when."""

    key: str
    start: datetime
    item: Item


Timing = tuple[str, time]  # a server's zone and post time: when its releases are due


def timing_of(guild: GuildConfig) -> Timing:
    return (guild.zone, guild.post_time)


def items_by_due(guild: GuildConfig, releases: Iterable[Release]) -> list[tuple[datetime, Item]]:
    """Every dated release as it is announced in a server of this timing: per due minute,
    episodes dropped at once as one item, in due order."""
    by_due: dict[datetime, list[Release]] = {}
    for r in releases:
        due = due_at(r, guild)
        if due is not None:
            by_due.setdefault(due, []).append(r)
    return [(due, item) for due, rs in sorted(by_due.items()) for item in collapse(rs)]


def guild_wanted(
    now: datetime,
    table: Iterable[tuple[datetime, Item]],
    channels: Sequence[ChannelConfig],
    show_platforms: Mapping[str, str | None],
) -> dict[str, Wanted]:
    """The releases still to come that one of a server's healthy channels announces, by key."""
    healthy = [c for c in channels if c.healthy]
    out: dict[str, Wanted] = {}
    for due, item in table:
        if due <= now:
            continue
        if any(wanted(item, c, show_platforms) for c in healthy):
            key = release_key(item)
            out.setdefault(key, Wanted(key, due, item))
    return out


def creatable(start: datetime, now: datetime, days: int) -> bool:
    """Whether an event starting at ``start`` is made now: inside the window, not too soon."""
    return now + LEAD < start <= now + timedelta(days=days)


def movable(start: datetime, now: datetime) -> bool:
    """Whether an event may be moved to ``start`` (Discord refuses a start in the past)."""
    return start > now + LEAD


def read_window(now: datetime, days: int) -> tuple[datetime, datetime]:
    """The span of stored release instants that holds every release due in the next ``days``."""
    return now - READ_MARGIN, now + timedelta(days=days) + READ_MARGIN


# -- the port to Discord -----------------------------------------------------------------------------


class EventsForbidden(DeliveryError):
    """Discord refused for want of a permission (403), or the bot is not in the server."""


class EventGone(DeliveryError):
    """The event is not there any more (404 Unknown Guild Scheduled Event, 10070): someone deleted it."""


class EventFinished(DeliveryError):
    """The event is canceled or over and can no longer be edited (400 180000)."""


class EventLimit(DeliveryError):
    """The server holds Discord's maximum of upcoming events (100; 400 30038)."""


@dataclass(frozen=True, slots=True)
class ListedEvent:
    """An event of a server as Discord lists it."""

    event_id: int
    name: str
    location: str | None
    start: datetime
    status: int
    mine: bool  # made by this bot

    @property
    def identity(self) -> str:
        return identity_digest(self.name, self.location)


class EventPort(Protocol):
    """What the service needs of Discord. Each raises :class:`DeliveryError`: the ones above,
    ``TransientDeliveryError`` for a server error or a time-out, a plain one for other refusals."""

    async def create(self, guild_id: int, spec: EventSpec) -> int: ...  # the new event's id
    async def edit(self, guild_id: int, event_id: int, spec: EventSpec) -> None: ...
    async def cancel(self, guild_id: int, event_id: int) -> None: ...
    async def delete(self, guild_id: int, event_id: int) -> None: ...
    async def list(self, guild_id: int) -> list[ListedEvent]: ...


# -- what admins read --------------------------------------------------------------------------------

PERMISSION = NP_("permission", "Create Events")
MANAGE_EVENTS = NP_("permission", "Manage Events")
DAYS_REFUSED = Msg(
    "**{option}** is a number of days from {min} to {max}, like 7.",
    option=pmsg("option", "days_ahead"),
    min=MIN_DAYS,
    max=MAX_DAYS,
)
ALREADY_OFF = N_(
    "Events are already off here. `/announce events on` adds one for each release announced here."
)
NOT_CONNECTED = N_("I'm not connected to Discord's events yet; try again in a minute.")
MISSING_PERMISSION = Msg(
    "I can't add events here: I'm missing **{permission}** in this server (Discord asks bots for it "
    "since February 2026; **{manage}** alone is no longer enough). Give it to my role "
    "(Server Settings → Roles), then run `/announce events on` again.",
    permission=pmsg("permission", PERMISSION),
    manage=pmsg("permission", MANAGE_EVENTS),
)
NO_CHANNEL = N_("No channel announces releases yet: add one with `/announce channel add`.")


def parse_days(value: object, default: int = DEFAULT_DAYS) -> int:
    """``days_ahead`` as typed (a raw interaction can send anything): 1 to 30, or the default."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_DAYS <= value <= MAX_DAYS:
        raise BadInput(DAYS_REFUSED)
    return value


def days_text(days: int, lang: str = ENGLISH) -> str:
    """ "1 day", "7 days" ("7일")."""
    tr = texts(lang)
    return tr.ngettext("{n} day", "{n} days", days)


def missing_permission_text(lang: str = ENGLISH) -> str:
    return texts(lang)(MISSING_PERMISSION)


def on_text(days: int, *, channels: int, paused: bool, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    text = tr.ngettext(
        "Events on: I'll add a Discord event for each release announced here, {n} day ahead, "
        "and keep it up to date when a release moves or is withdrawn.",
        "Events on: I'll add a Discord event for each release announced here, {n} days ahead, "
        "and keep it up to date when a release moves or is withdrawn.",
        days,
    )
    if paused:
        more = tr("Announcements are paused here, so none are added until `/announce resume`.")
    elif channels == 0:
        more = tr(NO_CHANNEL)
    else:
        more = tr("The first ones appear within a minute.")
    return f"{text} {more}"


def off_text(deleted: int, left: int, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    if deleted == 0 and left == 0:
        return tr("Events off. I had no events here to remove.")
    text = tr.ngettext(
        "Events off. I removed the {n} event I had added.",
        "Events off. I removed the {n} events I had added.",
        deleted,
    )
    if left:
        more = tr("{left} more could not be removed yet; I'll try again in a few minutes.", left=left)
        text = f"{text} {more}"
    return text


def status_text(
    guild: GuildConfig,
    *,
    upcoming: int,
    problem: str | None,
    channels: int,
    can_create: bool,
    lang: str = ENGLISH,
) -> str:
    tr = texts(lang)
    if not guild.events:
        return tr("Events are off here. `/announce events on` adds one for each release announced here.")
    lines = [
        tr.ngettext(
            "Events are on, {days} ahead: {n} upcoming event from me.",
            "Events are on, {days} ahead: {n} upcoming events from me.",
            upcoming,
            days=days_text(guild.events_days, lang),
        )
    ]
    if not can_create or problem:
        lines.append("⚠️ " + missing_permission_text(lang))
    if guild.paused:
        lines.append(tr("Announcements are paused, so no new events are added until `/announce resume`."))
    elif channels == 0:
        lines.append(tr(NO_CHANNEL))
    return "\n".join(lines)


__all__ = [
    "ALREADY_OFF",
    "CANCELED",
    "DAYS_REFUSED",
    "DEFAULT_DAYS",
    "EVENT_LENGTH",
    "EXTERNAL",
    "GUILD_ONLY",
    "LEAD",
    "MANAGE_EVENTS",
    "MAX_DAYS",
    "MIN_DAYS",
    "MISSING_PERMISSION",
    "NOT_CONNECTED",
    "NO_CHANNEL",
    "NO_PLATFORM",
    "PERMISSION",
    "EventFinished",
    "EventGone",
    "EventLimit",
    "EventPort",
    "EventSpec",
    "EventsForbidden",
    "ListedEvent",
    "Timing",
    "Wanted",
    "creatable",
    "days_text",
    "digest_identity",
    "event_description",
    "event_location",
    "event_name",
    "event_spec",
    "guild_wanted",
    "identity_digest",
    "items_by_due",
    "missing_permission_text",
    "movable",
    "off_text",
    "on_text",
    "parse_days",
    "read_window",
    "release_key",
    "status_text",
    "timing_of",
]
