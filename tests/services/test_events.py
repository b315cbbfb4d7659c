"""Discord scheduled events for releases: what each event says and which a server must have
(pure), and the service that makes each one once, moves it with its release, cancels it when the
release is withdrawn, and deletes them all when the feature is turned off (with an in-memory
Discord that behaves as the service sees it)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.announce.models import ChannelChange, ChannelConfig, GuildConfig, Kinds
from bot.announce.port import DeliveryError, TransientDeliveryError
from bot.clock import ManualClock
from bot.errors import BadInput
from bot.events import (
    EVENT_LENGTH,
    EventFinished,
    EventGone,
    EventLimit,
    EventsForbidden,
    EventSpec,
    ListedEvent,
    creatable,
    event_spec,
    guild_wanted,
    items_by_due,
    off_text,
    on_text,
    parse_days,
)
from bot.models import Release, Scope, Show, When
from bot.services.events import JOB_ID, EventService, add_event_jobs
from bot.store import Store
from tests.announcements.fakes import aoad, aoad_as_episodes, film, weekly

NOW = datetime(2022, 1, 21, 12, 0, tzinfo=UTC)  # a week before All of Us Are Dead
AOAD_OUT = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)  # 17:00 in Seoul
G, C = 1, 10  # a server and its announcement channel
ADDED = NOW - timedelta(days=30)


def channel(**change: object) -> ChannelConfig:
    fields: dict[str, object] = {"channel_id": C, "guild_id": G, "added_at": ADDED}
    fields.update(change)
    return ChannelConfig(**fields)  # type: ignore[arg-type]


def wanted_at(
    now: datetime, guild: GuildConfig, releases: list[Release], **change: object
) -> dict[str, object]:
    return {
        k: w.start
        for k, w in guild_wanted(now, items_by_due(guild, releases), [channel(**change)], {}).items()
    }


# -- what an event says ------------------------------------------------------------------------------


def test_an_event_names_the_show_and_what_comes_out_where_and_when() -> None:
    rec = aoad()
    [(due, item)] = items_by_due(GuildConfig(G), rec.releases)
    spec = event_spec(item, rec.show, due)
    assert spec.name == "All of Us Are Dead — Season 1, all 12 episodes"
    assert spec.location == "Netflix"
    assert spec.description == "A high school becomes ground zero for a zombie virus outbreak."
    assert (spec.start, spec.end) == (AOAD_OUT, AOAD_OUT + EVENT_LENGTH)

    # Twelve episodes dropped at once: one event, as one post.
    eps = aoad_as_episodes()
    [(_, drop)] = items_by_due(GuildConfig(G), eps.releases)
    assert event_spec(drop, eps.show, AOAD_OUT).name == "All of Us Are Dead — S1E1–E12"
    # A film is its title; an episode in one region says where.
    f = film()
    [(_, item)] = items_by_due(GuildConfig(G), f.releases)
    assert event_spec(item, f.show, AOAD_OUT).name == "The Film"
    w = weekly()
    items = [i for _, i in items_by_due(GuildConfig(G), w.releases)]
    assert [event_spec(i, w.show, AOAD_OUT).location for i in items] == [
        "Disney+",
        "Disney+ (KR)",
        "Disney+",
    ]
    assert [event_spec(i, w.show, AOAD_OUT).name for i in items] == [
        "Snowdrop — S1E1",
        "Snowdrop — S1E2",
        "Snowdrop — S1E3",
    ]


def test_an_event_fits_discords_limits_and_its_text_is_inert() -> None:
    show = Show(
        "long",
        "A " + "very " * 40 + "long title",
        synopsis="**Bold** @everyone <@123> " + "x" * 2000,
        platform="P" * 150,
        season_count=2,
    )
    rel = Release(
        show.id, When.parse("2022-01-28T08:00", "UTC"), Scope.SEASON, 2, 9, "P" * 150, part=2, last_episode=16
    )
    [(due, item)] = items_by_due(GuildConfig(G), [rel])
    spec = event_spec(item, show, due)
    assert len(spec.name) <= 100 and spec.name.endswith("… — Season 2, part 2: episodes 9–16")
    assert spec.description is not None and len(spec.description) <= 1000
    assert spec.description.startswith("\\*\\*Bold\\*\\* @\u200beveryone <@\u200b123>")
    assert len(spec.location) <= 100
    bare = Show("bare", "Bare")
    rel = Release(bare.id, When.parse("2022-01-28T08:00", "UTC"), Scope.EPISODE, 1, 1)
    [(due, item)] = items_by_due(GuildConfig(G), [rel])
    spec = event_spec(item, bare, due)
    assert spec.description is None and spec.location == "To be announced"


@pytest.mark.parametrize("value", [0, 31, -1, 10**20, True, 7.5, "7", "seven", [7]])
def test_hostile_days_ahead_are_refused(value: object) -> None:
    with pytest.raises(BadInput) as exc:
        parse_days(value)
    assert "1 to 30" in exc.value.user_message


def test_days_ahead_default_and_range() -> None:
    assert [parse_days(None), parse_days(1), parse_days(30), parse_days(None, default=12)] == [7, 1, 30, 12]


# -- which events a server must have -----------------------------------------------------------------


def test_a_date_only_release_starts_at_the_servers_post_time_in_its_zone() -> None:
    releases = film("2022-01-26", "UTC").releases
    seoul = GuildConfig(G, "Asia/Seoul", time(9, 0))
    new_york = GuildConfig(G, "America/New_York", time(18, 30))
    assert list(wanted_at(NOW, seoul, releases).values()) == [datetime(2022, 1, 26, 0, 0, tzinfo=UTC)]
    assert list(wanted_at(NOW, new_york, releases).values()) == [datetime(2022, 1, 26, 23, 30, tzinfo=UTC)]


def test_what_a_channel_would_not_post_gets_no_event() -> None:
    releases = [*aoad().releases, *weekly().releases, *film("2022-01-26", "UTC").releases]
    g = GuildConfig(G)
    assert len(wanted_at(NOW, g, releases)) == 5
    premieres = wanted_at(NOW, g, releases, kinds=Kinds.PREMIERES)
    assert sorted(premieres) == [
        "all-of-us-are-dead-season-s1-netflix-ww",
        "snowdrop-episode-s1-e1-disney-ww",
        "the-film-show-netflix-ww",
    ]
    assert list(wanted_at(NOW, g, releases, shows=("snowdrop",))) == [
        "snowdrop-episode-s1-e1-disney-ww",
        "snowdrop-episode-s1-e2-disney-kr",
        "snowdrop-episode-s1-e3-disney-ww",
    ]
    assert list(wanted_at(NOW, g, releases, platforms=("disney+",))) == list(
        wanted_at(NOW, g, releases, shows=("snowdrop",))
    )
    assert wanted_at(NOW, g, releases, broken_reason="Missing Access") == {}
    # Month, year and TBA releases have no start; what is already out has no event to come.
    vague = [Release("x", When.parse(t, "UTC"), Scope.SHOW) for t in ("2022-02", "2022", "TBA")]
    assert wanted_at(NOW, g, vague) == {}
    assert wanted_at(AOAD_OUT, g, aoad().releases) == {}


def test_an_event_is_made_inside_the_window_and_never_for_a_start_too_soon() -> None:
    assert creatable(NOW + timedelta(days=7), NOW, 7)
    assert not creatable(NOW + timedelta(days=7, minutes=1), NOW, 7)
    assert creatable(NOW + timedelta(days=7, minutes=1), NOW, 8)
    assert not creatable(NOW + timedelta(minutes=2), NOW, 7)
    assert not creatable(NOW - timedelta(minutes=1), NOW, 7)


def test_what_admins_read() -> None:
    assert on_text(7, channels=1, paused=False).startswith(
        "Events on: I'll add a Discord event for each release announced here, 7 days ahead"
    )
    assert "/announce channel add" in on_text(7, channels=0, paused=False)
    assert "/announce resume" in on_text(1, channels=1, paused=True)
    assert off_text(3, 0) == "Events off. I removed the 3 events I had added."
    assert off_text(1, 0) == "Events off. I removed the 1 event I had added."
    assert "no events" in off_text(0, 0)
    assert "2 more could not be removed yet" in off_text(1, 2)


# -- the service ---------------------------------------------------------------------------------------


@dataclass
class FakeDiscordEvents:
    """Discord's scheduled events as the service sees them: ids, statuses, refusals."""

    clock: ManualClock
    events: dict[int, tuple[int, EventSpec, int, bool]] = field(
        default_factory=dict
    )  # id -> guild, spec, status, mine
    calls: list[tuple[str, int]] = field(default_factory=list)
    forbidden: set[int] = field(default_factory=set)
    lose_answer: bool = False  # the connection drops after Discord made the event
    hang: asyncio.Event | None = None  # Discord made it; the answer never comes
    limit: int = 100
    next_id: int = 9000

    async def create(self, guild_id: int, spec: EventSpec) -> int:
        self.calls.append(("create", guild_id))
        self._check(guild_id)
        if spec.start <= self.clock():
            raise DeliveryError("Cannot schedule event in the past.")
        if len(self.upcoming(guild_id)) >= self.limit:
            raise EventLimit("the server has Discord's maximum of 100 upcoming events")
        self.next_id += 1
        self.events[self.next_id] = (guild_id, spec, 1, True)
        if self.hang is not None:
            self.hang.set()
            await asyncio.Event().wait()
        if self.lose_answer:
            self.lose_answer = False
            raise TransientDeliveryError("the connection dropped")
        return self.next_id

    async def edit(self, guild_id: int, event_id: int, spec: EventSpec) -> None:
        self.calls.append(("edit", guild_id))
        g, _, status, mine = self._event(guild_id, event_id)
        self.events[event_id] = (g, spec, status, mine)

    async def cancel(self, guild_id: int, event_id: int) -> None:
        self.calls.append(("cancel", guild_id))
        g, spec, _, mine = self._event(guild_id, event_id)
        self.events[event_id] = (g, spec, 4, mine)

    async def delete(self, guild_id: int, event_id: int) -> None:
        self.calls.append(("delete", guild_id))
        self._check(guild_id)
        if event_id not in self.events:
            raise EventGone("the event was deleted (Unknown Guild Scheduled Event)")
        del self.events[event_id]

    async def list(self, guild_id: int) -> list[ListedEvent]:
        self.calls.append(("list", guild_id))
        return [
            ListedEvent(eid, spec.name, spec.location, spec.start, status, mine)
            for eid, (g, spec, status, mine) in self.events.items()
            if g == guild_id
        ]

    def _check(self, guild_id: int) -> None:
        if guild_id in self.forbidden:
            raise EventsForbidden("I lack the Create Events permission (Missing Permissions)")

    def _event(self, guild_id: int, event_id: int) -> tuple[int, EventSpec, int, bool]:
        self._check(guild_id)
        if event_id not in self.events:
            raise EventGone("the event was deleted (Unknown Guild Scheduled Event)")
        ev = self.events[event_id]
        if ev[2] in (3, 4):
            raise EventFinished("the event is canceled or over (Cannot update a finished event)")
        return ev

    def upcoming(self, guild_id: int) -> dict[int, EventSpec]:
        return {
            eid: spec
            for eid, (g, spec, status, _) in self.events.items()
            if g == guild_id and status in (1, 2)
        }

    def named(self, guild_id: int) -> list[str]:
        return sorted(spec.name for spec in self.upcoming(guild_id).values())


