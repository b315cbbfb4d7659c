"""Members' follows: what they follow, their reminders, and the DMs it brings. Never imports discord.

The follow commands call this service; the announcement service (``bot/services/announcements``)
plans and runs followers' DMs beside its channel posts, under its one run lock and through its
one limiter, so DMs and channel posts share Discord's global rate limit.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.announce.options import parse_reminders
from bot.announce.pacing import Limiter
from bot.announce.port import Poster
from bot.announce.run import DeliveryPolicy
from bot.clock import Clock
from bot.follows.models import MAX_FOLLOWS, Follow, Follower, FollowResult, What
from bot.follows.planner import FollowSlot, dm_due, plan_follows, wants
from bot.follows.run import FollowReport, FollowRun
from bot.i18n import N_
from bot.models import Release, Show
from bot.planner import LOOKBACK, collapse, release_window
from bot.store import Store
from bot.store.announce_ledger import USER

log = logging.getLogger(__name__)

PAUSED_NOTICE = N_(
    "I couldn't send you a DM about a show you follow: your DMs are closed to me, so your follows "
    "are paused. To get them again, allow direct messages from apps (Discord's Privacy & Safety "
    "settings, or this server's Privacy Settings), then press **Resume DMs** in `/following`."
)


@dataclass(frozen=True, slots=True)
class Followed:
    """One line of ``/following``: the follow, its show, and its next dated release."""

    follow: Follow
    show: Show | None  # None: the show left the catalogue
    next_release: Release | None
    next_due: datetime | None  # when the DM for it is due


@dataclass(frozen=True, slots=True)
class Following:
    follower: Follower | None
    items: list[Followed]
    cap: int


class FollowService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        cap: int = MAX_FOLLOWS,
        on_change: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.cap = cap
        self.on_change = on_change
        self._untold: set[int] | None = None  # paused members not told yet (loaded once)

    async def _changed(self) -> None:
        if self.on_change is not None:
            try:
                await self.on_change()
            except Exception:
                log.exception("re-planning after a follow failed")

    # -- what members do -------------------------------------------------------------------------------

    async def follow(
        self, user_id: int, show: Show, what: What, *, locale: str | None = None
    ) -> FollowResult:
        """Follow a show; ``locale``: the member's Discord locale, which their DMs are written in."""
        result = await self.store.follows.add_follow(user_id, show.id, what, now=self.clock(), cap=self.cap)
        if locale is not None:
            await self.remember_locale(user_id, locale)
        if result in (FollowResult.ADDED, FollowResult.CHANGED):
            await self._changed()
        return result

    async def remember_locale(self, user_id: int, locale: str) -> None:
        """A follower's Discord locale as they last used a follow command: their DMs' language."""
        await self.store.follows.set_follower_locale(user_id, locale)

    async def unfollow(self, user_id: int, show_id: str) -> bool:
        removed = await self.store.follows.remove_follow(user_id, show_id)
        if removed:
            await self._changed()
        return removed

    async def set_reminders(self, user_id: int, text: str) -> tuple[int, ...]:
        """Parse and save a member's reminders ("24h, 1h", or "off"); BadInput for the member."""
        leads = parse_reminders(text)
        await self.store.follows.set_follower_reminders(user_id, leads, now=self.clock())
        await self._changed()
        return leads

    async def follower(self, user_id: int) -> Follower | None:
        return await self.store.follows.follower(user_id)

    async def resume(self, user_id: int) -> bool:
        resumed = await self.store.follows.resume_follower(user_id)
        if resumed:
            if self._untold is not None:
                self._untold.discard(user_id)
            await self._changed()
        return resumed

    async def following(self, user_id: int, now: datetime | None = None) -> Following:
        """A member's follows, each with its show and next release (newest follow first)."""
        now = now or self.clock()
        follows = await self.store.follows.follows_of(user_id)
        shows = await self.store.get_shows(f.show_id for f in follows) if follows else {}
        items = []
        for f in follows:
            nxt, due = await self._next(f, now) if f.show_id in shows else (None, None)
            items.append(Followed(f, shows.get(f.show_id), nxt, due))
        return Following(await self.store.follows.follower(user_id), items, self.cap)

    async def _next(self, follow: Follow, now: datetime) -> tuple[Release | None, datetime | None]:
        for item in collapse(await self.store.get_releases(follow.show_id)):
            due = dm_due(item.releases[0])
            if due is not None and due > now and wants(follow.what, item):
                return item.releases[0], due
        return None, None

    async def notice(self, user_id: int) -> str | None:
        """The pause notice, once, for a member whose DMs turned out closed (None otherwise)."""
        if self._untold is None:
            self._untold = await self.store.follows.untold_paused()
        if user_id not in self._untold:
            return None
        self._untold.discard(user_id)
        return PAUSED_NOTICE if await self.store.follows.mark_told(user_id) else None

    # -- planning and sending (called by the announcement service) ----------------------------------

    async def plan(
        self, now: datetime, *, lookback: timedelta = LOOKBACK, horizon: timedelta = timedelta(days=2)
    ) -> list[FollowSlot]:
        """Every DM not in the ledger yet, due from ``lookback`` ago to ``horizon`` ahead."""
        lead = timedelta(minutes=await self.store.follows.follower_leads())
        start, end = release_window(now, horizon + lead, lookback)
        releases = await self.store.dated_releases_between(start, end)
        if not releases:
            return []
        follows = await self.store.follows.follows_of_shows({r.show_id for r in releases})
        if not follows:
            return []
        followed = {f.show_id for f in follows}
        releases = [r for r in releases if r.show_id in followed]
        followers = await self.store.follows.followers({f.user_id for f in follows})
        done = await self.store.ledger_keys(USER, [r.id for r in releases])
        return plan_follows(now, follows, followers, releases, done=done, horizon=horizon, lookback=lookback)

    async def run_due(
        self,
        now: datetime,
        poster: Poster | None,
        limiter: Limiter,
        policy: DeliveryPolicy,
        *,
        lookback: timedelta = LOOKBACK,
        sleep: Callable[[float], Awaitable[Any]],
    ) -> FollowReport:
        """Send every DM due at ``now``: pending ones again, then new ones; record the rest."""
        pending = await self.store.pending_deliveries(kind=USER)
        slots = [s for s in await self.plan(now, lookback=lookback, horizon=timedelta(0)) if s.due <= now]
        if not pending and not slots:
            return FollowReport()
        users = {s.user_id for s in slots} | {d.channel_id for d in pending}
        followers = await self.store.follows.followers(users)
        run = FollowRun(self.store, poster, limiter, policy, now, sleep=sleep)
        report = await run.execute(pending, followers, slots)
        if report.paused:
            if self._untold is not None:
                self._untold.update(report.paused)
            await self._changed()
        if report:
            log.info(
                "follows: %d releases told in %d DMs (%d late, %d DM channels opened), %d skipped, "
                "%d failed, %d members paused",
                report.sent,
                report.messages,
                report.late,
                report.dm_channels_opened,
                report.skipped,
                report.failed,
                len(report.paused),
            )
        return report


__all__ = ["PAUSED_NOTICE", "FollowService", "Followed", "Following"]
