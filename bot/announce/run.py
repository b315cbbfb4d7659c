"""One delivery run: everything due at one clock reading, posted exactly once. No discord here.

A :class:`DeliveryRun` holds what a run shares (its clock reading ``now``, its report, its
ledger batch, the channels it stopped serving) so each step reads them from the run rather than
from a row of parameters. The service decides what is due and hands the run its inputs; the run
claims, sends, retries and records.

Exactly once: each post is claimed in the ledger (one row per channel and release, state
``pending``) before it is sent, with a nonce derived from what it announces; Discord returns the
original message for a repeated nonce, so a pending post found after a crash is sent again safely.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from bot.announce.batches import Ledger, Pool
from bot.announce.models import ChannelConfig, GuildConfig
from bot.announce.pacing import Limiter
from bot.announce.port import ChannelBroken, ChannelGone, DeliveryError, Post, Poster, TransientDeliveryError
from bot.announce.posts import Renderer, Step, steps
from bot.planner import DueSlot, Item, collapse, nonce_for
from bot.store import Store
from bot.store.announce_ledger import Claim, Delivery, Finish

log = logging.getLogger(__name__)

NONCE_WINDOW = timedelta(minutes=4)  # Discord remembers a nonce for "a few minutes"
CLAIM_CHUNK = 256  # posts claimed per statement, just ahead of sending them
MAX_EMBEDS = 10


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How a run behaves: the grace window for missed posts, retries, time-outs, concurrency."""

    grace: timedelta = timedelta(hours=6)
    retries: int = 3
    backoff: float = 1.0
    send_timeout: float = 30.0
    concurrency: int = 64


@dataclass(slots=True)
class Tally:
    """What a run did, counted: a channel run's and a follower run's alike."""

    sent: int = 0  # releases announced (a grouped post counts each release)
    late: int = 0
    skipped: int = 0
    failed: int = 0
    messages: int = 0


@dataclass(slots=True)
class RunReport(Tally):
    broken: list[int] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)  # channels found deleted: their settings removed

    def __bool__(self) -> bool:
        return bool(self.sent or self.skipped or self.failed or self.broken or self.gone)