@pytest.fixture
def eclock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def discord_events(eclock: ManualClock) -> FakeDiscordEvents:
    return FakeDiscordEvents(eclock)


@pytest.fixture
async def estore(store: Store) -> Store:
    await store.import_records([aoad(), weekly(), film("2022-01-26", "UTC")])
    return store


@pytest.fixture
def events(estore: Store, eclock: ManualClock, discord_events: FakeDiscordEvents) -> EventService:
    return EventService(estore, eclock, discord_events)


async def announce(store: Store, guild_id: int = G, channel_id: int = C, **change: object) -> None:
    await store.configure_announce_channel(guild_id, channel_id, ChannelChange(**change), now=ADDED)  # type: ignore[arg-type]


AOAD_EVENT = "All of Us Are Dead — Season 1, all 12 episodes"
THIS_WEEK = [
    "All of Us Are Dead — Season 1, all 12 episodes",
    "Snowdrop — S1E1",
    "Snowdrop — S1E2",
    "The Film",
]


async def test_each_release_gets_one_event_and_a_refresh_with_no_change_sends_nothing(
    estore: Store, events: EventService, discord_events: FakeDiscordEvents
) -> None:
    await announce(estore)
    guild = await events.enable(G)
    assert guild.events and guild.events_days == 7
    report = await events.refresh()
    assert report.created == 4 and discord_events.named(G) == THIS_WEEK  # Snowdrop's E3 is 2 weeks away
    [aoad_event] = [s for s in discord_events.upcoming(G).values() if s.name == AOAD_EVENT]
    assert (aoad_event.start, aoad_event.location) == (AOAD_OUT, "Netflix")
    rows = await estore.events.event_rows([G])
    assert len(rows) == 4 and all(r.event_id in discord_events.events and r.state == "active" for r in rows)

    calls = len(discord_events.calls)
    seen: list[str] = []
    stop = estore.db.observe(seen.append)
    report = await events.refresh(NOW + timedelta(minutes=10))
    stop()
    assert not report and report.unchanged == 4 and len(discord_events.calls) == calls
    writes = [s for s in seen if not s.lstrip().upper().startswith(("SELECT", "PRAGMA"))]
    assert len(seen) <= 10 and len(writes) <= 1, seen  # reads, and the pruning of old rows


