"""What a member follows, and their DM settings. Plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

MAX_FOLLOWS = 100  # follows per member


class What(StrEnum):
    PREMIERES = "premieres"  # films, whole shows, season drops and season premieres
    EPISODES = "episodes"  # every release, each episode included

    @property
    def label(self) -> str:
        return {"premieres": "premieres", "episodes": "every episode"}[self.value]


@dataclass(frozen=True, slots=True)
class Follow:
    user_id: int
    show_id: str
    what: What
    added_at: datetime  # nothing due before this is sent


@dataclass(frozen=True, slots=True)
class Follower:
    user_id: int
    created_at: datetime
    reminders: tuple[int, ...] = ()  # minutes before each release, largest first
    dm_channel_id: int | None = None
    paused_reason: str | None = None
    paused_at: datetime | None = None
    told: bool = False
    locale: str | None = None  # their Discord locale when they last used a follow command: their DMs'

    @property
    def paused(self) -> bool:
        return self.paused_reason is not None


class FollowResult(StrEnum):
    ADDED = "added"
    CHANGED = "changed"  # followed already; what it follows changed
    SAME = "same"  # followed already, as asked
    FULL = "full"  # the member follows MAX_FOLLOWS shows already


__all__ = ["MAX_FOLLOWS", "Follow", "FollowResult", "Follower", "What"]
