"""Calendars: the pure rendering, parsed back with icalendar, and the service on a real store.

The founding story: All of Us Are Dead, the whole season on Netflix at 17:00 in Seoul on
2022-01-28 (08:00 UTC); beside it Snowdrop's weekly episodes and a date-only film.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest

from bot.announce.models import ChannelConfig, Kinds
from bot.calendar import (
    AHEAD,
    BACK,
    calendar_entries,
    calendar_items,
    clean_line,
    render,
    revise,
    uid_for,
)
from bot.calendar_models import FeedKind, Revision
from bot.clock import ManualClock
from bot.follows.models import What
from bot.models import Kind, Release, Scope, Show, ShowRecord, When
from bot.planner import Item
from bot.services.calendar import CalendarService, etag_of
from bot.store import Store
from tests.announcements.fakes import aoad, aoad_as_episodes, film, weekly

NOW = datetime(2022, 1, 27, 12, 0, tzinfo=UTC)  # the day before the release
AOAD_OUT = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
AOAD_UID = "all-of-us-are-dead-season-s1-netflix-ww@premiere"
GUILD = 100
USER = 7


def parse(body: bytes) -> icalendar.Calendar:
    cal = icalendar.Calendar.from_ical(body)
    assert cal.name == "VCALENDAR" and str(cal["VERSION"]) == "2.0" and cal["PRODID"]
    return cal


def events(body: bytes) -> dict[str, icalendar.Event]:
    found = parse(body).walk("VEVENT")
    by_uid = {str(e["UID"]): e for e in found}
    assert len(by_uid) == len(found), "two events share a UID"
    return by_uid


def rendered(records: list[ShowRecord], now: datetime = NOW) -> bytes:
    releases = [r for rec in records for r in rec.releases]
    shows = {rec.show.id: rec.show for rec in records}
    entries = calendar_entries(calendar_items(releases, now), shows)
    revisions = {e.uid: revise(None, e.digest, now) for e in entries}
    return render(entries, revisions, name="Premiere: test")


# -- the pure rendering ------------------------------------------------------------------------------


def test_an_exact_release_is_a_timed_event_in_utc() -> None:
    body = rendered([aoad()])
    assert b"DTSTART:20220128T080000Z\r\n" in body
    [event] = events(body).values()
    assert event.start == AOAD_OUT and event.start.utcoffset() == timedelta(0)
    assert "DTEND" not in event and "DURATION" not in event  # a release is an instant
    assert str(event["UID"]) == AOAD_UID
    assert str(event["SUMMARY"]) == "All of Us Are Dead — Season 1, all 12 episodes"
    description = str(event["DESCRIPTION"])
    assert description.startswith("Season 1, all 12 episodes · Netflix\nOriginal title: 지금 우리 학교는")
    assert "zombie virus outbreak" in description
    assert event.categories == ["Netflix"]
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert int(event["SEQUENCE"]) == 0
    assert event["LAST-MODIFIED"].dt == NOW and event["DTSTAMP"].dt == NOW


def test_a_date_only_release_is_an_all_day_event_on_its_date() -> None:
    body = rendered([film("2022-02-10", "Asia/Seoul")])
    assert b"DTSTART;VALUE=DATE:20220210\r\n" in body and b"DTEND;VALUE=DATE:20220211\r\n" in body
    [event] = events(body).values()
    assert event.start == date(2022, 2, 10) and not isinstance(event.start, datetime)
    assert str(event["SUMMARY"]) == "The Film — Film"


def test_month_year_tba_and_releases_outside_the_weeks_are_left_out() -> None:
    show = Show("vague", "Vague Show", Kind.SERIES, platform="Netflix")
    on = [
        Release(show.id, When.parse("2022-02", "UTC"), Scope.SEASON, season=1, platform="Netflix"),
        Release(show.id, When.parse("2022", "UTC"), Scope.SEASON, season=2, platform="Netflix"),
        Release(show.id, When.tba(), Scope.SEASON, season=3, platform="Netflix"),
        Release(show.id, When.parse("2022-01-19T08:00", "UTC"), Scope.SEASON, season=4),  # 8 days back
        Release(show.id, When.parse("2022-03-25T08:00", "UTC"), Scope.SEASON, season=5),  # 8 weeks + 1 day
        Release(show.id, When.parse("2022-01-21T08:00", "UTC"), Scope.SEASON, season=6),  # 6 days back
        Release(show.id, When.parse("2022-03-23T08:00", "UTC"), Scope.SEASON, season=7),  # inside
    ]
    body = rendered([ShowRecord(show, releases=on)])
    assert sorted(str(e["SUMMARY"]) for e in events(body).values()) == [
        "Vague Show — Season 6",
        "Vague Show — Season 7",
    ]
    assert (BACK, AHEAD) == (timedelta(days=7), timedelta(weeks=8))


def test_episodes_dropped_at_once_are_one_entry_named_by_the_first_episode() -> None:
    [event] = events(rendered([aoad_as_episodes()])).values()
    assert str(event["UID"]) == "all-of-us-are-dead-episode-s1-e1-netflix-ww@premiere"
    assert str(event["SUMMARY"]) == "All of Us Are Dead — S1E1–E12"
    snowdrop = events(rendered([weekly()]))
    assert [str(e["SUMMARY"]) for e in snowdrop.values()] == [
        "Snowdrop — S1E1",  # worldwide
        "Snowdrop — S1E2",  # Korea: another region, its own entry
        "Snowdrop — S1E3",
    ]


def test_a_moved_release_keeps_its_uid_and_its_revision_moves_on() -> None:
    before = calendar_entries(calendar_items(aoad().releases, NOW), {})
    later = aoad()
    moved = [
        Release(
            r.show_id, When.parse("2022-01-29T17:00", "Asia/Seoul"), r.scope, r.season, platform="Netflix"
        )
        for r in later.releases
    ]
    after = calendar_entries(calendar_items(moved, NOW), {})
    assert [e.uid for e in before] == [e.uid for e in after] == [AOAD_UID]
    assert before[0].digest != after[0].digest

    first = revise(None, before[0].digest, NOW)
    assert revise(first, before[0].digest, NOW + timedelta(hours=5)) is first  # unchanged: the same
    second = revise(first, after[0].digest, NOW + timedelta(hours=5, microseconds=7))
    assert second == Revision(after[0].digest, 1, NOW + timedelta(hours=5))
    [event] = events(render(after, {AOAD_UID: second}, name="x")).values()
    assert event.start == datetime(2022, 1, 29, 8, 0, tzinfo=UTC)
    assert int(event["SEQUENCE"]) == 1 and event["LAST-MODIFIED"].dt == NOW + timedelta(hours=5)


def test_the_same_entries_give_the_same_bytes() -> None:
    records = [aoad(), weekly(), film()]
    assert rendered(records) == rendered(records)
    assert b"UID:" in rendered(records) and rendered([]).count(b"BEGIN:VEVENT") == 0


HOSTILE = 'Evil\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:pwned@x\r\nSUMMARY:pwned\x00\x07\u202e;,\\ "quoted"'


def test_hostile_catalogue_text_stays_text() -> None:
    show = Show(
        "evil",
        HOSTILE,
        Kind.FILM,
        platform="Net\nflix, Inc;",
        synopsis="Line one\r\nEND:VCALENDAR\x1b[31m\nline two\u2028three",
        original_title="BEGIN:VALARM",
    )
    rel = Release(
        show.id, When.parse("2022-02-01T12:00", "UTC"), Scope.SHOW, platform=show.platform, note="a\rb"
    )
    body = rendered([ShowRecord(show, releases=[rel])])
    lines = body.split(b"\r\n")
    assert lines.count(b"BEGIN:VEVENT") == 1 and lines.count(b"END:VCALENDAR") == 1
    assert not [line for line in lines if line.startswith((b"UID:pwned", b"SUMMARY:pwned", b"BEGIN:VALARM"))]
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", body.replace(b"\r\n", b""))
    [event] = events(body).values()
    assert str(event["UID"]) == uid_for(Item(show.id, (rel,)))
    summary = str(event["SUMMARY"])
    assert summary == 'Evil END:VEVENT BEGIN:VEVENT UID:pwned@x SUMMARY:pwned;,\\ "quoted" — Film'
    assert summary == clean_line(HOSTILE) + " — Film"
    description = str(event["DESCRIPTION"])
    assert "Line one\nEND:VCALENDAR[31m\nline two\nthree" in description and "\x1b" not in description
    assert "\r" not in description and "a\nb" in description
    assert event.categories == ["Net flix, Inc;"]


def test_long_text_is_cut() -> None:
    show = Show("long", "T" * 1000, Kind.FILM, synopsis="S" * 5000)
    rel = Release(show.id, When.parse("2022-02-01T12:00", "UTC"), Scope.SHOW)
    [event] = events(rendered([ShowRecord(show, releases=[rel])])).values()
    assert len(str(event["SUMMARY"])) <= 250 and str(event["SUMMARY"]).endswith("…")
    assert len(str(event["DESCRIPTION"])) <= 1500


# -- the service on a real store -----------------------------------------------------------------------


@pytest.fixture
async def cstore(store: Store) -> Store:
    await store.import_records([aoad(), weekly(), film("2022-02-10", "Asia/Seoul")])
    return store


@pytest.fixture
def cclock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def service(cstore: Store, cclock: ManualClock) -> CalendarService:
    return CalendarService(cstore, cclock, guild_name=lambda gid: {GUILD: "Zombie Fans"}.get(gid))


async def add_channel(store: Store, channel_id: int, **kw: object) -> None:
    await store.upsert_announce_channel(
        ChannelConfig(channel_id, GUILD, NOW - timedelta(days=30), **kw)  # type: ignore[arg-type]
    )


def summaries(body: bytes) -> list[str]:
    return [str(e["SUMMARY"]) for e in events(body).values()]


async def test_a_server_calendar_holds_what_its_channels_would_post(
    service: CalendarService, cstore: Store
) -> None:
    assert not await service.announces(GUILD)
    assert (await service.calendar(FeedKind.SERVER, GUILD)).events == 0
    await add_channel(cstore, 1, kinds=Kinds.PREMIERES, platforms=("netflix",))
    got = await service.calendar(FeedKind.SERVER, GUILD)
    assert await service.announces(GUILD)
    cal = parse(got.body)
    assert str(cal["NAME"]) == "Premiere: releases in Zombie Fans"
    assert summaries(got.body) == ["All of Us Are Dead — Season 1, all 12 episodes", "The Film — Film"]
    assert got.events == 2 and (got.start, got.end) == (NOW - BACK, NOW + AHEAD)

    await add_channel(cstore, 2, kinds=Kinds.EPISODES, shows=("snowdrop",))  # S1E2, E3: not premieres
    got = await service.calendar(FeedKind.SERVER, GUILD, server_name="Renamed")
    assert summaries(got.body) == [  # in time order: the film's day (10 February) comes last
        "All of Us Are Dead — Season 1, all 12 episodes",
        "Snowdrop — S1E2",
        "Snowdrop — S1E3",
        "The Film — Film",
    ]
    assert str(parse(got.body)["NAME"]) == "Premiere: releases in Renamed"

    await cstore.mark_channel_broken(1, "Missing Access", NOW)  # a broken channel posts nothing
    assert sorted(summaries((await service.calendar(FeedKind.SERVER, GUILD)).body)) == [
        "Snowdrop — S1E2",
        "Snowdrop — S1E3",
    ]
    assert (await service.calendar(FeedKind.SERVER, GUILD + 1)).events == 0  # another server


async def test_a_member_calendar_holds_the_shows_they_follow(service: CalendarService, cstore: Store) -> None:
    assert (await service.calendar(FeedKind.USER, USER)).events == 0
    await cstore.follows.add_follow(USER, "snowdrop", What.PREMIERES, now=NOW, cap=100)
    got = await service.calendar(FeedKind.USER, USER)
    assert summaries(got.body) == ["Snowdrop — S1E1"]
    assert str(parse(got.body)["NAME"]) == "Premiere: shows I follow"
    await cstore.follows.add_follow(USER, "snowdrop", What.EPISODES, now=NOW, cap=100)
    await cstore.follows.add_follow(USER, "all-of-us-are-dead", What.PREMIERES, now=NOW, cap=100)
    assert sorted(summaries((await service.calendar(FeedKind.USER, USER)).body)) == [
        "All of Us Are Dead — Season 1, all 12 episodes",
        "Snowdrop — S1E1",
        "Snowdrop — S1E2",
        "Snowdrop — S1E3",
    ]
    assert (await service.calendar(FeedKind.USER, USER + 1)).events == 0


async def test_tokens_are_made_once_reset_and_never_guessed(service: CalendarService, cstore: Store) -> None:
    assert service.url(await service.link(FeedKind.USER, USER)) is None  # feeds off
    first = await service.link(FeedKind.USER, USER)
    assert first == await service.link(FeedKind.USER, USER)
    assert len(first.token) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", first.token)
    server = await service.link(FeedKind.SERVER, USER)  # the same id as a server: another feed
    assert server.token != first.token
    service.serve_at("https://premiere.example.org/")
    assert service.url(first) == f"https://premiere.example.org/calendar/{first.token}.ics"

    assert await service.serve(first.token) is not None
    new = await service.reset(FeedKind.USER, USER)
    assert new.token != first.token and new.owner_id == USER
    assert await service.serve(first.token) is None
    assert await service.serve(new.token) is not None
    assert await service.serve(server.token) is not None  # untouched
    for bad in ("", "x", "../../etc/passwd", new.token + "/", new.token.upper() + "A", "a" * 500):
        assert await service.serve(bad) is None, bad


async def test_a_feed_changes_its_etag_only_when_what_it_shows_changes(
    service: CalendarService, cstore: Store, cclock: ManualClock
) -> None:
    await cstore.follows.add_follow(USER, "all-of-us-are-dead", What.PREMIERES, now=NOW, cap=100)
    feed = await service.link(FeedKind.USER, USER)
    one = await service.serve(feed.token)
    assert one is not None and one.etag == etag_of(one.body) and one.last_modified == NOW

    cclock.advance(timedelta(hours=3))  # nothing changed: the same bytes, the same dates, no write
    statements: list[str] = []
    stop = cstore.db.observe(statements.append)
    two = await service.serve(feed.token)
    stop()
    assert two is not None and (two.body, two.etag, two.last_modified) == (one.body, one.etag, NOW)
    assert statements and all(s.lstrip().upper().startswith("SELECT") for s in statements), statements

    # The release moves: the same entry, revised; a new ETag, changed now.
    moved = aoad()
    moved.releases[0] = Release(
        moved.show.id,
        When.parse("2022-01-29T17:00", "Asia/Seoul"),
        Scope.SEASON,
        season=1,
        platform="Netflix",
    )
    await cstore.import_records([moved])
    three = await service.serve(feed.token)
    assert three is not None and three.etag != one.etag and three.last_modified == NOW + timedelta(hours=3)
    [event] = events(three.body).values()
    assert str(event["UID"]) == AOAD_UID and event.start == datetime(2022, 1, 29, 8, 0, tzinfo=UTC)
    assert int(event["SEQUENCE"]) == 1 and event["LAST-MODIFIED"].dt == NOW + timedelta(hours=3)

    # A restart: a new service reads the same revisions, so the same bytes and ETag.
    again = await CalendarService(cstore, cclock).serve(feed.token)
    assert again is not None and (again.etag, again.last_modified) == (three.etag, three.last_modified)

    # An unfollow changes the feed, though no entry changed: the feed's own Last-Modified moves.
    cclock.advance(timedelta(hours=1))
    await cstore.follows.remove_follow(USER, "all-of-us-are-dead")
    four = await service.serve(feed.token)
    assert four is not None and four.etag != three.etag and four.last_modified == NOW + timedelta(hours=4)
    assert four.events == 0 and events(four.body) == {}


async def test_one_entry_in_two_calendars_is_revised_once(
    service: CalendarService, cstore: Store, cclock: ManualClock
) -> None:
    await add_channel(cstore, 1)
    await cstore.follows.add_follow(USER, "all-of-us-are-dead", What.PREMIERES, now=NOW, cap=100)
    await service.calendar(FeedKind.SERVER, GUILD)
    moved = aoad()
    moved.releases[0] = Release(
        moved.show.id,
        When.parse("2022-01-30T17:00", "Asia/Seoul"),
        Scope.SEASON,
        season=1,
        platform="Netflix",
    )
    await cstore.import_records([moved])
    cclock.advance(timedelta(minutes=5))
    server, member = (
        events((await service.calendar(FeedKind.SERVER, GUILD)).body)[AOAD_UID],
        events((await service.calendar(FeedKind.USER, USER)).body)[AOAD_UID],
    )
    assert int(server["SEQUENCE"]) == int(member["SEQUENCE"]) == 1
    assert server["LAST-MODIFIED"].dt == member["LAST-MODIFIED"].dt == NOW + timedelta(minutes=5)
