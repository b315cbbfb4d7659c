"""Which DM is due to which follower, and when. Pure: ``now`` and plain data in, slots out.

A follower's DM at release is due when a channel post would be: an exact release at its minute;
a date-only one at 09:00 in the release's own zone (a member has no server zone). Reminders come
``lead`` minutes before, never late, as for channels (``bot.planner``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.announce.models import GuildConfig
from bot.follows.models import Follow, Follower, What
from bot.models import Release
from bot.planner import LOOKBACK, REMINDER_GRACE, Item, collapse, due_at

Key = tuple[int, str, int]  # (user, release, lead) of the ledger


@dataclass(frozen=True, slots=True)
class FollowSlot:
    """Everything due to one follower at one minute: one DM (``lead`` > 0: a reminder)."""

    user_id: int
    due: datetime
    items: tuple[Item, ...]
    lead: int = 0

    @property
    def release_due(self) -> datetime:
        return self.due + timedelta(minutes=self.lead)

    @property
    def release_ids(self) -> tuple[str, ...]:
        return tuple(rid for item in self.items for rid in item.release_ids)


def dm_due(release: Release) -> datetime | None:
    """When a follower hears of a release: its instant, or 09:00 on its date in its own zone."""
    return due_at(release, GuildConfig(0, zone=release.when.zone))


def wants(what: What, item: Item) -> bool:
    return what is What.EPISODES or item.is_premiere


def plan_follows(
    now: datetime,
    follows: Iterable[Follow],
    followers: Mapping[int, Follower],
    releases: Sequence[Release],
    *,
    done: set[Key] | frozenset[Key] = frozenset(),
    horizon: timedelta = timedelta(days=2),
    lookback: timedelta = LOOKBACK,
) -> list[FollowSlot]:
    """Every DM not yet in the ledger: at release, due from ``now - lookback`` to ``now +
    horizon``; reminders from ``now - REMINDER_GRACE`` to ``now + horizon`` and before their
    release. Paused followers get nothing; nothing due before a follow began is sent."""
    start, end = now - lookback, now + horizon
    by_show: dict[str, list[Follow]] = defaultdict(list)
    for f in follows:
        follower = followers.get(f.user_id)
        if follower is not None and not follower.paused:
            by_show[f.show_id].append(f)
    by_due: dict[datetime, list[Release]] = defaultdict(list)
    for r in releases:
        if r.show_id in by_show:
            due = dm_due(r)
            if due is not None:
                by_due[due].append(r)
    wanted: dict[tuple[int, datetime, int], list[Item]] = defaultdict(list)
    for due, rs in by_due.items():
        for item in collapse(rs):
            for f in by_show[item.show_id]:
                if due < f.added_at or not wants(f.what, item):
                    continue
                uid = f.user_id
                if start <= due <= end:
                    _add(wanted, uid, due, 0, item, done)
                if due <= now:
                    continue
                for lead in followers[uid].reminders:
                    at = due - timedelta(minutes=lead)
                    if now - REMINDER_GRACE <= at <= end and at >= f.added_at:
                        _add(wanted, uid, at, lead, item, done)
    slots = [FollowSlot(uid, due, tuple(items), lead) for (uid, due, lead), items in wanted.items()]
    slots.sort(key=lambda s: (s.due, s.user_id, s.lead))
    return slots


def _add(
    wanted: dict[tuple[int, datetime, int], list[Item]],
    uid: int,
    due: datetime,
    lead: int,
    item: Item,
    done: set[Key] | frozenset[Key],
) -> None:
    left = tuple(r for r in item.releases if (uid, r.id, lead) not in done)
    if left:
        wanted[(uid, due, lead)].append(item if len(left) == len(item.releases) else Item(item.show_id, left))


__all__ = ["FollowSlot", "dm_due", "plan_follows", "wants"]
