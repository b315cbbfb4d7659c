"""The week at a glance: weeks in a server's zone, what a channel's week lists, its message under
Discord's limits, and the service that posts it once per week and edits it only on change."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.announce.models import ChannelChange, GuildConfig, Kinds
from bot.announce.port import ChannelBroken, Embed, TransientDeliveryError
from bot.clock import ManualClock
from bot.models import Kind, Release, Scope, Show, When
from bot.render import embed_length
from bot.services.weekly import JOB_ID, WeeklyService, add_weekly_jobs, weekly_nonce
from bot.store import Store
from bot.weekly import (
    AHEAD,
    NOTHING,
    OUT,
    MessageGone,
    Week,
    channel_entries,
    read_window,
    release_day,
    render_week,
    week_entries,
    week_of,
)
from tests.announcements.fakes import aoad, film, weekly

SEOUL = GuildConfig(1, "Asia/Seoul", time(9, 0))
UTC_GUILD = GuildConfig(2)
MONDAY = date(2022, 1, 24)
AOAD_OUT = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)  # 17:00 in Seoul, a Friday
TUESDAY = datetime(2022, 1, 25, 10, 0, tzinfo=UTC)


def releases() -> list[Release]:
    return [*aoad().releases, *weekly().releases, *film("2022-01-26", "UTC").releases]


def shows() -> dict[str, Show]:
    return {r.show.id: r.show for r in (aoad(), weekly(), film())}


def description(glance_embeds: list[Embed]) -> str:
    return str(glance_embeds[0]["description"])


# -- weeks -------------------------------------------------------------------------------------------


def test_a_week_starts_on_monday_at_the_servers_post_time_in_its_zone() -> None:
    # 08:59 on Monday in Seoul is still last week; 09:00 is the new one.
    assert week_of(datetime(2022, 1, 23, 23, 59, tzinfo=UTC), SEOUL).start == date(2022, 1, 17)
    assert week_of(datetime(2022, 1, 24, 0, 0, tzinfo=UTC), SEOUL).start == MONDAY
    # The same instants on a UTC server: its Monday 09:00 comes nine hours later.
    assert week_of(datetime(2022, 1, 24, 0, 0, tzinfo=UTC), UTC_GUILD).start == date(2022, 1, 17)
    assert week_of(datetime(2022, 1, 24, 9, 0, tzinfo=UTC), UTC_GUILD).start == MONDAY
    assert week_of(datetime(2022, 1, 30, 23, 59, tzinfo=UTC), UTC_GUILD).start == MONDAY

    week = week_of(AOAD_OUT, SEOUL)
    assert week == Week(MONDAY, "Asia/Seoul", time(9, 0))
    assert week.posts_at == datetime(2022, 1, 24, 0, 0, tzinfo=UTC)
    assert week.next_at == datetime(2022, 1, 31, 0, 0, tzinfo=UTC)
    assert week.span() == (datetime(2022, 1, 23, 15, 0, tzinfo=UTC), datetime(2022, 1, 30, 15, 0, tzinfo=UTC))
    assert week.label() == "24 – 30 January 2022"
    assert Week(date(2022, 1, 31)).label() == "31 January – 6 February 2022"
    assert Week(date(2021, 12, 27)).label() == "27 December 2021 – 2 January 2022"


def test_a_week_follows_daylight_saving_time() -> None:
    # New York moved its clocks on Sunday 13 March 2022: 09:00 is 14:00 UTC before, 13:00 after.
    ny = GuildConfig(3, "America/New_York", time(9, 0))
    assert week_of(datetime(2022, 3, 7, 14, 0, tzinfo=UTC), ny).posts_at == datetime(
        2022, 3, 7, 14, 0, tzinfo=UTC
    )
    after = week_of(datetime(2022, 3, 14, 13, 0, tzinfo=UTC), ny)
    assert after.start == date(2022, 3, 14) and after.posts_at == datetime(2022, 3, 14, 13, 0, tzinfo=UTC)
    assert week_of(datetime(2022, 3, 14, 12, 59, tzinfo=UTC), ny).start == date(2022, 3, 7)


def test_a_release_is_in_the_week_of_its_day_in_the_servers_zone() -> None:
    late_sunday = Release("s", When.parse("2022-01-30T15:30", "UTC"), Scope.EPISODE, 1, 1, "Netflix")
    assert release_day(late_sunday, "UTC") == date(2022, 1, 30)
    assert release_day(late_sunday, "Asia/Seoul") == date(2022, 1, 31)  # 00:30 on Monday there
    dated = Release("d", When.parse("2022-01-30", "Asia/Seoul"), Scope.SHOW)
    assert release_day(dated, "UTC") == release_day(dated, "Asia/Seoul") == date(2022, 1, 30)
    for text in ("2022-01", "2022", "TBA"):
        assert release_day(Release("m", When.parse(text, "UTC")), "UTC") is None

    utc_week, seoul_week = Week(MONDAY), Week(MONDAY, "Asia/Seoul")
    assert [e.item.show_id for e in week_entries(utc_week, UTC_GUILD, [late_sunday, dated])] == ["d", "s"]
    assert [e.item.show_id for e in week_entries(seoul_week, SEOUL, [late_sunday, dated])] == ["d"]
    start, end = read_window([utc_week, seoul_week])
    assert start <= seoul_week.span()[0] - timedelta(days=1) and end >= utc_week.span()[1] + timedelta(days=1)


# -- the message -------------------------------------------------------------------------------------


def test_the_message_shows_dates_and_timestamps_and_ticks_what_is_out() -> None:
    monthly = Release("later-film", When.parse("2022-01", "UTC"), Scope.SHOW, platform="Netflix")
    entries = week_entries(Week(MONDAY), UTC_GUILD, [*releases(), monthly])
    # The film on Wednesday (date-only), All of Us Are Dead and two Snowdrop episodes on Friday;
    # Snowdrop's third episode is next week and the month-only release is never listed.
    assert [e.item.show_id for e in entries] == ["the-film", "all-of-us-are-dead", "snowdrop", "snowdrop"]

    glance = render_week(Week(MONDAY), entries, shows(), datetime(2022, 1, 27, 12, 0, tzinfo=UTC))
    lines = description(glance.embeds).split("\n")
    assert lines[0] == f"{OUT} ~~**The Film** — Film · Netflix · Wednesday 26 January~~"
    stamp = f"<t:{int(AOAD_OUT.timestamp())}:f>"
    assert lines[1] == f"{AHEAD} **All of Us Are Dead** — Season 1, all 12 episodes · Netflix · {stamp}"
    assert lines[2] == f"{AHEAD} **Snowdrop** — S1E1 · Disney+ · {stamp}"
    assert lines[3] == f"{AHEAD} **Snowdrop** — S1E2 · Disney+ · KR · {stamp}"
    assert glance.embeds[0]["title"] == "This week: 24 – 30 January 2022"
    assert (glance.listed, glance.more) == (4, 0)

    # What it shows is its digest: the same now, another once a release is out.
    again = render_week(Week(MONDAY), entries, shows(), datetime(2022, 1, 27, 13, 0, tzinfo=UTC))
    assert again.digest == glance.digest
    later = render_week(Week(MONDAY), entries, shows(), AOAD_OUT)
    assert later.digest != glance.digest
    assert description(later.embeds).split("\n")[1].startswith(f"{OUT} ~~**All of Us Are Dead**")

    empty = render_week(Week(MONDAY), [], shows(), AOAD_OUT)
    assert description(empty.embeds) == NOTHING


def test_catalogue_text_cannot_ping_or_format() -> None:
    show = Show("prank", "@everyone ~~Prank~~ <@&1>", Kind.FILM, platform="**Net**")
    rel = Release("prank", When.parse("2022-01-25", "UTC"), Scope.SHOW)
    glance = render_week(Week(MONDAY), week_entries(Week(MONDAY), UTC_GUILD, [rel]), {"prank": show}, TUESDAY)
    text = description(glance.embeds)
    assert "@everyone" not in text and "<@&1>" not in text and "\\~\\~Prank\\~\\~" in text
    assert "\\*\\*Net\\*\\*" in text


def test_a_channels_filters_choose_its_list() -> None:
    entries = week_entries(Week(MONDAY), UTC_GUILD, releases())
    platforms = {"all-of-us-are-dead": "Netflix", "snowdrop": "Disney+", "the-film": "Netflix"}
    base = dict(channel_id=10, guild_id=2, added_at=TUESDAY)

    def ids(**filters: object) -> list[str]:
        from bot.announce.models import ChannelConfig

        chosen = channel_entries(entries, ChannelConfig(**base, **filters), platforms)  # type: ignore[arg-type]
        return [rid for e in chosen for rid in e.item.release_ids]

    assert len(ids()) == 4
    assert all("snowdrop" not in r for r in ids(platforms=("netflix",)))
    assert (
        all(r.startswith("snowdrop") for r in ids(shows=("snowdrop",))) and len(ids(shows=("snowdrop",))) == 2
    )
    assert ids(kinds=Kinds.EPISODES) == ["snowdrop-episode-s1-e2-disney-kr"]
    assert "snowdrop-episode-s1-e2-disney-kr" not in ids(kinds=Kinds.PREMIERES)


def busy_week(n: int) -> tuple[list[Release], dict[str, Show]]:
    start = datetime(2022, 1, 24, 0, 0, tzinfo=UTC)
    rels, titles = [], {}
    for i in range(n):
        sid = f"show-{i:03d}"
        titles[sid] = Show(sid, f"A Rather Long Show Title Number {i:03d}", platform="Some Streaming Service")
        when = start + timedelta(minutes=25 * i)  # 400 of them fill the week
        rels.append(Release(sid, When.parse(when.strftime("%Y-%m-%dT%H:%M"), "UTC"), Scope.EPISODE, 2, 5))
    return rels, titles


def test_a_busy_week_is_cut_under_discords_limits() -> None:
    rels, titles = busy_week(400)
    entries = week_entries(Week(MONDAY), UTC_GUILD, rels)
    assert len(entries) == 400
    before = render_week(Week(MONDAY), entries, titles, datetime(2022, 1, 23, tzinfo=UTC))
    embed = before.embeds[0]
    text = description(before.embeds)
    assert len(text) <= 4096 and embed_length(embed) <= 6000 and len(embed.get("fields", [])) <= 25
    assert len(before.content) <= 2000
    assert before.more > 0 and before.listed + before.more == 400
    assert text.endswith(f"…and {before.more} more")

    # Mid-week, what is out is counted in one line, and the list goes on with what is to come.
    now = datetime(2022, 1, 27, 0, 0, tzinfo=UTC)
    out = sum(1 for e in entries if e.due <= now)
    mid = render_week(Week(MONDAY), entries, titles, now)
    text = description(mid.embeds)
    assert text.split("\n")[0] == f"{OUT} {out} already out this week"
    assert text.split("\n")[1].startswith(AHEAD) and len(text) <= 4096
    assert out + mid.listed + mid.more == 400 and text.endswith(f"…and {mid.more} more")


# -- the service -------------------------------------------------------------------------------------


@dataclass
class FakeWeeklyPoster:
    """Discord as the service sees it: messages by channel, a nonce remembered, deletions."""

    messages: dict[int, dict[int, tuple[str, list[Embed]]]] = field(default_factory=dict)
    calls: list[tuple[str, int]] = field(default_factory=list)
    nonces: dict[tuple[int, str], int] = field(default_factory=dict)
    broken: dict[int, str] = field(default_factory=dict)
    transient: int = 0
    die_after_send: bool = False
    next_id: int = 500

    async def send(
        self, channel_id: int, content: str, embeds: list[Embed], *, nonce: str | None = None
    ) -> int:
        self.calls.append(("send", channel_id))
        self._check(channel_id)
        key = (channel_id, nonce or "")
        if nonce and key in self.nonces and self.nonces[key] in self.messages.get(channel_id, {}):
            return self.nonces[key]
        self.next_id += 1
        self.messages.setdefault(channel_id, {})[self.next_id] = (content, embeds)
        if nonce:
            self.nonces[key] = self.next_id
        if self.die_after_send:
            self.die_after_send = False
            raise TransientDeliveryError("the connection dropped after Discord took the message")
        return self.next_id

    async def edit(self, channel_id: int, message_id: int, content: str, embeds: list[Embed]) -> None:
        self.calls.append(("edit", channel_id))
        self._check(channel_id)
        if message_id not in self.messages.get(channel_id, {}):
            raise MessageGone("the message was deleted (Unknown Message)")
        self.messages[channel_id][message_id] = (content, embeds)

    def _check(self, channel_id: int) -> None:
        if channel_id in self.broken:
            raise ChannelBroken(self.broken[channel_id])
        if self.transient:
            self.transient -= 1
            raise TransientDeliveryError("Discord had a server error (503)")

    def shown(self, channel_id: int) -> dict[int, str]:
        return {mid: str(e[0]["description"]) for mid, (_, e) in self.messages.get(channel_id, {}).items()}


@pytest.fixture
def wclock() -> ManualClock:
    return ManualClock(TUESDAY)


@pytest.fixture
def port() -> FakeWeeklyPoster:
    return FakeWeeklyPoster()


@pytest.fixture
async def wstore(store: Store) -> Store:
    await store.import_records([aoad(), weekly(), film("2022-01-26", "UTC")])
    return store


@pytest.fixture
def glance(wstore: Store, wclock: ManualClock, port: FakeWeeklyPoster) -> WeeklyService:
    return WeeklyService(wstore, wclock, port)


async def add(store: Store, guild_id: int, channel_id: int, **change: object) -> None:
    await store.configure_announce_channel(
        guild_id,
        channel_id,
        ChannelChange(weekly=True, **change),
        now=TUESDAY - timedelta(days=30),  # type: ignore[arg-type]
    )


async def test_one_message_per_week_edited_only_when_what_it_shows_changed(
    wstore: Store, wclock: ManualClock, port: FakeWeeklyPoster, glance: WeeklyService
) -> None:
    await add(wstore, 2, 20)
    await wstore.configure_announce_channel(2, 21, ChannelChange(), now=TUESDAY)  # posts only, no glance
    report = await glance.refresh()
    assert report.posted == 1 and port.calls == [("send", 20)]
    [(mid, text)] = port.shown(20).items()
    assert text.count(AHEAD) == 4 and OUT not in text  # Tuesday: the film is out on Wednesday
    row = await wstore.weekly.weekly_message(20, MONDAY)
    assert row is not None and row.message_id == mid and row.guild_id == 2

    # Nothing changed: a handful of reads and no request.
    seen: list[str] = []
    stop = wstore.db.observe(seen.append)
    report = await glance.refresh(TUESDAY + timedelta(minutes=5))
    stop()
    assert report.unchanged == 1 and not report and len(port.calls) == 1
    assert len(seen) <= 5 and all(s.lstrip().upper().startswith(("SELECT", "PRAGMA")) for s in seen), seen

    # All of Us Are Dead comes out: the same message is edited, its line ticked.
    wclock.set(AOAD_OUT)
    report = await glance.refresh()
    assert report.edited == 1 and port.calls[-1] == ("edit", 20) and list(port.shown(20)) == [mid]
    assert f"{OUT} ~~**All of Us Are Dead**" in port.shown(20)[mid]
    assert (await glance.refresh()).unchanged == 1 and len(port.calls) == 2

    # Next Monday at 09:00 UTC: a new message for the new week; last week's stays as it was.
    wclock.set(datetime(2022, 1, 31, 9, 0, tzinfo=UTC))
    report = await glance.refresh()
    assert report.posted == 1 and len(port.shown(20)) == 2
    new = max(port.shown(20))
    assert "Snowdrop** — S1E3" in port.shown(20)[new] and "All of Us Are Dead" not in port.shown(20)[new]
    assert port.shown(20)[mid].count(OUT) == 4


async def test_a_moved_added_or_removed_release_changes_the_message(
    wstore: Store, wclock: ManualClock, port: FakeWeeklyPoster, glance: WeeklyService
) -> None:
    await add(wstore, 2, 20)
    await glance.refresh()
    [mid] = port.shown(20)
    moved = aoad()
    moved.releases = [
        Release(moved.show.id, When.parse("2022-02-02", "UTC"), Scope.SEASON, 1, platform="Netflix")
    ]
    await wstore.import_records([moved])
    assert (await glance.refresh()).edited == 1
    assert "All of Us Are Dead" not in port.shown(20)[mid]
    extra = film("2022-01-29", "UTC")
    extra.show = Show("another-film", "Another Film", Kind.FILM, platform="Netflix")
    extra.releases = [
        Release("another-film", When.parse("2022-01-29", "UTC"), Scope.SHOW, platform="Netflix")
    ]
    await wstore.import_records([extra])
    assert (await glance.refresh()).edited == 1
    assert f"{AHEAD} **Another Film** — Film · Netflix · Saturday 29 January" in port.shown(20)[mid]
    assert list(port.shown(20)) == [mid]


async def test_a_deleted_message_is_posted_again_and_remembered(
    wstore: Store, wclock: ManualClock, port: FakeWeeklyPoster, glance: WeeklyService
) -> None:
    await add(wstore, 2, 20)
    await glance.refresh()
    [old] = port.shown(20)
    del port.messages[20][old]  # a moderator deleted it
    wclock.set(AOAD_OUT)
    report = await glance.refresh()
    assert report.replaced == 1 and [c for c, _ in port.calls] == ["send", "edit", "send"]
    [new] = port.shown(20)
    assert new != old and (await wstore.weekly.weekly_message(20, MONDAY)).message_id == new  # type: ignore[union-attr]
    wclock.set(AOAD_OUT + timedelta(days=1))
    await wstore.import_records([film("2022-01-30", "UTC")])
    assert (await glance.refresh()).edited == 1 and list(port.shown(20)) == [new]
    assert weekly_nonce(20, Week(MONDAY), old) != weekly_nonce(20, Week(MONDAY))


async def test_a_refresh_that_lost_discords_answer_posts_the_same_message_again(
    wstore: Store, wclock: ManualClock, port: FakeWeeklyPoster, glance: WeeklyService
) -> None:
    await add(wstore, 2, 20)
    port.die_after_send = True
    report = await glance.refresh()
    assert report.failed == 1 and len(port.shown(20)) == 1
    assert await wstore.weekly.weekly_message(20, MONDAY) is None
    report = await glance.refresh()
    assert report.posted == 1 and len(port.shown(20)) == 1  # the nonce: Discord answers with the first
    assert (await wstore.weekly.weekly_message(20, MONDAY)).message_id == next(iter(port.shown(20)))  # type: ignore[union-attr]


async def test_paused_servers_and_broken_channels_are_not_served(
    wstore: Store,
    wclock: ManualClock,
    port: FakeWeeklyPoster,
    glance: WeeklyService,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await add(wstore, 2, 20)
    await add(wstore, 3, 30)
    await add(wstore, 4, 40)
    await add(wstore, 5, 50)
    await wstore.update_announce_guild(3, paused=True)
    await wstore.mark_channel_broken(40, "Missing Access", TUESDAY)
    port.broken[50] = "I lost a permission there (Missing Permissions)"
    with caplog.at_level(logging.WARNING, logger="bot.services.weekly"):
        report = await glance.refresh()
        assert report.posted == 1 and report.skipped == 2 and report.broken == [50]
        assert set(port.messages) == {20}
        # Tried again only after a while, and logged once.
        calls = len(port.calls)
        wclock.advance(timedelta(minutes=10))
        await wstore.import_records([film("2022-01-30", "UTC")])
        report = await glance.refresh()
        assert report.edited == 1 and report.skipped == 3 and port.calls[calls:] == [("edit", 20)]
        wclock.advance(glance.broken_retry)
        report = await glance.refresh()
        assert report.broken == [50]
    assert sum("channel 50" in r.getMessage() for r in caplog.records) == 1
    port.broken.clear()
    wclock.advance(glance.broken_retry)
    assert (await glance.refresh()).posted == 1 and 50 in port.messages


async def test_a_server_error_is_tried_again_at_the_next_refresh(
    wstore: Store, port: FakeWeeklyPoster, glance: WeeklyService
) -> None:
    await add(wstore, 2, 20)
    port.transient = 1
    assert (await glance.refresh()).failed == 1 and not port.messages
    assert (await glance.refresh(TUESDAY + timedelta(minutes=5))).posted == 1


async def test_a_tick_reads_nothing_until_something_can_have_changed(
    wstore: Store, wclock: ManualClock, port: FakeWeeklyPoster, glance: WeeklyService
) -> None:
    await add(wstore, 2, 20)
    assert (await glance.tick()) is not None and port.calls == [("send", 20)]
    assert glance.next_refresh == TUESDAY + glance.refresh_every

    seen: list[str] = []
    stop = wstore.db.observe(seen.append)
    wclock.advance(timedelta(minutes=1))
    assert await glance.tick() is None
    stop()
    assert seen == []

    # Close to a release, the next tick is at its minute (the usual refresh would be later).
    wclock.set(AOAD_OUT - timedelta(minutes=2))
    await glance.tick()
    assert glance.next_refresh == AOAD_OUT
    wclock.set(AOAD_OUT)
    assert (await glance.tick()) is not None and port.calls[-1] == ("edit", 20)

    # Sunday night: the next refresh is when the next week starts.
    wclock.set(datetime(2022, 1, 31, 8, 58, tzinfo=UTC))
    await glance.tick()
    assert glance.next_refresh == datetime(2022, 1, 31, 9, 0, tzinfo=UTC)
    # A configuration change refreshes at the next tick.
    wclock.advance(timedelta(minutes=1))
    await glance.changed()
    await add(wstore, 2, 22)
    assert (await glance.tick()) is not None and 22 in port.messages


async def test_a_change_heard_during_a_refresh_is_read_at_the_next_tick(
    wstore: Store, wclock: ManualClock, port: FakeWeeklyPoster, glance: WeeklyService
) -> None:
    await add(wstore, 2, 20)
    real_send = port.send

    async def send_while_an_admin_adds_a_channel(*args: object, **kwargs: object) -> int:
        await add(wstore, 2, 22)
        await glance.changed()
        port.send = real_send  # type: ignore[method-assign]
        return await real_send(*args, **kwargs)  # type: ignore[arg-type]

    port.send = send_while_an_admin_adds_a_channel  # type: ignore[method-assign]
    assert (await glance.refresh()).posted == 1 and set(port.messages) == {20}
    assert glance.next_refresh is None
    wclock.advance(timedelta(minutes=1))
    report = await glance.tick()
    assert report is not None and report.posted == 1 and set(port.messages) == {20, 22}


async def test_rows_of_weeks_long_gone_are_forgotten(
    wstore: Store, wclock: ManualClock, glance: WeeklyService
) -> None:
    await add(wstore, 2, 20)
    await wstore.weekly.save_weekly_message(20, date(2021, 12, 27), 2, 7, "x", now=TUESDAY)
    await wstore.weekly.save_weekly_message(20, date(2022, 1, 17), 2, 8, "y", now=TUESDAY)
    await glance.refresh()
    kept = await wstore.weekly.weekly_messages(date(2000, 1, 1))
    assert sorted(k[1] for k in kept) == [date(2022, 1, 17), MONDAY]


async def test_the_job_ticks_on_the_bots_scheduler(
    glance: WeeklyService, port: FakeWeeklyPoster, wstore: Store
) -> None:
    jobs: list[tuple[object, timedelta, str, timedelta]] = []

    class Scheduler:
        def add_interval_job(self, func, every, job_id, *, first_in):  # type: ignore[no-untyped-def]
            jobs.append((func, every, job_id, first_in))

    add_weekly_jobs(Scheduler(), glance)
    [(func, every, job_id, first_in)] = jobs
    assert job_id == JOB_ID and every == timedelta(minutes=1) and first_in <= timedelta(seconds=10)
    await add(wstore, 2, 20)
    await func()  # type: ignore[operator]
    assert port.calls == [("send", 20)]
