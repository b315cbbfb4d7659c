"""The announcement service with a ManualClock, a real SQLite file and an in-memory Poster."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.announce.models import Kinds
from bot.announce.options import missing_permissions, parse_post_time, zone_choices
from bot.clock import ManualClock
from bot.errors import BadInput
from bot.models import Precision
from bot.services.announcements import AnnouncementService
from bot.store import Store

from .fakes import FakePoster, aoad_as_episodes, weekly

DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
AOAD = "all-of-us-are-dead-season-s1-netflix-ww"


async def setup_two_guilds(service: AnnouncementService) -> None:
    await service.add_channel(1, 10, role_id=100, platforms=["Netflix"])
    await service.add_channel(1, 11, role_id=101, kinds=Kinds.EPISODES)
    await service.add_channel(2, 20, role_id=None, shows=["all-of-us-are-dead"], threads=True, publish=True)


async def test_each_channel_gets_exactly_one_post_on_time(
    service: AnnouncementService, poster: FakePoster
) -> None:
    await setup_two_guilds(service)
    assert not await service.run_due(DUE - timedelta(minutes=1))
    report = await service.run_due(DUE)
    assert report.sent >= 2 and report.failed == 0
    ten = poster.posts_in(10)
    assert len(ten) == 1 and ten[0].role_id == 100 and ten[0].content.startswith("<@&100>")
    assert [e["title"] for e in ten[0].embeds] == ["All of Us Are Dead (지금 우리 학교는)"]
    # Channel 11 takes episodes only: Snowdrop E2 (E1 is a premiere); channel 20 only AOAD.
    assert [len(p.embeds) for p in poster.posts_in(11)] == [1]
    assert "S1E2" in poster.posts_in(11)[0].embeds[0]["description"]
    twenty = poster.posts_in(20)
    assert len(twenty) == 1 and twenty[0].role_id is None and not twenty[0].content.startswith("<@")
    assert poster.published and poster.threads and poster.threads[0][2] == "All of Us Are Dead"
    # Again, and later: nothing more.
    assert not await service.run_due(DUE)
    assert not await service.run_due(DUE + timedelta(hours=1))
    assert len(poster.sent) == 3
    rows = await service.store.deliveries(10)
    assert [(r.release_id, r.state, r.late) for r in rows] == [(AOAD, "sent", False)]


async def test_releases_due_together_are_one_grouped_post(
    service: AnnouncementService, poster: FakePoster
) -> None:
    await service.add_channel(1, 10, role_id=100)
    await service.run_due(DUE)
    posts = poster.posts_in(10)
    assert len(posts) == 1
    assert len(posts[0].embeds) == 3  # AOAD, Snowdrop E1 (WW), Snowdrop E2 (KR)
    assert posts[0].content == "<@&100> 3 new releases are out!"


async def test_a_season_drop_listed_as_twelve_episodes_is_one_post(astore: Store, aclock, poster) -> None:
    await astore.import_records([aoad_as_episodes()])
    service = AnnouncementService(astore, aclock, poster, rate_per_second=None)
    await service.add_channel(1, 10, role_id=100, shows=["all-of-us-are-dead"])
    report = await service.run_due(DUE)
    assert report.sent == 12 and report.messages == 1
    assert len(poster.sent) == 1 and len(poster.sent[0].embeds) == 1
    assert len({r.nonce for r in await astore.deliveries(10)}) == 1


async def test_a_crash_after_the_send_does_not_post_twice(
    service: AnnouncementService, poster: FakePoster
) -> None:
    await service.add_channel(1, 10, role_id=100)
    poster.crash_after = 1
    await service.run_due(DUE)  # the post went out, then the process "died" before the ledger said so
    assert [r.state for r in await service.store.deliveries(10)] == ["pending"] * 3
    poster.crash_after = None
    report = await service.run_due(DUE + timedelta(seconds=30))
    assert report.sent == 3
    assert len(poster.sent) == 1  # Discord recognised the nonce and returned the first message
    assert {r.state for r in await service.store.deliveries(10)} == {"sent"}


async def test_a_stale_pending_post_is_found_instead_of_sent_again(service, poster: FakePoster) -> None:
    await service.add_channel(1, 10)
    poster.crash_after = 1
    await service.run_due(DUE)
    poster.crash_after = None
    report = await service.run_due(DUE + timedelta(hours=1))  # past Discord's nonce memory
    assert report.sent == 3 and len(poster.sent) == 1


async def test_missed_posts_within_grace_go_out_late(
    service: AnnouncementService, poster: FakePoster
) -> None:
    await service.add_channel(1, 10)
    report = await service.run_due(DUE + timedelta(hours=5, minutes=59))
    assert report.sent == 3 and report.late == 3
    assert "posted late" in poster.sent[0].embeds[0]["footer"]["text"]
    assert all(r.late for r in await service.store.deliveries(10))


async def test_missed_posts_beyond_grace_are_skipped_and_recorded(
    service, poster: FakePoster, caplog
) -> None:
    await service.add_channel(1, 10)
    report = await service.run_due(DUE + timedelta(hours=6, minutes=1))
    assert report.skipped == 3 and poster.sent == []
    rows = await service.store.deliveries(10)
    assert {r.state for r in rows} == {"skipped"} and "grace window" in (rows[0].reason or "")
    assert "skipped 3 releases" in caplog.text
    assert not await service.run_due(DUE + timedelta(hours=7))


async def test_paused_guild_records_skips_and_resume_posts_the_next(service, poster: FakePoster) -> None:
    await service.add_channel(1, 10)
    await service.set_paused(1, True)
    report = await service.run_due(DUE)
    assert report.skipped == 3 and poster.sent == []
    await service.set_paused(1, False)
    await service.run_due(datetime(2022, 2, 4, 8, 0, tzinfo=UTC))
    assert len(poster.sent) == 1 and "S1E3" in poster.sent[0].embeds[0]["description"]


async def test_a_broken_channel_stops_and_the_owner_hears_once(service, poster: FakePoster) -> None:
    await service.add_channel(1, 10, role_id=100)
    await service.add_channel(1, 11, role_id=101)
    poster.broken[10] = "Missing Permissions (50013)"
    report = await service.run_due(DUE)
    assert report.broken == [10]
    assert len(poster.posts_in(11)) == 1 and poster.posts_in(10) == []
    assert poster.owner_dms == [(1, 10, "Missing Permissions (50013)")]
    channel = await service.store.announce_channel(10)
    assert channel is not None and channel.broken_reason == "Missing Permissions (50013)"
    assert {r.state for r in await service.store.deliveries(10)} == {"failed"}
    # Next week: still broken, not retried, no second DM; channel 11 still served.
    await service.run_due(datetime(2022, 2, 4, 8, 0, tzinfo=UTC))
    assert len(poster.owner_dms) == 1 and len(poster.posts_in(11)) == 2
    overview = await service.overview(1, DUE)
    assert "broken" in overview.embed()["fields"][0]["value"]
    # Repaired by adding it again: served from then on.
    poster.broken.clear()
    await service.add_channel(1, 10, role_id=100)
    await service.run_due(datetime(2022, 2, 4, 8, 1, tzinfo=UTC))
    assert len(poster.posts_in(10)) == 1


async def test_server_errors_are_retried_with_back_off(astore: Store, aclock, poster: FakePoster) -> None:
    delays: list[float] = []

    async def sleep(s: float) -> None:
        delays.append(s)

    service = AnnouncementService(
        astore, aclock, poster, rate_per_second=None, sleep=sleep, retries=3, backoff=1
    )
    await service.add_channel(1, 10)
    await service.add_channel(1, 11)
    poster.transient[10] = 2
    poster.transient[11] = 5
    report = await service.run_due(DUE)
    assert sorted(delays) == [1, 1, 2, 2]
    assert len(poster.posts_in(10)) == 1 and poster.posts_in(11) == []
    rows = await astore.deliveries(11)
    assert {r.state for r in rows} == {"failed"} and "gave up after 3 tries" in (rows[0].reason or "")
    assert rows[0].attempts == 3 and report.failed == 3


async def test_date_only_release_posts_at_the_guild_time(service, poster: FakePoster) -> None:
    await service.add_channel(1, 10, shows=["the-film"])
    await service.set_zone(1, "Europe/Paris")
    await service.set_post_time(1, "18:30")
    assert not await service.run_due(datetime(2022, 2, 10, 17, 29, tzinfo=UTC))
    assert (await service.run_due(datetime(2022, 2, 10, 17, 30, tzinfo=UTC))).sent == 1
    assert "10 February 2022" in poster.sent[0].embeds[0]["description"]


async def test_plan_lists_future_slots_with_stable_job_ids(service) -> None:
    await service.add_channel(1, 10)
    slots = await service.plan(datetime(2022, 1, 28, 7, 0, tzinfo=UTC))
    assert [s.job_id for s in slots] == ["announce:20220128T0800Z"]


async def test_the_ping_role_is_never_everyone(service) -> None:
    with pytest.raises(BadInput, match="@everyone"):
        await service.add_channel(1, 10, role_id=1)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("09:00", "09:00"),
        ("9:05", "09:05"),
        ("18:30", "18:30"),
        ("9", "09:00"),
        ("0", "00:00"),
        ("18h30", "18:30"),
        ("9.30", "09:30"),
        ("6pm", "18:00"),
        ("6:30 PM", "18:30"),
        ("6:30 p.m.", "18:30"),
        ("12am", "00:00"),
        ("12 pm", "12:00"),
        ("9 am", "09:00"),
        ("18시", "18:00"),
        ("9시 30분", "09:30"),
        ("오후 6시", "18:00"),
        ("오전 12시", "00:00"),
        (" 23:59 ", "23:59"),
    ],
)
def test_a_post_time_in_the_forms_people_type(typed: str, said: str) -> None:
    assert parse_post_time(typed).strftime("%H:%M") == said


@pytest.mark.parametrize(
    "typed", ["25:00", "24:00", "9:60", "13pm", "0am", "nine", "", "9:5", "18:30:00", "1830x"]
)
def test_a_post_time_that_is_none_is_refused(typed: str) -> None:
    with pytest.raises(BadInput, match="is not a time"):
        parse_post_time(typed)


def test_admin_input_parsing() -> None:
    assert parse_post_time("9:05").hour == 9
    with pytest.raises(BadInput):
        parse_post_time("25:00")
    with pytest.raises(BadInput):
        parse_post_time("nine")
    assert "Asia/Seoul" in zone_choices("seoul")
    assert zone_choices("")[0] == "UTC"
    assert len(zone_choices("a")) == 25
    assert missing_permissions({"view_channel": True, "send_messages": True}) == ["Embed Links"]
    assert missing_permissions(
        {"view_channel": True, "send_messages": True, "embed_links": True}, threads=True
    ) == ["Create Public Threads", "Send Messages in Threads", "Read Message History"]


async def test_preview_uses_the_catalogue(service) -> None:
    show = await service.store.get_show("all-of-us-are-dead")
    assert show is not None
    embeds = await service.preview(show, DUE - timedelta(days=3))
    assert len(embeds) == 1 and "Season 1" in embeds[0]["description"]


async def test_configuration_changes_trigger_a_replan(service) -> None:
    calls = []

    async def listener() -> None:
        calls.append(1)

    service.on_change(listener)
    await service.add_channel(1, 10)
    await service.set_zone(1, "Asia/Seoul")
    await service.remove_channel(1, 10)
    assert len(calls) == 3
    with pytest.raises(BadInput):
        await service.remove_channel(1, 10)


def test_precisions_in_fixture_are_what_the_tests_assume() -> None:
    assert weekly().releases[0].when.precision is Precision.EXACT
    assert ManualClock


async def test_a_post_over_ten_embeds_is_split_and_pings_once(
    astore: Store, aclock, poster: FakePoster
) -> None:
    from bot.models import Kind, Release, Scope, Show, ShowRecord, When

    when = When.parse("2022-01-28T08:00", "UTC")
    records = [
        ShowRecord(
            Show(f"film-{n:02d}", f"Film {n}", Kind.FILM),
            releases=[Release(f"film-{n:02d}", when, Scope.SHOW)],
        )
        for n in range(12)
    ]
    await astore.import_records(records)
    service = AnnouncementService(astore, aclock, poster, rate_per_second=None)
    await service.add_channel(1, 10, role_id=100)
    poster.crash_after = 2  # the second part went out, then the process died
    await service.run_due(DUE)
    poster.crash_after = None
    await service.run_due(DUE + timedelta(seconds=20))
    sizes = [len(p.embeds) for p in poster.sent]
    assert sizes == [10, 5]  # 15 releases: AOAD, Snowdrop E1 and E2, twelve films
    assert [p.role_id for p in poster.sent] == [100, None]
    assert poster.sent[1].content.startswith("…and 5 more")
    assert {r.state for r in await astore.deliveries(10)} == {"sent"}


async def test_downtime_longer_than_a_week_still_records_every_missed_post(
    service, poster: FakePoster, caplog
) -> None:
    await service.add_channel(1, 10)  # added a day before the release (the service clock)
    await service.run_due(DUE - timedelta(hours=12))  # the last run before a long outage
    assert not await service.store.deliveries(10)
    report = await service.run_due(DUE + timedelta(days=30))  # back a month later
    rows = await service.store.deliveries(10)
    assert poster.sent == [] and report.skipped == len(rows) >= 3
    assert {r.state for r in rows} == {"skipped"}
    assert AOAD in {r.release_id for r in rows}  # a month old, outside the usual week: still recorded
    assert "skipped" in caplog.text


async def test_a_channel_found_deleted_is_forgotten_and_the_owner_told_its_name(
    service: AnnouncementService, poster: FakePoster
) -> None:
    await service.add_channel(1, 10, role_id=100, name="releases")
    await service.add_channel(1, 11)
    await service.run_due(DUE)
    history = await service.store.deliveries(10)
    poster.deleted.add(10)  # deleted while the bot was away: no event, a 404 on the next post
    report = await service.run_due(datetime(2022, 2, 4, 8, 0, tzinfo=UTC))
    assert report.gone == [10] and report.broken == [] and len(poster.posts_in(11)) == 2
    assert await service.store.announce_channel(10) is None
    assert poster.owner_dm_names == [("releases", True)]
    rows = await service.store.deliveries(10)
    assert rows[: len(history)] == history and rows[-1].state == "failed"  # history kept, the try recorded


async def test_adding_a_configured_channel_again_changes_only_what_is_given(
    service: AnnouncementService,
) -> None:
    from bot.announce.models import ChannelChange

    first = await service.configure(1, 10, ChannelChange(role_id=100, platforms=("netflix",), threads=True))
    assert first.created and first.platform_names == ("Netflix",)
    again = await service.configure(1, 10, ChannelChange(kinds=Kinds.PREMIERES))
    assert not again.created and again.config.added_at == first.config.added_at
    c = again.config
    assert (c.role_id, c.platforms, c.threads, c.kinds) == (100, ("netflix",), True, Kinds.PREMIERES)
    cleared = (await service.configure(1, 10, ChannelChange(clear_role=True, platforms=()))).config
    assert (cleared.role_id, cleared.platforms, cleared.threads) == (None, (), True)


async def test_unknown_platforms_are_refused_with_the_nearest(service: AnnouncementService) -> None:
    with pytest.raises(BadInput, match=r"“Disny\+” is not a platform.*Did you mean \*\*Disney\+\*\*"):
        await service.add_channel(1, 10, platforms=["Disny+"])
    assert await service.store.announce_channel(10) is None
    saved = await service.add_channel(1, 10, platforms=["DISNEY+", "net\u200bflix"])
    assert saved.platforms == ("disney+", "netflix")


async def test_reconcile_forgets_what_discord_no_longer_has(service: AnnouncementService) -> None:
    from bot.announce.channels import GuildState

    await service.add_channel(1, 10, role_id=100)
    await service.add_channel(1, 11, role_id=101)
    await service.add_channel(2, 20)
    await service.set_zone(3, "Asia/Seoul")
    await service.run_due(DUE)
    ledger = await service.store.deliveries(20)
    cleanup = await service.settings.reconcile(
        [GuildState(1, frozenset({10}), frozenset({1, 101}))], member_of=[1]
    )
    assert sorted(cleanup.guilds) == [2, 3] and sorted(c.channel_id for c in cleanup.channels) == [11, 20]
    assert cleanup.unpinged == [10]
    assert [(c.channel_id, c.role_id) for c in await service.store.announce_channels()] == [(10, None)]
    assert await service.store.announce_guild_ids() == {1}
    assert await service.store.deliveries(20) == ledger  # the ledger keeps its history
    # In no server at all is more likely a bad start: nothing is forgotten then.
    assert not await service.settings.reconcile([], member_of=[])
    assert await service.store.announce_guild_ids() == {1}


def test_time_zones_are_real_iana_names() -> None:
    from bot.announce.options import parse_zone

    assert parse_zone("asia/seoul") == "Asia/Seoul" and parse_zone(" UTC ") == "UTC"
    # A city only one zone names is that zone; one two zones name is asked about.
    assert parse_zone("seoul") == "Asia/Seoul" and parse_zone(" New York ") == "America/New_York"
    with pytest.raises(BadInput, match="Did you mean"):
        parse_zone("indianapolis")  # America/Indianapolis and America/Indiana/Indianapolis
    for fake in ("localtime", "posixrules", "Factory", "right/UTC", "posix/UTC", "", "Europe/Atlantis"):
        with pytest.raises(BadInput, match="not a time zone I know"):
            parse_zone(fake)
    assert not [z for z in zone_choices("r", 1000) if z.startswith(("posix/", "right/"))]
