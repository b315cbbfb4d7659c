"""One run of followers' DMs: everything due at one clock reading, sent exactly once. No discord.

The same discipline as a channel run (``bot.announce.run``): each DM is claimed in the ledger
(kind 'user', one row per member, release and lead) before it is sent, with a nonce derived from
what it announces, so a DM pending after a crash is sent again safely; the same grace window for
DMs missed at release, reminders never late; every request through the bot's one limiter.

A member whose DMs are closed (Discord's 50007) is not retried: the run pauses their follows and
the member is told the next time they use the bot.

Each DM is written in its member's language (their Discord locale when they last used a follow
command), rendered once per item and language.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from bot.announce.batches import Ledger, Pool
from bot.announce.pacing import Limiter
from bot.announce.port import ChannelBroken, ChannelGone, DeliveryError, Post, Poster, TransientDeliveryError
from bot.announce.posts import Renderer, hours, reminder_skip
from bot.announce.run import CLAIM_CHUNK, MAX_EMBEDS, NONCE_WINDOW, DeliveryPolicy, Tally
from bot.follows.models import Follower
from bot.follows.planner import FollowSlot
from bot.i18n import language_of
from bot.planner import LATE_AFTER, Item, collapse, nonce_for
from bot.render_announce import follow_content, reminder_content
from bot.store import Store
from bot.store.announce_ledger import USER, Claim, Delivery, Finish

log = logging.getLogger(__name__)

DMS_CLOSED = "their DMs are closed to the bot"


@dataclass(slots=True)
class FollowReport(Tally):
    dm_channels_opened: int = 0
    paused: list[int] = field(default_factory=list)  # members whose DMs turned out closed

    def __bool__(self) -> bool:
        return bool(self.sent or self.skipped or self.failed or self.paused)


@dataclass(frozen=True, slots=True)
class DmStep:
    """One DM of a slot (a slot split by Discord's limits is several), or a skipped slot's record."""

    slot: FollowSlot
    items: tuple[Item, ...]
    late: bool
    index: int
    skip: str | None = None

    @property
    def release_ids(self) -> tuple[str, ...]:
        return tuple(rid for i in self.items for rid in i.release_ids)

    def claim(self) -> Claim:
        uid, ids, lead = self.slot.user_id, self.release_ids, self.slot.lead
        nonce = nonce_for(uid, ids, kind=USER, lead=lead)
        state = "skipped" if self.skip else "pending"
        return Claim(uid, 0, ids, self.slot.due, nonce, self.late, state, self.skip, USER, lead)


class FollowRun:
    """Sends every DM due at ``now`` and records each outcome; one instance per run."""

    def __init__(
        self,
        store: Store,
        poster: Poster | None,
        limiter: Limiter,
        policy: DeliveryPolicy,
        now: datetime,
        *,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.poster = poster
        self.limiter = limiter
        self.policy = policy
        self.now = now
        self.sleep = sleep
        self.report = FollowReport()
        self.ledger = Ledger(store, now)
        self.dm_channels: dict[int, int | None] = {}
        self.opened: dict[int, int | None] = {}  # DM channels opened (or found gone) in this run
        self.closed: dict[int, str] = {}  # member -> why their DMs stop
        self.languages: dict[int, str] = {}  # member -> the language of their DMs

    async def execute(
        self, pending: list[Delivery], followers: Mapping[int, Follower], slots: list[FollowSlot]
    ) -> FollowReport:
        """Pending DMs again (same nonce), then the due ``slots``, member by member in due order."""
        self.dm_channels = {uid: f.dm_channel_id for uid, f in followers.items()}
        self.languages = {uid: language_of(f.locale) for uid, f in followers.items()}
        try:
            if pending:
                await self._pending(pending)
            shows = await self.store.get_shows({i.show_id for s in slots for i in s.items}) if slots else {}
            render = Renderer(shows)
            queues: dict[int, deque[DmStep]] = {}
            for slot in slots:
                queues.setdefault(slot.user_id, deque()).extend(self._steps(slot, render))
            while queues:
                round_ = [q.popleft() for q in queues.values()]
                queues = {uid: q for uid, q in queues.items() if q and uid not in self.closed}
                await self._round(round_, render)
                for uid in self.closed:
                    queues.pop(uid, None)
        finally:
            await self._settle()
        return self.report

    def _steps(self, slot: FollowSlot, render: Renderer) -> list[DmStep]:
        if slot.lead:
            why = reminder_skip(slot.due, slot.release_due, self.now)
            late = False
        else:
            overdue = self.now - slot.due
            why = f"missed by {hours(overdue)}, beyond the {hours(self.policy.grace)} grace window"
            why = why if overdue > self.policy.grace else None
            late = overdue > LATE_AFTER
        if why:
            return [DmStep(slot, slot.items, False, 0, why)]
        lang = self._language(slot.user_id)
        return [
            DmStep(slot, tuple(slot.items[i] for i in part), late, n)
            for n, part in enumerate(render.parts(slot.items, late, lang))
        ]

    def _language(self, user_id: int) -> str:
        return self.languages.get(user_id) or language_of(None)

    async def _round(self, round_: list[DmStep], render: Renderer) -> None:
        skips = [s for s in round_ if s.skip]
        if skips:
            claims = [s.claim() for s in skips]
            got = await self.store.claim_many(claims, now=self.now)
            self.report.skipped += sum(
                1 for c in claims for rid in c.release_ids if (c.channel_id, rid, c.lead) in got
            )
        sends = [s for s in round_ if not s.skip]
        pool = Pool(self.policy.concurrency)
        try:
            for start in range(0, len(sends), CLAIM_CHUNK):
                chunk = sends[start : start + CLAIM_CHUNK]
                claims = [s.claim() for s in chunk]
                got = await self.store.claim_many(claims, now=self.now)
                for step, c in zip(chunk, claims, strict=True):
                    claimed = {rid for rid in c.release_ids if (c.channel_id, rid, c.lead) in got}
                    if not claimed:
                        continue
                    items = [i for i in step.items if any(r in claimed for r in i.release_ids)]
                    post = self._post(step.slot, items, step.late, c.nonce, render, continued=step.index > 0)
                    await pool.spawn(partial(self._guarded, c.channel_id, post, len(claimed), step.late))
            await pool.join()
        finally:
            await pool.cancel()

    def _post(
        self,
        slot: FollowSlot,
        items: list[Item],
        late: bool,
        nonce: str,
        render: Renderer,
        *,
        continued: bool,
    ) -> Post:
        """A DM, in the member's language; ``channel_id`` is the member's id until the DM channel is known."""
        lang = self._language(slot.user_id)
        if slot.lead:
            text = reminder_content(len(items), slot.release_due, slot.lead, continued=continued, lang=lang)
            return Post(slot.user_id, text, render.embeds(items, False, lang), None, nonce, reminder=True)
        return Post(
            slot.user_id,
            follow_content(len(items), continued=continued, lang=lang),
            render.embeds(items, late, lang),
            None,
            nonce,
        )

    # -- DMs claimed before and not confirmed ------------------------------------------------------

    async def _pending(self, rows: list[Delivery]) -> None:
        by_post: dict[tuple[int, str], list[Delivery]] = defaultdict(list)
        for row in rows:
            by_post[(row.channel_id, row.nonce)].append(row)
        for (uid, nonce), fresh in by_post.items():
            if uid in self.closed:
                self.ledger.add(Finish(uid, nonce, "failed", reason=self.closed[uid], kind=USER))
                self.report.failed += len(fresh)
                continue
            releases = await self.store.releases_by_ids(d.release_id for d in fresh)
            if not releases:
                self.ledger.add(
                    Finish(uid, nonce, "failed", reason="release no longer in the catalogue", kind=USER)
                )
                self.report.failed += len(fresh)
                continue
            items = collapse(list(releases.values()))
            render = Renderer(await self.store.get_shows(i.show_id for i in items))
            first = fresh[0]
            slot = FollowSlot(uid, first.due, tuple(items), first.lead)
            late = any(d.late for d in fresh)
            post = self._post(slot, items, late, nonce, render, continued=False)
            post = Post(
                post.channel_id, post.content, post.embeds[:MAX_EMBEDS], None, nonce, reminder=post.reminder
            )
            stale = self.now - min(d.claimed_at for d in fresh) > NONCE_WINDOW
            log.info("re-sending pending DM %s to member %s (%d releases)", nonce, uid, len(fresh))
            await self._guarded(uid, post, len(fresh), late, look_first=stale)
        await self.ledger.maybe_flush()

    # -- sending -----------------------------------------------------------------------------------

    async def _guarded(
        self, user_id: int, post: Post, count: int, late: bool, *, look_first: bool = False
    ) -> None:
        try:
            await self._deliver(user_id, post, count, late, look_first=look_first)
            await self.ledger.maybe_flush()
            if len(self.opened) >= CLAIM_CHUNK:
                await self._save_dm_channels()
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a bug: the other members' DMs go on
            log.error("DM to member %s failed", user_id, exc_info=exc)

    async def _open(self, user_id: int) -> int:
        channel_id = self.dm_channels.get(user_id)
        if channel_id is None:
            assert self.poster is not None
            async with self.limiter.slot():
                channel_id = await asyncio.wait_for(self.poster.open_dm(user_id), self.policy.send_timeout)
            self.dm_channels[user_id] = self.opened[user_id] = channel_id
            self.report.dm_channels_opened += 1
        return channel_id

    async def _deliver(self, user_id: int, post: Post, count: int, late: bool, *, look_first: bool) -> None:
        """Send one claimed DM; its outcome goes to the ledger batch."""
        assert post.nonce is not None
        nonce = post.nonce
        if self.poster is None:
            log.warning("no poster attached; DM %s stays pending", nonce)
            return
        reopened = False
        attempt = 0
        while True:
            attempt += 1
            if user_id in self.closed:
                return self._finish(user_id, nonce, "failed", count, reason=self.closed[user_id])
            try:
                channel_id = await self._open(user_id)
                dm = Post(channel_id, post.content, post.embeds, None, nonce, reminder=post.reminder)
                if look_first:
                    look_first = False
                    async with self.limiter.slot():
                        found = await self.poster.find_recent(dm)
                    if found:
                        return self._finish(user_id, nonce, "sent", count, message_id=found)
                async with self.limiter.slot():
                    message_id = await asyncio.wait_for(self.poster.send(dm), self.policy.send_timeout)
            except ChannelGone:
                if reopened:  # a DM channel just opened cannot be gone: treat as closed
                    self.closed[user_id] = DMS_CLOSED
                    continue
                reopened = True  # a remembered DM channel that no longer exists: open it again
                self.dm_channels[user_id] = self.opened[user_id] = None
                continue
            except ChannelBroken as exc:  # 50007 (RecipientClosed), or no access to the DM
                log.info("DMs to member %s stop: %s", user_id, exc.reason)
                self.closed[user_id] = DMS_CLOSED
                continue
            except (TransientDeliveryError, TimeoutError) as exc:
                reason = exc.reason if isinstance(exc, DeliveryError) else "Discord did not answer in time"
                if attempt >= self.policy.retries:
                    log.error(
                        "gave up on DM %s to member %s after %d tries: %s", nonce, user_id, attempt, reason
                    )
                    return self._finish(
                        user_id, nonce, "failed", count, reason=f"gave up after {attempt} tries: {reason}"
                    )
                await self.store.count_attempt(user_id, nonce, self.now, kind=USER)
                await self.sleep(self.policy.backoff * 2 ** (attempt - 1))
                continue
            except DeliveryError as exc:
                log.error("DM %s to member %s refused: %s", nonce, user_id, exc.reason)
                return self._finish(user_id, nonce, "failed", count, reason=exc.reason)
            self.report.messages += 1
            self.report.late += count if late else 0
            return self._finish(user_id, nonce, "sent", count, message_id=message_id)

    def _finish(
        self,
        user_id: int,
        nonce: str,
        state: str,
        count: int,
        *,
        message_id: int | None = None,
        reason: str | None = None,
    ) -> None:
        if state == "sent":
            self.report.sent += count
        else:
            self.report.failed += count
        self.ledger.add(Finish(user_id, nonce, state, message_id=message_id, reason=reason, kind=USER))

    async def _save_dm_channels(self) -> None:
        """Remember the DM channels opened so far, in batches during the run: a crash mid
        fan-out does not cost opening them all again."""
        opened, self.opened = self.opened, {}
        try:
            await self.store.follows.save_dm_channels(opened)
        except BaseException:
            self.opened = {**opened, **self.opened}
            raise

    async def _settle(self) -> None:
        """Write the outcomes, the DM channels opened, and the members whose DMs are closed."""
        try:
            await asyncio.wait_for(self.ledger.flush(), 5.0)
        except Exception:
            log.warning(
                "could not confirm %d DMs in the ledger; they stay pending", len(self.ledger), exc_info=True
            )
        try:
            if self.closed:
                self.report.paused = await self.store.follows.pause_followers(self.closed, now=self.now)
                for uid in self.report.paused:
                    log.warning(
                        "member %s: %s; their follows are paused until they resume", uid, self.closed[uid]
                    )
            if self.opened:
                await self._save_dm_channels()
        except Exception:
            log.warning("could not record the members' DM channels", exc_info=True)


__all__ = ["DMS_CLOSED", "FollowReport", "FollowRun"]