async def test_the_window_is_counted_from_now(
    estore: Store, events: EventService, discord_events: FakeDiscordEvents, eclock: ManualClock
) -> None:
    await announce(estore)
    await events.enable(G, 1)
    await events.refresh()
    assert discord_events.named(G) == []  # all of them more than a day away
    eclock.set(AOAD_OUT - timedelta(hours=23))
    await events.refresh()
    assert discord_events.named(G) == [AOAD_EVENT, "Snowdrop — S1E1", "Snowdrop — S1E2"]
    await events.enable(G, 30)
    await events.refresh()
    assert "Snowdrop — S1E3" in discord_events.named(G)
    # A start minutes away, or past: no event (Discord refuses a start in the past).
    eclock.set(AOAD_OUT - timedelta(minutes=3))
    await estore.events.forget_events(G)
    discord_events.events.clear()
    await events.refresh()
    assert AOAD_EVENT not in discord_events.named(G) and "Snowdrop — S1E3" in discord_events.named(G)


async def test_a_moved_release_moves_its_event_wherever_it_goes(
    estore: Store, events: EventService, discord_events: FakeDiscordEvents
) -> None:
    await announce(estore)
    await events.enable(G)
    await events.refresh()
    ids = set(discord_events.events)
    moved = aoad()
    moved.releases = [replace(moved.releases[0], when=When.parse("2022-01-27T21:00", "Asia/Seoul"))]
    await estore.import_records([moved])
    report = await events.refresh()
    assert report.edited == 1 and report.created == 0 and set(discord_events.events) == ids
    [spec] = [s for s in discord_events.upcoming(G).values() if s.name == AOAD_EVENT]
    assert spec.start == datetime(2022, 1, 27, 12, 0, tzinfo=UTC) and spec.end == spec.start + EVENT_LENGTH

    # Postponed by two months, far beyond the window: the event follows it.
    moved.releases = [replace(moved.releases[0], when=When.parse("2022-03-25T17:00", "Asia/Seoul"))]
    await estore.import_records([moved])
    report = await events.refresh()
    assert report.edited == 1 and report.canceled == 0
    [spec] = [s for s in discord_events.upcoming(G).values() if s.name == AOAD_EVENT]
    assert spec.start == datetime(2022, 3, 25, 8, 0, tzinfo=UTC)

    # New text (the synopsis): edited in place too.
    moved.show = replace(moved.show, synopsis="Students trapped in a school.")
    await estore.import_records([moved])
    assert (await events.refresh()).edited == 1
    assert [s.description for s in discord_events.upcoming(G).values() if s.name == AOAD_EVENT] == [
        "Students trapped in a school."
    ]
    assert set(discord_events.events) == ids


