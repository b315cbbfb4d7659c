"""The live catalogue end to end: TVmaze (a compatible server on loopback) -> sync -> /upcoming
-> exactly one post at the instant, through localcord and the real bot; and a title the
catalogue lacks answered by an on-demand lookup."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.store import Store
from localtvmaze import LocalTVmaze, make_cast, make_episode, make_person, make_show
from tests.conftest import LocalDiscord, RunningBot, settings_for

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TOMORROW = "2026-12-02"
DUE = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # 21:00 in Seoul
P_MANAGE_GUILD = 1 << 5


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
async def tv(clock: ManualClock) -> AsyncIterator[LocalTVmaze]:
    async with LocalTVmaze(now=clock) as server:
        yield server


@pytest.fixture
async def live(lc: LocalDiscord, store: Store, tmp_path: Path, tv: LocalTVmaze, clock: ManualClock):
    settings = settings_for(
        lc,
        tmp_path,
        catalogue_sync="tvmaze",
        tvmaze_api_base=tv.base_url,
        sync_days=2,
        sync_countries=("KR",),
    )
    rb = RunningBot(lc, store, clock, settings)
    try:
        yield rb
    finally:
        await rb.close()


def add_drama(tv: LocalTVmaze, airtime: str = "21:00", *, name: str = "Night Harbour") -> None:
    show = make_show(
        7, name, network="tvN", country_code="KR", language="Korean", premiered=TOMORROW, updated=100
    )
    eps = [make_episode(701, 1, 1, airdate=TOMORROW, airtime=airtime, zone="Asia/Seoul")]
    tv.add_show(show, episodes=eps, cast=[make_cast(make_person(70, "Han Ji-min"), "Seo Yeon")])


async def test_a_synced_release_is_listed_and_posted_once_at_its_instant(
    lc: LocalDiscord, live: RunningBot, tv: LocalTVmaze, clock: ManualClock
) -> None:
    guild = lc.create_guild("K-drama Fans")
    general = lc.create_channel(guild, "general")
    releases = lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    add_drama(tv)
    await live.start()
    sync = live.bot.services.sync
    ok = await lc.run_command(guild, admin, ["announce", "channel", "add"], options={"channel": releases})
    assert "will be posted in" in ok.content, ok.content

    before = await lc.run_command(guild, admin, "upcoming", options={"days": 7}, channel=general)
    assert "Night Harbour" not in str(before.message["embeds"])
    report = await sync.sync_schedule()
    assert report.shows_added == 1 and not report.errors
    upcoming = await lc.run_command(guild, admin, "upcoming", options={"days": 7}, channel=general)
    assert "Night Harbour" in upcoming.message["embeds"][0]["description"]
    assert "announce:20261202T1200Z" in live.scheduler.job_ids()  # the sync re-planned

    clock.set(DUE - timedelta(minutes=1))
    await live.service.run_due()
    assert lc.messages(releases) == []
    clock.set(DUE)
    await live.service.run_due()
    await live.service.run_due(DUE + timedelta(minutes=3))
    posts = lc.messages(releases)
    assert len(posts) == 1 and posts[0]["embeds"][0]["title"].startswith("Night Harbour")

    # Upstream changes after the post never post it again there; the ledger is not rewritten.
    tv.set_episodes(7, [make_episode(701, 1, 1, airdate=TOMORROW, airtime="22:00", zone="Asia/Seoul")])
    moved = await sync.sync_updates()
    assert moved.releases_moved == 1
    clock.set(DUE + timedelta(hours=1))
    await live.service.run_due()
    assert len(lc.messages(releases)) == 1
    rows = await live.store.deliveries(releases.id)
    assert [(r.state, r.due) for r in rows] == [("sent", DUE)]


async def test_a_release_moved_before_it_is_posted_goes_out_once_at_the_new_time(
    lc: LocalDiscord, live: RunningBot, tv: LocalTVmaze, clock: ManualClock
) -> None:
    guild = lc.create_guild("Movers")
    chan = lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    add_drama(tv)
    await live.start()
    sync = live.bot.services.sync
    await lc.run_command(guild, admin, ["announce", "channel", "add"], options={"channel": chan})
    await sync.sync_schedule()
    clock.set(NOW + timedelta(minutes=5))
    tv.set_episodes(7, [make_episode(701, 1, 1, airdate=TOMORROW, airtime="23:00", zone="Asia/Seoul")])
    await sync.sync_updates()
    clock.set(DUE)
    await live.service.run_due()
    assert lc.messages(chan) == []
    clock.set(DUE + timedelta(hours=2))
    await live.service.run_due()
    assert len(lc.messages(chan)) == 1

    # A release removed upstream before it is due is not posted.
    tv.set_episodes(
        7,
        [
            make_episode(701, 1, 1, airdate=TOMORROW, airtime="23:00", zone="Asia/Seoul"),
            make_episode(702, 1, 2, airdate="2026-12-03", airtime="23:00", zone="Asia/Seoul"),
        ],
    )
    await sync.sync_updates()
    clock.set(DUE + timedelta(hours=3))
    tv.set_episodes(7, [make_episode(701, 1, 1, airdate=TOMORROW, airtime="23:00", zone="Asia/Seoul")])
    removed = await sync.sync_updates()
    assert removed.releases_removed == 1
    clock.set(datetime(2026, 12, 3, 14, 0, tzinfo=UTC))
    await live.service.run_due()
    assert len(lc.messages(chan)) == 1


async def test_a_title_the_catalogue_lacks_is_looked_up_and_answered(
    lc: LocalDiscord, live: RunningBot, tv: LocalTVmaze
) -> None:
    guild = lc.create_guild("Curious")
    lc.create_channel(guild, "general")
    member = lc.create_member(guild, "member")
    add_drama(tv, name="Fashion 70's")
    await live.start()
    answer = await lc.run_command(guild, member, "show", options={"title": "Fashion 70's"})
    assert answer.deferred and not answer.ephemeral
    assert answer.message["embeds"][0]["title"] == "Fashion 70's"
    cast = await lc.run_command(guild, member, "cast", options={"title": "fashion 70's"})
    assert "Han Ji-min" in cast.message["embeds"][0]["description"] and not cast.deferred  # now local
    missing = await lc.run_command(guild, member, "show", options={"title": "Nothing Like This At All"})
    assert "No show called" in missing.content
    assert all(m.get("flags", 0) & 64 for m in missing.messages)  # only the asker saw it
    assert tv.request_count("/singlesearch/shows") == 2


async def test_a_release_moved_weeks_after_it_was_posted_is_not_posted_again(
    lc: LocalDiscord, live: RunningBot, tv: LocalTVmaze, clock: ManualClock
) -> None:
    guild = lc.create_guild("Long memory")
    chan = lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    add_drama(tv)
    await live.start()
    sync = live.bot.services.sync
    await lc.run_command(guild, admin, ["announce", "channel", "add"], options={"channel": chan})
    await sync.sync_schedule()
    clock.set(DUE)
    await live.service.run_due()
    assert len(lc.messages(chan)) == 1
    # Three weeks later the upstream date of that episode is corrected to next week.
    clock.set(DUE + timedelta(days=21))
    later = (DUE + timedelta(days=28)).date().isoformat()
    tv.set_episodes(7, [make_episode(701, 1, 1, airdate=later, airtime="21:00", zone="Asia/Seoul")])
    assert (await sync.sync_updates(since="month")).releases_moved == 1
    clock.set(DUE + timedelta(days=28))
    await live.service.run_due()
    assert len(lc.messages(chan)) == 1


async def test_an_admin_can_filter_on_a_show_the_catalogue_lacked(
    lc: LocalDiscord, live: RunningBot, tv: LocalTVmaze, clock: ManualClock
) -> None:
    guild = lc.create_guild("Filters")
    general = lc.create_channel(guild, "general")
    chan = lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    add_drama(tv, name="Fashion 70's")
    await live.start()
    ok = await lc.run_command(
        guild,
        admin,
        ["announce", "channel", "add"],
        options={"channel": chan, "shows": "Fashion 70's"},
        channel=general,
    )
    assert ok.ephemeral and "will be posted in" in ok.content and "Shows: 1" in ok.content, ok.content
    config = await live.store.announce_channel(chan.id)
    assert config is not None and config.shows == ((await live.store.shows_by_tvmaze([7]))[7],)
    clock.set(DUE)
    await live.service.run_due()
    assert [m["embeds"][0]["title"] for m in lc.messages(chan)] == ["Fashion 70's"]
