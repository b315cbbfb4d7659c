"""The stored settings of release announcements: a server's, and each channel's. Plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

DEFAULT_POST_TIME = time(9, 0)


class Kinds(StrEnum):
    PREMIERES = "premieres"  # films, whole shows, season drops and episode 1
    EPISODES = "episodes"  # every other episode release
    BOTH = "both"

    @property
    def label(self) -> str:
        return {"premieres": "Premieres", "episodes": "New episodes", "both": "Premieres and new episodes"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class GuildConfig:
    guild_id: int
    zone: str = "UTC"
    post_time: time = DEFAULT_POST_TIME
    paused: bool = False
    events: bool = False  # Discord scheduled events for the releases it announces
    events_days: int = 7  # how many days ahead an event is made
    language: str | None = None  # announcements' language; None: the server's preferred locale
    preferred_locale: str | None = None  # the server's preferred locale, as Discord last reported it


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    channel_id: int
    guild_id: int
    added_at: datetime
    role_id: int | None = None
    platforms: tuple[str, ...] = ()  # lower case; empty = all
    shows: tuple[str, ...] = ()  # show ids; empty = all
    kinds: Kinds = Kinds.BOTH
    threads: bool = False
    publish: bool = False
    broken_reason: str | None = None
    broken_at: datetime | None = None
    name: str | None = None  # the channel's name when last seen: it names a deleted channel
    reminders: tuple[int, ...] = ()  # minutes before each release, largest first; () = none
    weekly: bool = False  # keep a "week at a glance" message in the channel

    @property
    def healthy(self) -> bool:
        return self.broken_reason is None


@dataclass(frozen=True, slots=True)
class ChannelChange:
    """What one ``/announce channel add`` sets. A field left None keeps the channel's setting (a
    new channel takes the default); ``clear_role`` drops the ping role."""

    role_id: int | None = None
    clear_role: bool = False
    platforms: tuple[str, ...] | None = None  # lower case; () = every platform
    shows: tuple[str, ...] | None = None  # show ids; () = every show
    kinds: Kinds | None = None
    threads: bool | None = None
    publish: bool | None = None
    name: str | None = None
    reminders: tuple[int, ...] | None = None  # minutes; () = no reminders
    weekly: bool | None = None


__all__ = ["DEFAULT_POST_TIME", "ChannelChange", "ChannelConfig", "GuildConfig", "Kinds"]