async def test_a_withdrawn_or_no_longer_announced_release_has_its_event_canceled(
    estore: Store, events: EventService, discord_events: FakeDiscordEvents
) -> None:
    await announce(estore)
    await events.enable(G)
    await events.refresh()
    gone = aoad()
    gone.releases = []
    await estore.import_records([gone])
    report = await events.refresh()
    assert report.canceled == 1 and AOAD_EVENT not in discord_events.named(G)
    assert [s for _, s, st, _ in discord_events.events.values() if st == 4][0].name == AOAD_EVENT
    # Known only to its month now: no start, no event.
    vague = film()
    vague.releases = [Release("the-film", When.parse("2022-02", "UTC"), Scope.SHOW, platform="Netflix")]
    await estore.import_records([vague])
    assert (await events.refresh()).canceled == 1
    # The channel takes premieres only now: the second episode is not announced.
    await announce(estore, kinds=Kinds.PREMIERES)
    assert (await events.refresh()).canceled == 1
    assert discord_events.named(G) == ["Snowdrop — S1E1"]
    # Back: a new event (the canceled one stays canceled).
    await estore.import_records([aoad()])
    assert (await events.refresh()).created == 1
    assert discord_events.named(G) == [AOAD_EVENT, "Snowdrop — S1E1"]
    # The last channel removed: nothing is announced here any more.
    await estore.remove_announce_channel(C, G)
    assert (await events.refresh()).canceled == 2 and discord_events.named(G) == []


