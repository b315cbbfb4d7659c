"""Follows and reminders through the real services and store, with the in-memory Poster.

The story: members follow All of Us Are Dead before 2022-01-28, 17:00 in Seoul (08:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.announce.models import ChannelChange
from bot.announce.options import parse_reminders
from bot.clock import ManualClock
from bot.errors import BadInput
from bot.follows.models import Follow, Follower, FollowResult, What
from bot.follows.planner import plan_follows
from bot.models import Release, Scope, ShowRecord, When
from bot.planner import collapse
from bot.services.announcements import AnnouncementService
from bot.services.follows import PAUSED_NOTICE, FollowService
from bot.store import Store

from .fakes import FakePoster, aoad, weekly

DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
ANNA, BORA, CHUL = 101, 102, 103


@pytest.fixture
def follows(astore: Store, aclock: ManualClock, service: AnnouncementService) -> FollowService:
    follows = FollowService(astore, aclock, on_change=service.changed)
    service.attach_follows(follows)
    return follows


async def show(store: Store, show_id: str):  # type: ignore[no-untyped-def]
    found = await store.get_show(show_id)
    assert found is not None
    return found


# -- parsing ---------------------------------------------------------------------------------------


def test_reminders_are_parsed_largest_first_and_bounded() -> None:
    assert parse_reminders("24h, 1h") == (1440, 60)
    assert parse_reminders("1h 24h 1h") == (1440, 60)
    assert parse_reminders("30m,2d") == (2880, 30)
    assert parse_reminders("1d12h") == (2160,)
    assert parse_reminders("OFF") == ()
    assert parse_reminders("2 days, 1 hour") == (2880, 60)
    assert parse_reminders("30 minutes 6 hrs") == (360, 30)
    assert parse_reminders("1일, 1시간, 30분") == (1440, 60, 30)
    for bad in (
        "",
        "abc",
        "-1h",
        "1x",
        "h",
        "30",
        "8d",
        "2m",
        "1h,2h,3h,4h",
        "1h;2h",
        "９h",
        "9999999h",
        "1 x",
        "days 2",
    ):
        with pytest.raises(BadInput):
            parse_reminders(bad)


# -- the pure plan -----------------------------------------------------------------------------------


def test_plan_follows_at_release_and_ahead_and_by_what() -> None:
    releases = aoad().releases + weekly().releases
    t = DUE - timedelta(days=1)
    followers = {
        ANNA: Follower(ANNA, t, reminders=(1440, 60)),
        BORA: Follower(BORA, t),
        CHUL: Follower(CHUL, t, paused_reason="closed"),
    }
    follows = [
        Follow(ANNA, "all-of-us-are-dead", What.PREMIERES, t),
        Follow(BORA, "snowdrop", What.PREMIERES, t),  # episode 1 is a premiere, episode 2 is not
        Follow(CHUL, "all-of-us-are-dead", What.EPISODES, t),  # paused: nothing
    ]
    slots = plan_follows(DUE - timedelta(days=1, minutes=5), follows, followers, releases)
    got = [(s.user_id, s.due, s.lead, s.release_ids) for s in slots]
    aoad_id = aoad().releases[0].id
    ep1, ep2 = weekly().releases[0].id, weekly().releases[1].id
    assert got == [
        (ANNA, DUE - timedelta(days=1), 1440, (aoad_id,)),
        (ANNA, DUE - timedelta(hours=1), 60, (aoad_id,)),
        (ANNA, DUE, 0, (aoad_id,)),
        (BORA, DUE, 0, (ep1,)),
    ]
    everything = [Follow(BORA, "snowdrop", What.EPISODES, t)]
    slots = plan_follows(DUE, everything, followers, releases)
    assert [s.release_ids for s in slots] == [(ep1, ep2)]  # one DM for the drop
    # Done in the ledger, or followed after the release: nothing.
    done = {(ANNA, aoad_id, 0), (ANNA, aoad_id, 60), (ANNA, aoad_id, 1440)}
    assert plan_follows(DUE - timedelta(days=1, minutes=5), follows[:1], followers, releases, done=done) == []
    late = [Follow(ANNA, "all-of-us-are-dead", What.PREMIERES, DUE + timedelta(minutes=1))]
    assert plan_follows(DUE, late, followers, releases) == []


def test_a_reminder_is_never_planned_late_or_after_its_release() -> None:
    t = DUE - timedelta(days=3)
    followers = {ANNA: Follower(ANNA, t, reminders=(60,))}
    follows = [Follow(ANNA, "all-of-us-are-dead", What.PREMIERES, t)]
    leads = lambda now: [s.lead for s in plan_follows(now, follows, followers, aoad().releases)]  # noqa: E731
    assert leads(DUE - timedelta(hours=2)) == [60, 0]
    assert leads(DUE - timedelta(minutes=55)) == [60, 0]  # five minutes late: still sent
    assert leads(DUE - timedelta(minutes=30)) == [0]  # missed by 30 minutes: never
    assert leads(DUE + timedelta(minutes=1)) == [0]


# -- the service: DMs exactly once ------------------------------------------------------------------


async def test_a_follower_gets_one_dm_at_release_and_never_again(
    follows: FollowService,
    service: AnnouncementService,
    poster: FakePoster,
    astore: Store,
    aclock: ManualClock,
) -> None:
    aoad_show = await show(astore, "all-of-us-are-dead")
    assert await follows.follow(ANNA, aoad_show, What.PREMIERES) is FollowResult.ADDED
    assert await follows.follow(ANNA, aoad_show, What.PREMIERES) is FollowResult.SAME
    assert await follows.follow(ANNA, aoad_show, What.EPISODES) is FollowResult.CHANGED
    assert [s.due for s in await service.plan_follows(DUE - timedelta(hours=1))] == [DUE]

    aclock.set(DUE)
    await service.run_due()
    await service.run_due()
    aclock.set(DUE + timedelta(hours=3))
    await service.run_due()
    [dm] = poster.dms_to(ANNA)
    assert dm.content.startswith("\N{TELEVISION} New from a show you follow")
    assert dm.embeds[0]["title"].startswith("All of Us Are Dead")
    assert dm.role_id is None and dm.nonce
    assert poster.dm_opened == [ANNA]
    rows = await astore.deliveries(ANNA, kind="user")
    assert [(r.state, r.lead, r.guild_id) for r in rows] == [("sent", 0, 0)]
    assert (await astore.follows.follower(ANNA)).dm_channel_id == 10**15 + ANNA  # type: ignore[union-attr]


async def test_the_dm_channel_is_opened_once_per_member(
    follows: FollowService,
    service: AnnouncementService,
    poster: FakePoster,
    astore: Store,
    aclock: ManualClock,
) -> None:
    await follows.follow(ANNA, await show(astore, "snowdrop"), What.EPISODES)
    aclock.set(DUE)
    await service.run_due()
    aclock.set(DUE + timedelta(days=7))  # episode 3
    await service.run_due()
    assert len(poster.dms_to(ANNA)) == 2
    assert poster.dm_opened == [ANNA]


async def test_closed_dms_pause_the_follows_once_and_the_member_is_told_once(
    follows: FollowService,
    service: AnnouncementService,
    poster: FakePoster,
    astore: Store,
    aclock: ManualClock,
) -> None:
    await follows.follow(ANNA, await show(astore, "snowdrop"), What.EPISODES)
    await follows.follow(BORA, await show(astore, "snowdrop"), What.EPISODES)
    poster.dms_closed.add(ANNA)
    aclock.set(DUE)
    await service.run_due()
    assert service.last_follow_report.paused == [ANNA]
    calls = poster.calls
    aclock.set(DUE + timedelta(days=7))
    await service.run_due()
    # No retry loop: the paused member is not even planned; the other one is served.
    assert poster.calls == calls + 1 and len(poster.dms_to(BORA)) == 2 and poster.dms_to(ANNA) == []
    rows = await astore.deliveries(ANNA, kind="user")
    assert len(rows) == 2  # episodes 1 and 2, one DM
    assert all(r.state == "failed" and "DMs are closed" in (r.reason or "") for r in rows)
    assert await follows.notice(ANNA) == PAUSED_NOTICE
    assert await follows.notice(ANNA) is None
    assert await follows.notice(BORA) is None
    # Resumed: the next release reaches them again.
    poster.dms_closed.clear()
    assert await follows.resume(ANNA)
    assert not await follows.resume(ANNA)
    await astore.import_records([snowdrop_with(datetime(2022, 2, 11, 8, 0, tzinfo=UTC))])
    aclock.set(datetime(2022, 2, 11, 8, 0, tzinfo=UTC))
    await service.run_due()
    assert len(poster.dms_to(ANNA)) == 1


def snowdrop_with(*extra: datetime) -> ShowRecord:
    rec = weekly()
    more = [
        Release(rec.show.id, When.parse(dt.isoformat(), "UTC"), Scope.EPISODE, 1, 4 + i, "Disney+")
        for i, dt in enumerate(extra)
    ]
    return ShowRecord(rec.show, releases=[*rec.releases, *more])


async def test_the_follow_cap_is_said_plainly(astore: Store, aclock: ManualClock) -> None:
    follows = FollowService(astore, aclock, cap=2)
    assert await follows.follow(ANNA, await show(astore, "snowdrop"), What.EPISODES) is FollowResult.ADDED
    assert await follows.follow(ANNA, await show(astore, "the-film"), What.PREMIERES) is FollowResult.ADDED
    aoad_show = await show(astore, "all-of-us-are-dead")
    assert await follows.follow(ANNA, aoad_show, What.PREMIERES) is FollowResult.FULL
    assert await follows.unfollow(ANNA, "snowdrop")
    assert await follows.follow(ANNA, aoad_show, What.PREMIERES) is FollowResult.ADDED
    assert [i.follow.show_id for i in (await follows.following(ANNA)).items][0] == "all-of-us-are-dead"


# -- reminders: members and channels ---------------------------------------------------------------


def moved_aoad(when: datetime) -> ShowRecord:
    rec = aoad()
    [rel] = rec.releases
    moved = Release(
        rel.show_id, When.parse(when.isoformat(), "UTC"), Scope.SEASON, season=1, platform="Netflix"
    )
    return ShowRecord(rec.show, releases=[moved])


async def test_member_reminders_are_sent_once_and_follow_a_moved_release(
    follows: FollowService,
    service: AnnouncementService,
    poster: FakePoster,
    astore: Store,
    aclock: ManualClock,
) -> None:
    aclock.set(DUE - timedelta(days=2))
    await follows.follow(ANNA, await show(astore, "all-of-us-are-dead"), What.PREMIERES)
    assert await follows.set_reminders(ANNA, "24h, 1h") == (1440, 60)
    aclock.set(DUE - timedelta(days=1))
    await service.run_due()
    await service.run_due()
    [day_before] = poster.dms_to(ANNA)
    assert day_before.reminder and "Reminder, 1 day ahead" in day_before.content
    assert f"<t:{int(DUE.timestamp())}:R>" in day_before.content
    # The release moves two hours later: the 1-hour reminder follows it; the day-before one is
    # not sent again.
    later = DUE + timedelta(hours=2)
    await astore.import_records([moved_aoad(later)])
    aclock.set(DUE - timedelta(hours=1))
    await service.run_due()
    assert len(poster.dms_to(ANNA)) == 1
    aclock.set(later - timedelta(hours=1))
    await service.run_due()
    hour_before = poster.dms_to(ANNA)[-1]
    assert "1 hour ahead" in hour_before.content and f"<t:{int(later.timestamp())}:R>" in hour_before.content
    aclock.set(later)
    await service.run_due()
    assert [p.reminder for p in poster.dms_to(ANNA)] == [True, True, False]
    rows = await astore.deliveries(ANNA, kind="user", lead=None)
    assert sorted((r.lead, r.state) for r in rows) == [(0, "sent"), (60, "sent"), (1440, "sent")]


async def test_a_reminder_the_release_moved_past_is_skipped(
    follows: FollowService,
    service: AnnouncementService,
    poster: FakePoster,
    astore: Store,
    aclock: ManualClock,
) -> None:
    aclock.set(DUE - timedelta(days=2))
    await follows.follow(ANNA, await show(astore, "all-of-us-are-dead"), What.PREMIERES)
    await follows.set_reminders(ANNA, "24h")
    # Two hours before the day-before reminder, the release moves 23 hours earlier: its 24-hour
    # reminder would be an hour in the past.
    aclock.set(DUE - timedelta(days=1, hours=2))
    sooner = DUE - timedelta(hours=23)
    await astore.import_records([moved_aoad(sooner)])
    await service.run_due()
    assert poster.dms_to(ANNA) == []
    aclock.set(sooner)
    await service.run_due()
    assert [p.reminder for p in poster.dms_to(ANNA)] == [False]


async def test_a_channel_reminder_pings_nobody_and_comes_once(
    service: AnnouncementService, poster: FakePoster, astore: Store, aclock: ManualClock
) -> None:
    aclock.set(DUE - timedelta(days=2))
    change = ChannelChange(role_id=777, reminders=(60,))
    await service.configure(1, 500, change)
    slots = await service.plan(DUE - timedelta(hours=2))
    assert [(s.due, s.lead) for s in slots] == [(DUE - timedelta(hours=1), 60), (DUE, 0)]
    aclock.set(DUE - timedelta(hours=1))
    await service.run_due()
    await service.run_due()
    [reminder] = poster.posts_in(500)
    assert reminder.reminder and reminder.role_id is None and "<@&" not in reminder.content
    aclock.set(DUE)
    await service.run_due()
    post = poster.posts_in(500)[-1]
    assert not post.reminder and post.role_id == 777
    assert len(poster.posts_in(500)) == 2
    rows = await astore.deliveries(500, lead=None)
    assert {(r.lead, r.state) for r in rows} >= {(60, "sent"), (0, "sent")}


async def test_a_pending_dm_is_sent_again_with_its_nonce_after_a_crash(
    follows: FollowService,
    service: AnnouncementService,
    poster: FakePoster,
    astore: Store,
    aclock: ManualClock,
) -> None:
    await follows.follow(ANNA, await show(astore, "all-of-us-are-dead"), What.PREMIERES)
    aclock.set(DUE)
    [slot] = await service.plan_follows(DUE)
    # A run that claimed the DM and died before confirming it.
    from bot.follows.run import DmStep

    claim = DmStep(slot, slot.items, False, 0).claim()
    assert await astore.claim_many([claim], now=DUE) == {(ANNA, slot.release_ids[0], 0)}
    poster.by_nonce[claim.nonce] = 4242  # Discord had accepted it
    aclock.set(DUE + timedelta(minutes=1))
    await service.run_due()
    assert poster.dms_to(ANNA) == []  # Discord returned the original message for the nonce
    [row] = await astore.deliveries(ANNA, kind="user")
    assert row.state == "sent" and row.message_id == 4242
    assert collapse(aoad().releases)[0].release_ids == slot.release_ids


async def test_a_crash_mid_fan_out_leaves_every_member_exactly_one_dm(
    follows: FollowService,
    service: AnnouncementService,
    poster: FakePoster,
    astore: Store,
    aclock: ManualClock,
) -> None:
    members = list(range(200, 230))
    aoad_show = await show(astore, "all-of-us-are-dead")
    for uid in members:
        await follows.follow(uid, aoad_show, What.PREMIERES)
    poster.crash_after = 7  # the process dies right after Discord accepted the 7th DM
    aclock.set(DUE)
    await service.run_due()
    pending = await astore.pending_deliveries(kind="user")
    assert pending  # claimed, maybe sent, not confirmed
    poster.crash_after = None
    aclock.set(DUE + timedelta(minutes=1))  # the restart's catch-up run
    await service.run_due()
    assert sorted(p.channel_id - 10**15 for p in poster.sent) == members  # each exactly once
    assert await astore.pending_deliveries(kind="user") == []
    assert {r.state for uid in members for r in await astore.deliveries(uid, kind="user")} == {"sent"}


async def test_dms_after_a_long_channel_fan_out_read_the_clock_again(
    follows: FollowService,
    service: AnnouncementService,
    poster: FakePoster,
    astore: Store,
    aclock: ManualClock,
) -> None:
    """A run's DMs come after its channel posts; when those took long, the DMs (and their
    reminders' never-late rule) go by the clock as it is then, not as it was at the start."""
    import asyncio

    await service.configure(1, 500, ChannelChange())
    await follows.follow(ANNA, await show(astore, "all-of-us-are-dead"), What.PREMIERES)
    gate, sending = asyncio.Event(), asyncio.Event()
    send = poster.send

    async def slow_send(post):  # type: ignore[no-untyped-def]
        if post.channel_id == 500:
            sending.set()
            await gate.wait()
        return await send(post)

    poster.send = slow_send  # type: ignore[method-assign]
    aclock.set(DUE)
    run = asyncio.ensure_future(service.run_due())
    async with asyncio.timeout(5):
        await sending.wait()
    aclock.set(DUE + timedelta(minutes=30))  # the channel fan-out took half an hour
    gate.set()
    async with asyncio.timeout(5):
        await run
    [dm] = await astore.deliveries(ANNA, kind="user")
    assert dm.state == "sent" and dm.claimed_at == DUE + timedelta(minutes=30) and dm.late
    posts = await astore.deliveries(500)
    assert posts and all(p.claimed_at == DUE and not p.late and p.state == "sent" for p in posts)