class DeliveryRun:
    """Posts everything due at ``now`` and records each outcome; one instance per run."""

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
        self.report = RunReport()
        self.ledger = Ledger(store, now)
        self.stopped: set[int] = set()  # channels that take no further step in this run
        self.guilds: Mapping[int, GuildConfig] = {}  # servers' settings: each channel's language

    async def execute(
        self,
        pending: list[Delivery],
        channels: Mapping[int, ChannelConfig],
        guilds: Mapping[int, GuildConfig],
        slots: Iterable[DueSlot],
    ) -> RunReport:
        """Pending posts again (same nonce), then the due ``slots``, channel by channel in due order."""
        self.guilds = guilds
        # 1. Posts claimed before a crash or restart: again, with the same nonce (rare: per channel).
        if pending:
            rows_by_channel: dict[int, list[Delivery]] = defaultdict(list)
            for row in pending:
                rows_by_channel[row.channel_id].append(row)
            pool = Pool(self.policy.concurrency)
            try:
                for cid, rows in rows_by_channel.items():
                    work = partial(self._pending_channel, channels.get(cid), cid, rows)
                    await pool.spawn(partial(self._guarded, cid, work))
                await pool.join()
            finally:
                await pool.cancel()
        # 2. New posts. Each channel's posts go in due order, one step (a message, or a record of
        # what is skipped) per round; a channel that turns out broken takes no further step.
        slots = list(slots)
        shows = await self.store.get_shows({i.show_id for s in slots for i in s.items}) if slots else {}
        render = Renderer(shows, guilds)
        queues: dict[int, deque[Step]] = {}
        for slot in slots:
            channel = channels.get(slot.channel_id)
            if channel is None or slot.channel_id in self.stopped:
                continue
            guild = guilds.get(channel.guild_id) or GuildConfig(channel.guild_id)
            queue = queues.setdefault(slot.channel_id, deque())
            queue.extend(steps(channel, guild, slot, self.now, self.policy.grace, render))
        while queues:
            round_ = [queues[cid].popleft() for cid in queues]
            queues = {cid: q for cid, q in queues.items() if q}
            for cid in await self._round(round_, render):
                queues.pop(cid, None)
        return self.report

    async def confirm(self, within: float = 5.0) -> None:
        """Write what is left of the ledger batch, even when the run was cancelled (shutdown):
        fewer posts to send again. What cannot be written stays pending, to be sent again."""
        try:
            await asyncio.wait_for(self.ledger.flush(), within)
        except Exception:
            log.warning(
                "could not confirm %d posts in the ledger; they stay pending", len(self.ledger), exc_info=True
            )

    async def _guarded(self, channel_id: int, make: Callable[[], Awaitable[object]]) -> None:
        try:
            await make()
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a crash stand-in in tests, or a bug: the others go on
            log.error("announcements for channel %s failed", channel_id, exc_info=exc)

    # -- posts claimed before and not confirmed ----------------------------------------------------

    async def _pending_channel(
        self, channel: ChannelConfig | None, channel_id: int, rows: list[Delivery]
    ) -> None:
        if channel is None or not channel.healthy:
            self.stopped.add(channel_id)
            why = "channel removed" if channel is None else f"channel broken: {channel.broken_reason}"
            for nonce in dict.fromkeys(r.nonce for r in rows):
                self.report.failed += sum(1 for r in rows if r.nonce == nonce)
                self.ledger.add(Finish(channel_id, nonce, "failed", reason=why))
            await self.ledger.maybe_flush()
            return
        if not await self._resend_pending(channel, rows):
            self.stopped.add(channel_id)

    async def _resend_pending(self, channel: ChannelConfig, rows: list[Delivery]) -> bool:
        cid = channel.channel_id
        for nonce in dict.fromkeys(r.nonce for r in rows):
            # Re-read under the channel lock: another task may have finished it meanwhile.
            fresh = [d for d in await self.store.pending_deliveries([cid]) if d.nonce == nonce]
            if not fresh:
                continue
            releases = await self.store.releases_by_ids(d.release_id for d in fresh)
            if not any(d.release_id in releases for d in fresh):
                self.report.failed += len(fresh)
                self.ledger.add(Finish(cid, nonce, "failed", reason="release no longer in the catalogue"))
                continue
            late = any(d.late for d in fresh)
            items = collapse(list(releases.values()))
            shows = await self.store.get_shows(i.show_id for i in items)
            lead = fresh[0].lead
            if lead:
                due = fresh[0].due + timedelta(minutes=lead)
                post = Renderer(shows, self.guilds).post(
                    channel, items, False, nonce, ping=True, reminder_for=due, lead=lead
                )
            else:
                post = Renderer(shows, self.guilds).post(
                    channel, items, late, nonce, ping=await self._first_part(channel, fresh)
                )
            post = Post(
                cid,
                post.content,
                post.embeds[:MAX_EMBEDS],
                post.role_id,
                nonce,
                post.thread_name,
                post.reminder,
            )
            if self.now - min(d.claimed_at for d in fresh) > NONCE_WINDOW and await self._found(post, fresh):
                continue
            log.info("re-sending pending post %s in channel %s (%d releases)", nonce, cid, len(fresh))
            if not await self._deliver(channel, post, len(fresh), late):
                return False
        return True

    async def _found(self, post: Post, rows: list[Delivery]) -> bool:
        """Past Discord's nonce memory: whether the channel already shows this post (then sent)."""
        if self.poster is None:
            return False
        try:
            async with self.limiter.slot():
                found = await self.poster.find_recent(post)
        except Exception:
            log.warning("could not look for an earlier copy of a pending post", exc_info=True)
            return False
        if not found:
            return False
        assert post.nonce is not None
        self.ledger.add(Finish(post.channel_id, post.nonce, "sent", message_id=found))
        self.report.sent += len(rows)
        return True

    async def _first_part(self, channel: ChannelConfig, rows: list[Delivery]) -> bool:
        """Whether a pending post was the first (pinging) message of its channel and minute."""
        same_minute = await self.store.deliveries(channel.channel_id, due=rows[0].due)
        releases = await self.store.releases_by_ids(d.release_id for d in same_minute)
        items = collapse(list(releases.values()))
        return not items or bool(set(items[0].release_ids) & {d.release_id for d in rows})

    # -- new posts ---------------------------------------------------------------------------------

    async def _round(self, round_: list[Step], render: Renderer) -> set[int]:
        """One step for each of many channels: claims in batches, sends with bounded concurrency.
        Returns the channels that turned out broken."""
        broken: set[int] = set()
        skips = [s for s in round_ if s.skip]
        if skips:
            await self._record_skips(skips)
        posts = [s for s in round_ if not s.skip]
        if not posts:
            return broken
        pool = Pool(self.policy.concurrency)
        try:
            for start in range(0, len(posts), CLAIM_CHUNK):
                chunk = posts[start : start + CLAIM_CHUNK]
                claims = [self._claim(s) for s in chunk]
                got = await self.store.claim_many(claims, now=self.now)
                for s, c in zip(chunk, claims, strict=True):
                    claimed = {rid for rid in c.release_ids if (c.channel_id, rid, c.lead) in got}
                    if not claimed:
                        continue
                    kept = list(s.items)
                    if not all(r.id in claimed for i in kept for r in i.releases):
                        kept = [
                            Item(i.show_id, tuple(r for r in i.releases if r.id in claimed)) for i in kept
                        ]
                        kept = [i for i in kept if i.releases]
                    due = s.slot.release_due if s.slot.lead else None
                    post = render.post(
                        s.channel, kept, s.late, c.nonce, ping=s.index == 0, reminder_for=due, lead=c.lead
                    )
                    work = partial(self._deliver_step, s.channel, post, len(claimed), s.late, broken)
                    await pool.spawn(partial(self._guarded, c.channel_id, work))
            await pool.join()
        finally:
            await pool.cancel()
        return broken

    def _claim(self, step: Step) -> Claim:
        cid, ids, lead = step.channel.channel_id, step.release_ids, step.slot.lead
        nonce = nonce_for(cid, ids, lead=lead)
        if step.skip:
            return Claim(
                cid, step.channel.guild_id, ids, step.slot.due, nonce, False, "skipped", step.skip, lead=lead
            )
        return Claim(cid, step.channel.guild_id, ids, step.slot.due, nonce, step.late, lead=lead)

    async def _record_skips(self, skips: list[Step]) -> None:
        claims = [self._claim(s) for s in skips]
        got = await self.store.claim_many(claims, now=self.now)
        for s, c in zip(skips, claims, strict=True):
            n = sum(1 for rid in c.release_ids if (c.channel_id, rid, c.lead) in got)
            if n:
                self.report.skipped += n
                log.warning(
                    "skipped %d releases in channel %s due %s: %s", n, c.channel_id, s.slot.due, s.skip
                )

    async def _deliver_step(
        self, channel: ChannelConfig, post: Post, count: int, late: bool, broken: set[int]
    ) -> None:
        if not await self._deliver(channel, post, count, late):
            broken.add(channel.channel_id)

    # -- sending -----------------------------------------------------------------------------------

    async def _deliver(self, channel: ChannelConfig, post: Post, count: int, late: bool) -> bool:
        """Send one claimed post. False when the channel turned out broken (stop serving it).

        Its outcome goes to the ledger batch: a post sent but not yet confirmed there when the
        process dies is pending, and is sent again with the same nonce."""
        assert post.nonce is not None
        cid, report, ledger = channel.channel_id, self.report, self.ledger
        if self.poster is None:
            log.warning("no poster attached; post %s stays pending", post.nonce)
            return False
        message_id: int | None = None
        retries = max(1, self.policy.retries)
        for attempt in range(1, retries + 1):
            try:
                async with self.limiter.slot():
                    message_id = await asyncio.wait_for(self.poster.send(post), self.policy.send_timeout)
                break
            except ChannelBroken as exc:
                report.failed += count
                ledger.add(Finish(cid, post.nonce, "failed", reason=exc.reason))
                await ledger.flush()
                if isinstance(exc, ChannelGone):
                    await self._gone(channel, exc.reason)
                else:
                    await self._break(channel, exc.reason)
                return False
            except (TransientDeliveryError, TimeoutError) as exc:
                reason = exc.reason if isinstance(exc, DeliveryError) else "Discord did not answer in time"
                await self.store.count_attempt(cid, post.nonce, self.now)
                if attempt >= retries:
                    log.error(
                        "gave up on post %s in channel %s after %d tries: %s",
                        post.nonce,
                        cid,
                        attempt,
                        reason,
                    )
                    return await self._failed(
                        cid, post.nonce, count, f"gave up after {attempt} tries: {reason}"
                    )
                delay = self.policy.backoff * 2 ** (attempt - 1)
                log.warning(
                    "post %s in channel %s: %s; retry %d in %.1f s", post.nonce, cid, reason, attempt, delay
                )
                await self.sleep(delay)
            except DeliveryError as exc:
                log.error("post %s in channel %s refused: %s", post.nonce, cid, exc.reason)
                return await self._failed(cid, post.nonce, count, exc.reason)
            except Exception as exc:
                log.exception("post %s in channel %s failed", post.nonce, cid)
                return await self._failed(cid, post.nonce, count, f"unexpected error: {type(exc).__name__}")
        assert message_id is not None
        # Extras are best effort; they run before the ledger says "sent", so a crash here is
        # followed by a re-send that returns the same message and tries them again.
        if channel.publish and not post.reminder:
            await self._extra("publish", self.poster.publish(cid, message_id))
        if channel.threads and post.thread_name:
            await self._extra("thread", self.poster.open_thread(cid, message_id, post.thread_name))
        ledger.add(Finish(cid, post.nonce, "sent", message_id=message_id))
        report.sent += count
        report.late += count if late else 0
        report.messages += 1
        await ledger.maybe_flush()
        return True

    async def _failed(self, channel_id: int, nonce: str, count: int, reason: str) -> bool:
        """A post that will not be sent; the channel itself is still served."""
        self.report.failed += count
        self.ledger.add(Finish(channel_id, nonce, "failed", reason=reason))
        await self.ledger.maybe_flush()
        return True

    async def _extra(self, what: str, call: Awaitable[None]) -> None:
        try:
            async with self.limiter.slot():
                await asyncio.wait_for(call, self.policy.send_timeout)
        except Exception:
            log.warning("could not %s an announcement", what, exc_info=True)

    async def _break(self, channel: ChannelConfig, reason: str) -> None:
        self.report.broken.append(channel.channel_id)
        if not await self.store.mark_channel_broken(channel.channel_id, reason, self.now):
            return
        log.warning(
            "channel %s is broken (%s); its posts stop until an admin adds it again",
            channel.channel_id,
            reason,
        )
        if await self._tell_owner(channel, reason, gone=False):
            await self.store.mark_owner_notified(channel.channel_id)

    async def _gone(self, channel: ChannelConfig, reason: str) -> None:
        """The channel was deleted: its settings go (the ledger keeps what was posted there)."""
        self.report.gone.append(channel.channel_id)
        if not await self.store.forget_announce_channels([channel.channel_id]):
            return  # already forgotten (the deletion event came first): the owner knows
        log.warning(
            "channel %s was deleted (%s); its announcement settings are removed", channel.channel_id, reason
        )
        await self._tell_owner(channel, reason, gone=True)

    async def _tell_owner(self, channel: ChannelConfig, reason: str, *, gone: bool) -> bool:
        if self.poster is None:
            return False
        try:
            async with self.limiter.slot():
                await asyncio.wait_for(
                    self.poster.notify_owner(
                        channel.guild_id, channel.channel_id, reason, channel_name=channel.name, gone=gone
                    ),
                    30,
                )
        except Exception:
            log.warning(
                "could not tell the owner of guild %s about channel %s",
                channel.guild_id,
                channel.channel_id,
                exc_info=True,
            )
            return False
        return True


__all__ = ["CLAIM_CHUNK", "NONCE_WINDOW", "DeliveryPolicy", "DeliveryRun", "RunReport", "Tally"]