async def test_turned_off_every_event_it_made_is_deleted_and_forgotten(
    estore: Store, events: EventService, discord_events: FakeDiscordEvents
) -> None:
    await announce(estore)
    await events.enable(G)
    await events.refresh()
    someone = ("delete", G)
    gone = aoad()
    gone.releases = []
    await estore.import_records([gone])
    await events.refresh()  # one canceled: deleted too, not counted
    report = await events.disable(G)
    assert report.deleted == 3 and report.left == 0 and discord_events.events == {}
    assert discord_events.calls.count(someone) == 4
    assert await estore.events.event_rows([G]) == []
    assert not (await estore.announce_guild(G)).events  # type: ignore[union-attr]
    assert (await events.refresh()).created == 0 and discord_events.events == {}


async def test_a_deletion_that_failed_is_tried_again_by_the_next_refresh(
    estore: Store, events: EventService, discord_events: FakeDiscordEvents
) -> None:
    await announce(estore)
    await events.enable(G)
    await events.refresh()

    async def down(guild_id: int, event_id: int) -> None:
        raise TransientDeliveryError("Discord had a server error (503)")

    real = discord_events.delete
    discord_events.delete = down  # type: ignore[method-assign]
    report = await events.disable(G)
    assert report.deleted == 0 and report.left == 4
    discord_events.delete = real  # type: ignore[method-assign]
    report = await events.refresh()
    assert report.deleted == 4 and discord_events.events == {} and await estore.events.event_rows() == []


async def test_a_crash_between_the_claim_and_discords_answer_never_makes_two(
    estore: Store, eclock: ManualClock, discord_events: FakeDiscordEvents
) -> None:
    await announce(estore)
    first = EventService(estore, eclock, discord_events)
    await first.enable(G)
    discord_events.hang = asyncio.Event()
    run = asyncio.create_task(first.refresh())
    async with asyncio.timeout(5):
        await discord_events.hang.wait()  # Discord made the first event; the process dies
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    discord_events.hang = None
    [claim] = await estore.events.event_rows([G])
    assert claim.event_id is None and len(discord_events.events) == 1

    restarted = EventService(estore, eclock, discord_events)
    report = await restarted.refresh()
    assert report.adopted == 1 and report.created == 3
    assert discord_events.named(G) == THIS_WEEK  # each once
    rows = await estore.events.event_rows([G])
    assert sorted(r.event_id for r in rows) == sorted(discord_events.events)


async def test_a_lost_answer_is_found_in_discords_list_and_a_claim_discord_never_saw_is_made(
    estore: Store, events: EventService, discord_events: FakeDiscordEvents
) -> None:
    await announce(estore, shows=("all-of-us-are-dead",))
    await events.enable(G)
    discord_events.lose_answer = True
    report = await events.refresh()
    assert report.created == 0 and report.failed == 1 and len(discord_events.events) == 1
    report = await events.refresh()
    assert report.adopted == 1 and report.created == 0 and len(discord_events.events) == 1
    [row] = await estore.events.event_rows([G])
    assert row.event_id == next(iter(discord_events.events))

    # A claim whose request never reached Discord: not in its list, so it is made.
    await events.disable(G)
    await events.enable(G)
    assert await estore.events.claim_event(
        G, "all-of-us-are-dead-season-s1-netflix-ww", AOAD_OUT, "x:y", now=NOW
    )
    report = await events.refresh()
    assert report.adopted == 0 and report.created == 1 and discord_events.named(G) == [AOAD_EVENT]


async def test_without_the_permission_the_server_waits_and_is_told(
    estore: Store, events: EventService, discord_events: FakeDiscordEvents, eclock: ManualClock, caplog
) -> None:
    await announce(estore)
    await events.enable(G)
    discord_events.forbidden.add(G)
    with caplog.at_level(logging.WARNING, "bot.services.events"):
        report = await events.refresh()
        assert report.blocked == [G] and discord_events.calls == [("create", G)]
        assert await estore.events.event_rows([G]) == []  # the claim was dropped
        for minutes in (10, 20, 30):
            assert not await events.refresh(NOW + timedelta(minutes=minutes))
    assert discord_events.calls == [("create", G)]  # no more tries for an hour
    assert sum("may not make scheduled events" in r.message for r in caplog.records) == 1
    assert "Create Events" in ((await events.status(G)).blocked or "")
    discord_events.forbidden.clear()
    eclock.set(NOW + timedelta(hours=1, minutes=1))
    assert (await events.refresh()).created == 4
    # Turned on again by an admin: tried at once.
    discord_events.forbidden.add(G)
    await estore.import_records([film("2022-01-27", "UTC")])
    await events.refresh()
    discord_events.forbidden.clear()
    await events.enable(G)
    assert (await events.refresh()).edited == 1


async def test_an_event_someone_deleted_is_left_deleted(
    estore: Store, events: EventService, discord_events: FakeDiscordEvents
) -> None:
    await announce(estore, shows=("all-of-us-are-dead",))
    await events.enable(G)
    await events.refresh()
    discord_events.events.clear()  # a moderator deleted it
    moved = aoad()
    moved.releases = [replace(moved.releases[0], when=When.parse("2022-01-27T21:00", "Asia/Seoul"))]
    await estore.import_records([moved])
    report = await events.refresh()
    assert report.edited == 0 and report.created == 0
    [row] = await estore.events.event_rows([G])
    assert row.state == "deleted"
    assert not await events.refresh() and discord_events.events == {}


async def test_paused_servers_are_left_as_they_are_and_other_servers_are_served(
    estore: Store, events: EventService, discord_events: FakeDiscordEvents
) -> None:
    await announce(estore)
    await announce(estore, 2, 20, platforms=("netflix",))
    await estore.update_announce_guild(2, zone="Asia/Seoul", post_time=time(20, 0))
    await events.enable(G)
    await events.enable(2, 10)
    await estore.update_announce_guild(G, paused=True)
    await events.refresh()
    assert discord_events.named(G) == []
    assert discord_events.named(2) == [AOAD_EVENT, "The Film"]
    [film_start] = [s.start for s in discord_events.upcoming(2).values() if s.name == "The Film"]
    assert film_start == datetime(2022, 1, 26, 11, 0, tzinfo=UTC)  # 20:00 in Seoul
    await estore.update_announce_guild(G, paused=False)
    assert (await events.refresh()).created == 4


async def test_at_discords_limit_the_nearest_releases_come_first(
    estore: Store, events: EventService, discord_events: FakeDiscordEvents
) -> None:
    await announce(estore)
    await events.enable(G, 30)
    discord_events.limit = 2
    report = await events.refresh()
    assert report.created == 2 and report.failed == 0
    assert discord_events.named(G) == [AOAD_EVENT, "The Film"]  # the 26th, then the first of the 28th
    assert len(await estore.events.event_rows([G])) == 2


async def test_a_tick_reads_only_the_fingerprint_until_something_changed(
    estore: Store, events: EventService, discord_events: FakeDiscordEvents, eclock: ManualClock
) -> None:
    await announce(estore)
    await events.enable(G)
    assert await events.tick() is not None  # a change: at once
    assert await events.tick(NOW + timedelta(minutes=1)) is None
    seen: list[str] = []
    stop = estore.db.observe(seen.append)
    assert await events.tick(NOW + timedelta(minutes=2)) is None
    stop()
    # The releases' fingerprint: two reads on SQLite, one on PostgreSQL (bot.store.catalogue).
    assert len(seen) == {"sqlite": 2, "postgresql": 1}[estore.db.dialect]
    await events.changed()
    assert await events.tick(NOW + timedelta(minutes=3)) is not None
    assert await events.tick(NOW + timedelta(minutes=4)) is None
    moved = aoad()  # the catalogue changed (an import, here or in another process)
    moved.releases = [replace(moved.releases[0], when=When.parse("2022-01-27T21:00", "Asia/Seoul"))]
    await estore.import_records([moved])
    report = await events.tick(NOW + timedelta(minutes=5))
    assert report is not None and report.edited == 1
    assert await events.tick(NOW + timedelta(minutes=14)) is None
    assert await events.tick(NOW + timedelta(minutes=15)) is not None  # every 10 minutes


async def test_the_job_ticks_on_the_bots_scheduler(
    estore: Store, events: EventService, discord_events: FakeDiscordEvents
) -> None:
    jobs: list[tuple[object, timedelta, str, timedelta]] = []

    class Scheduler:
        def add_interval_job(self, func, every, job_id, *, first_in):  # type: ignore[no-untyped-def]
            jobs.append((func, every, job_id, first_in))

    add_event_jobs(Scheduler(), events)
    [(func, every, job_id, first_in)] = jobs
    assert job_id == JOB_ID and every == timedelta(minutes=1) and first_in <= timedelta(seconds=30)
    await announce(estore)
    await events.enable(G)
    await func()  # type: ignore[operator]
    assert len(discord_events.named(G)) == 4


async def test_rows_of_events_long_started_are_forgotten(
    estore: Store, events: EventService, eclock: ManualClock
) -> None:
    await announce(estore)
    await events.enable(G)
    await events.refresh()
    eclock.set(AOAD_OUT + timedelta(days=3))
    await events.refresh()  # Snowdrop's third episode comes into the window meanwhile
    assert [r.release_key for r in await estore.events.event_rows([G])] == [
        "snowdrop-episode-s1-e3-disney-ww"
    ]
